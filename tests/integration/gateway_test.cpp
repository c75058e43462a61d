// The gateway end to end: `fulcrum gateway` and fulcrum_test_backend processes on loopback,
// driven by a raw-socket client that sends exact bytes and checks what comes back.
#include <signal.h>

#include <gtest/gtest.h>

#include <cctype>
#include <chrono>
#include <cstdio>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "fixtures.h"
#include "http_client.h"
#include "json_error.h"

namespace fulcrum::integration {
namespace {

using Clock = std::chrono::steady_clock;

// Short timeouts keep the suite fast; the limits are small so that tests can cross them.
constexpr std::string_view kStrictSettings =
    "  workers: 1\n"
    "  retries: {attempts: 0}\n"
    "  limits: {header_bytes: 4Ki, body_bytes: 1Ki}\n"
    "  timeouts: {header: 500ms, first_byte: 500ms, idle: 1s}\n";

// What /echo reported about the request the backend received.
struct Echo {
  std::string request_line;
  std::vector<std::pair<std::string, std::string>> fields;  // names lower-cased
  std::string body;

  int count(const std::string& name) const {
    int found = 0;
    for (const auto& field : fields) found += field.first == name ? 1 : 0;
    return found;
  }
  std::string value(const std::string& name) const {
    for (const auto& [field_name, field_value] : fields) {
      if (field_name == name) return field_value;
    }
    return "";
  }
};

Echo parse_echo(const std::string& text) {
  Echo echo;
  size_t line_end = text.find('\n');
  echo.request_line = text.substr(0, line_end);
  size_t position = line_end + 1;
  for (;;) {
    line_end = text.find('\n', position);
    if (line_end == std::string::npos || line_end == position) break;
    std::string line = text.substr(position, line_end - position);
    size_t colon = line.find(": ");
    std::string name = line.substr(0, colon);
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    echo.fields.emplace_back(name, line.substr(colon + 2));
    position = line_end + 1;
  }
  echo.body = line_end == std::string::npos ? "" : text.substr(line_end + 1);
  return echo;
}

// Sends `requests` GETs of `path` on one keep-alive connection; responses counted by the backend
// that served them, or by "status N" for anything but 200.
std::map<std::string, int> count_backends(uint16_t port, int requests,
                                          std::string_view path = "/") {
  std::map<std::string, int> counts;
  auto connection = RawConnection::open(port);
  if (!connection) return counts;
  for (int i = 0; i < requests; ++i) {
    if (!connection->send(get_request(path))) break;
    auto response = connection->read_response();
    if (!response) {
      ++counts["no response"];
      break;
    }
    if (response->status == 200) {
      ++counts[response->header("X-Fulcrum-Backend")];
    } else {
      ++counts["status " + std::to_string(response->status)];
    }
  }
  return counts;
}

// A payload whose bytes differ by position, so that a dropped or reordered piece shows.
std::string pattern_bytes(size_t size) {
  std::string bytes(size, '\0');
  for (size_t i = 0; i < size; ++i) bytes[i] = static_cast<char>('A' + (i * 7 + i / 251) % 58);
  return bytes;
}

std::string chunked_encoding(std::string_view payload, size_t chunk_bytes) {
  std::string encoded;
  char size_line[32];
  for (size_t offset = 0; offset < payload.size(); offset += chunk_bytes) {
    std::string_view piece = payload.substr(offset, chunk_bytes);
    std::snprintf(size_line, sizeof size_line, "%zx\r\n", piece.size());
    encoded.append(size_line).append(piece).append("\r\n");
  }
  return encoded + "0\r\n\r\n";
}

std::string post_request(std::string_view path, std::string_view body) {
  return "POST " + std::string(path) +
         " HTTP/1.1\r\nHost: test\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" +
         std::string(body);
}

std::string chunked_post_request(std::string_view path, std::string_view encoded_body) {
  return "POST " + std::string(path) +
         " HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\n" +
         std::string(encoded_body);
}

void expect_json_error(const HttpResponse& response, int status, std::string_view code) {
  EXPECT_EQ(response.status, status);
  EXPECT_EQ(response.header("Content-Type"), "application/json");
  auto error = parse_json_error(response.body);
  ASSERT_TRUE(error.has_value()) << response.body;
  EXPECT_EQ(error->code, code);
  EXPECT_FALSE(error->message.empty());
}

// Starts one backend per name.
std::vector<std::unique_ptr<TestBackend>> start_backends(const std::vector<std::string>& names) {
  std::vector<std::unique_ptr<TestBackend>> backends;
  backends.reserve(names.size());
  for (const std::string& name : names) backends.push_back(TestBackend::start(name));
  return backends;
}

#define ASSERT_STARTED(process) ASSERT_TRUE((process) != nullptr) << #process " did not start"

// Backend "a" behind a gateway with `settings()`.
class ProxyTest : public ::testing::Test {
 protected:
  virtual std::string settings() const { return "  workers: 1\n"; }

  void SetUp() override {
    backend_ = TestBackend::start("a");
    ASSERT_STARTED(backend_);
    gateway_ = TestGateway::start({entry(*backend_)}, settings());
    ASSERT_STARTED(gateway_);
  }

