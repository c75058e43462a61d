// The worker's pools: request buffers (exchange.h) and keep-alive upstream connections
// (upstream_pool.h).
#include <poll.h>

#include <gtest/gtest.h>

#include <memory>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "gateway/exchange.h"
#include "gateway/upstream_pool.h"

namespace fulcrum {
namespace {

using tcp = boost::asio::ip::tcp;

TEST(ExchangePoolTest, ReusesReleasedExchangesEmptied) {
  HeapTrimmer trimmer;
  ExchangePool pool(trimmer);
  std::unique_ptr<Exchange> exchange = pool.acquire(1024);
  Exchange* first = exchange.get();
  exchange->client_filled = 10;
  exchange->out.append("HTTP/1.1 200 OK\r\n");
  pool.release(std::move(exchange), 1024, 0);
  EXPECT_EQ(pool.pooled(), 1u);
  std::unique_ptr<Exchange> again = pool.acquire(1024);
  EXPECT_EQ(again.get(), first);
  EXPECT_EQ(again->client_filled, 0u);
  EXPECT_TRUE(again->out.empty());
}

// After a reload changed limits.header_bytes, buffers of the old size are not kept.
TEST(ExchangePoolTest, FreesExchangesOfAnotherSize) {
  HeapTrimmer trimmer;
  ExchangePool pool(trimmer);
  pool.release(pool.acquire(1024), 2048, 0);
  EXPECT_EQ(pool.pooled(), 0u);
  EXPECT_EQ(pool.acquire(2048)->capacity, 2048u);
}

TEST(ExchangePoolTest, KeepsAtMost32) {
  HeapTrimmer trimmer;
  ExchangePool pool(trimmer);
  std::vector<std::unique_ptr<Exchange>> taken;
  for (int i = 0; i < 40; ++i) taken.push_back(pool.acquire(64));
  for (auto& exchange : taken) pool.release(std::move(exchange), 64, 0);
  EXPECT_EQ(pool.pooled(), 32u);
}

class UpstreamPoolTest : public ::testing::Test {
 protected:
  // A connected socket to a loopback listener of the test's own.
  std::unique_ptr<Upstream> connected_upstream() {
    auto upstream = std::make_unique<Upstream>(context_);
    upstream->backend = backend_;
    upstream->socket.connect(acceptor_.local_endpoint());
    peers_.push_back(std::make_unique<tcp::socket>(acceptor_.accept()));
    return upstream;
  }

  boost::asio::io_context context_;
  tcp::acceptor acceptor_{context_, tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0)};
  std::vector<std::unique_ptr<tcp::socket>> peers_;
  std::shared_ptr<Backend> backend_ =
      std::make_shared<Backend>(2, BackendConfig{"b", "127.0.0.1", 80, 1, {}}, tcp::endpoint());
  UpstreamPool pool_;
};

TEST_F(UpstreamPoolTest, GivesBackTheConnectionMarkedReused) {
  EXPECT_EQ(pool_.take(*backend_, false), nullptr);
  std::unique_ptr<Upstream> upstream = connected_upstream();
  Upstream* pooled = upstream.get();
  pool_.give_back(std::move(upstream), 100, 4);
  std::unique_ptr<Upstream> taken = pool_.take(*backend_, false);
  ASSERT_EQ(taken.get(), pooled);
  EXPECT_TRUE(taken->reused);
  EXPECT_EQ(taken->idle_since_ns, 100);
  EXPECT_EQ(pool_.take(*backend_, false), nullptr);
}

TEST_F(UpstreamPoolTest, KeepsAtMostTheLimitPerBackend) {
  pool_.give_back(connected_upstream(), 0, 1);
  pool_.give_back(connected_upstream(), 0, 1);
  EXPECT_NE(pool_.take(*backend_, false), nullptr);
  EXPECT_EQ(pool_.take(*backend_, false), nullptr);
}

// A request that cannot be replayed must not find out that the backend closed the connection.
TEST_F(UpstreamPoolTest, MustBeOpenSkipsConnectionsTheBackendClosed) {
  std::unique_ptr<Upstream> upstream = connected_upstream();
  peers_.back()->close();
  // Waits (up to 5 s) for the end of stream to arrive.
  pollfd readable{upstream->socket.native_handle(), POLLIN, 0};
  ASSERT_EQ(::poll(&readable, 1, 5000), 1);
  pool_.give_back(std::move(upstream), 0, 4);
  EXPECT_EQ(pool_.take(*backend_, /*must_be_open=*/true), nullptr);
}

TEST_F(UpstreamPoolTest, ClosesConnectionsIdleTooLong) {
  pool_.give_back(connected_upstream(), 100, 4);
  pool_.give_back(connected_upstream(), 300, 4);
  pool_.close_idle_since(200);
  std::unique_ptr<Upstream> kept = pool_.take(*backend_, false);
  ASSERT_NE(kept, nullptr);
  EXPECT_EQ(kept->idle_since_ns, 300);
  EXPECT_EQ(pool_.take(*backend_, false), nullptr);
}

}  // namespace
}  // namespace fulcrum
