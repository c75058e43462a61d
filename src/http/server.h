// A small HTTP/1.1 server for the APIs (gateway admin, scheduler, emulator) on the project's own
// codec: one acceptor on a caller's io_context, one coroutine per connection, keep-alive and
// pipelining, a route table with `{name}` path parameters, buffered request bodies up to a limit,
// optional bearer-token checks, Server-Sent Event streams, and async handlers (coroutines that
// may wait before answering, or answer with an event stream). Every error answers with the JSON
// body {"error": {"code": ..., "message": ...}} and the status that fits.
//
// Threading: routes are added before start(). One thread runs the io_context (the server keeps
// per-connection state unlocked); handlers run on it, so a handler touching state shared with
// other threads synchronises itself. stop() is thread-safe.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/json/value.hpp>

#include "core/status.h"
#include "http/writer.h"

namespace fulcrum::http {

using FieldList = std::vector<std::pair<std::string, std::string>>;

// A whole request, owning its bytes.
struct Request {
  std::string method;
  std::string target;     // as received, e.g. "/admin/backends?verbose=1"
  std::string path;       // the target up to '?', percent-encoding kept
  std::string query;      // after '?', without it; empty when there is none
  FieldList headers;      // in the order received
  std::string body;       // the payload, chunked framing removed
  FieldList path_params;  // values of the route's {name} segments, percent-decoded

  // The first value of the field (case-insensitive), or nullopt.
  std::optional<std::string_view> header(std::string_view name) const;
  // The value of {name} in the route pattern; empty when the route has no such parameter.
  std::string_view path_param(std::string_view name) const;
  // The first value of `name` in the query string, percent-decoded ('+' is a space).
  std::optional<std::string> query_param(std::string_view name) const;
};

struct Response {
  int status = 200;
  std::string content_type = "application/json";  // left out when empty
  FieldList headers;                              // extra fields, e.g. Location
  std::string body;

  // `body` is JSON text already.
  static Response json(int status, std::string body);
  static Response json_value(int status, const boost::json::value& value);
  static Response text(int status, std::string body,
                       std::string content_type = "text/plain; charset=utf-8");
  // The JSON error body with the code that fits the status (error_code_for_status).
  static Response error(int status, std::string_view message);
  static Response error(int status, std::string_view code, std::string_view message);
  // A non-ok Status as its HTTP status (http_status_for) and code name (error_code_name).
  static Response from_status(const Status& status);
};

namespace detail {
class Connection;
struct ServerState;
}  // namespace detail

// The response side of a Server-Sent Events stream (text/event-stream). Valid only while the
// stream handler runs; use it from the server's io_context thread.
class EventStream {
 public:
  EventStream(const EventStream&) = delete;
  EventStream& operator=(const EventStream&) = delete;

  // Sends one event: `data` split into data: lines, with event: and id: lines when not empty.
  // false once the client has gone (or the server stopped): the handler should return.
  boost::asio::awaitable<bool> send_event(std::string_view data, std::string_view event_type = {},
                                          std::string_view id = {});
  // A comment line (": text"), e.g. a heartbeat that keeps proxies from timing the stream out.
  boost::asio::awaitable<bool> send_comment(std::string_view text);
  // Waits until `timeout` has passed, wake() was called or the client went away; false when the
  // client is gone.
  boost::asio::awaitable<bool> wait(std::chrono::milliseconds timeout);
  // Ends a pending wait() early, e.g. when a new event is ready; remembered when no wait() is
  // pending, so the next one returns at once.
  void wake();
  bool client_gone() const { return gone_; }

  // Made by the server for each stream; `chunked` frames the events as chunks (HTTP/1.1).
  EventStream(detail::Connection& connection, bool chunked);

 private:
  friend class detail::Connection;
  void mark_gone();
  boost::asio::awaitable<bool> send(std::string_view event_text);

  detail::Connection& connection_;
  boost::asio::steady_timer wake_timer_;
  OutputBuffer out_;
  bool chunked_;
  bool gone_ = false;
  bool woken_ = false;
};

// Given to an async handler: lets it answer with an event stream instead of a Response.
class Responder {
 public:
  Responder(const Responder&) = delete;
  Responder& operator=(const Responder&) = delete;