  std::unique_ptr<TestBackend> backend_;
  std::unique_ptr<TestGateway> gateway_;
};

// The same with small limits and short timeouts, for tests that cross them.
class StrictLimitsTest : public ProxyTest {
 protected:
  std::string settings() const override { return std::string(kStrictSettings); }
};

// ---- routing and connection handling ---------------------------------------------------------

TEST(GatewayTest, WeightedRoundRobinSplitsRequestsExactlyByWeight) {
  auto backends = start_backends({"a", "b", "c"});
  for (auto& backend : backends) ASSERT_STARTED(backend);
  auto gateway =
      TestGateway::start({entry(*backends[0], 5), entry(*backends[1], 1), entry(*backends[2], 1)},
                         "  workers: 1\n  policy: {policy: weighted_round_robin}\n");
  ASSERT_STARTED(gateway);

  std::map<std::string, int> counts = count_backends(gateway->port(), 700);
  EXPECT_EQ(counts, (std::map<std::string, int>{{"a", 500}, {"b", 100}, {"c", 100}}));
  EXPECT_EQ(backends[0]->stats()->requests, 500u);
  EXPECT_EQ(backends[1]->stats()->requests, 100u);
  EXPECT_EQ(backends[2]->stats()->requests, 100u);
}

TEST_F(ProxyTest, KeepAliveClientReusesOnePooledUpstreamConnection) {
  EXPECT_EQ(count_backends(gateway_->port(), 100), (std::map<std::string, int>{{"a", 100}}));
  auto stats = backend_->stats();
  ASSERT_TRUE(stats.has_value());
  EXPECT_EQ(stats->requests, 100u);
  // One connection from the gateway's pool, plus the one that asked for the stats.
  EXPECT_EQ(stats->connections, 2u);
}

// The gateway's count of parked connections, from the admin listener's /metrics.
std::optional<double> parked_connections(uint16_t admin_port) {
  auto metrics = fetch_once(admin_port, get_request("/metrics"));
  if (!metrics || metrics->status != 200) return std::nullopt;
  return metric_value(metrics->body, "fulcrum_gateway_connections_parked");
}

// A connection idle past the park delay (200 ms) gives its buffers back and waits without them;
// its next request is served just the same, and so is a pipelined pair after it.
TEST(GatewayTest, ParkedKeepAliveConnectionServesItsNextRequests) {
  auto backend = TestBackend::start("a");
  ASSERT_STARTED(backend);
  const uint16_t admin_port = find_free_port();
  auto gateway = TestGateway::start(
      {entry(*backend)},
      "  workers: 1\n  admin: {listen: 127.0.0.1:" + std::to_string(admin_port) + "}\n");
  ASSERT_STARTED(gateway);
  auto connection = RawConnection::open(gateway->port());
  ASSERT_TRUE(connection);
  for (int round = 0; round < 3; ++round) {
    ASSERT_TRUE(connection->send(get_request("/echo?round=" + std::to_string(round))));
    auto response = connection->read_response();
    ASSERT_TRUE(response.has_value()) << "round " << round;
    EXPECT_EQ(response->status, 200);
    // Parked by one of the 100 ms ticks once it has been idle for 200 ms.
    ASSERT_TRUE(eventually([&] { return parked_connections(admin_port) == 1; }))
        << "round " << round << ": " << parked_connections(admin_port).value_or(-1);
  }
  // Busy again: a request in progress is not parked.
  ASSERT_TRUE(connection->send(get_request("/sleep/300")));
  ASSERT_TRUE(eventually([&] { return backend->stats()->requests == 4; }));
  EXPECT_EQ(parked_connections(admin_port), 0);
  ASSERT_TRUE(connection->read_response().has_value());
  ASSERT_TRUE(connection->send(get_request("/echo?p=1") + get_request("/echo?p=2")));
  auto first = connection->read_response();
  auto second = connection->read_response();
  ASSERT_TRUE(first.has_value() && second.has_value());
  EXPECT_EQ(first->status, 200);
  EXPECT_EQ(second->status, 200);
  EXPECT_NE(first->body.find("/echo?p=1"), std::string::npos) << first->body;
  EXPECT_NE(second->body.find("/echo?p=2"), std::string::npos) << second->body;
}

TEST_F(ProxyTest, ForwardsClientIdentityAndDropsHopByHopFields) {
  auto connection = RawConnection::open(gateway_->port());
  ASSERT_TRUE(connection);

  ASSERT_TRUE(connection->send(get_request("/echo?q=1",
                                           "Connection: keep-alive, X-Hop-Secret\r\n"
                                           "X-Hop-Secret: dropped\r\n"
                                           "Keep-Alive: timeout=5\r\n"
                                           "TE: trailers\r\n"
                                           "Upgrade: h2c\r\n"
                                           "Proxy-Connection: keep-alive\r\n"
                                           "X-Custom: kept\r\n")));
  auto response = connection->read_response();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->header("X-Fulcrum-Backend"), "a");
  EXPECT_EQ(response->header("X-Backend-Name"), "a");
  Echo echo = parse_echo(response->body);
  EXPECT_EQ(echo.request_line, "GET /echo?q=1 HTTP/1.1");
  EXPECT_EQ(echo.value("host"), "test");
  EXPECT_EQ(echo.value("x-custom"), "kept");
  EXPECT_EQ(echo.value("x-forwarded-for"), "127.0.0.1");
  EXPECT_EQ(echo.value("x-forwarded-proto"), "http");
  EXPECT_EQ(echo.count("x-request-id"), 1);
  std::string generated_id = echo.value("x-request-id");
  EXPECT_EQ(generated_id.size(), 16u);
  EXPECT_EQ(generated_id.find_first_not_of("0123456789abcdef"), std::string::npos);
  for (const char* hop :
       {"connection", "x-hop-secret", "keep-alive", "te", "upgrade", "proxy-connection"}) {
    EXPECT_EQ(echo.count(hop), 0) << hop;
  }

