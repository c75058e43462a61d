// One coroutine per connection:
//   read head -> copy it into a Request -> read the body (Content-Length or chunked) -> route ->
//   check the token -> handler -> write the response -> next request on the same connection.
// A watchdog coroutine per connection cancels socket I/O once the current deadline passes.
// Awaited results go into a named local before a condition tests them: GCC 12 miscompiles some
// coroutines that co_await inside an if/while/switch condition.
#include "http/server.h"

#include <algorithm>
#include <array>
#include <span>
#include <stdexcept>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include "http/ascii.h"
#include "http/body_framing.h"
#include "http/json.h"
#include "http/parser.h"
#include "http/secret.h"

namespace fulcrum::http {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);
constexpr std::size_t kReadChunkBytes = std::size_t{16} * 1024;
constexpr auto kAcceptRetryDelay = std::chrono::milliseconds(100);
// After an error response the connection lingers this long reading what the client still sends,
// so that closing does not reset the connection before the client has read the response.
constexpr auto kLingerTime = std::chrono::milliseconds(500);
constexpr std::size_t kLingerMaxBytes = std::size_t{1} << 20;

int hex_digit_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// nullopt on a malformed %XX escape.
std::optional<std::string> percent_decode(std::string_view text, bool plus_is_space) {
  std::string decoded;
  decoded.reserve(text.size());
  for (std::size_t at = 0; at < text.size(); ++at) {
    char c = text[at];
    if (c == '+' && plus_is_space) {
      decoded.push_back(' ');
      continue;
    }
    if (c != '%') {
      decoded.push_back(c);
      continue;
    }
    if (at + 2 >= text.size()) return std::nullopt;
    int high = hex_digit_value(text[at + 1]);
    int low = hex_digit_value(text[at + 2]);
    if (high < 0 || low < 0) return std::nullopt;
    decoded.push_back(static_cast<char>(high * 16 + low));
    at += 2;
  }
  return decoded;
}

// The segments of an absolute path after its leading '/': "/a/b" -> {"a", "b"}, "/" -> {""}.
std::vector<std::string_view> split_path(std::string_view path) {
  std::vector<std::string_view> segments;
  if (path.empty() || path.front() != '/') return segments;
  path.remove_prefix(1);
  for (;;) {
    std::size_t slash = path.find('/');
    segments.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return segments;
}

// The path of an origin-form ("/p?q") or absolute-form ("http://h/p?q") target.
std::string_view path_and_query_of(std::string_view target) {
  if (!target.empty() && target.front() == '/') return target;
  std::size_t scheme_end = target.find("://");
  if (scheme_end == std::string_view::npos) return target;
  std::size_t path_start = target.find('/', scheme_end + 3);
  return path_start == std::string_view::npos ? "/" : target.substr(path_start);
}

BearerCheck check_request_bearer(const Request& request, std::string_view token) {
  return check_bearer(request.header("Authorization"), token);
}

std::string_view without_line_breaks(std::string_view text) {
  return text.substr(0, text.find_first_of("\r\n"));
}

// The text of one event (https://html.spec.whatwg.org/multipage/server-sent-events.html).
std::string format_event(std::string_view data, std::string_view event_type, std::string_view id) {
  std::string text;
  text.reserve(data.size() + event_type.size() + id.size() + 32);
  if (!event_type.empty()) text.append("event: ").append(without_line_breaks(event_type)) += '\n';
  if (!id.empty()) text.append("id: ").append(without_line_breaks(id)) += '\n';
  for (;;) {
    std::size_t newline = data.find('\n');
    std::string_view line = data.substr(0, newline);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    text.append("data: ").append(line) += '\n';
    if (newline == std::string_view::npos) break;
    data.remove_prefix(newline + 1);
  }
  text += '\n';
  return text;
}

struct PatternSegment {
  std::string text;  // the literal, or the parameter name
  bool is_parameter = false;
};

std::vector<PatternSegment> parse_pattern(std::string_view pattern) {
  if (pattern.empty() || pattern.front() != '/') {
    throw std::invalid_argument("route pattern must start with '/': " + std::string(pattern));
  }
  std::vector<PatternSegment> segments;
  for (std::string_view segment : split_path(pattern)) {
    bool is_parameter = segment.size() >= 2 && segment.front() == '{' && segment.back() == '}';
    if (is_parameter) segment = segment.substr(1, segment.size() - 2);
    if (segment.find_first_of("{}") != std::string_view::npos ||
        (is_parameter && segment.empty())) {
      throw std::invalid_argument("malformed route pattern: " + std::string(pattern));
    }
    segments.push_back({std::string(segment), is_parameter});
  }
  return segments;
}

}  // namespace

