// The proxy exchange of one client connection: while idle it holds no buffer and no coroutine (a
// readiness wait only); readable bytes start a coroutine that serves requests until it is idle:
//   idle -> read head -> pick -> connect or reuse -> send -> response head -> relay -> idle
// Retries go to another backend while nothing has reached the client and the whole request is
// still in the buffer; timeouts are deadlines checked by the worker's tick, which cancels I/O.
// This file holds the connection and the request; session_forward.cpp the attempts.
#include "gateway/session.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <vector>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_allocator.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include "core/hash.h"
#include "core/log.h"
#include "http/client.h"
#include "http/json.h"
#include "http/server.h"
#include "llm/model_list.h"

namespace fulcrum {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);
// A keep-alive connection without a request for this long gives its buffers back (is parked).
constexpr int64_t kParkAfterNs = 200'000'000;

// Plain malloc at the exact size. asio swaps std::allocator for its recycling allocator, which
// hands out cached blocks of any larger size; a distinct type keeps the swap from happening.
template <typename T>
struct ExactAllocator {
  using value_type = T;
  ExactAllocator() = default;
  template <typename U>
  ExactAllocator(const ExactAllocator<U>&) {}  // NOLINT(google-explicit-constructor)
  T* allocate(size_t count) { return static_cast<T*>(::operator new(count * sizeof(T))); }
  void deallocate(T* pointer, size_t) { ::operator delete(pointer); }
  template <typename U>
  bool operator==(const ExactAllocator<U>&) const {
    return true;
  }
};

// X-Fulcrum-Debug: 1 with the admin API's bearer token; never without a configured token.
bool debug_authorized(const http::RequestHead& request, std::string_view admin_token) {
  const http::Header* debug = request.find("X-Fulcrum-Debug");
  const http::Header* authorization = request.find("Authorization");
  return debug != nullptr && debug->value == "1" && authorization != nullptr &&
         http::bearer_matches(authorization->value, admin_token);
}

std::string_view path_of(const http::RequestHead& request) {
  return request.target.substr(0, request.target.find('?'));
}

// The OpenAI-style endpoints whose JSON bodies routing by content reads.
bool is_inspected_route(const http::RequestHead& request) {
  if (request.method != "POST") return false;
  const std::string_view path = path_of(request);
  return path == "/v1/completions" || path == "/v1/chat/completions" || path == "/v1/embeddings";
}

// GET /v1/models, which the gateway answers itself from every backend's list.
bool is_model_list_request(const http::RequestHead& request) {
  return (request.method == "GET" || request.method == "HEAD") && path_of(request) == "/v1/models";
}

}  // namespace

ClientSession::ClientSession(Worker& worker, tcp::socket socket)
    : worker_(worker), client_(std::move(socket)) {
  worker_.add_session(this);
  boost::system::error_code error;
  auto remote = client_.remote_endpoint(error);
  if (error) return;
  std::string text = remote.address().to_string();
  client_address_length_ = static_cast<uint8_t>(std::min(text.size(), client_address_.size()));
  std::memcpy(client_address_.data(), text.data(), client_address_length_);
}

ClientSession::~ClientSession() {
  release_exchange();
  if (parked_) worker_.note_unparked();
  worker_.remove_session(this);
}

void ClientSession::set_deadline(Phase phase, int64_t timeout_ms) {
  deadline_phase_ = phase;
  expired_phase_ = Phase::kNone;
  deadline_ns_ = timeout_ms > 0 ? worker_.now_ns() + timeout_ms * 1000000 : 0;
}

void ClientSession::start_total_deadline() {
  const int64_t total_ms = worker_.config().timeouts.total_ms;
  total_deadline_ns_ = total_ms > 0 ? exchange_->started_ns + total_ms * 1000000 : 0;
}