  // A client's own request id is kept, and not doubled.
  ASSERT_TRUE(connection->send(get_request("/echo", "X-Request-Id: client-id-42\r\n")));
  response = connection->read_response();
  ASSERT_TRUE(response.has_value());
  echo = parse_echo(response->body);
  EXPECT_EQ(echo.count("x-request-id"), 1);
  EXPECT_EQ(echo.value("x-request-id"), "client-id-42");

  // Every request without one gets a fresh id.
  ASSERT_TRUE(connection->send(get_request("/echo")));
  response = connection->read_response();
  ASSERT_TRUE(response.has_value());
  echo = parse_echo(response->body);
  EXPECT_EQ(echo.value("x-request-id").size(), 16u);
  EXPECT_NE(echo.value("x-request-id"), generated_id);
}

TEST_F(ProxyTest, PipelinedRequestsAreAnsweredInOrder) {
  auto connection = RawConnection::open(gateway_->port());
  ASSERT_TRUE(connection);

  ASSERT_TRUE(connection->send(get_request("/echo?n=1") + post_request("/echo?n=2", "hello") +
                               get_request("/echo?n=3")));
  std::vector<std::string> request_lines;
  std::vector<std::string> bodies;
  for (int i = 0; i < 3; ++i) {
    auto response = connection->read_response();
    ASSERT_TRUE(response.has_value()) << "response " << i;
    EXPECT_EQ(response->status, 200);
    Echo echo = parse_echo(response->body);
    request_lines.push_back(echo.request_line);
    bodies.push_back(echo.body);
  }
  EXPECT_EQ(request_lines,
            (std::vector<std::string>{"GET /echo?n=1 HTTP/1.1", "POST /echo?n=2 HTTP/1.1",
                                      "GET /echo?n=3 HTTP/1.1"}));
  EXPECT_EQ(bodies, (std::vector<std::string>{"", "hello", ""}));
}

TEST_F(ProxyTest, RequestBodiesArriveIntact) {
  auto connection = RawConnection::open(gateway_->port());
  ASSERT_TRUE(connection);
  // Larger than the gateway's 16 KiB request buffer, so the body streams through.
  const std::string large = pattern_bytes(size_t{1024} * 1024);

  struct Case {
    std::string name;
    std::string request;
    std::string expected_body;
  };
  const std::vector<Case> cases = {
      {"content-length", post_request("/echo", "hello world"), "hello world"},
      {"chunked", chunked_post_request("/echo", "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"),
       "hello world"},
      {"large content-length", post_request("/echo", large), large},
      {"large chunked", chunked_post_request("/echo", chunked_encoding(large, 50000)), large},
      {"after large bodies", get_request("/echo"), ""},
  };
  for (const Case& test_case : cases) {
    SCOPED_TRACE(test_case.name);
    ASSERT_TRUE(connection->send(test_case.request));
    auto response = connection->read_response(10s);
    ASSERT_TRUE(response.has_value());
    EXPECT_EQ(response->status, 200);
    Echo echo = parse_echo(response->body);
    EXPECT_EQ(echo.body.size(), test_case.expected_body.size());
    EXPECT_TRUE(echo.body == test_case.expected_body);
  }

  // A request pipelined behind a streamed body is kept and answered next.
  ASSERT_TRUE(connection->send(post_request("/echo", large) + get_request("/echo?next")));
  auto streamed = connection->read_response(10s);
  ASSERT_TRUE(streamed.has_value());
  EXPECT_TRUE(parse_echo(streamed->body).body == large);
  auto next = connection->read_response();
  ASSERT_TRUE(next.has_value());
  EXPECT_EQ(parse_echo(next->body).request_line, "GET /echo?next HTTP/1.1");
}

TEST_F(ProxyTest, StreamsServerSentEventsAsTheyArrive) {
  auto connection = RawConnection::open(gateway_->port());
  ASSERT_TRUE(connection);

  // The backend sends event 0 at once, then one every 300 ms, and [DONE] at 1200 ms.
  const auto sent = Clock::now();
  ASSERT_TRUE(connection->send(get_request("/sse?events=4&interval_ms=300")));
  ASSERT_TRUE(connection->read_until_contains("data: 0\n\n"));
  const auto first_event = Clock::now() - sent;
  ASSERT_TRUE(connection->read_until_contains("data: [DONE]\n\n"));
  const auto last_event = Clock::now() - sent;
  EXPECT_LT(first_event, last_event / 2) << "the gateway held the stream back";

  auto response = connection->read_response();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->header("Content-Type"), "text/event-stream");
  EXPECT_EQ(response->header("Transfer-Encoding"), "chunked");
  EXPECT_EQ(response->body, "data: 0\n\ndata: 1\n\ndata: 2\n\ndata: 3\n\ndata: [DONE]\n\n");
}

TEST_F(ProxyTest, PassesChunkedAndLargeResponsesThrough) {
  auto connection = RawConnection::open(gateway_->port());
  ASSERT_TRUE(connection);

  ASSERT_TRUE(connection->send(get_request("/chunked?chunks=3")));
  auto response = connection->read_response();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->body, "chunk 0\nchunk 1\nchunk 2\n");

  ASSERT_TRUE(connection->send(get_request("/big?bytes=3000000")));
  response = connection->read_response(10s);
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->header("Content-Length"), "3000000");
  ASSERT_EQ(response->body.size(), 3000000u);
  EXPECT_EQ(response->body.substr(0, 5), "abcde");
  EXPECT_EQ(response->body.back(), static_cast<char>('a' + 2999999 % 26));
}

