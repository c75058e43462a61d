// The proxy exchange of one client connection: while idle it holds no buffer and no coroutine (a
// readiness wait only); readable bytes start a coroutine that serves requests until it is idle:
//   idle -> read head -> pick -> connect or reuse -> send -> response head -> relay -> idle
// Retries go to another backend while nothing has reached the client and the whole request is
// still in the buffer; timeouts are deadlines checked by the worker's tick, which cancels I/O.
#include "gateway/session.h"

#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_allocator.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include "core/hash.h"
#include "core/log.h"
#include "http/server.h"

namespace fulcrum {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);
constexpr size_t kMaxExcluded = 16;
// A keep-alive connection without a request for this long gives its buffers back (is parked).
constexpr int64_t kParkAfterNs = 200'000'000;

std::string_view error_code_for(int status) {
  switch (status) {
    case 400: return "bad_request";
    case 404: return "not_found";
    case 408: return "request_timeout";
    case 413: return "payload_too_large";
    case 431: return "request_header_fields_too_large";
    case 501: return "not_implemented";
    case 502: return "bad_gateway";
    case 503: return "no_backend_available";
    case 504: return "gateway_timeout";
    case 505: return "http_version_not_supported";
    default: return "error";
  }
}

void append_json_string(http::OutputBuffer& out, std::string_view text) {
  out.append('"');
  for (char c : text) {
    if (c == '"' || c == '\\') {
      out.append('\\');
      out.append(c);
    } else if (static_cast<unsigned char>(c) < 0x20) {
      out.append(' ');
    } else {
      out.append(c);
    }
  }
  out.append('"');
}

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

bool is_retryable_status(int status) { return status == 502 || status == 503; }

// X-Fulcrum-Debug: 1 with the admin API's bearer token; never without a configured token.
bool debug_authorized(const http::RequestHead& request, std::string_view admin_token) {
  const http::Header* debug = request.find("X-Fulcrum-Debug");
  const http::Header* authorization = request.find("Authorization");
  return debug != nullptr && debug->value == "1" && authorization != nullptr &&
         http::bearer_matches(authorization->value, admin_token);
}

// An authorized debug request's admin token stays in the gateway.
constexpr std::array<std::string_view, 2> kDebugFields = {"X-Fulcrum-Debug", "Authorization"};

// The OpenAI-style endpoints whose JSON bodies routing by content reads.
bool is_inspected_route(const http::RequestHead& request) {
  if (request.method != "POST") return false;
  const std::string_view path = request.target.substr(0, request.target.find('?'));
  return path == "/v1/completions" || path == "/v1/chat/completions" || path == "/v1/embeddings";
}

// Whether a pooled connection is still usable: the backend has neither closed it nor sent
// anything unasked. One non-blocking peek.
bool is_still_open(tcp::socket& socket) {
  char byte = 0;
  ssize_t peeked = ::recv(socket.native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  return peeked < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
}

}  // namespace

struct ClientSession::Attempt {
  std::shared_ptr<Backend> backend;
  uint64_t request_id = 0;
  std::unique_ptr<Upstream> upstream;
  int64_t started_ns = 0;
  bool request_is_head = false;
  bool counted_in_flight = false;
};

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
    idle_ = true;
    park_requested_ = false;
    set_deadline(Phase::kIdle, worker_.config().timeouts.idle_ms);
    hot_idle_since_ns_ = worker_.now_ns();
    Exchange& exchange = *exchange_;
    auto [error, bytes] = co_await client_.async_read_some(
        asio::buffer(exchange.client_buffer.get(), exchange.client_capacity), kNoThrow);
    idle_ = false;
    hot_idle_since_ns_ = 0;
    if (!error) {
      exchange.client_filled = bytes;
      continue;
    }
    const bool parked = error == asio::error::operation_aborted && park_requested_ &&
                        !expired(Phase::kIdle) && !worker_.shutting_down();
    if (!parked) {
      close_client();
      co_return;
    }
    break;
  }
  release_exchange();
  worker_.note_parked();
  wait_for_request();
}

void ClientSession::close_client() {
  release_exchange();
  boost::system::error_code ignored;
  client_.shutdown(tcp::socket::shutdown_both, ignored);
  client_.close(ignored);
}