void ClientSession::expire_if_due(int64_t now_ns) {
  if (hot_idle_since_ns_ != 0 && now_ns - hot_idle_since_ns_ >= kParkAfterNs) {
    hot_idle_since_ns_ = 0;
    park_requested_ = true;
    boost::system::error_code ignored;
    client_.cancel(ignored);
  }
  const bool phase_due = deadline_ns_ != 0 && now_ns >= deadline_ns_;
  const bool total_due = total_deadline_ns_ != 0 && now_ns >= total_deadline_ns_;
  if (!phase_due && !total_due) return;
  if (phase_due) {
    expired_phase_ = deadline_phase_;
    deadline_ns_ = 0;
  }
  if (total_due) {
    total_expired_ = true;
    total_deadline_ns_ = 0;
  }
  boost::system::error_code ignored;
  client_.cancel(ignored);
  if (active_upstream_ != nullptr) active_upstream_->socket.cancel(ignored);
}

void ClientSession::close_if_idle() {
  if (!idle_) return;
  boost::system::error_code ignored;
  client_.cancel(ignored);
}

void ClientSession::release_exchange() {
  if (exchange_) worker_.release_exchange(std::move(exchange_));
}

void ClientSession::start() { wait_for_request(); }

// An idle connection holds no coroutine frame and no buffer: only this object and one pending
// readiness wait whose handler holds a reference to it. Readable bytes (or end of stream) start
// the coroutine that serves requests until the connection is idle again.
void ClientSession::wait_for_request() {
  if (worker_.shutting_down()) {
    close_client();
    return;
  }
  idle_ = true;
  set_deadline(Phase::kIdle, worker_.config().timeouts.idle_ms);
  // The wait's memory comes from malloc at its exact size: asio's default recycles cached blocks,
  // which after a busy period are coroutine frames several times larger than the wait. (It holds
  // the connection's memory for as long as the connection is parked.)
  auto on_readable = [self = shared_from_this()](const boost::system::error_code& error) {
    self->idle_ = false;
    if (self->parked_) {
      self->parked_ = false;
      self->worker_.note_unparked();
    }
    if (error || self->worker_.shutting_down()) {
      self->close_client();
      return;
    }
    self->exchange_ = self->worker_.acquire_exchange();
    asio::co_spawn(self->client_.get_executor(), self->serve_until_idle(), asio::detached);
  };
  client_.async_wait(tcp::socket::wait_read,
                     asio::bind_allocator(ExactAllocator<void>(), std::move(on_readable)));
}

// Between requests the connection first waits with its buffer, reading the next request straight
// into it (no extra system call: the reactor already watches the socket). After kParkAfter
// without a request the worker's tick parks it: the read is cancelled, the buffer returns to the
// pool and wait_for_request() takes over.
asio::awaitable<void> ClientSession::serve_until_idle() {
  auto self = shared_from_this();
  for (;;) {
    do {
      const Next next = co_await serve_request();
      if (next == Next::kClose) {
        close_client();
        co_return;
      }
    } while (exchange_ && exchange_->client_filled > 0);  // a pipelined request is buffered
    if (worker_.shutting_down()) break;
    // Awaited here, not in a helper coroutine: it would add a frame to every request.
    begin_hot_wait();
    Exchange& exchange = *exchange_;
    auto [error, bytes] = co_await client_.async_read_some(
        asio::buffer(exchange.client_buffer.get(), exchange.client_capacity), kNoThrow);
    end_hot_wait();
    if (!error) {
      exchange.client_filled = bytes;
      continue;
    }
    if (!parked_by_tick(error)) {
      close_client();
      co_return;
    }
    break;
  }
  release_exchange();
  parked_ = true;
  worker_.note_parked();
  wait_for_request();
}

void ClientSession::begin_hot_wait() {
  idle_ = true;
  park_requested_ = false;
  set_deadline(Phase::kIdle, worker_.config().timeouts.idle_ms);
  hot_idle_since_ns_ = worker_.now_ns();
}

void ClientSession::end_hot_wait() {
  idle_ = false;
  hot_idle_since_ns_ = 0;
}

bool ClientSession::parked_by_tick(const boost::system::error_code& error) const {
  return error == asio::error::operation_aborted && park_requested_ && !expired(Phase::kIdle) &&
         !worker_.shutting_down();
}

void ClientSession::close_client() {
  release_exchange();
  boost::system::error_code ignored;
  client_.shutdown(tcp::socket::shutdown_both, ignored);
  client_.close(ignored);
}