bool bearer_matches(std::string_view authorization, std::string_view token) {
  constexpr std::string_view kScheme = "bearer ";
  if (token.empty() || authorization.size() <= kScheme.size() ||
      !equals_ignore_case(authorization.substr(0, kScheme.size()), kScheme)) {
    return false;
  }
  return same_secret(trim_ows(authorization.substr(kScheme.size())), token);
}

BearerCheck check_bearer(std::optional<std::string_view> authorization, std::string_view token) {
  if (token.empty()) return BearerCheck::kGranted;
  if (!authorization) return BearerCheck::kMissing;
  return bearer_matches(*authorization, token) ? BearerCheck::kGranted : BearerCheck::kWrong;
}

Response unauthorized_response(BearerCheck outcome) {
  const bool missing = outcome == BearerCheck::kMissing;
  Response response =
      Response::error(401, missing ? "this endpoint needs an Authorization: Bearer token"
                                   : "the bearer token is not valid");
  response.headers.emplace_back(
      "WWW-Authenticate",
      missing ? R"(Bearer realm="fulcrum")" : R"(Bearer realm="fulcrum", error="invalid_token")");
  return response;
}

bool is_loopback_address(std::string_view address) {
  return address == "::1" || address == "localhost" || address.starts_with("127.");
}

std::optional<std::string_view> Request::header(std::string_view name) const {
  for (const auto& [field_name, value] : headers) {
    if (equals_ignore_case(field_name, name)) return value;
  }
  return std::nullopt;
}

std::string_view Request::path_param(std::string_view name) const {
  for (const auto& [param_name, value] : path_params) {
    if (param_name == name) return value;
  }
  return {};
}

std::optional<std::string> Request::query_param(std::string_view name) const {
  std::string_view rest = query;
  while (!rest.empty()) {
    std::size_t amp = rest.find('&');
    std::string_view pair = rest.substr(0, amp);
    std::size_t equals = pair.find('=');
    std::optional<std::string> key = percent_decode(pair.substr(0, equals), true);
    if (key && *key == name) {
      return percent_decode(equals == std::string_view::npos ? "" : pair.substr(equals + 1), true);
    }
    if (amp == std::string_view::npos) break;
    rest.remove_prefix(amp + 1);
  }
  return std::nullopt;
}

Response Response::json(int status, std::string body) {
  Response response;
  response.status = status;
  response.body = std::move(body);
  return response;
}

Response Response::json_value(int status, const boost::json::value& value) {
  std::string body = to_json_text(value);
  body += '\n';
  return json(status, std::move(body));
}

Response Response::text(int status, std::string body, std::string content_type) {
  Response response;
  response.status = status;
  response.content_type = std::move(content_type);
  response.body = std::move(body);
  return response;
}

Response Response::error(int status, std::string_view message) {
  return error(status, error_code_for_status(status), message);
}

Response Response::error(int status, std::string_view code, std::string_view message) {
  return json(status, json_error_body(code, message));
}

Response Response::from_status(const Status& status) {
  return error(http_status_for(status.code()), error_code_name(status.code()), status.message());
}

namespace detail {

struct Route {
  std::string method;
  std::vector<PatternSegment> segments;
  Handler handler;
  StreamHandler stream_handler;  // set instead of `handler` for event streams
  AsyncHandler async_handler;    // ... or for handlers that await
  RouteOptions options;
};

struct ServerState {
  ServerState(asio::io_context& io_context, ServerOptions server_options)
      : context(io_context), options(std::move(server_options)), acceptor(io_context) {}

