// One client connection of the gateway: reads requests, picks a backend, forwards the request and
// streams the response back, with keep-alive on both sides, retries and timeouts.
#pragma once

#include <array>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "gateway/access_log.h"
#include "gateway/worker.h"
#include "http/chunked.h"
#include "http/parser.h"
#include "http/writer.h"
#include "llm/request_inspection.h"

namespace fulcrum {

// Per-request working memory, pooled by the worker so that idle connections hold no buffers.
struct Exchange {
  explicit Exchange(size_t buffer_bytes)
      : client_buffer(std::make_unique<char[]>(buffer_bytes)),
        upstream_buffer(std::make_unique<char[]>(buffer_bytes)),
        capacity(buffer_bytes),
        client_capacity(buffer_bytes) {}

  std::unique_ptr<char[]> client_buffer;
  std::unique_ptr<char[]> upstream_buffer;
  size_t capacity;           // of upstream_buffer, and of client_buffer as first allocated
  size_t client_capacity;    // of client_buffer: grows to hold a body that routing reads
  size_t client_filled = 0;  // bytes of client_buffer holding data
  size_t upstream_filled = 0;
  http::RequestHead request;
  http::ResponseHead response;
  http::OutputBuffer out;

  // About the request in progress, for retries, X-Request-Id and the access log.
  int64_t started_ns = 0;        // when its head was read
  uint64_t bytes_to_client = 0;  // of its response, head included
  int attempts = 0;              // backends tried
  std::array<char, 24> generated_request_id{};
  uint8_t generated_request_id_length = 0;  // 0: the client sent X-Request-Id
  AccessLogLine log_line;

  uint64_t request_number = 0;  // the picker's request id
  InspectedRequest inspected;   // filled when the policy or model routing reads the body
  bool debug = false;           // X-Fulcrum-Debug with the admin token: explain the decision
  std::string decision;         // the last pick's explanation, sent as X-Fulcrum-Decision

  // Makes client_buffer hold at least `bytes`, keeping its contents (views into it go stale).
  void grow_client_buffer(size_t bytes) {
    if (bytes <= client_capacity) return;
    auto bigger = std::make_unique<char[]>(bytes);
    std::memcpy(bigger.get(), client_buffer.get(), client_filled);
    client_buffer = std::move(bigger);
    client_capacity = bytes;
  }

  std::string_view generated_request_id_view() const {
    return {generated_request_id.data(), generated_request_id_length};
  }

  std::string_view client_bytes() const { return {client_buffer.get(), client_filled}; }
  std::string_view upstream_bytes() const { return {upstream_buffer.get(), upstream_filled}; }
};

class ClientSession : public std::enable_shared_from_this<ClientSession> {
 public:
  ClientSession(Worker& worker, boost::asio::ip::tcp::socket socket);
  ~ClientSession();

  // Serves the connection until it closes; the worker calls it once after accepting.
  void start();
  // Called by the worker's clock tick: past the deadline, cancels pending I/O.
  void expire_if_due(int64_t now_ns);
  // Wakes an idle connection so it closes (shutdown).
  void close_if_idle();

 private:
  enum class Phase : uint8_t { kNone, kIdle, kHeader, kConnect, kFirstByte, kBody };
  enum class Next : uint8_t { kKeepAlive, kClose };
  struct Attempt;

  void wait_for_request();
  boost::asio::awaitable<void> serve_until_idle();
  void close_client();
  boost::asio::awaitable<Next> serve_request();
  boost::asio::awaitable<Next> read_head();
  // Reads the rest of the request body into the (grown) buffer and parses it as JSON for routing;
  // answers 400, 408 or 413 itself (kClose) when that fails.
  boost::asio::awaitable<Next> inspect_body();
  boost::asio::awaitable<Next> buffer_whole_body();
  boost::asio::awaitable<Next> forward(bool replayable);
  boost::asio::awaitable<bool> connect_upstream(Attempt& attempt);
  boost::asio::awaitable<bool> send_request(Attempt& attempt);
  boost::asio::awaitable<bool> read_response_head(Attempt& attempt);
  boost::asio::awaitable<Next> relay_response(Attempt& attempt);
  boost::asio::awaitable<bool> relay_request_body_rest(Attempt& attempt);
  boost::asio::awaitable<Next> respond_error(int status, std::string message, bool close = true,
                                             std::string_view code = {});
  boost::asio::awaitable<bool> write_client(std::string_view first, std::string_view second = {});

  void begin_request();
  // Writes the access-log line of the request (when the log is on).
  void log_request(int status, std::string_view backend, std::string_view error);
  std::string_view client_gone_reason() const {
    return total_expired_ ? "timeouts.total expired mid-response" : "the client went away";
  }
  void set_deadline(Phase phase, int64_t timeout_ms);
  void start_total_deadline();
  bool expired(Phase phase) const { return expired_phase_ == phase; }
  void finish_attempt(Attempt& attempt, bool success);
  void release_exchange();
  struct BufferedBody {
    size_t message_end = 0;      // head + body bytes when the whole request is buffered, else 0
    uint64_t payload_bytes = 0;  // declared (Content-Length) or decoded so far (chunked)
    bool malformed = false;      // the buffered part of a chunked body is invalid
  };
  BufferedBody inspect_buffered_body() const;
  void fail_request_body(int status, std::string_view reason);

  Worker& worker_;
  boost::asio::ip::tcp::socket client_;
  std::unique_ptr<Exchange> exchange_;
  Upstream* active_upstream_ = nullptr;  // for cancellation on timeout
  int64_t deadline_ns_ = 0;
  int64_t total_deadline_ns_ = 0;  // timeouts.total of the request in progress; 0: none
  Phase deadline_phase_ = Phase::kNone;
  Phase expired_phase_ = Phase::kNone;
  bool total_expired_ = false;
  int64_t hot_idle_since_ns_ = 0;  // waiting for a request with its buffer since; 0: not
  bool idle_ = false;
  bool park_requested_ = false;  // the tick cancelled the buffered wait to park the connection
  bool client_closing_ = false;
  bool streaming_body_ = false;  // the request body is larger than the buffer: no replay
  std::array<char, 48> client_address_{};
  uint8_t client_address_length_ = 0;
  size_t request_bytes_ = 0;  // head + body bytes of the current request in client_buffer
  // Set when a streamed request body failed on the client's side (0: it did not).
  int request_body_error_status_ = 0;
  std::string_view request_body_error_reason_;
};

}  // namespace fulcrum
