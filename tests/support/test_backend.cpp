// fulcrum_test_backend: a small keep-alive HTTP/1.1 server that integration tests put behind the
// gateway. Each path triggers one behaviour a test needs to observe (see kUsage); it speaks
// through the project's own codec so that no other HTTP library is involved.
#include <charconv>
#include <chrono>
#include <cstdint>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include "http/chunked.h"
#include "http/parser.h"
#include "http/writer.h"

namespace {

namespace asio = boost::asio;
namespace http = fulcrum::http;
using tcp = asio::ip::tcp;

constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);
constexpr size_t kReadBytes = size_t{64} * 1024;
constexpr size_t kMaxHeadBytes = size_t{64} * 1024;

constexpr std::string_view kUsage =
    "usage: fulcrum_test_backend [--port N] [--name NAME] [--idle-timeout-ms MS]\n"
    "  --port 0 (default) picks a free port and prints \"listening on PORT\"\n"
    "  --idle-timeout-ms closes a keep-alive connection idle that long (default: never)\n"
    "paths: /echo /status/CODE /sleep/MS /sse?events=N&interval_ms=M /chunked?chunks=N\n"
    "       /big?bytes=N /abort /close /stats /health /set-health/CODE\n"
    "       /metrics (POST /set-metrics sets its text)\n"
    "       /v1/... answers {\"backend\":NAME,\"body_bytes\":N}; anything else answers NAME\n";

struct Options {
  uint16_t port = 0;
  std::string name = "backend";
  uint64_t idle_timeout_ms = 0;  // 0: idle connections stay open
};

struct Counters {
  uint64_t requests = 0;  // /stats requests are not counted
  uint64_t connections = 0;
  uint64_t health_checks = 0;
  uint64_t idle_closes = 0;      // keep-alive connections closed by --idle-timeout-ms
  uint64_t health_status = 200;  // what /health answers; set by /set-health/CODE
  std::string metrics_text;      // what /metrics answers (404 while empty); set by /set-metrics
};

