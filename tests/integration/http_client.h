// A raw-socket HTTP/1.1 client for integration tests: sends exactly the bytes a test gives and
// reads responses with a timeout, parsing them with the project's codec.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace fulcrum::integration {

using namespace std::chrono_literals;

struct HttpResponse {
  bool head_complete = false;  // the status line and fields arrived
  bool complete = false;       // ... and the whole body per its framing
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;          // decoded (chunked framing removed); partial when !complete
  size_t message_bytes = 0;  // bytes of the whole message when complete
  bool body_until_close = false;

  // The first value of the field (case-insensitive name), or "" when absent.
  std::string header(std::string_view name) const;
  bool has_header(std::string_view name) const;
};

// Parses the response at the start of `bytes`. With `peer_closed`, a body delimited by the end
// of the connection is complete; a response to HEAD has no body whatever its fields say.
HttpResponse parse_http_response(std::string_view bytes, bool peer_closed = false,
                                 bool request_was_head = false);

// "GET path HTTP/1.1" with Host and the given extra field lines ("Name: value\r\n" each).
std::string get_request(std::string_view path, std::string_view extra_fields = {});

class RawConnection {
 public:
  // Connects to 127.0.0.1:port; nullptr when the connection is refused.
  static std::unique_ptr<RawConnection> open(uint16_t port);
  explicit RawConnection(int fd) : fd_(fd) {}  // owns the connected socket `fd`
  ~RawConnection();
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  bool send(std::string_view bytes);
  // One whole response, consumed from the received bytes; nullopt on timeout or when the
  // connection ended before the response did.
  std::optional<HttpResponse> read_response(std::chrono::milliseconds timeout = 5s,
                                            bool request_was_head = false);
  // Receives until `needle` is among the unconsumed bytes; false on timeout or close.
  bool read_until_contains(std::string_view needle, std::chrono::milliseconds timeout = 5s);
  // Receives until the peer closes; false on timeout. Everything received stays in received().
  bool read_until_closed(std::chrono::milliseconds timeout = 5s);
  // Bytes received and not yet consumed by read_response.
  const std::string& received() const { return pending_; }
  bool peer_closed() const { return peer_closed_; }

 private:
  // Waits for and appends more bytes; false on timeout, close or error.
  bool receive_more(std::chrono::steady_clock::time_point deadline);

  int fd_;
  std::string pending_;
  bool peer_closed_ = false;
};

// Opens a connection, sends `request` and reads one response.
std::optional<HttpResponse> fetch_once(uint16_t port, std::string_view request,
                                       std::chrono::milliseconds timeout = 5s);

}  // namespace fulcrum::integration
