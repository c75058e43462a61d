// A minimal HTTP/1.1 client for the gateway's own requests (health checks, metrics scrapes, model
// lists): one GET on a new connection with `Connection: close`, bounded in time and in body size,
// on the project's codec.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "core/status.h"

namespace fulcrum::http {

struct GetRequest {
  std::string path = "/";
  std::string host;                         // the Host field, e.g. "10.0.0.5:8000"
  std::string authorization;                // an Authorization field value to send, if any
  std::chrono::milliseconds timeout{2000};  // connect + the whole response
  bool read_body = true;                    // false: stop at the response head
  std::size_t max_body_bytes = std::size_t{4} << 20;
};

struct GetResponse {
  int status = 0;
  std::string body;  // decoded (chunked framing removed); empty when not read
};

// Runs on the calling coroutine's executor. Errors (kUnavailable) say what failed: "connect:
// Connection refused", "no answer within 500ms", "malformed response: ...", "body over N bytes".
boost::asio::awaitable<Result<GetResponse>> http_get(boost::asio::ip::tcp::endpoint endpoint,
                                                     const GetRequest& request);

}  // namespace fulcrum::http
