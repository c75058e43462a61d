// One client connection of the gateway: reads requests, picks a backend, forwards the request and
// streams the response back, with keep-alive on both sides, retries and timeouts.
//   session.cpp          the connection: idle and parked waits, request heads and bodies, the
//                        gateway's own answers (errors, GET /v1/models), the access log
//   session_forward.cpp  the attempts: pick, connect or reuse, send, response head, failover
//                        (failover.h decides), relay; feedback to the picker (attempt_feedback.h)
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "gateway/exchange.h"
#include "gateway/failover.h"
#include "gateway/worker.h"
#include "http/body_framing.h"

namespace fulcrum {

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
  // How relaying a response body ended.
  enum class RelayEnd : uint8_t { kComplete, kClientGone, kUpstreamFailed, kTotalExpired };
  struct Attempt;
  struct BufferedBody {
    size_t message_end = 0;      // head + body bytes when the whole request is buffered, else 0
    uint64_t payload_bytes = 0;  // declared (Content-Length) or decoded so far (chunked)
    bool malformed = false;      // the buffered part of a chunked body is invalid
  };

  // session.cpp: the connection and the request.
  void wait_for_request();
  boost::asio::awaitable<void> serve_until_idle();
  // Around the wait for the next request with the buffer: the tick may park the connection.
  void begin_hot_wait();
  void end_hot_wait();
  // Whether the wait ended because the tick parked the connection (else it closed).
  bool parked_by_tick(const boost::system::error_code& error) const;
  void close_client();
  boost::asio::awaitable<Next> serve_request();
  // Why the gateway will not forward the request (413, 400 or 501); status 0 when it will.
  struct Refusal {
    int status = 0;
    std::string message;
  };
  Refusal refusal_of(const BufferedBody& buffered);
  void keep_pipelined_bytes();
  boost::asio::awaitable<Next> read_head();
  void begin_request();
  void assign_request_id(const http::Header* client_request_id);
  // Writes the access-log line of the request (when the log is on).
  void log_request(int status, std::string_view backend, std::string_view error);
  // Reads the rest of the request body into the (grown) buffer and parses it as JSON for routing;
  // answers 400, 408 or 413 itself (kClose) when that fails.
  boost::asio::awaitable<Next> inspect_body();
  boost::asio::awaitable<Next> buffer_whole_body();
  // Grows the client buffer for the body routing reads; false when the body cannot fit.
  bool make_room_for_body(uint64_t limit);
  BufferedBody buffered_body() const;
  void fail_request_body(int status, std::string_view reason);
  // GET /v1/models: the union of the lists every eligible backend answers.
  boost::asio::awaitable<Next> answer_model_list();
  boost::asio::awaitable<Next> respond_error(int status, std::string message, bool close = true,
                                             std::string_view code = {});
  // A response of the gateway's own with a JSON body; `log_error` goes to the access log.
  boost::asio::awaitable<Next> respond_json(int status, std::string_view body, bool close,
                                            std::string_view log_error);
  boost::asio::awaitable<bool> write_client(std::string_view first, std::string_view second = {});
  std::string_view client_gone_reason() const {
    return total_expired_ ? "timeouts.total expired mid-response" : "the client went away";
  }
  std::string_view client_address() const {
    return {client_address_.data(), client_address_length_};
  }
  void set_deadline(Phase phase, int64_t timeout_ms);
  void start_total_deadline();
  bool expired(Phase phase) const { return expired_phase_ == phase; }
  void release_exchange();

  // session_forward.cpp: the attempts.
  RequestView request_view() const;
  boost::asio::awaitable<Next> forward(bool replayable);
  void start_attempt(Attempt& attempt);
  // What happened to the attempt, for decide_failover().
  AttemptFacts attempt_facts(const Attempt& attempt, bool connected, bool head_received,
                             const RetryState& retries, bool replayable) const;
  // A pooled connection to the attempt's backend, when there is one (no coroutine: the common
  // case).
  bool take_pooled_upstream(Attempt& attempt);
  // A new connection to the attempt's backend.
  boost::asio::awaitable<bool> connect_upstream(Attempt& attempt);
  boost::asio::awaitable<bool> send_request(Attempt& attempt);
  void append_request_head(const Backend& backend);
  boost::asio::awaitable<bool> relay_request_body_rest(Attempt& attempt);
  // A client that sent Expect: 100-continue waits for it before it sends the body.
  boost::asio::awaitable<bool> send_continue_if_awaited(uint64_t body_seen);
  boost::asio::awaitable<bool> read_response_head(Attempt& attempt);
  // Passes a 1xx response on and drops it from the buffer; true when a final head follows in it.
  boost::asio::awaitable<bool> pass_interim_response(Attempt& attempt, bool& final_head_buffered);
  boost::asio::awaitable<Next> relay_response(Attempt& attempt);
  void append_response_head(const Backend& backend);
  RelayEnd relay_end_at(const boost::system::error_code& error,
                        const http::BodyFramer& framer) const;
  Next finish_relay(Attempt& attempt, RelayEnd end, bool extra_bytes);
  void finish_attempt(Attempt& attempt, bool success);

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
  bool parked_ = false;          // counted in the worker's parked connections
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