std::optional<uint64_t> parse_number(std::string_view text) {
  uint64_t value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

// The value of `key` in the query string of `target`, or `fallback`.
uint64_t query_number(std::string_view target, std::string_view key, uint64_t fallback) {
  size_t question = target.find('?');
  if (question == std::string_view::npos) return fallback;
  std::string_view query = target.substr(question + 1);
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    size_t equals = pair.find('=');
    if (equals != std::string_view::npos && pair.substr(0, equals) == key) {
      return parse_number(pair.substr(equals + 1)).value_or(fallback);
    }
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return fallback;
}

std::string_view path_of(std::string_view target) { return target.substr(0, target.find('?')); }

// The number after `prefix` in `path`, e.g. 503 in /status/503.
std::optional<uint64_t> path_number(std::string_view path, std::string_view prefix) {
  if (!path.starts_with(prefix)) return std::nullopt;
  return parse_number(path.substr(prefix.size()));
}

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(tcp::socket socket, const Options& options, Counters& counters)
      : socket_(std::move(socket)),
        idle_timer_(socket_.get_executor()),
        options_(options),
        counters_(counters) {}

  asio::awaitable<void> run() {
    auto self = shared_from_this();
    ++counters_.connections;
    while (co_await serve_one()) {
    }
    boost::system::error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
  }

 private:
  // Reads more bytes into buffer_; false on EOF or error.
  asio::awaitable<bool> read_more() {
    // Between requests the connection is idle: close it when that lasts too long, as servers
    // with a keep-alive timeout do, leaving the gateway a stale pooled connection.
    const bool idle = buffer_.empty() && options_.idle_timeout_ms > 0;
    if (idle) {
      idle_timer_.expires_after(std::chrono::milliseconds(options_.idle_timeout_ms));
      idle_timer_.async_wait([self = shared_from_this()](const boost::system::error_code& error) {
        if (error) return;
        ++self->counters_.idle_closes;
        self->socket_.close();
      });
    }
    size_t old_size = buffer_.size();
    buffer_.resize(old_size + kReadBytes);
    auto [error, bytes] = co_await socket_.async_read_some(
        asio::buffer(buffer_.data() + old_size, kReadBytes), kNoThrow);
    buffer_.resize(old_size + bytes);
    if (idle) idle_timer_.cancel();
    co_return !error;
  }

  // Reads the request body that follows a head of `head_bytes`, decoded; false when the
  // connection ended or the body was malformed. `body_end` is where the next request starts.
  asio::awaitable<bool> read_body(const http::RequestHead& head, std::string& body,
                                  size_t& body_end) {
    size_t start = head.head_bytes;
    if (head.framing == http::BodyFraming::kContentLength) {
      while (buffer_.size() - start < head.content_length) {
        if (!co_await read_more()) co_return false;
      }
      body.assign(buffer_, start, head.content_length);
      body_end = start + head.content_length;
      co_return true;
    }
    if (head.framing != http::BodyFraming::kChunked) {
      body_end = start;
      co_return true;
    }
    http::ChunkedDecoder decoder;
    size_t fed = start;
    for (;;) {
      auto progress = decoder.feed(std::string_view(buffer_).substr(fed),
                                   [&body](std::string_view data) { body.append(data); });
      if (progress.error()) co_return false;
      fed += progress.consumed;
      if (progress.complete) {
        body_end = fed;
        co_return true;
      }
      if (!co_await read_more()) co_return false;
    }
  }

  // One request and its response; false when the connection should end.
  asio::awaitable<bool> serve_one() {
    http::RequestHead head;
    http::Limits limits;
    limits.max_head_bytes = kMaxHeadBytes;
    for (;;) {
      http::ParseResult result = http::parse_request(buffer_, head, limits);
      if (result.complete()) break;
      if (result.error()) {
        co_await write(simple_response(result.error_status, "bad request\n", true));
        co_return false;
      }
      if (!co_await read_more()) co_return false;
    }
    // Copy what the response needs: reading the body may move the buffer under the head.
    const std::string request_line = std::string(head.method) + " " + std::string(head.target) +
                                     " HTTP/" + std::to_string(head.version.major) + "." +
                                     std::to_string(head.version.minor);
    std::string fields;
    for (const http::Header& field : head.fields()) {
      fields.append(field.name).append(": ").append(field.value).append("\n");
    }
    const std::string target(head.target);
    keep_alive_ = head.keep_alive;
    head_request_ = head.method == "HEAD";
    std::string body;
    size_t body_end = 0;
    if (!co_await read_body(head, body, body_end)) co_return false;
    buffer_.erase(0, body_end);

    std::string_view path = path_of(target);
    if (path == "/health") {
      ++counters_.health_checks;
      co_return co_await write(simple_response(static_cast<int>(counters_.health_status),
                                               std::to_string(counters_.health_status) + "\n"));
    }
    if (auto status = path_number(path, "/set-health/")) {
      counters_.health_status = *status;
      co_return co_await write(simple_response(200, "health " + std::to_string(*status) + "\n"));
    }
    if (path == "/metrics") {
      if (counters_.metrics_text.empty()) co_return co_await write(simple_response(404, "none\n"));
      co_return co_await write(simple_response(200, counters_.metrics_text));
    }
    if (path == "/set-metrics") {
      counters_.metrics_text = body;
      co_return co_await write(simple_response(200, "metrics set\n"));
    }
    if (path != "/stats") ++counters_.requests;
    if (path.starts_with("/v1/")) {  // an OpenAI-style endpoint: says who got how much body
      co_return co_await write(
          simple_response(200, "{\"backend\":\"" + options_.name +
                                   "\",\"body_bytes\":" + std::to_string(body.size()) + "}\n"));
    }
    if (path == "/echo") {
      co_return co_await write(simple_response(200, request_line + "\n" + fields + "\n" + body));
    }
    if (auto status = path_number(path, "/status/")) {
      co_return co_await write(
          simple_response(static_cast<int>(*status), std::to_string(*status) + "\n"));
    }
    if (auto delay_ms = path_number(path, "/sleep/")) {
      co_await sleep_ms(*delay_ms);
      co_return co_await write(simple_response(200, options_.name + "\n"));
    }
    if (path == "/sse") co_return co_await send_events(target);
    if (path == "/chunked") co_return co_await send_chunks(query_number(target, "chunks", 3));
    if (path == "/big") {
      uint64_t bytes = query_number(target, "bytes", 1024);
      std::string pattern(bytes, '\0');
      for (uint64_t i = 0; i < bytes; ++i) pattern[i] = static_cast<char>('a' + i % 26);
      co_return co_await write(simple_response(200, pattern));
    }
    if (path == "/abort") co_return co_await send_partial_then_close();
    if (path == "/close") co_return false;
    if (path == "/stats") {
      co_return co_await write(
          simple_response(200, "requests " + std::to_string(counters_.requests) + "\nconnections " +
                                   std::to_string(counters_.connections) + "\nhealth_checks " +
                                   std::to_string(counters_.health_checks) + "\nidle_closes " +
                                   std::to_string(counters_.idle_closes) + "\n"));
    }
    co_return co_await write(simple_response(200, options_.name + "\n"));
  }

  void append_common_head(http::OutputBuffer& out, int status, bool close) {
    http::append_status_line(out, status);
    http::append_header(out, "X-Backend-Name", options_.name);
    closing_ = close || !keep_alive_;
    if (closing_) http::append_header(out, "Connection", "close");
  }

  std::string simple_response(int status, std::string_view body, bool close = false) {
    http::OutputBuffer out;
    append_common_head(out, status, close);
    http::append_header(out, "Content-Type", "text/plain");
    http::append_content_length(out, body.size());
    http::end_head(out);
    if (!head_request_) out.append(body);
    return std::string(out.view());
  }

  std::string chunked_head(std::string_view content_type) {
    http::OutputBuffer out;
    append_common_head(out, 200, false);
    http::append_header(out, "Content-Type", content_type);
    http::append_header(out, "Transfer-Encoding", "chunked");
    http::end_head(out);
    return std::string(out.view());
  }

  static std::string chunk(std::string_view data) {
    http::OutputBuffer out;
    http::append_chunk(out, data);
    return std::string(out.view());
  }

  static std::string last_chunk() {
    http::OutputBuffer out;
    http::append_last_chunk(out);
    return std::string(out.view());
  }

  // Writes `bytes`; true when the connection may serve another request.
  asio::awaitable<bool> write(std::string bytes) {
    auto [error, written] = co_await asio::async_write(socket_, asio::buffer(bytes), kNoThrow);
    co_return !error && !closing_;
  }

  asio::awaitable<void> sleep_ms(uint64_t milliseconds) {
    asio::steady_timer timer(socket_.get_executor());
    timer.expires_after(std::chrono::milliseconds(milliseconds));
    co_await timer.async_wait(kNoThrow);
  }

  // Server-sent events: `data: i` every interval_ms (the first one at once), then [DONE].
  asio::awaitable<bool> send_events(std::string_view target) {
    uint64_t events = query_number(target, "events", 3);
    uint64_t interval_ms = query_number(target, "interval_ms", 100);
    if (!co_await write_raw(chunked_head("text/event-stream"))) co_return false;
    for (uint64_t i = 0; i < events; ++i) {
      if (i > 0) co_await sleep_ms(interval_ms);
      if (!co_await write_raw(chunk("data: " + std::to_string(i) + "\n\n"))) co_return false;
    }
    co_await sleep_ms(interval_ms);
    co_return co_await write(chunk("data: [DONE]\n\n") + last_chunk());
  }

  asio::awaitable<bool> send_chunks(uint64_t chunks) {
    std::string bytes = chunked_head("text/plain");
    for (uint64_t i = 0; i < chunks; ++i) bytes += chunk("chunk " + std::to_string(i) + "\n");
    co_return co_await write(bytes + last_chunk());
  }

  // The head and 100 of the 1000 promised body bytes, then the connection ends.
  asio::awaitable<bool> send_partial_then_close() {
    http::OutputBuffer out;
    append_common_head(out, 200, false);
    http::append_content_length(out, 1000);
    http::end_head(out);
    out.append(std::string(100, 'x'));
    co_await write_raw(std::string(out.view()));
    co_return false;
  }

  asio::awaitable<bool> write_raw(std::string bytes) {
    auto [error, written] = co_await asio::async_write(socket_, asio::buffer(bytes), kNoThrow);
    co_return !error;
  }

  tcp::socket socket_;
  asio::steady_timer idle_timer_;
  const Options& options_;
  Counters& counters_;
  std::string buffer_;
  bool keep_alive_ = true;
  bool head_request_ = false;  // HEAD: the response has the fields of a GET but no body
  bool closing_ = false;       // the response being written ends the connection
};

