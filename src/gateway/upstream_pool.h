// A worker's keep-alive connections to its backends, kept between requests.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "gateway/backends.h"

namespace fulcrum {

// A connection to one backend; pooled between requests while the backend keeps it open.
struct Upstream {
  explicit Upstream(boost::asio::io_context& context) : socket(context) {}
  boost::asio::ip::tcp::socket socket;
  std::shared_ptr<Backend> backend;
  int64_t idle_since_ns = 0;
  bool reused = false;  // it served a request before: a failure may be a stale keep-alive
};

class UpstreamPool {
 public:
  // A pooled connection to `backend`, newest first, or nullptr. With `must_be_open`, connections
  // the backend has closed meanwhile (one non-blocking peek each) are dropped instead: a request
  // that cannot be replayed must not be the one to find out.
  std::unique_ptr<Upstream> take(const Backend& backend, bool must_be_open);
  // Keeps `upstream` for the next request to its backend, up to `max_per_backend` of them.
  void give_back(std::unique_ptr<Upstream> upstream, int64_t now_ns, size_t max_per_backend);
  // Closes the connections idle since before `oldest_allowed_ns`.
  void close_idle_since(int64_t oldest_allowed_ns);
  // Closes every pooled connection.
  void close_all() { idle_.clear(); }

 private:
  // Indexed by Backend::id.
  std::vector<std::vector<std::unique_ptr<Upstream>>> idle_;
};

}  // namespace fulcrum
