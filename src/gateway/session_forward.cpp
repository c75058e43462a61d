// The attempts of one request: pick a backend, connect or reuse a pooled connection, send the
// request (streaming a body larger than the buffer), read the response head, let
// decide_failover() choose between relaying, retrying and failing, and relay the response.
#include <algorithm>
#include <array>
#include <cstring>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include "core/hash.h"
#include "gateway/attempt_feedback.h"
#include "gateway/passive_health.h"
#include "gateway/session.h"

namespace fulcrum {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);

// An authorized debug request's admin token stays in the gateway.
constexpr std::array<std::string_view, 2> kDebugFields = {"X-Fulcrum-Debug", "Authorization"};

}  // namespace

struct ClientSession::Attempt {
  explicit Attempt(const std::unique_ptr<Picker>& picker) : feedback(picker) {}
  std::shared_ptr<Backend> backend;  // declared before feedback, which points to it
  AttemptFeedback feedback;
  std::unique_ptr<Upstream> upstream;
  bool request_is_head = false;
};

RequestView ClientSession::request_view() const {
  const Exchange& exchange = *exchange_;
  const InspectedRequest& inspected = exchange.inspected;
  RequestView view;
  view.hash_key = hash_bytes(exchange.request.target);
  view.request_id = exchange.request_number;
  view.model = inspected.model;
  view.prompt = inspected.prompt;
  view.prefix_blocks = inspected.prefix_blocks;
  view.expected_output_tokens = inspected.max_tokens;
  view.affinity_key = inspected.user;
  if (const http::Header* session = exchange.request.find("X-Session-Id")) {
    view.affinity_key = session->value;
  }
  return view;
}

asio::awaitable<ClientSession::Next> ClientSession::forward(bool replayable) {
  const RequestView view = request_view();
  if (!view.model.empty() && !worker_.serves_model(view.model)) {
    co_return co_await respond_error(404,
                                     "The model `" + std::string(view.model) + "` does not exist.",
                                     true, "model_not_found");
  }
  if (replayable) start_total_deadline();  // a streamed body starts it once it has been sent
  RetryState retries(worker_.config().retries.attempts);
  for (;;) {
    Attempt attempt(worker_.picker());
    std::string reason;
    attempt.backend = worker_.pick_backend(view, retries.excluded(), reason,
                                           exchange_->debug ? &exchange_->decision : nullptr);
    if (!attempt.backend) co_return co_await respond_error(503, reason);
    start_attempt(attempt);
    // Awaited here, not in a helper coroutine: each nested one adds a frame to every request.
    bool connected = take_pooled_upstream(attempt);
    if (!connected) connected = co_await connect_upstream(attempt);
    bool head_received = false;
    if (connected) {
      const bool sent = co_await send_request(attempt);
      if (sent) head_received = co_await read_response_head(attempt);
    }
    if (request_body_error_status_ != 0) {
      finish_attempt(attempt, true);  // the client failed, not the backend
      co_return co_await respond_error(request_body_error_status_,
                                       std::string(request_body_error_reason_));
    }
    const FailoverDecision decision =
        decide_failover(attempt_facts(attempt, connected, head_received, retries, replayable));
    if (decision.action == FailoverAction::kRelay) co_return co_await relay_response(attempt);
    finish_attempt(attempt, !decision.backend_failed);
    if (decision.action == FailoverAction::kFail) {
      co_return co_await respond_error(decision.status,
                                       failure_message(decision, attempt.backend->config.name,
                                                       worker_.config().timeouts.total_ms));
    }
    if (decision.action == FailoverAction::kRetryElsewhere) bump(worker_.stats().retries);
    retries.after(decision, attempt.backend->id);
  }
}

void ClientSession::start_attempt(Attempt& attempt) {
  ++exchange_->attempts;
  attempt.request_is_head = exchange_->request.method == "HEAD";
  attempt.feedback.start(*attempt.backend, exchange_->request_number, worker_.now_ns());
}

AttemptFacts ClientSession::attempt_facts(const Attempt& attempt, bool connected,
                                          bool head_received, const RetryState& retries,
                                          bool replayable) const {
  AttemptFacts facts;
  facts.connected = connected;
  facts.head_received = head_received;
  facts.status = head_received ? exchange_->response.status_code : 0;
  facts.replayable = replayable;
  facts.retries_left = retries.retries_left();
  facts.stale_retry_used = retries.stale_retry_used();
  facts.pooled_connection = attempt.upstream && attempt.upstream->reused;
  const GatewayStats& stats = worker_.stats();
  facts.within_budget = within_retry_budget(stats.requests.load(std::memory_order_relaxed),
                                            stats.retries.load(std::memory_order_relaxed),
                                            worker_.config().retries.budget_ratio);
  if (total_expired_) {
    facts.expired = AttemptDeadline::kTotal;
  } else if (expired(Phase::kFirstByte)) {
    facts.expired = AttemptDeadline::kFirstByte;
  }
  return facts;
}