  // Sends the head of a 200 text/event-stream response and returns the stream, valid until the
  // handler returns; nullptr when the client has gone. Once a stream has started, the Response
  // the handler returns is ignored and the connection closes after the handler.
  boost::asio::awaitable<EventStream*> start_event_stream();
  bool streaming() const { return streaming_; }

  // Made by the server for each call of an async handler.
  Responder(detail::Connection& connection, bool http_1_0)
      : connection_(connection), http_1_0_(http_1_0) {}

 private:
  detail::Connection& connection_;
  bool http_1_0_;
  bool streaming_ = false;
};

using Handler = std::function<Response(const Request&)>;
using StreamHandler = std::function<boost::asio::awaitable<void>(const Request&, EventStream&)>;
// A handler that may wait (on timers, other coroutines) before it answers, or stream its answer.
using AsyncHandler = std::function<boost::asio::awaitable<Response>(const Request&, Responder&)>;

// True when `authorization`, an Authorization field value, is "Bearer TOKEN" with exactly `token`
// (the scheme in any case, whitespace around the token ignored; compared in constant time for
// equal lengths). False for an empty token.
bool bearer_matches(std::string_view authorization, std::string_view token);

enum class BearerCheck : uint8_t { kGranted, kMissing, kWrong };
// The one bearer-token check of every API: `authorization` is the Authorization field value
// (nullopt when absent); an empty `token` grants everything.
BearerCheck check_bearer(std::optional<std::string_view> authorization, std::string_view token);
// The 401 answer to a refused check, with WWW-Authenticate: Bearer realm="fulcrum", plus
// error="invalid_token" when a token was given but is wrong (RFC 6750 §3.1).
Response unauthorized_response(BearerCheck outcome);

// Whether a listen address only accepts connections from this machine (127.0.0.0/8, ::1,
// localhost): an API that changes things needs a token anywhere else.
bool is_loopback_address(std::string_view address);

struct RouteOptions {
  // The bearer token this route requires instead of the server's; "" makes the route public.
  std::optional<std::string> bearer_token;
};

struct ServerOptions {
  std::string address = "127.0.0.1";
  uint16_t port = 0;                                    // 0: a free port, see Server::port()
  std::size_t max_head_bytes = std::size_t{16} * 1024;  // larger request heads: 431
  std::size_t max_body_bytes = std::size_t{1} << 20;    // larger request bodies: 413
  std::string bearer_token;  // not empty: every route requires `Authorization: Bearer TOKEN`
  std::chrono::milliseconds header_timeout{10000};  // a started request must arrive within (408)
  std::chrono::milliseconds idle_timeout{60000};    // idle keep-alive connections close after
};

class Server {
 public:
  Server(boost::asio::io_context& context, ServerOptions options);
  // Stops the server; connections still open close when the io_context next runs.
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // `pattern` is an absolute path whose segments are literals or `{name}` (one whole segment,
  // never empty). GET routes also answer HEAD. Call before start(); a malformed pattern throws
  // std::invalid_argument (a programming error).
  void add_route(std::string_view method, std::string_view pattern, Handler handler,
                 RouteOptions options = {});
  // A GET route whose handler streams Server-Sent Events until it returns or the client goes.
  void add_stream_route(std::string_view pattern, StreamHandler handler, RouteOptions options = {});
  // The same for any method (e.g. POST, whose body the handler reads from the Request).
  void add_stream_route(std::string_view method, std::string_view pattern, StreamHandler handler,
                        RouteOptions options = {});
  // A route whose handler runs as a coroutine on the io_context: it may await before returning
  // its Response (the connection waits meanwhile), or answer with an event stream through the
  // Responder. An exception before a stream started answers 500.
  void add_async_route(std::string_view method, std::string_view pattern, AsyncHandler handler,
                       RouteOptions options = {});

  // Binds the listener and starts accepting on the io_context.
  Status start();
  // The bound port (the chosen one when the options asked for 0); 0 before start().
  uint16_t port() const;
  // Closes the listener and every connection; streams see their client gone. Thread-safe.
  void stop();

 private:
  // Shared with the connections, so that none outlives what it uses whatever the order in which
  // the server and the io_context go away.
  std::shared_ptr<detail::ServerState> state_;
};

}  // namespace fulcrum::http