TEST_F(ProxyTest, HonoursHttp10AndConnectionClose) {
  struct Case {
    std::string request;
    std::string connection_field;  // on the response
    bool closed;                   // the gateway closes the connection after the response
  };
  const std::vector<Case> cases = {
      {"GET / HTTP/1.0\r\n\r\n", "close", true},
      {"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", "keep-alive", false},
      {get_request("/", "Connection: close\r\n"), "close", true},
      {get_request("/"), "", false},
  };
  for (const Case& test_case : cases) {
    SCOPED_TRACE(test_case.request);
    auto connection = RawConnection::open(gateway_->port());
    ASSERT_TRUE(connection);
    ASSERT_TRUE(connection->send(test_case.request));
    auto response = connection->read_response();
    ASSERT_TRUE(response.has_value());
    EXPECT_EQ(response->status, 200);
    EXPECT_EQ(response->body, "a\n");
    EXPECT_EQ(response->header("Connection"), test_case.connection_field);
    if (test_case.closed) {
      EXPECT_TRUE(connection->read_until_closed(2s));
      continue;
    }
    ASSERT_TRUE(connection->send(test_case.request));  // still open for another request
    EXPECT_EQ(connection->read_response()->status, 200);
  }
  // Upstream every request is HTTP/1.1, so one without Host gets the backend's.
  auto response = fetch_once(gateway_->port(), "GET /echo HTTP/1.0\r\n\r\n");
  ASSERT_TRUE(response.has_value());
  Echo echo = parse_echo(response->body);
  EXPECT_EQ(echo.request_line, "GET /echo HTTP/1.1");
  EXPECT_EQ(echo.value("host"), "127.0.0.1:" + std::to_string(backend_->port()));
}

TEST_F(ProxyTest, ResponseToHeadHasNoBodyAndTheConnectionStaysUsable) {
  auto connection = RawConnection::open(gateway_->port());
  ASSERT_TRUE(connection);
  ASSERT_TRUE(
      connection->send("HEAD /big?bytes=5000 HTTP/1.1\r\nHost: test\r\n\r\n" + get_request("/")));
  auto head = connection->read_response(5s, /*request_was_head=*/true);
  ASSERT_TRUE(head.has_value());
  EXPECT_EQ(head->status, 200);
  EXPECT_EQ(head->header("Content-Length"), "5000");
  EXPECT_EQ(head->body, "");
  auto next = connection->read_response();
  ASSERT_TRUE(next.has_value());
  EXPECT_EQ(next->status, 200);
  EXPECT_EQ(next->body, "a\n");
  EXPECT_TRUE(connection->received().empty());
}

TEST_F(ProxyTest, AnswersExpectContinueSoTheClientSendsItsBody) {
  auto connection = RawConnection::open(gateway_->port());
  ASSERT_TRUE(connection);
  ASSERT_TRUE(connection->send(
      "POST /echo HTTP/1.1\r\nHost: test\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n"));
  auto interim = connection->read_response(3s);
  ASSERT_TRUE(interim.has_value()) << "no 100 Continue";
  EXPECT_EQ(interim->status, 100);
  ASSERT_TRUE(connection->send("hello"));
  auto response = connection->read_response();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(parse_echo(response->body).body, "hello");
}

TEST_F(StrictLimitsTest, IdleClientConnectionIsClosedAfterTheIdleTimeout) {
  auto connection = RawConnection::open(gateway_->port());
  ASSERT_TRUE(connection);
  ASSERT_TRUE(connection->send(get_request("/")));
  ASSERT_TRUE(connection->read_response().has_value());
  EXPECT_TRUE(connection->read_until_closed(3s));
  EXPECT_TRUE(connection->received().empty());
}

TEST(GatewayTest, ConnectionsOverTheLimitAreClosedAtOnce) {
  auto backend = TestBackend::start("a");
  ASSERT_STARTED(backend);
  auto gateway =
      TestGateway::start({entry(*backend)}, "  workers: 1\n  limits: {connections: 2}\n");
  ASSERT_STARTED(gateway);
  std::vector<std::unique_ptr<RawConnection>> admitted;
  for (int i = 0; i < 2; ++i) {
    admitted.push_back(RawConnection::open(gateway->port()));
    ASSERT_TRUE(admitted.back());
    ASSERT_TRUE(admitted.back()->send(get_request("/")));  // answered: accepted and counted
    ASSERT_TRUE(admitted.back()->read_response().has_value());
  }
  auto refused = RawConnection::open(gateway->port());
  ASSERT_TRUE(refused);
  EXPECT_TRUE(refused->read_until_closed(2s));
  EXPECT_TRUE(refused->received().empty());

  // The admitted ones keep working, and a place freed is taken again.
  ASSERT_TRUE(admitted[0]->send(get_request("/")));
  EXPECT_EQ(admitted[0]->read_response()->status, 200);
  admitted.pop_back();
  std::unique_ptr<RawConnection> next;
  for (auto deadline = Clock::now() + 2s; Clock::now() < deadline;) {
    next = RawConnection::open(gateway->port());
    if (next && next->send(get_request("/")) && next->read_response(1s).has_value()) break;
    next.reset();
  }
  EXPECT_TRUE(next != nullptr) << "no connection admitted after one closed";
}

// Both ways of sharing the listener between workers (accept: reuseport and accept: shared).
class TwoWorkersTest : public ::testing::TestWithParam<std::string> {};