bool ClientSession::take_pooled_upstream(Attempt& attempt) {
  // A streamed body cannot be replayed, so it must not be the one to find out that the backend
  // closed a pooled connection (keep-alive timeout); replayable requests retry instead.
  attempt.upstream = worker_.upstreams().take(*attempt.backend, /*must_be_open=*/streaming_body_);
  return attempt.upstream != nullptr;
}

asio::awaitable<bool> ClientSession::connect_upstream(Attempt& attempt) {
  attempt.upstream = std::make_unique<Upstream>(worker_.context());
  attempt.upstream->backend = attempt.backend;
  active_upstream_ = attempt.upstream.get();
  set_deadline(Phase::kConnect, worker_.config().timeouts.connect_ms);
  bump(worker_.stats().upstream_connects);
  auto [error] =
      co_await attempt.upstream->socket.async_connect(attempt.backend->endpoint, kNoThrow);
  active_upstream_ = nullptr;
  if (error) {
    bump(worker_.stats().upstream_connect_errors);
    attempt.upstream.reset();
    co_return false;
  }
  boost::system::error_code ignored;
  attempt.upstream->socket.set_option(tcp::no_delay(true), ignored);
  co_return true;
}

void ClientSession::append_request_head(const Backend& backend) {
  Exchange& exchange = *exchange_;
  const http::RequestHead& request = exchange.request;
  std::array<http::Header, 4> added;
  size_t added_count = 0;
  // HTTP/1.0 requests may lack Host, which the HTTP/1.1 request sent upstream must carry.
  std::string authority;
  if (!request.has_host) {
    authority = backend.config.host + ":" + std::to_string(backend.config.port);
    added[added_count++] = {"Host", authority};
  }
  added[added_count++] = {"X-Forwarded-For", client_address()};
  added[added_count++] = {"X-Forwarded-Proto", "http"};
  if (exchange.generated_request_id_length != 0) {
    added[added_count++] = {"X-Request-Id", exchange.generated_request_id_view()};
  }
  exchange.out.clear();
  std::span<const std::string_view> dropped;
  if (exchange.debug) dropped = kDebugFields;
  http::append_forwarded_request(exchange.out, request,
                                 {false, {added.data(), added_count}, dropped});
}

asio::awaitable<bool> ClientSession::send_request(Attempt& attempt) {
  Exchange& exchange = *exchange_;
  append_request_head(*attempt.backend);
  const size_t head_bytes = exchange.request.head_bytes;
  std::string_view body = exchange.client_bytes().substr(
      head_bytes, request_bytes_ - std::min(request_bytes_, head_bytes));
  active_upstream_ = attempt.upstream.get();
  set_deadline(Phase::kFirstByte, worker_.config().timeouts.first_byte_ms);
  std::array<asio::const_buffer, 2> pieces{asio::buffer(exchange.out.view()), asio::buffer(body)};
  auto [write_error, written] =
      co_await asio::async_write(attempt.upstream->socket, pieces, kNoThrow);
  active_upstream_ = nullptr;
  if (write_error) co_return false;
  if (streaming_body_) co_return co_await relay_request_body_rest(attempt);
  co_return true;
}