  asio::io_context& context;
  ServerOptions options;
  std::vector<Route> routes;  // fixed once the server has started
  tcp::acceptor acceptor;
  uint16_t port = 0;
  // Touched on the io_context's thread only.
  bool stopped = false;
  std::vector<Connection*> connections;
};

namespace {

bool path_matches(const Route& route, std::span<const std::string_view> segments,
                  FieldList& params) {
  if (route.segments.size() != segments.size()) return false;
  params.clear();
  for (std::size_t index = 0; index < segments.size(); ++index) {
    const PatternSegment& pattern = route.segments[index];
    if (!pattern.is_parameter) {
      if (pattern.text != segments[index]) return false;
      continue;
    }
    std::optional<std::string> value = percent_decode(segments[index], false);
    if (!value || value->empty()) return false;
    params.emplace_back(pattern.text, std::move(*value));
  }
  return true;
}

struct RouteMatch {
  const Route* route = nullptr;
  FieldList params;
  std::string allowed_methods;  // when no route has the method: those the path has, for Allow
};

void add_allowed(std::string& allowed, std::string_view method) {
  if (allowed.find(method) != std::string::npos) return;
  if (!allowed.empty()) allowed += ", ";
  allowed += method;
}

const Route* find_route(const std::vector<Route>& routes, std::string_view method,
                        std::span<const std::string_view> segments, RouteMatch& match) {
  for (const Route& route : routes) {
    if (route.method == method && path_matches(route, segments, match.params)) return &route;
  }
  return nullptr;
}

RouteMatch match_route(const std::vector<Route>& routes, std::string_view method,
                       std::string_view path) {
  RouteMatch match;
  std::vector<std::string_view> segments = split_path(path);
  match.route = find_route(routes, method, segments, match);
  if (match.route == nullptr && method == "HEAD") {
    match.route = find_route(routes, "GET", segments, match);
  }
  if (match.route != nullptr) return match;
  FieldList ignored;
  for (const Route& route : routes) {
    if (!path_matches(route, segments, ignored)) continue;
    add_allowed(match.allowed_methods, route.method);
    if (route.method == "GET") add_allowed(match.allowed_methods, "HEAD");
  }
  return match;
}

Request make_request(const RequestHead& head) {
  Request request;
  request.method = head.method;
  request.target = head.target;
  std::string_view path_and_query = path_and_query_of(head.target);
  std::size_t question = path_and_query.find('?');
  request.path = path_and_query.substr(0, question);
  if (question != std::string_view::npos) request.query = path_and_query.substr(question + 1);
  request.headers.reserve(head.header_count);
  for (const Header& field : head.fields()) request.headers.emplace_back(field.name, field.value);
  return request;
}

// The name of a field the handler set that cannot go on the wire, or nullopt.
std::optional<std::string> invalid_field(const Response& response) {
  if (!is_valid_field_value(response.content_type)) return "Content-Type";
  for (const auto& [name, value] : response.headers) {
    if (!is_valid_field_name(name) || !is_valid_field_value(value)) return name;
  }
  return std::nullopt;
}

}  // namespace

// What the head says about the body, copied out before the buffer holding the head changes.
struct BodyFacts {
  BodyFraming framing = BodyFraming::kNone;
  uint64_t content_length = 0;
  bool expect_continue = false;
};

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(std::shared_ptr<ServerState> state, tcp::socket socket)
      : state_(std::move(state)), socket_(std::move(socket)), deadline_(socket_.get_executor()) {
    clear_deadline();
    state_->connections.push_back(this);
  }

  ~Connection() { std::erase(state_->connections, this); }

  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // The parameter keeps the connection alive for as long as the coroutine runs.
  static asio::awaitable<void> run(std::shared_ptr<Connection> self) {
    asio::co_spawn(self->socket_.get_executor(), watchdog(self), asio::detached);
    while (!self->closed_ && !self->state_->stopped) {
      Next next = co_await self->serve_one();
      if (next == Next::kClose) break;
    }
    self->close();
  }

  // Closes now, cancelling pending I/O (server stop, end of the connection).
  void close() {
    closed_ = true;
    boost::system::error_code ignored;
    socket_.close(ignored);
    deadline_.cancel();
    if (stream_) stream_->mark_gone();
  }