TEST_P(TwoWorkersTest, ConcurrentClientsAllSucceed) {
  auto backends = start_backends({"a", "b"});
  for (auto& backend : backends) ASSERT_STARTED(backend);
  auto gateway = TestGateway::start(
      {entry(*backends[0]), entry(*backends[1])},
      "  workers: 2\n  accept: " + GetParam() + "\n  policy: {policy: least_connections}\n");
  ASSERT_STARTED(gateway);
  constexpr int kClients = 16;
  constexpr int kRequestsPerClient = 50;
  std::vector<std::map<std::string, int>> counts(kClients);
  std::vector<std::thread> clients;
  for (int client = 0; client < kClients; ++client) {
    clients.emplace_back([&counts, client, port = gateway->port()] {
      counts[client] = count_backends(port, kRequestsPerClient, "/echo");
    });
  }
  for (std::thread& client : clients) client.join();
  int served = 0;
  for (const auto& client_counts : counts) {
    for (const auto& [backend_name, count] : client_counts) {
      EXPECT_TRUE(backend_name == "a" || backend_name == "b") << backend_name;
      served += count;
    }
  }
  EXPECT_EQ(served, kClients * kRequestsPerClient);
  EXPECT_EQ(backends[0]->stats()->requests + backends[1]->stats()->requests,
            static_cast<uint64_t>(kClients * kRequestsPerClient));
}

INSTANTIATE_TEST_SUITE_P(AcceptModes, TwoWorkersTest, ::testing::Values("reuseport", "shared"));

// With accept: shared the listener is bound without SO_REUSEPORT, so a second gateway started by
// mistake on the same port fails with a clear error instead of silently taking half the traffic.
TEST(GatewayTest, SharedAcceptorRefusesASecondGatewayOnItsPort) {
  auto backend = TestBackend::start("a");
  ASSERT_STARTED(backend);
  auto gateway = TestGateway::start({entry(*backend)}, "  workers: 2\n  accept: shared\n");
  ASSERT_STARTED(gateway);
  TempDir dir;
  std::string config = dir.write_file(
      "second.yaml", "gateway:\n  listen: 127.0.0.1:" + std::to_string(gateway->port()) +
                         "\n  workers: 1\n  accept: shared\n  backends: [http://127.0.0.1:" +
                         std::to_string(backend->port()) + "]\n");
  const std::string log_path = dir.path() + "/second.log";
  auto second = ChildProcess::start({FULCRUM_BINARY, "gateway", "--config", config}, log_path);
  ASSERT_TRUE(second != nullptr);
  EXPECT_EQ(second->wait_exit(10s), std::optional<int>(1));
  EXPECT_NE(read_file(log_path).find("cannot listen on 127.0.0.1:" +
                                     std::to_string(gateway->port()) + ": Address already in use"),
            std::string::npos)
      << read_file(log_path);
  // The first gateway still serves.
  EXPECT_EQ(count_backends(gateway->port(), 3, "/echo")["a"], 3);
}

// ---- failures of backends ----------------------------------------------------------------------

TEST(GatewayTest, RetriesOnAnotherBackendWhenOneDies) {
  auto backends = start_backends({"a", "b"});
  for (auto& backend : backends) ASSERT_STARTED(backend);
  auto gateway = TestGateway::start({entry(*backends[0]), entry(*backends[1])},
                                    "  workers: 2\n  retries: {attempts: 2}\n");
  ASSERT_STARTED(gateway);
  // Both serve, so the gateway holds pooled connections to the one about to die.
  EXPECT_EQ(count_backends(gateway->port(), 10), (std::map<std::string, int>{{"a", 5}, {"b", 5}}));

  backends[1]->kill();
  std::map<std::string, int> counts;
  for (int i = 0; i < 200; ++i) {
    auto response = fetch_once(gateway->port(), get_request("/"));
    if (!response) {
      ++counts["no response"];
    } else if (response->status != 200) {
      ++counts["status " + std::to_string(response->status)];
    } else {
      ++counts[response->header("X-Fulcrum-Backend")];
    }
  }
  EXPECT_EQ(counts, (std::map<std::string, int>{{"a", 200}}));
}

TEST(GatewayTest, EjectsAFailingBackendAndTakesItBackAfterTheEjection) {
  auto backends = start_backends({"a", "b"});
  for (auto& backend : backends) ASSERT_STARTED(backend);
  const uint16_t admin_port = find_free_port();
  auto gateway = TestGateway::start(
      {entry(*backends[0]), entry(*backends[1])},
      "  workers: 1\n  retries: {attempts: 1}\n"
      "  passive_health: {consecutive_failures: 2, base_ejection: 2s, max_ejection: 2s}\n"
      "  admin: {listen: 127.0.0.1:" +
          std::to_string(admin_port) + "}\n");
  ASSERT_STARTED(gateway);
  EXPECT_EQ(count_backends(gateway->port(), 4), (std::map<std::string, int>{{"a", 2}, {"b", 2}}));

  // b fails its connects; every request still succeeds through the retry, and b is ejected.
  backends[1]->kill();
  EXPECT_EQ(count_backends(gateway->port(), 20), (std::map<std::string, int>{{"a", 20}}));

  // Back on the same port, b gets nothing while its ejection lasts ...
  ASSERT_TRUE(backends[1]->restart());
  EXPECT_EQ(count_backends(gateway->port(), 20), (std::map<std::string, int>{{"a", 20}}));
  EXPECT_EQ(backends[1]->stats()->requests, 0u);

  // ... and its share again once the ejection has passed, as the admin API tells.
  ASSERT_TRUE(eventually(
      [&] {
        auto state = fetch_once(admin_port, get_request("/admin/backends/b"));
        return state && state->body.find("\"ejected\":false") != std::string::npos;
      },
      10s));
  EXPECT_EQ(count_backends(gateway->port(), 20),
            (std::map<std::string, int>{{"a", 10}, {"b", 10}}));
  EXPECT_EQ(backends[1]->stats()->requests, 10u);
}