asio::awaitable<void> accept_loop(tcp::acceptor& acceptor, const Options& options,
                                  Counters& counters) {
  for (;;) {
    auto [error, socket] = co_await acceptor.async_accept(kNoThrow);
    if (error) continue;
    boost::system::error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    auto connection = std::make_shared<Connection>(std::move(socket), options, counters);
    asio::co_spawn(acceptor.get_executor(), connection->run(), asio::detached);
  }
}

std::optional<Options> parse_options(int argc, char** argv) {
  Options options;
  for (int i = 1; i < argc; ++i) {
    std::string_view flag = argv[i];
    if (i + 1 >= argc) return std::nullopt;
    std::string_view value = argv[++i];
    if (flag == "--port") {
      auto port = parse_number(value);
      if (!port || *port > 65535) return std::nullopt;
      options.port = static_cast<uint16_t>(*port);
    } else if (flag == "--name") {
      options.name = value;
    } else if (flag == "--idle-timeout-ms") {
      auto idle_timeout_ms = parse_number(value);
      if (!idle_timeout_ms) return std::nullopt;
      options.idle_timeout_ms = *idle_timeout_ms;
    } else {
      return std::nullopt;
    }
  }
  return options;
}

}  // namespace

int main(int argc, char** argv) {
  std::optional<Options> options = parse_options(argc, argv);
  if (!options) {
    std::cerr << kUsage;
    return 2;
  }
  asio::io_context context(1);
  boost::system::error_code error;
  tcp::acceptor acceptor(context);
  tcp::endpoint endpoint(asio::ip::make_address("127.0.0.1"), options->port);
  acceptor.open(endpoint.protocol(), error);
  if (!error) acceptor.set_option(tcp::acceptor::reuse_address(true), error);
  if (!error) acceptor.bind(endpoint, error);
  if (!error) acceptor.listen(asio::socket_base::max_listen_connections, error);
  if (error) {
    std::cerr << "cannot listen on port " << options->port << ": " << error.message() << '\n';
    return 1;
  }
  std::cout << "listening on " << acceptor.local_endpoint().port() << std::endl;
  Counters counters;
  asio::co_spawn(context, accept_loop(acceptor, *options, counters), asio::detached);
  context.run();
  return 0;
}