asio::awaitable<ClientSession::Next> ClientSession::serve_request() {
  if (co_await read_head() == Next::kClose) co_return Next::kClose;
  const http::RequestHead& request = exchange_->request;
  bump(worker_.stats().requests);
  begin_request();
  request_body_error_status_ = 0;
  const BufferedBody buffered = buffered_body();
  if (Refusal refusal = refusal_of(buffered); refusal.status != 0) {
    co_return co_await respond_error(refusal.status, std::move(refusal.message));
  }
  exchange_->inspected.clear();
  size_t message_end = buffered.message_end;
  if (worker_.routes_by_content() && is_inspected_route(request)) {
    if (co_await inspect_body() == Next::kClose) co_return Next::kClose;
    message_end = buffered_body().message_end;  // the whole body is in the buffer now
  }
  const bool replayable = message_end != 0;
  streaming_body_ = !replayable;
  request_bytes_ = replayable ? message_end : exchange_->client_filled;
  client_closing_ = !request.keep_alive;
  Next next = Next::kClose;
  if (is_model_list_request(request)) {
    next = co_await answer_model_list();
  } else {
    next = co_await forward(replayable);
  }
  if (next == Next::kClose || !exchange_) co_return Next::kClose;
  keep_pipelined_bytes();
  co_return client_closing_ ? Next::kClose : Next::kKeepAlive;
}

ClientSession::Refusal ClientSession::refusal_of(const BufferedBody& buffered) {
  const int64_t body_limit = worker_.config().limits.body_bytes;
  if (buffered.payload_bytes > static_cast<uint64_t>(body_limit)) {
    return {413, "request body exceeds the limit of " + std::to_string(body_limit) + " bytes"};
  }
  if (buffered.malformed) {
    bump(worker_.stats().bad_requests);
    return {400, "malformed chunked request body"};
  }
  if (exchange_->request.upgrade) return {501, "protocol upgrades are not supported"};
  return {};
}

// Moves the bytes of a pipelined next request to the front of the buffer.
void ClientSession::keep_pipelined_bytes() {
  Exchange& exchange = *exchange_;
  size_t leftover = exchange.client_filled - std::min(request_bytes_, exchange.client_filled);
  std::memmove(exchange.client_buffer.get(), exchange.client_buffer.get() + request_bytes_,
               leftover);
  exchange.client_filled = leftover;
  request_bytes_ = 0;
}

asio::awaitable<ClientSession::Next> ClientSession::read_head() {
  Exchange& exchange = *exchange_;
  http::Limits limits;
  limits.max_head_bytes = exchange.client_capacity;
  http::ScanHint hint;
  set_deadline(Phase::kHeader, worker_.config().timeouts.header_ms);
  for (;;) {
    http::ParseResult result =
        http::parse_request(exchange.client_bytes(), exchange.request, limits, &hint);
    if (result.complete()) co_return Next::kKeepAlive;
    if (result.error()) {
      bump(worker_.stats().bad_requests);
      co_return co_await respond_error(result.error_status, std::string(result.error_reason));
    }
    if (exchange.client_filled == exchange.client_capacity) {
      co_return co_await respond_error(431, "request head exceeds the limit");
    }
    auto [error, bytes] = co_await client_.async_read_some(
        asio::buffer(exchange.client_buffer.get() + exchange.client_filled,
                     exchange.client_capacity - exchange.client_filled),
        kNoThrow);
    if (error) {
      if (expired(Phase::kHeader) && exchange.client_filled > 0) {
        co_return co_await respond_error(408, "the request head did not arrive in time");
      }
      co_return Next::kClose;
    }
    exchange.client_filled += bytes;
  }
}

void ClientSession::begin_request() {
  Exchange& exchange = *exchange_;
  exchange.started_ns = worker_.now_ns();
  exchange.bytes_to_client = 0;
  exchange.attempts = 0;
  exchange.request_number = worker_.next_request_number();
  exchange.debug = debug_authorized(exchange.request, worker_.config().admin.token);
  exchange.decision.clear();
  total_deadline_ns_ = 0;
  total_expired_ = false;
  const http::Header* client_request_id = exchange.request.find("X-Request-Id");
  assign_request_id(client_request_id);
  if (!worker_.access_log().enabled()) return;
  exchange.log_line.begin(
      unix_now_ms(), client_address(), exchange.request.method, exchange.request.target,
      client_request_id ? client_request_id->value : exchange.generated_request_id_view());
}