TEST(GatewayTest, Retries503OnAnotherBackendAndRelaysTheLastAnswer) {
  auto backends = start_backends({"a", "b"});
  for (auto& backend : backends) ASSERT_STARTED(backend);
  auto gateway = TestGateway::start({entry(*backends[0]), entry(*backends[1])},
                                    "  workers: 1\n  retries: {attempts: 1}\n");
  ASSERT_STARTED(gateway);
  auto response = fetch_once(gateway->port(), get_request("/status/503"));
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->status, 503);
  EXPECT_EQ(response->body, "503\n");
  EXPECT_EQ(response->header("X-Fulcrum-Backend"), "b");
  EXPECT_EQ(backends[0]->stats()->requests, 1u);
  EXPECT_EQ(backends[1]->stats()->requests, 1u);

  // A status that is not worth retrying is relayed from the first backend.
  response = fetch_once(gateway->port(), get_request("/status/500"));
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->status, 500);
  EXPECT_EQ(backends[0]->stats()->requests + backends[1]->stats()->requests, 3u);
}

// The backend closes keep-alive connections idle for 200 ms; the gateway's pooled connection to
// it goes stale while it waits, and the next requests must not fail because of that.
TEST(GatewayTest, StalePooledConnectionIsNotAFailure) {
  auto backend = TestBackend::start("a", 0, {"--idle-timeout-ms", "200"});
  ASSERT_STARTED(backend);
  auto gateway = TestGateway::start({entry(*backend)}, "  workers: 1\n  retries: {attempts: 0}\n");
  ASSERT_STARTED(gateway);
  const std::string large = pattern_bytes(size_t{256} * 1024);
  for (const std::string& request :
       {get_request("/echo"), post_request("/echo", large),
        chunked_post_request("/echo", chunked_encoding(large, 9000))}) {
    const uint64_t idle_closes = backend->stats()->idle_closes;
    auto warm = fetch_once(gateway->port(), get_request("/"));
    ASSERT_TRUE(warm.has_value());
    EXPECT_EQ(warm->status, 200);
    // The backend closes the connection the gateway pooled.
    ASSERT_TRUE(eventually([&] { return backend->stats()->idle_closes > idle_closes; }));
    auto response = fetch_once(gateway->port(), request);
    ASSERT_TRUE(response.has_value());
    EXPECT_EQ(response->status, 200) << request.substr(0, request.find('\n'));
  }
}

TEST(GatewayTest, NoReachableBackendIs503WithAJsonError) {
  // Nothing listens on the port of "gone"; with no retries its connect failure is final.
  auto gateway = TestGateway::start({BackendEntry{"gone", find_free_port(), 1, ""}},
                                    "  workers: 1\n  retries: {attempts: 0}\n");
  ASSERT_STARTED(gateway);
  auto response = fetch_once(gateway->port(), get_request("/"));
  ASSERT_TRUE(response.has_value());
  expect_json_error(*response, 503, "unavailable");
}

TEST(GatewayTest, AllBackendsDownIs503WithAJsonError) {
  auto backends = start_backends({"a", "b"});
  for (auto& backend : backends) ASSERT_STARTED(backend);
  auto gateway = TestGateway::start({entry(*backends[0]), entry(*backends[1])},
                                    "  workers: 1\n  retries: {attempts: 2}\n");
  ASSERT_STARTED(gateway);
  backends[0]->kill();
  backends[1]->kill();
  for (int i = 0; i < 3; ++i) {
    auto response = fetch_once(gateway->port(), get_request("/"));
    ASSERT_TRUE(response.has_value());
    expect_json_error(*response, 503, "unavailable");
  }
}

TEST_F(StrictLimitsTest, SlowBackendIs504AfterTheFirstByteTimeout) {
  auto response = fetch_once(gateway_->port(), get_request("/sleep/3000"), 2500ms);
  ASSERT_TRUE(response.has_value()) << "no 504 before the backend answered";
  expect_json_error(*response, 504, "gateway_timeout");
}

TEST_F(StrictLimitsTest, BackendDyingMidResponseClosesTheClientConnection) {
  auto connection = RawConnection::open(gateway_->port());
  ASSERT_TRUE(connection);
  ASSERT_TRUE(connection->send(get_request("/abort")));
  ASSERT_TRUE(connection->read_until_closed());
  HttpResponse partial = parse_http_response(connection->received());
  ASSERT_TRUE(partial.head_complete);
  EXPECT_EQ(partial.status, 200);
  EXPECT_EQ(partial.header("Content-Length"), "1000");
  EXPECT_FALSE(partial.complete);
  EXPECT_EQ(partial.body, std::string(100, 'x'));
}

TEST_F(StrictLimitsTest, BackendClosingWithoutAnswerIs502) {
  auto response = fetch_once(gateway_->port(), get_request("/close"));
  ASSERT_TRUE(response.has_value());
  expect_json_error(*response, 502, "bad_gateway");
}

// ---- requests the gateway must refuse --------------------------------------------------------

struct BadRequest {
  std::string name;
  std::string bytes;
  int status;
  std::string code;
};

std::string many_fields(int count) {
  std::string fields;
  for (int i = 0; i < count; ++i) fields += "X-Field-" + std::to_string(i) + ": v\r\n";
  return fields;
}