  // Writes both pieces within the idle timeout; false when the client is gone.
  asio::awaitable<bool> write(std::string_view first, std::string_view second = {}) {
    std::array<asio::const_buffer, 2> pieces{asio::buffer(first), asio::buffer(second)};
    set_deadline(state_->options.idle_timeout);
    auto [error, written] = co_await asio::async_write(socket_, pieces, kNoThrow);
    clear_deadline();
    co_return !error;
  }

  tcp::socket& socket() { return socket_; }

 private:
  enum class Next : uint8_t { kKeepAlive, kClose };
  enum class BodyOutcome : uint8_t { kComplete, kTooLarge, kMalformed, kGone };

  static asio::awaitable<void> watchdog(std::shared_ptr<Connection> self) {
    while (!self->closed_) {
      co_await self->deadline_.async_wait(kNoThrow);
      if (self->closed_) break;
      if (self->deadline_.expiry() > asio::steady_timer::clock_type::now()) continue;
      self->timed_out_ = true;
      boost::system::error_code ignored;
      self->socket_.cancel(ignored);
      self->clear_deadline();
    }
  }

  // While a stream runs, the client sends nothing more; reading shows when it goes away.
  static asio::awaitable<void> watch_client(std::shared_ptr<Connection> self) {
    std::array<char, 512> discarded;
    for (;;) {
      auto [error, bytes] =
          co_await self->socket_.async_read_some(asio::buffer(discarded), kNoThrow);
      if (error) break;
    }
    if (self->stream_) self->stream_->mark_gone();
  }

  void set_deadline(std::chrono::milliseconds timeout) {
    timed_out_ = false;
    deadline_.expires_after(timeout);
  }
  void clear_deadline() { deadline_.expires_at(asio::steady_timer::time_point::max()); }

  // Appends what the client sends next to buffer_; false on close, error or timeout.
  asio::awaitable<bool> read_more() {
    std::size_t filled = buffer_.size();
    buffer_.resize(filled + kReadChunkBytes);
    auto [error, bytes] = co_await socket_.async_read_some(
        asio::buffer(buffer_.data() + filled, kReadChunkBytes), kNoThrow);
    buffer_.resize(filled + (error ? 0 : bytes));
    co_return !error;
  }

  asio::awaitable<Next> serve_one() {
    const ServerOptions& options = state_->options;
    Limits limits;
    limits.max_head_bytes = options.max_head_bytes;
    ScanHint hint;
    set_deadline(buffer_.empty() ? options.idle_timeout : options.header_timeout);
    for (;;) {
      ParseResult parsed = parse_request(buffer_, head_, limits, &hint);
      if (parsed.error()) {
        co_return co_await respond_and_close(
            Response::error(parsed.error_status, parsed.error_reason));
      }
      if (parsed.complete()) break;
      bool first_bytes = buffer_.empty();
      bool received = co_await read_more();
      if (!received) {
        if (timed_out_ && !buffer_.empty()) {
          co_return co_await respond_and_close(
              Response::error(408, "the request did not arrive in time"));
        }
        co_return Next::kClose;
      }
      if (first_bytes) set_deadline(options.header_timeout);
    }
    Request request = make_request(head_);
    BodyFacts body{head_.framing, head_.content_length, head_.expect_continue};
    bool keep_alive = head_.keep_alive;
    bool http_1_0 = head_.version.minor == 0;
    buffer_.erase(0, head_.head_bytes);  // head_ points into the erased bytes from here on

    std::string_view body_error;
    BodyOutcome body_outcome = co_await read_body(body, request.body, body_error);
    switch (body_outcome) {
      case BodyOutcome::kComplete: break;
      case BodyOutcome::kGone: co_return Next::kClose;
      case BodyOutcome::kTooLarge:
        co_return co_await respond_and_close(
            Response::error(413, "the request body exceeds the limit of " +
                                     std::to_string(options.max_body_bytes) + " bytes"));
      case BodyOutcome::kMalformed:
        co_return co_await respond_and_close(Response::error(400, body_error));
    }
    clear_deadline();
    co_return co_await dispatch(std::move(request), keep_alive, http_1_0);
  }