void ClientSession::assign_request_id(const http::Header* client_request_id) {
  Exchange& exchange = *exchange_;
  exchange.generated_request_id_length = 0;
  if (client_request_id != nullptr) return;
  // 16 lower-case hex digits, written by hand: snprintf's format parsing showed in profiles.
  constexpr char kHex[] = "0123456789abcdef";
  uint64_t bits = mix64(exchange.request_number);
  for (int digit = 15; digit >= 0; --digit, bits >>= 4) {
    exchange.generated_request_id[static_cast<size_t>(digit)] = kHex[bits & 0xf];
  }
  exchange.generated_request_id_length = 16;
}

void ClientSession::log_request(int status, std::string_view backend, std::string_view error) {
  if (!worker_.access_log().enabled() || !exchange_) return;
  Exchange& exchange = *exchange_;
  if (!exchange.log_line.started()) {  // no request head was read: nothing but the client
    exchange.started_ns = worker_.now_ns();
    exchange.log_line.begin(unix_now_ms(), client_address(), "", "", "");
  }
  const double duration_ms = static_cast<double>(worker_.now_ns() - exchange.started_ns) / 1e6;
  worker_.access_log().append(exchange.log_line.finish(
      status, exchange.bytes_to_client, duration_ms, backend, exchange.attempts, error));
  exchange.log_line.clear();
}

asio::awaitable<ClientSession::Next> ClientSession::inspect_body() {
  if (co_await buffer_whole_body() == Next::kClose) co_return Next::kClose;
  Exchange& exchange = *exchange_;
  const http::RequestHead& request = exchange.request;
  std::string decoded;
  std::string_view body = exchange.client_bytes().substr(
      request.head_bytes, buffered_body().message_end - request.head_bytes);
  if (request.framing == http::BodyFraming::kChunked) {
    http::BodyFramer framer(request);
    (void)framer.feed(body, [&decoded](std::string_view data) { decoded.append(data); });
    body = decoded;
  }
  Status inspected = inspect_openai_body(body, exchange.inspected);
  if (!inspected.ok()) {
    bump(worker_.stats().bad_requests);
    co_return co_await respond_error(400, inspected.message());
  }
  co_return Next::kKeepAlive;
}

asio::awaitable<ClientSession::Next> ClientSession::buffer_whole_body() {
  Exchange& exchange = *exchange_;
  const uint64_t limit = static_cast<uint64_t>(worker_.config().limits.inspect_body_bytes);
  const std::string limit_text = std::to_string(limit);
  for (;;) {
    const BufferedBody buffered = buffered_body();
    if (buffered.malformed) {
      bump(worker_.stats().bad_requests);
      co_return co_await respond_error(400, "malformed chunked request body");
    }
    if (buffered.message_end != 0) co_return Next::kKeepAlive;
    if (buffered.payload_bytes > limit) {
      co_return co_await respond_error(
          413, "request body exceeds limits.inspect_body_bytes (" + limit_text +
                   " bytes), the most the gateway reads to route by content");
    }
    if (!co_await send_continue_if_awaited(exchange.client_filled - exchange.request.head_bytes)) {
      co_return Next::kClose;
    }
    if (!make_room_for_body(limit)) {
      co_return co_await respond_error(
          413, "chunked request body framing exceeds twice limits.inspect_body_bytes (" +
                   limit_text + " bytes)");
    }
    set_deadline(Phase::kBody, worker_.config().timeouts.idle_ms);
    auto [error, bytes] = co_await client_.async_read_some(
        asio::buffer(exchange.client_buffer.get() + exchange.client_filled,
                     exchange.client_capacity - exchange.client_filled),
        kNoThrow);
    if (error) {
      if (expired(Phase::kBody)) {
        co_return co_await respond_error(408, "the request body did not arrive in time");
      }
      co_return Next::kClose;
    }
    exchange.client_filled += bytes;
  }
}