std::vector<BadRequest> bad_requests() {
  const std::string host = "Host: test\r\n";
  return {
      {"MalformedRequestLine", "GET  / HTTP/1.1\r\n" + host + "\r\n", 400, "bad_request"},
      {"HeaderSectionOverLimit", get_request("/", "X-Big: " + std::string(5000, 'b') + "\r\n"), 431,
       "request_header_fields_too_large"},
      {"ContentLengthOverLimit",
       "POST /echo HTTP/1.1\r\n" + host + "Content-Length: 2048\r\n\r\n" + std::string(2048, 'x'),
       413, "payload_too_large"},
      {"ContentLengthAndTransferEncoding",
       "POST /echo HTTP/1.1\r\n" + host +
           "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
       400, "bad_request"},
      {"DuplicateContentLength",
       "POST /echo HTTP/1.1\r\n" + host + "Content-Length: 5\r\nContent-Length: 6\r\n\r\nhello",
       400, "bad_request"},
      {"NonNumericContentLength",
       "POST /echo HTTP/1.1\r\n" + host + "Content-Length: 5x\r\n\r\nhello", 400, "bad_request"},
      {"ObsoleteLineFolding", get_request("/", "X-Folded: one\r\n two\r\n"), 400, "bad_request"},
      {"Http11WithoutHost", "GET / HTTP/1.1\r\n\r\n", 400, "bad_request"},
      {"Http2RequestLine", "GET / HTTP/2.0\r\n" + host + "\r\n", 505, "http_version_not_supported"},
      {"TooManyHeaderFields", get_request("/", many_fields(150)), 431,
       "request_header_fields_too_large"},
      {"NulInFieldValue", get_request("/", std::string("X-Nul: a\0b\r\n", 12)), 400, "bad_request"},
      {"CrInFieldValue", get_request("/", "X-Cr: a\rb\r\n"), 400, "bad_request"},
      {"UnknownTransferCoding",
       "POST /echo HTTP/1.1\r\n" + host + "Transfer-Encoding: zstd-x, chunked\r\n\r\n0\r\n\r\n",
       501, "not_implemented"},
      {"ProtocolUpgrade", get_request("/", "Connection: upgrade\r\nUpgrade: websocket\r\n"), 501,
       "not_implemented"},
      {"MalformedChunkSize", chunked_post_request("/echo", "zz\r\nhello\r\n0\r\n\r\n"), 400,
       "bad_request"},
      {"ChunkedBodyOverLimit",
       chunked_post_request("/echo", chunked_encoding(pattern_bytes(2000), 500)), 413,
       "payload_too_large"},
  };
}

// Names the case in test output instead of dumping its bytes.
void PrintTo(const BadRequest& bad, std::ostream* out) { *out << bad.name; }

class BadRequestTest : public StrictLimitsTest, public ::testing::WithParamInterface<BadRequest> {};

TEST_P(BadRequestTest, IsRefusedWithItsStatusAndTheConnectionClosed) {
  const BadRequest& bad = GetParam();
  auto connection = RawConnection::open(gateway_->port());
  ASSERT_TRUE(connection);
  ASSERT_TRUE(connection->send(bad.bytes));
  auto response = connection->read_response();
  ASSERT_TRUE(response.has_value()) << "no response";
  expect_json_error(*response, bad.status, bad.code);
  EXPECT_EQ(response->header("Connection"), "close");
  EXPECT_TRUE(connection->read_until_closed(2s)) << "the connection stayed open";
  // The only connection the backend saw is the one asking for its stats.
  EXPECT_EQ(backend_->stats()->connections, 1u) << "the request reached the backend";
}

INSTANTIATE_TEST_SUITE_P(GatewayTest, BadRequestTest, ::testing::ValuesIn(bad_requests()),
                         [](const ::testing::TestParamInfo<BadRequest>& param_info) {
                           return param_info.param.name;
                         });

// Chunked bodies larger than the request buffer stream to the backend while the gateway checks
// them; a fault found on the way ends the exchange with the client's error, not a 502.
TEST(GatewayTest, StreamedChunkedBodyErrorsAreTheClients) {
  auto backend = TestBackend::start("a");
  ASSERT_STARTED(backend);
  auto gateway = TestGateway::start(
      {entry(*backend)}, "  workers: 1\n  limits: {header_bytes: 4Ki, body_bytes: 64Ki}\n");
  ASSERT_STARTED(gateway);
  const std::string valid_start = chunked_encoding(pattern_bytes(size_t{32} * 1024), 1000);
  const std::string without_last_chunk = valid_start.substr(0, valid_start.size() - 5);
  struct Case {
    std::string name;
    std::string encoded_body;
    int status;
    std::string code;
  };
  const std::vector<Case> cases = {
      {"malformed chunk size", without_last_chunk + "zz\r\nhello\r\n0\r\n\r\n", 400, "bad_request"},
      {"over the body limit", chunked_encoding(pattern_bytes(size_t{200} * 1024), 1000), 413,
       "payload_too_large"},
  };
  for (const Case& test_case : cases) {
    SCOPED_TRACE(test_case.name);
    auto connection = RawConnection::open(gateway->port());
    ASSERT_TRUE(connection);
    ASSERT_TRUE(connection->send(chunked_post_request("/echo", test_case.encoded_body)));
    auto response = connection->read_response();
    ASSERT_TRUE(response.has_value());
    expect_json_error(*response, test_case.status, test_case.code);
    EXPECT_TRUE(connection->read_until_closed(2s));
  }
  EXPECT_EQ(backend->stats()->requests, 0u) << "an invalid body reached the backend whole";
  EXPECT_EQ(count_backends(gateway->port(), 3), (std::map<std::string, int>{{"a", 3}}));
}