  asio::awaitable<BodyOutcome> read_body(const BodyFacts& body, std::string& payload,
                                         std::string_view& error_reason) {
    std::size_t max_body_bytes = state_->options.max_body_bytes;
    BodyFramer framer(body.framing, body.content_length);
    if (framer.payload_bytes() > max_body_bytes) co_return BodyOutcome::kTooLarge;
    if (body.framing != BodyFraming::kContentLength && body.framing != BodyFraming::kChunked) {
      co_return BodyOutcome::kComplete;
    }
    bool has_body = body.framing == BodyFraming::kChunked || body.content_length > 0;
    if (body.expect_continue && has_body && buffer_.empty()) {
      bool written = co_await write("HTTP/1.1 100 Continue\r\n\r\n");
      if (!written) co_return BodyOutcome::kGone;
    }
    for (;;) {
      BodyProgress progress =
          framer.feed(buffer_, [&payload](std::string_view data) { payload.append(data); });
      buffer_.erase(0, progress.consumed);  // framing and payload both: memory stays bounded
      if (progress.error()) {
        error_reason = progress.error_reason;
        co_return BodyOutcome::kMalformed;
      }
      if (payload.size() > max_body_bytes) co_return BodyOutcome::kTooLarge;
      if (progress.complete) co_return BodyOutcome::kComplete;
      set_deadline(state_->options.idle_timeout);
      bool received = co_await read_more();
      if (!received) co_return BodyOutcome::kGone;
    }
  }

  asio::awaitable<Next> dispatch(Request request, bool keep_alive, bool http_1_0) {
    RouteMatch match = match_route(state_->routes, request.method, request.path);
    bool head_only = request.method == "HEAD";
    bool close = !keep_alive || state_->stopped;
    if (match.route == nullptr) {
      BearerCheck authorization = check_request_bearer(request, state_->options.bearer_token);
      if (authorization != BearerCheck::kGranted) {
        co_return co_await respond(unauthorized_response(authorization), head_only, close,
                                   http_1_0);
      }
      if (match.allowed_methods.empty()) {
        co_return co_await respond(Response::error(404, "no resource at " + request.path),
                                   head_only, close, http_1_0);
      }
      Response response =
          Response::error(405, "method " + request.method + " is not allowed on " + request.path +
                                   "; allowed: " + match.allowed_methods);
      response.headers.emplace_back("Allow", match.allowed_methods);
      co_return co_await respond(std::move(response), head_only, close, http_1_0);
    }
    const Route& route = *match.route;
    BearerCheck authorization = check_request_bearer(
        request, route.options.bearer_token.value_or(state_->options.bearer_token));
    if (authorization != BearerCheck::kGranted) {
      co_return co_await respond(unauthorized_response(authorization), head_only, close, http_1_0);
    }
    request.path_params = std::move(match.params);
    if (route.stream_handler) co_return co_await run_stream(route, request, http_1_0);
    if (route.async_handler) {
      co_return co_await run_async(route, request, head_only, close, http_1_0);
    }
    co_return co_await respond(call_handler(route, request), head_only, close, http_1_0);
  }

  asio::awaitable<Next> run_async(const Route& route, const Request& request, bool head_only,
                                  bool close, bool http_1_0) {
    Responder responder(*this, http_1_0);
    Response response;
    try {
      response = co_await route.async_handler(request, responder);
    } catch (const std::exception& error) {
      response = Response::error(500, std::string("the handler failed: ") + error.what());
    }
    if (responder.streaming()) co_return co_await end_stream(http_1_0);
    co_return co_await respond(std::move(response), head_only, close || state_->stopped, http_1_0);
  }

  static Response call_handler(const Route& route, const Request& request) {
    try {
      return route.handler(request);
    } catch (const std::exception& error) {
      return Response::error(500, std::string("the handler failed: ") + error.what());
    }
  }

  asio::awaitable<Next> respond(Response response, bool head_only, bool close, bool http_1_0) {
    if (std::optional<std::string> field = invalid_field(response)) {
      response =
          Response::error(500, "the handler produced an invalid header field \"" + *field + "\"");
    }
    out_.clear();
    append_status_line(out_, response.status);
    if (!response.content_type.empty()) append_header(out_, "Content-Type", response.content_type);
    if (response.status != 204) append_content_length(out_, response.body.size());
    for (const auto& [name, value] : response.headers) append_header(out_, name, value);
    if (close) {
      append_header(out_, "Connection", "close");
    } else if (http_1_0) {
      append_header(out_, "Connection", "keep-alive");
    }
    end_head(out_);
    std::string_view body =
        head_only || response.status == 204 ? std::string_view() : response.body;
    bool written = co_await write(out_.view(), body);
    if (!written) co_return Next::kClose;
    co_return close ? Next::kClose : Next::kKeepAlive;
  }