bool ClientSession::make_room_for_body(uint64_t limit) {
  Exchange& exchange = *exchange_;
  if (exchange.client_filled < exchange.client_capacity) return true;
  const http::RequestHead& request = exchange.request;
  // A chunked body may carry framing around its payload; twice the payload limit is plenty for
  // honest clients and bounds what one made of tiny chunks can make the gateway hold.
  const size_t wanted =
      request.framing == http::BodyFraming::kContentLength
          ? request.head_bytes + static_cast<size_t>(request.content_length)
          : std::min<size_t>(exchange.client_capacity * 2,
                             request.head_bytes + static_cast<size_t>(limit) * 2 + 4096);
  if (wanted <= exchange.client_capacity) return false;
  exchange.grow_client_buffer(wanted);
  // The head's views pointed into the old buffer: parse it again in the new one.
  (void)http::parse_request(exchange.client_bytes(), exchange.request);
  return true;
}

ClientSession::BufferedBody ClientSession::buffered_body() const {
  const Exchange& exchange = *exchange_;
  const http::RequestHead& request = exchange.request;
  http::BodyFramer framer(request);
  const http::BodyProgress progress =
      framer.feed(exchange.client_bytes().substr(request.head_bytes));
  BufferedBody buffered;
  buffered.payload_bytes = framer.payload_bytes();  // declared, so checked before it arrives
  buffered.malformed = progress.error();
  if (progress.complete) buffered.message_end = request.head_bytes + progress.consumed;
  return buffered;
}

void ClientSession::fail_request_body(int status, std::string_view reason) {
  request_body_error_status_ = status;
  request_body_error_reason_ = reason;
}

asio::awaitable<ClientSession::Next> ClientSession::answer_model_list() {
  http::GetRequest get;
  get.path = "/v1/models";
  get.timeout = std::chrono::milliseconds(worker_.config().timeouts.first_byte_ms);
  if (const http::Header* authorization = exchange_->request.find("Authorization")) {
    get.authorization = std::string(authorization->value);
  }
  set_deadline(Phase::kFirstByte, 0);  // each backend's answer is bounded by get.timeout
  std::vector<std::string> lists;
  for (const std::shared_ptr<Backend>& backend : worker_.eligible_backends()) {
    get.host = backend->config.host + ":" + std::to_string(backend->config.port);
    Result<http::GetResponse> answer = co_await http::http_get(backend->endpoint, get);
    if (answer.ok() && answer->status == 200) lists.push_back(std::move(answer->body));
  }
  if (lists.empty()) {
    co_return co_await respond_error(503, "no eligible backend answered GET /v1/models");
  }
  const std::string body = merge_model_lists(lists);
  co_return co_await respond_json(200, body, client_closing_, {});
}

asio::awaitable<bool> ClientSession::write_client(std::string_view first, std::string_view second) {
  std::array<asio::const_buffer, 2> pieces{asio::buffer(first), asio::buffer(second)};
  set_deadline(Phase::kBody, worker_.config().timeouts.idle_ms);
  auto [error, written] = co_await asio::async_write(client_, pieces, kNoThrow);
  if (exchange_) exchange_->bytes_to_client += written;
  co_return !error;
}

asio::awaitable<ClientSession::Next> ClientSession::respond_error(int status, std::string message,
                                                                  bool close,
                                                                  std::string_view code) {
  const std::string body =
      http::json_error_body(code.empty() ? http::error_code_for_status(status) : code, message);
  co_return co_await respond_json(status, body, close, message);
}

asio::awaitable<ClientSession::Next> ClientSession::respond_json(int status, std::string_view body,
                                                                 bool close,
                                                                 std::string_view log_error) {
  Exchange& exchange = *exchange_;
  exchange.out.clear();
  http::append_status_line(exchange.out, status);
  http::append_header(exchange.out, "Content-Type", "application/json");
  http::append_content_length(exchange.out, body.size());
  if (close) {
    http::append_header(exchange.out, "Connection", "close");
  } else if (exchange.request.version.minor == 0) {
    http::append_header(exchange.out, "Connection", "keep-alive");
  }
  http::end_head(exchange.out);
  worker_.stats().count_response(status);
  const bool head_only = exchange.request.method == "HEAD" && status < 300;
  const bool written = co_await write_client(exchange.out.view(), head_only ? "" : body);
  log_request(status, {}, log_error);
  if (close) client_closing_ = true;
  co_return close || !written ? Next::kClose : Next::kKeepAlive;
}

}  // namespace fulcrum