TEST_F(StrictLimitsTest, ClientNotFinishingItsHeadGets408) {
  auto connection = RawConnection::open(gateway_->port());
  ASSERT_TRUE(connection);
  ASSERT_TRUE(connection->send("GET / HTTP/1.1\r\nHost: test\r\nX-Slow: "));
  auto response = connection->read_response(3s);
  ASSERT_TRUE(response.has_value()) << "no 408";
  expect_json_error(*response, 408, "request_timeout");
  EXPECT_TRUE(connection->read_until_closed(2s));
}

// ---- process-level behaviour ---------------------------------------------------------------

// Sends every bad request, aborted and timed-out exchanges and some good traffic.
void run_troublesome_round(uint16_t port) {
  for (const BadRequest& bad : bad_requests()) {
    auto connection = RawConnection::open(port);
    ASSERT_TRUE(connection);
    ASSERT_TRUE(connection->send(bad.bytes));
    EXPECT_TRUE(connection->read_until_closed(2s)) << bad.name;
  }
  std::vector<std::unique_ptr<RawConnection>> open_connections;
  for (std::string_view path : {"/abort", "/abort", "/close", "/sleep/3000", "/sleep/3000", "/"}) {
    auto connection = RawConnection::open(port);
    ASSERT_TRUE(connection);
    ASSERT_TRUE(connection->send(get_request(path)));
    open_connections.push_back(std::move(connection));
  }
  // A client that sends half a head and one that sends half a body, then go away.
  for (std::string_view partial : {"GET / HTTP/1.1\r\nHo",
                                   "POST /echo HTTP/1.1\r\nHost: t\r\n"
                                   "Content-Length: 500\r\n\r\nabc"}) {
    auto connection = RawConnection::open(port);
    ASSERT_TRUE(connection);
    ASSERT_TRUE(connection->send(partial));
  }
  // A stream whose client leaves after the first event.
  {
    auto connection = RawConnection::open(port);
    ASSERT_TRUE(connection);
    ASSERT_TRUE(connection->send(get_request("/sse?events=20&interval_ms=50")));
    EXPECT_TRUE(connection->read_until_contains("data: 0\n\n"));
  }
  for (auto& connection : open_connections) connection->read_until_closed(3s);
  EXPECT_EQ(count_backends(port, 20), (std::map<std::string, int>{{"a", 20}}));
}

TEST_F(StrictLimitsTest, DoesNotLeakFileDescriptors) {
  const pid_t pid = gateway_->process().pid();
  const size_t fds_at_start = count_open_fds(pid);
  ASSERT_GT(fds_at_start, 0u);

  for (int round = 0; round < 2; ++round) run_troublesome_round(gateway_->port());
  // Pooled upstream connections and idle clients close after the 1 s idle timeout.
  size_t fds_now = count_open_fds(pid);
  RecordProperty("fds_at_start", static_cast<int>(fds_at_start));
  RecordProperty("fds_after_rounds", static_cast<int>(fds_now));
  for (auto deadline = Clock::now() + 4s; fds_now > fds_at_start && Clock::now() < deadline;) {
    std::this_thread::sleep_for(100ms);
    fds_now = count_open_fds(pid);
  }
  EXPECT_LE(fds_now, fds_at_start) << gateway_->log();
  EXPECT_TRUE(gateway_->process().running());
  EXPECT_EQ(count_backends(gateway_->port(), 5), (std::map<std::string, int>{{"a", 5}}));
}

TEST(GatewayTest, SigtermLetsTheRequestInFlightFinishAndExitsZero) {
  auto backend = TestBackend::start("a");
  ASSERT_STARTED(backend);
  auto gateway = TestGateway::start({entry(*backend)}, "  workers: 2\n");
  ASSERT_STARTED(gateway);
  // An idle keep-alive client must not hold the shutdown up.
  auto idle = RawConnection::open(gateway->port());
  ASSERT_TRUE(idle);
  ASSERT_TRUE(idle->send(get_request("/")));
  ASSERT_TRUE(idle->read_response().has_value());
  auto in_flight = RawConnection::open(gateway->port());
  ASSERT_TRUE(in_flight);
  ASSERT_TRUE(in_flight->send(get_request("/sleep/1000")));
  // Wait until the backend has the request.
  for (auto deadline = Clock::now() + 2s; Clock::now() < deadline;) {
    if (backend->stats()->requests == 2) break;
    std::this_thread::sleep_for(10ms);
  }
  ASSERT_EQ(backend->stats()->requests, 2u);

  gateway->process().send_signal(SIGTERM);
  bool refused = false;
  for (auto deadline = Clock::now() + 2s; !refused && Clock::now() < deadline;) {
    refused = RawConnection::open(gateway->port()) == nullptr;
    if (!refused) std::this_thread::sleep_for(10ms);
  }
  EXPECT_TRUE(refused) << "the gateway kept accepting after SIGTERM";
  EXPECT_TRUE(idle->read_until_closed(2s)) << "the idle connection stayed open";

  auto response = in_flight->read_response(3s);
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->body, "a\n");
  EXPECT_EQ(response->header("Connection"), "close");
  EXPECT_EQ(gateway->process().wait_exit(5s), std::optional<int>(0)) << gateway->log();
}

}  // namespace
}  // namespace fulcrum::integration