  // Answers and closes; reads on for a moment first so that a client still sending its request
  // sees the response instead of a connection reset.
  asio::awaitable<Next> respond_and_close(Response response) {
    co_await respond(std::move(response), false, true, false);
    if (!closed_) {
      boost::system::error_code ignored;
      socket_.shutdown(tcp::socket::shutdown_send, ignored);
      set_deadline(std::chrono::duration_cast<std::chrono::milliseconds>(kLingerTime));
      std::size_t drained = 0;
      while (drained < kLingerMaxBytes) {
        buffer_.clear();
        bool received = co_await read_more();
        if (!received) break;
        drained += buffer_.size();
      }
      clear_deadline();
    }
    co_return Next::kClose;
  }

 public:
  // Sends the event-stream head and starts watching for the client to go; nullptr when it has.
  asio::awaitable<EventStream*> begin_stream(bool http_1_0) {
    const Version client_version{1, http_1_0 ? 0 : 1};
    bool chunked = event_stream_framing(client_version) == BodyFraming::kChunked;
    out_.clear();
    append_status_line(out_, 200);
    append_header(out_, "Content-Type", "text/event-stream");
    append_header(out_, "Cache-Control", "no-cache");
    if (chunked) append_header(out_, "Transfer-Encoding", "chunked");
    append_header(out_, "Connection", "close");
    end_head(out_);
    bool written = co_await write(out_.view());
    if (!written) co_return nullptr;
    stream_ = std::make_unique<EventStream>(*this, chunked);
    asio::co_spawn(socket_.get_executor(), watch_client(shared_from_this()), asio::detached);
    co_return stream_.get();
  }

 private:
  asio::awaitable<Next> run_stream(const Route& route, const Request& request, bool http_1_0) {
    EventStream* stream = co_await begin_stream(http_1_0);
    if (stream == nullptr) co_return Next::kClose;
    try {
      co_await route.stream_handler(request, *stream);
    } catch (const std::exception&) {
      // The status line is gone already; ending the stream is all that is left to do.
    }
    co_return co_await end_stream(http_1_0);
  }

  asio::awaitable<Next> end_stream(bool http_1_0) {
    if (!http_1_0 && stream_ && !stream_->client_gone()) {  // no stream_: its head failed
      out_.clear();
      append_last_chunk(out_);
      co_await write(out_.view());
    }
    co_return Next::kClose;
  }

  std::shared_ptr<ServerState> state_;
  tcp::socket socket_;
  asio::steady_timer deadline_;
  std::string buffer_;  // received bytes not yet consumed: a partial or pipelined request
  RequestHead head_;
  OutputBuffer out_;
  std::unique_ptr<EventStream> stream_;
  bool closed_ = false;
  bool timed_out_ = false;
};

}  // namespace detail

asio::awaitable<EventStream*> Responder::start_event_stream() {
  EventStream* stream = co_await connection_.begin_stream(http_1_0_);
  streaming_ = true;
  co_return stream;
}

EventStream::EventStream(detail::Connection& connection, bool chunked)
    : connection_(connection), wake_timer_(connection.socket().get_executor()), chunked_(chunked) {}

void EventStream::mark_gone() {
  gone_ = true;
  wake_timer_.cancel();
}

void EventStream::wake() {
  woken_ = true;
  wake_timer_.cancel();
}

asio::awaitable<bool> EventStream::send_event(std::string_view data, std::string_view event_type,
                                              std::string_view id) {
  co_return co_await send(format_event(data, event_type, id));
}

asio::awaitable<bool> EventStream::send_comment(std::string_view text) {
  std::string line = ": ";
  line.append(without_line_breaks(text)).append("\n\n");
  co_return co_await send(line);
}

asio::awaitable<bool> EventStream::send(std::string_view event_text) {
  if (gone_) co_return false;
  out_.clear();
  if (chunked_) {
    append_chunk(out_, event_text);
  } else {
    out_.append(event_text);
  }
  bool written = co_await connection_.write(out_.view());
  if (!written) mark_gone();
  co_return !gone_;
}