// The request body did not fit in the buffer: stream the rest, framing it to find its end. Bytes
// past the end belong to the next request and stay in the buffer.
asio::awaitable<bool> ClientSession::relay_request_body_rest(Attempt& attempt) {
  Exchange& exchange = *exchange_;
  http::BodyFramer framer(exchange.request);
  const std::string_view sent_with_head =
      exchange.client_bytes().substr(exchange.request.head_bytes);
  (void)framer.feed(sent_with_head);
  exchange.client_filled = 0;  // the head has been sent; the buffer now carries body bytes
  request_bytes_ = 0;
  if (!co_await send_continue_if_awaited(sent_with_head.size())) {
    fail_request_body(400, "the client went away");
    co_return false;
  }
  const uint64_t body_limit = static_cast<uint64_t>(worker_.config().limits.body_bytes);
  for (;;) {
    set_deadline(Phase::kBody, worker_.config().timeouts.idle_ms);
    auto [error, bytes] = co_await client_.async_read_some(
        asio::buffer(exchange.client_buffer.get(), exchange.client_capacity), kNoThrow);
    if (error) {
      const bool late = expired(Phase::kBody);
      fail_request_body(late ? 408 : 400, late ? "the request body did not arrive in time"
                                               : "the request body ended early");
      co_return false;
    }
    const std::string_view piece(exchange.client_buffer.get(), bytes);
    const http::BodyProgress progress = framer.feed(piece);
    if (progress.error()) {
      fail_request_body(400, progress.error_reason);
      co_return false;
    }
    if (framer.payload_bytes() > body_limit) {
      fail_request_body(413, "request body exceeds the limit");
      co_return false;
    }
    active_upstream_ = attempt.upstream.get();
    auto [write_error, written] = co_await asio::async_write(
        attempt.upstream->socket, asio::buffer(piece.substr(0, progress.consumed)), kNoThrow);
    active_upstream_ = nullptr;
    if (write_error) co_return false;
    if (progress.complete) {
      exchange.client_filled = bytes;
      request_bytes_ = progress.consumed;
      set_deadline(Phase::kFirstByte, worker_.config().timeouts.first_byte_ms);
      start_total_deadline();
      co_return true;
    }
  }
}

// RFC 9110 §10.1.1; HTTP/1.0 expectations are ignored. A 100 the backend sends as well is relayed
// too, which clients accept.
asio::awaitable<bool> ClientSession::send_continue_if_awaited(uint64_t body_seen) {
  const http::RequestHead& request = exchange_->request;
  const bool client_waits = request.expect_continue && request.version.minor == 1;
  if (!client_waits || body_seen != 0) co_return true;
  co_return co_await write_client("HTTP/1.1 100 Continue\r\n\r\n");
}

asio::awaitable<bool> ClientSession::read_response_head(Attempt& attempt) {
  Exchange& exchange = *exchange_;
  Upstream& upstream = *attempt.upstream;
  exchange.upstream_filled = 0;
  http::Limits limits;
  limits.max_head_bytes = exchange.capacity;
  http::ScanHint hint;
  for (;;) {
    active_upstream_ = &upstream;
    auto [error, bytes] = co_await upstream.socket.async_read_some(
        asio::buffer(exchange.upstream_buffer.get() + exchange.upstream_filled,
                     exchange.capacity - exchange.upstream_filled),
        kNoThrow);
    active_upstream_ = nullptr;
    if (error) co_return false;
    exchange.upstream_filled += bytes;
    http::ParseResult result = http::parse_response(
        exchange.upstream_bytes(), attempt.request_is_head, exchange.response, limits, &hint);
    if (result.error()) co_return false;
    if (result.incomplete()) {
      if (exchange.upstream_filled == exchange.capacity) co_return false;
      continue;
    }
    const int status = exchange.response.status_code;
    if (status >= 200 || status == 101) co_return true;
    bool final_head_buffered = false;
    if (!co_await pass_interim_response(attempt, final_head_buffered)) co_return false;
    if (final_head_buffered) co_return true;
    hint = {};
  }
}

// An interim response (100 Continue, 103 Early Hints): pass it on and wait for the final one.
asio::awaitable<bool> ClientSession::pass_interim_response(Attempt& attempt,
                                                           bool& final_head_buffered) {
  Exchange& exchange = *exchange_;
  const size_t head_bytes = exchange.response.head_bytes;
  if (!co_await write_client(exchange.upstream_bytes().substr(0, head_bytes))) co_return false;
  std::memmove(exchange.upstream_buffer.get(), exchange.upstream_buffer.get() + head_bytes,
               exchange.upstream_filled - head_bytes);
  exchange.upstream_filled -= head_bytes;
  if (exchange.upstream_filled == 0) co_return true;
  http::Limits limits;
  limits.max_head_bytes = exchange.capacity;
  const http::ParseResult result = http::parse_response(
      exchange.upstream_bytes(), attempt.request_is_head, exchange.response, limits);
  final_head_buffered = result.complete() && exchange.response.status_code >= 200;
  co_return true;
}

void ClientSession::append_response_head(const Backend& backend) {
  Exchange& exchange = *exchange_;
  std::array<http::Header, 3> added{http::Header{"X-Fulcrum-Backend", backend.config.name}};
  size_t added_count = 1;
  if (!exchange.decision.empty()) added[added_count++] = {"X-Fulcrum-Decision", exchange.decision};
  if (client_closing_) {
    added[added_count++] = {"Connection", "close"};
  } else if (exchange.request.version.minor == 0) {
    added[added_count++] = {"Connection", "keep-alive"};
  }
  exchange.out.clear();
  http::append_forwarded_response(exchange.out, exchange.response,
                                  {false, {added.data(), added_count}, {}});
}