asio::awaitable<ClientSession::Next> ClientSession::serve_request() {
  if (co_await read_head() == Next::kClose) co_return Next::kClose;
  Exchange& exchange = *exchange_;
  const http::RequestHead& request = exchange.request;
  bump(worker_.stats().requests);
  begin_request();
  const GatewayLimits& limits = worker_.config().limits;
  request_body_error_status_ = 0;
  const BufferedBody buffered = inspect_buffered_body();
  if (buffered.payload_bytes > static_cast<uint64_t>(limits.body_bytes)) {
    co_return co_await respond_error(
        413, "request body exceeds the limit of " + std::to_string(limits.body_bytes) + " bytes");
  }
  if (buffered.malformed) {
    bump(worker_.stats().bad_requests);
    co_return co_await respond_error(400, "malformed chunked request body");
  }
  if (request.upgrade) {
    co_return co_await respond_error(501, "protocol upgrades are not supported");
  }
  exchange.inspected.clear();
  size_t message_end = buffered.message_end;
  if (worker_.routes_by_content() && is_inspected_route(request)) {
    if (co_await inspect_body() == Next::kClose) co_return Next::kClose;
    message_end = inspect_buffered_body().message_end;  // the whole body is in the buffer now
  }
  bool replayable = message_end != 0;
  streaming_body_ = !replayable;
  request_bytes_ = replayable ? message_end : exchange_->client_filled;
  client_closing_ = !exchange_->request.keep_alive;
  Next next = co_await forward(replayable);
  if (next == Next::kClose || !exchange_) co_return Next::kClose;
  // Keep the bytes of a pipelined next request.
  Exchange& after = *exchange_;
  size_t leftover = after.client_filled - std::min(request_bytes_, after.client_filled);
  std::memmove(after.client_buffer.get(), after.client_buffer.get() + request_bytes_, leftover);
  after.client_filled = leftover;
  request_bytes_ = 0;
  co_return client_closing_ ? Next::kClose : Next::kKeepAlive;
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
  exchange.generated_request_id_length = 0;
  if (client_request_id == nullptr) {
    // 16 lower-case hex digits, written by hand: snprintf's format parsing showed in profiles.
    constexpr char kHex[] = "0123456789abcdef";
    uint64_t bits = mix64(exchange.request_number);
    for (int digit = 15; digit >= 0; --digit, bits >>= 4) {
      exchange.generated_request_id[static_cast<size_t>(digit)] = kHex[bits & 0xf];
    }
    exchange.generated_request_id_length = 16;
  }
  if (!worker_.access_log().enabled()) return;
  exchange.log_line.begin(
      unix_now_ms(), std::string_view(client_address_.data(), client_address_length_),
      exchange.request.method, exchange.request.target,
      client_request_id ? client_request_id->value : exchange.generated_request_id_view());
}