asio::awaitable<bool> EventStream::wait(std::chrono::milliseconds timeout) {
  if (!gone_ && !woken_) {
    wake_timer_.expires_after(timeout);
    co_await wake_timer_.async_wait(kNoThrow);
  }
  woken_ = false;
  co_return !gone_;
}

namespace {

asio::awaitable<void> accept_loop(std::shared_ptr<detail::ServerState> state) {
  while (!state->stopped) {
    auto [error, socket] = co_await state->acceptor.async_accept(kNoThrow);
    if (state->stopped || error == asio::error::operation_aborted) break;
    if (error) {
      // Out of descriptors and the like: keep the open connections, try again shortly.
      asio::steady_timer pause(state->context, kAcceptRetryDelay);
      co_await pause.async_wait(kNoThrow);
      continue;
    }
    boost::system::error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    auto connection = std::make_shared<detail::Connection>(state, std::move(socket));
    asio::co_spawn(state->context, detail::Connection::run(std::move(connection)), asio::detached);
  }
}

}  // namespace

Server::Server(asio::io_context& context, ServerOptions options)
    : state_(std::make_shared<detail::ServerState>(context, std::move(options))) {}

Server::~Server() { stop(); }

namespace {

// A route for `method` and `pattern` with one of the three handler kinds set.
detail::Route make_route(std::string_view method, std::string_view pattern, RouteOptions options) {
  if (!is_token(method)) throw std::invalid_argument("invalid method: " + std::string(method));
  detail::Route route;
  route.method = std::string(method);
  route.segments = parse_pattern(pattern);
  route.options = std::move(options);
  return route;
}

}  // namespace

void Server::add_route(std::string_view method, std::string_view pattern, Handler handler,
                       RouteOptions options) {
  detail::Route route = make_route(method, pattern, std::move(options));
  route.handler = std::move(handler);
  state_->routes.push_back(std::move(route));
}

void Server::add_stream_route(std::string_view pattern, StreamHandler handler,
                              RouteOptions options) {
  add_stream_route("GET", pattern, std::move(handler), std::move(options));
}

void Server::add_stream_route(std::string_view method, std::string_view pattern,
                              StreamHandler handler, RouteOptions options) {
  detail::Route route = make_route(method, pattern, std::move(options));
  route.stream_handler = std::move(handler);
  state_->routes.push_back(std::move(route));
}

void Server::add_async_route(std::string_view method, std::string_view pattern,
                             AsyncHandler handler, RouteOptions options) {
  detail::Route route = make_route(method, pattern, std::move(options));
  route.async_handler = std::move(handler);
  state_->routes.push_back(std::move(route));
}

Status Server::start() {
  const ServerOptions& options = state_->options;
  boost::system::error_code error;
  auto address = asio::ip::make_address(options.address, error);
  if (error) {
    return invalid_argument("listen address \"" + options.address + "\": " + error.message());
  }
  tcp::endpoint endpoint(address, options.port);
  tcp::acceptor& acceptor = state_->acceptor;
  acceptor.open(endpoint.protocol(), error);
  if (!error) acceptor.set_option(tcp::acceptor::reuse_address(true), error);
  if (!error) acceptor.bind(endpoint, error);
  if (!error) acceptor.listen(asio::socket_base::max_listen_connections, error);
  if (!error) state_->port = acceptor.local_endpoint(error).port();
  if (error) {
    boost::system::error_code ignored;
    acceptor.close(ignored);
    return unavailable("cannot listen on " + options.address + ":" + std::to_string(options.port) +
                       ": " + error.message());
  }
  asio::co_spawn(state_->context, accept_loop(state_), asio::detached);
  return Status::ok_status();
}

uint16_t Server::port() const { return state_->port; }

void Server::stop() {
  asio::post(state_->context, [state = state_] {
    if (state->stopped) return;
    state->stopped = true;
    boost::system::error_code ignored;
    state->acceptor.close(ignored);
    // close() does not end a connection synchronously, so the list stays intact meanwhile.
    for (detail::Connection* connection : state->connections) connection->close();
  });
}

}  // namespace fulcrum::http