// Writes the response head and its body as it arrives, each piece as far as the body goes. (One
// coroutine: a nested one would add a frame to every request.)
asio::awaitable<ClientSession::Next> ClientSession::relay_response(Attempt& attempt) {
  Exchange& exchange = *exchange_;
  const http::ResponseHead& response = exchange.response;
  if (response.framing == http::BodyFraming::kUntilClose || worker_.shutting_down()) {
    client_closing_ = true;
  }
  append_response_head(*attempt.backend);
  worker_.stats().count_response(response.status_code);
  attempt.feedback.response_head(response.status_code, worker_.now_ns());
  http::BodyFramer framer(response);
  std::string_view piece = exchange.upstream_bytes().substr(response.head_bytes);
  std::string_view head = exchange.out.view();
  for (;;) {
    const http::BodyProgress progress = framer.feed(piece);
    const bool extra_bytes = progress.consumed < piece.size();
    // A streamed completion's first chunk carries its first token: its prefill is done.
    attempt.feedback.body_sent(progress.consumed);
    if (!co_await write_client(head, piece.substr(0, progress.consumed))) {
      co_return finish_relay(attempt, RelayEnd::kClientGone, extra_bytes);
    }
    head = {};
    if (progress.error()) co_return finish_relay(attempt, RelayEnd::kUpstreamFailed, extra_bytes);
    if (progress.complete) co_return finish_relay(attempt, RelayEnd::kComplete, extra_bytes);
    set_deadline(Phase::kBody, worker_.config().timeouts.idle_ms);
    active_upstream_ = attempt.upstream.get();
    auto [error, bytes] = co_await attempt.upstream->socket.async_read_some(
        asio::buffer(exchange.upstream_buffer.get(), exchange.capacity), kNoThrow);
    active_upstream_ = nullptr;
    if (error) co_return finish_relay(attempt, relay_end_at(error, framer), false);
    piece = std::string_view(exchange.upstream_buffer.get(), bytes);
  }
}

// How a response whose upstream read failed with `error` ended.
ClientSession::RelayEnd ClientSession::relay_end_at(const boost::system::error_code& error,
                                                    const http::BodyFramer& framer) const {
  if (error == asio::error::eof && framer.ends_at_close()) return RelayEnd::kComplete;
  return total_expired_ ? RelayEnd::kTotalExpired : RelayEnd::kUpstreamFailed;
}

ClientSession::Next ClientSession::finish_relay(Attempt& attempt, RelayEnd end, bool extra_bytes) {
  const http::ResponseHead& response = exchange_->response;
  const std::string_view backend_name = attempt.backend->config.name;
  switch (end) {
    case RelayEnd::kClientGone:
      finish_attempt(attempt, true);
      log_request(response.status_code, backend_name, client_gone_reason());
      return Next::kClose;
    case RelayEnd::kTotalExpired:
      finish_attempt(attempt, true);  // slow, not failed: the backend was still sending
      log_request(response.status_code, backend_name, "timeouts.total expired mid-response");
      return Next::kClose;
    case RelayEnd::kUpstreamFailed:
      bump(worker_.stats().upstream_aborted);
      finish_attempt(attempt, false);
      log_request(response.status_code, backend_name, "the backend ended the response early");
      return Next::kClose;  // the client cannot be told after bytes went out: close it
    case RelayEnd::kComplete: break;
  }
  const bool reusable =
      response.keep_alive && !extra_bytes && response.framing != http::BodyFraming::kUntilClose;
  if (reusable && !worker_.shutting_down()) {
    worker_.upstreams().give_back(
        std::move(attempt.upstream), worker_.now_ns(),
        static_cast<size_t>(worker_.config().limits.upstream_idle_per_backend));
  }
  finish_attempt(attempt, response.status_code < 500);
  log_request(response.status_code, backend_name, {});
  return client_closing_ ? Next::kClose : Next::kKeepAlive;
}

void ClientSession::finish_attempt(Attempt& attempt, bool success) {
  attempt.upstream.reset();
  const int64_t now = worker_.now_ns();
  attempt.feedback.finish(success, now);
  record_backend_result(*attempt.backend, success, worker_.config().passive_health, now,
                        worker_.stats());
}

}  // namespace fulcrum