void ClientSession::log_request(int status, std::string_view backend, std::string_view error) {
  if (!worker_.access_log().enabled() || !exchange_) return;
  Exchange& exchange = *exchange_;
  if (!exchange.log_line.started()) {  // no request head was read: nothing but the client
    exchange.started_ns = worker_.now_ns();
    exchange.log_line.begin(unix_now_ms(),
                            std::string_view(client_address_.data(), client_address_length_), "",
                            "", "");
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
      request.head_bytes, inspect_buffered_body().message_end - request.head_bytes);
  if (request.framing == http::BodyFraming::kChunked) {
    http::ChunkedDecoder decoder;
    (void)decoder.feed(body, [&decoded](std::string_view data) { decoded.append(data); });
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
  bool continue_sent = false;
  for (;;) {
    const BufferedBody buffered = inspect_buffered_body();
    if (buffered.malformed) {
      bump(worker_.stats().bad_requests);
      co_return co_await respond_error(400, "malformed chunked request body");
    }
    if (buffered.message_end != 0) co_return Next::kKeepAlive;
    if (buffered.payload_bytes > limit) {
      co_return co_await respond_error(
          413, "request body exceeds limits.inspect_body_bytes (" + std::to_string(limit) +
                   " bytes), the most the gateway reads to route by content");
    }
    const http::RequestHead& request = exchange.request;
    if (request.expect_continue && request.version.minor == 1 && !continue_sent &&
        exchange.client_filled == request.head_bytes) {
      continue_sent = true;
      if (!co_await write_client("HTTP/1.1 100 Continue\r\n\r\n")) co_return Next::kClose;
    }
    if (exchange.client_filled == exchange.client_capacity) {
      // A chunked body may carry framing around its payload; twice the payload limit is plenty
      // for honest clients and bounds what one made of tiny chunks can make the gateway hold.
      const size_t wanted =
          request.framing == http::BodyFraming::kContentLength
              ? request.head_bytes + static_cast<size_t>(request.content_length)
              : std::min<size_t>(exchange.client_capacity * 2,
                                 request.head_bytes + static_cast<size_t>(limit) * 2 + 4096);
      if (wanted <= exchange.client_capacity) {
        co_return co_await respond_error(
            413, "chunked request body framing exceeds twice limits.inspect_body_bytes (" +
                     std::to_string(limit) + " bytes)");
      }
      exchange.grow_client_buffer(wanted);
      // The head's views pointed into the old buffer: parse it again in the new one.
      (void)http::parse_request(exchange.client_bytes(), exchange.request);
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

ClientSession::BufferedBody ClientSession::inspect_buffered_body() const {
  const Exchange& exchange = *exchange_;
  const http::RequestHead& request = exchange.request;
  BufferedBody buffered;
  switch (request.framing) {
    case http::BodyFraming::kNone:
    case http::BodyFraming::kUntilClose: buffered.message_end = request.head_bytes; break;
    case http::BodyFraming::kContentLength: {
      buffered.payload_bytes = request.content_length;  // declared, so checked before it arrives
      uint64_t end = request.head_bytes + request.content_length;
      if (end <= exchange.client_filled) buffered.message_end = static_cast<size_t>(end);
      break;
    }
    case http::BodyFraming::kChunked: {
      http::ChunkedDecoder decoder;
      auto progress = decoder.feed(exchange.client_bytes().substr(request.head_bytes));
      buffered.payload_bytes = decoder.payload_bytes();
      buffered.malformed = progress.error();
      if (progress.complete) buffered.message_end = request.head_bytes + progress.consumed;
      break;
    }
  }
  return buffered;
}

void ClientSession::fail_request_body(int status, std::string_view reason) {
  request_body_error_status_ = status;
  request_body_error_reason_ = reason;
}

asio::awaitable<ClientSession::Next> ClientSession::forward(bool replayable) {
  const RetryConfig& retries = worker_.config().retries;
  std::array<uint32_t, kMaxExcluded> excluded{};
  size_t excluded_count = 0;
  int retries_left = retries.attempts;
  bool stale_retry_used = false;
  RequestView view;
  view.hash_key = hash_bytes(exchange_->request.target);
  const InspectedRequest& inspected = exchange_->inspected;
  view.request_id = exchange_->request_number;
  view.model = inspected.model;
  view.prompt = inspected.prompt;
  view.prefix_blocks = inspected.prefix_blocks;
  view.expected_output_tokens = inspected.max_tokens;
  view.affinity_key = inspected.user;
  if (const http::Header* session = exchange_->request.find("X-Session-Id")) {
    view.affinity_key = session->value;
  }
  if (!view.model.empty() && !worker_.serves_model(view.model)) {
    co_return co_await respond_error(404,
                                     "The model `" + std::string(view.model) + "` does not exist.",
                                     true, "model_not_found");
  }
  if (replayable) start_total_deadline();  // a streamed body starts it once it has been sent

  for (;;) {
    Attempt attempt;
    attempt.request_is_head = exchange_->request.method == "HEAD";
    std::string reason;
    attempt.backend = worker_.pick_backend(view, {excluded.data(), excluded_count}, reason,
                                           exchange_->debug ? &exchange_->decision : nullptr);
    attempt.request_id = view.request_id;
    if (!attempt.backend) co_return co_await respond_error(503, reason);
    ++exchange_->attempts;
    attempt.backend->in_flight.fetch_add(1, std::memory_order_relaxed);
    attempt.counted_in_flight = true;
    attempt.started_ns = worker_.now_ns();

    const bool connected = co_await connect_upstream(attempt);
    bool sent = connected && co_await send_request(attempt);
    if (request_body_error_status_ != 0) {
      finish_attempt(attempt, true);  // the client failed, not the backend
      co_return co_await respond_error(request_body_error_status_,
                                       std::string(request_body_error_reason_));
    }
    bool have_head = sent && co_await read_response_head(attempt);
    if (have_head &&
        !(is_retryable_status(exchange_->response.status_code) && replayable && retries_left > 0)) {
      co_return co_await relay_response(attempt);
    }
    if (total_expired_) {
      finish_attempt(attempt, false);
      co_return co_await respond_error(504, "no complete response within timeouts.total (" +
                                                std::to_string(worker_.config().timeouts.total_ms) +
                                                "ms); last backend \"" +
                                                attempt.backend->config.name + "\"");
    }
    if (expired(Phase::kFirstByte)) {
      finish_attempt(attempt, false);
      co_return co_await respond_error(
          504, "backend \"" + attempt.backend->config.name + "\" did not answer in time");
    }
    bool stale_keepalive = !have_head && attempt.upstream && attempt.upstream->reused;
    finish_attempt(attempt, stale_keepalive);
    // A backend that could not be reached is unavailable (503); one that took the request and
    // then failed is a bad gateway (502).
    const int failure_status = connected ? 502 : 503;
    const std::string failure = "backend \"" + attempt.backend->config.name +
                                (connected ? "\" failed" : "\" is unreachable");
    if (!replayable) {
      co_return co_await respond_error(failure_status,
                                       failure + " and the request cannot be replayed");
    }
    if (stale_keepalive && !stale_retry_used) {
      stale_retry_used = true;  // a pooled connection the backend had closed: try a fresh one
      continue;
    }
    if (retries_left == 0 || !worker_.retry_allowed()) {
      co_return co_await respond_error(failure_status, failure);
    }
    --retries_left;
    bump(worker_.stats().retries);
    if (excluded_count < excluded.size()) excluded[excluded_count++] = attempt.backend->id;
  }
}

asio::awaitable<bool> ClientSession::connect_upstream(Attempt& attempt) {
  // A streamed body cannot be replayed, so it must not be the one to find out that the backend
  // closed a pooled connection (keep-alive timeout); replayable requests retry instead.
  while ((attempt.upstream = worker_.take_idle_upstream(*attempt.backend))) {
    if (!streaming_body_ || is_still_open(attempt.upstream->socket)) co_return true;
  }
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

asio::awaitable<bool> ClientSession::send_request(Attempt& attempt) {
  Exchange& exchange = *exchange_;
  const http::RequestHead& request = exchange.request;
  std::array<http::Header, 4> added;
  size_t added_count = 0;
  // HTTP/1.0 requests may lack Host, which the HTTP/1.1 request sent upstream must carry.
  std::string authority;
  if (!request.has_host) {
    const BackendConfig& backend = attempt.backend->config;
    authority = backend.host + ":" + std::to_string(backend.port);
    added[added_count++] = {"Host", authority};
  }
  added[added_count++] = {"X-Forwarded-For",
                          std::string_view(client_address_.data(), client_address_length_)};
  added[added_count++] = {"X-Forwarded-Proto", "http"};
  if (exchange.generated_request_id_length != 0) {
    added[added_count++] = {"X-Request-Id", exchange.generated_request_id_view()};
  }
  exchange.out.clear();
  std::span<const std::string_view> dropped;
  if (exchange.debug) dropped = kDebugFields;
  http::append_forwarded_request(exchange.out, request,
                                 {false, {added.data(), added_count}, dropped});
  std::string_view body = exchange.client_bytes().substr(
      request.head_bytes, request_bytes_ - std::min(request_bytes_, request.head_bytes));
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

asio::awaitable<bool> ClientSession::relay_request_body_rest(Attempt& attempt) {
  // The request body did not fit in the buffer: stream the rest, counting or decoding it to find
  // its end. Bytes past the end belong to the next request and stay in the buffer.
  Exchange& exchange = *exchange_;
  const http::RequestHead& request = exchange.request;
  const bool chunked = request.framing == http::BodyFraming::kChunked;
  uint64_t body_seen = exchange.client_filled - request.head_bytes;
  http::ContentLengthBody length_body(chunked ? 0 : request.content_length - body_seen);
  http::ChunkedDecoder decoder;
  if (chunked) (void)decoder.feed(exchange.client_bytes().substr(request.head_bytes));
  const uint64_t body_limit = static_cast<uint64_t>(worker_.config().limits.body_bytes);
  exchange.client_filled = 0;  // the head has been sent; the buffer now carries body bytes
  request_bytes_ = 0;
  // A client that sent Expect: 100-continue waits for this before it sends the body (RFC 9110
  // §10.1.1; HTTP/1.0 expectations are ignored). A 100 the backend sends as well is relayed too,
  // which clients accept.
  const bool client_waits = request.expect_continue && request.version.minor == 1;
  if (client_waits && body_seen == 0 && !co_await write_client("HTTP/1.1 100 Continue\r\n\r\n")) {
    fail_request_body(400, "the client went away");
    co_return false;
  }
  for (;;) {
    set_deadline(Phase::kBody, worker_.config().timeouts.idle_ms);
    auto [error, bytes] = co_await client_.async_read_some(
        asio::buffer(exchange.client_buffer.get(), exchange.client_capacity), kNoThrow);
    if (error) {
      if (expired(Phase::kBody)) {
        fail_request_body(408, "the request body did not arrive in time");
      } else {
        fail_request_body(400, "the request body ended early");
      }
      co_return false;
    }
    std::string_view piece(exchange.client_buffer.get(), bytes);
    size_t consumed = 0;
    bool complete = false;
    if (chunked) {
      auto progress = decoder.feed(piece);
      if (progress.error()) {
        fail_request_body(400, progress.error_reason);
        co_return false;
      }
      consumed = progress.consumed;
      complete = progress.complete;
      if (decoder.payload_bytes() > body_limit) {
        fail_request_body(413, "request body exceeds the limit");
        co_return false;
      }
    } else {
      consumed = length_body.consume(bytes);
      complete = length_body.complete();
    }
    active_upstream_ = attempt.upstream.get();
    auto [write_error, written] = co_await asio::async_write(
        attempt.upstream->socket, asio::buffer(piece.substr(0, consumed)), kNoThrow);
    active_upstream_ = nullptr;
    if (write_error) co_return false;
    if (complete) {
      exchange.client_filled = bytes;
      request_bytes_ = consumed;
      set_deadline(Phase::kFirstByte, worker_.config().timeouts.first_byte_ms);
      start_total_deadline();
      co_return true;
    }
  }
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
    // An interim response (100 Continue, 103 Early Hints): pass it on and wait for the final one.
    size_t head_bytes = exchange.response.head_bytes;
    if (!co_await write_client(exchange.upstream_bytes().substr(0, head_bytes))) co_return false;
    std::memmove(exchange.upstream_buffer.get(), exchange.upstream_buffer.get() + head_bytes,
                 exchange.upstream_filled - head_bytes);
    exchange.upstream_filled -= head_bytes;
    hint = {};
    if (exchange.upstream_filled > 0) {
      result = http::parse_response(exchange.upstream_bytes(), attempt.request_is_head,
                                    exchange.response, limits, &hint);
      if (result.complete() && exchange.response.status_code >= 200) co_return true;
    }
  }
}

asio::awaitable<ClientSession::Next> ClientSession::relay_response(Attempt& attempt) {
  Exchange& exchange = *exchange_;
  const http::ResponseHead& response = exchange.response;
  const http::BodyFraming framing = response.framing;
  if (framing == http::BodyFraming::kUntilClose || worker_.shutting_down()) client_closing_ = true;
  const std::string& backend_name = attempt.backend->config.name;
  std::array<http::Header, 3> added{http::Header{"X-Fulcrum-Backend", backend_name}};
  size_t added_count = 1;
  if (!exchange.decision.empty()) added[added_count++] = {"X-Fulcrum-Decision", exchange.decision};
  if (client_closing_) {
    added[added_count++] = {"Connection", "close"};
  } else if (exchange.request.version.minor == 0) {
    added[added_count++] = {"Connection", "keep-alive"};
  }
  exchange.out.clear();
  http::append_forwarded_response(exchange.out, response, {false, {added.data(), added_count}, {}});
  worker_.stats().count_response(response.status_code);
  attempt.backend->count_response(response.status_code);
  attempt.backend->response_latency.record(worker_.now_ns() - attempt.started_ns);
  worker_.observe({attempt.backend->id, Nanos(worker_.now_ns() - attempt.started_ns),
                   Nanos(worker_.now_ns()), response.status_code < 500});

  http::ContentLengthBody length_body(
      framing == http::BodyFraming::kContentLength ? response.content_length : 0);
  http::ChunkedDecoder decoder;
  bool complete = framing == http::BodyFraming::kNone;
  // Takes the part of `piece` that belongs to the response body; sets `complete` at its end.
  auto take_body = [&](std::string_view piece) -> std::optional<size_t> {
    switch (framing) {
      case http::BodyFraming::kNone: return 0;
      case http::BodyFraming::kUntilClose: return piece.size();
      case http::BodyFraming::kContentLength: {
        size_t taken = length_body.consume(piece.size());
        complete = length_body.complete();
        return taken;
      }
      case http::BodyFraming::kChunked: {
        auto progress = decoder.feed(piece);
        if (progress.error()) return std::nullopt;
        complete = progress.complete;
        return progress.consumed;
      }
    }
    return std::nullopt;
  };

  // The first body byte tells pickers that track prefills that this one is done (a streamed
  // completion's first chunk carries its first token).
  bool first_byte_told = false;
  auto tell_first_byte = [&](std::optional<size_t> body_bytes) {
    if (first_byte_told || !body_bytes || *body_bytes == 0) return;
    first_byte_told = true;
    worker_.first_byte(attempt.request_id, attempt.backend->id);
  };
  std::string_view first_body = exchange.upstream_bytes().substr(response.head_bytes);
  auto taken = take_body(first_body);
  tell_first_byte(taken);
  bool extra_bytes = !taken || *taken < first_body.size();
  if (!co_await write_client(exchange.out.view(), first_body.substr(0, taken.value_or(0)))) {
    finish_attempt(attempt, true);
    log_request(response.status_code, backend_name, client_gone_reason());
    co_return Next::kClose;
  }
  bool upstream_failed = !taken.has_value();
  while (!complete && !upstream_failed) {
    set_deadline(Phase::kBody, worker_.config().timeouts.idle_ms);
    active_upstream_ = attempt.upstream.get();
    auto [error, bytes] = co_await attempt.upstream->socket.async_read_some(
        asio::buffer(exchange.upstream_buffer.get(), exchange.capacity), kNoThrow);
    active_upstream_ = nullptr;
    if (error) {
      complete = framing == http::BodyFraming::kUntilClose && error == asio::error::eof;
      upstream_failed = !complete;
      break;
    }
    std::string_view piece(exchange.upstream_buffer.get(), bytes);
    taken = take_body(piece);
    if (!taken) {
      upstream_failed = true;
      break;
    }
    tell_first_byte(taken);
    extra_bytes = *taken < piece.size();
    if (!co_await write_client(piece.substr(0, *taken))) {
      finish_attempt(attempt, true);
      log_request(response.status_code, backend_name, client_gone_reason());
      co_return Next::kClose;
    }
  }
  if (upstream_failed && total_expired_) {
    finish_attempt(attempt, true);  // slow, not failed: the backend was still sending
    log_request(response.status_code, backend_name, "timeouts.total expired mid-response");
    co_return Next::kClose;
  }
  if (upstream_failed) {
    bump(worker_.stats().upstream_aborted);
    finish_attempt(attempt, false);
    log_request(response.status_code, backend_name, "the backend ended the response early");
    co_return Next::kClose;  // the client cannot be told after bytes went out: close it
  }
  if (response.keep_alive && !extra_bytes && framing != http::BodyFraming::kUntilClose) {
    worker_.return_upstream(std::move(attempt.upstream));
  }
  finish_attempt(attempt, response.status_code < 500);
  log_request(response.status_code, backend_name, {});
  co_return client_closing_ ? Next::kClose : Next::kKeepAlive;
}

void ClientSession::finish_attempt(Attempt& attempt, bool success) {
  if (attempt.counted_in_flight) {
    attempt.backend->in_flight.fetch_sub(1, std::memory_order_relaxed);
    attempt.counted_in_flight = false;
  }
  attempt.upstream.reset();
  worker_.record_backend_result(*attempt.backend, success);
  worker_.request_finished(attempt.request_id, attempt.backend->id);
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
  Exchange& exchange = *exchange_;
  http::OutputBuffer body;
  body.append(R"({"error":{"code":")");
  body.append(code.empty() ? error_code_for(status) : code);
  body.append(R"(","message":)");
  append_json_string(body, message);
  body.append("}}\n");
  exchange.out.clear();
  http::append_status_line(exchange.out, status);
  http::append_header(exchange.out, "Content-Type", "application/json");
  http::append_content_length(exchange.out, body.size());
  if (close) http::append_header(exchange.out, "Connection", "close");
  http::end_head(exchange.out);
  worker_.stats().count_response(status);
  bool written = co_await write_client(exchange.out.view(), body.view());
  log_request(status, {}, message);
  if (close) client_closing_ = true;
  co_return close || !written ? Next::kClose : Next::kKeepAlive;
}

}  // namespace fulcrum
