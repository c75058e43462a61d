#include "http/client.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include "http/body_framing.h"
#include "http/parser.h"

namespace fulcrum::http {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using namespace asio::experimental::awaitable_operators;

namespace {

constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);
constexpr size_t kReadBytes = 16 * 1024;

// Takes the body out of `received` (the bytes after the head) as its framing says; true once the
// whole body is there.
Result<bool> take_body(const ResponseHead& head, std::string_view received, bool peer_closed,
                       GetResponse& response) {
  response.body.clear();
  BodyFramer framer(head);  // again from the start: probe bodies are small
  BodyProgress progress =
      framer.feed(received, [&response](std::string_view data) { response.body.append(data); });
  if (progress.error()) {
    return unavailable("malformed chunked body: " + std::string(progress.error_reason));
  }
  return progress.complete || (peer_closed && framer.ends_at_close());
}

asio::awaitable<Result<GetResponse>> get_without_timeout(tcp::socket& socket,
                                                         tcp::endpoint endpoint,
                                                         const GetRequest& request) {
  auto [connect_error] = co_await socket.async_connect(endpoint, kNoThrow);
  if (connect_error) co_return unavailable("connect: " + connect_error.message());
  std::string text = "GET " + request.path + " HTTP/1.1\r\nHost: " + request.host +
                     "\r\nUser-Agent: fulcrum\r\nAccept: */*\r\nConnection: close\r\n";
  if (!request.authorization.empty()) text += "Authorization: " + request.authorization + "\r\n";
  text += "\r\n";
  auto [write_error, written] = co_await asio::async_write(socket, asio::buffer(text), kNoThrow);
  if (write_error) co_return unavailable("send: " + write_error.message());

  std::string received;
  ResponseHead head;
  bool have_head = false;
  bool peer_closed = false;
  GetResponse response;
  for (;;) {
    if (!peer_closed) {
      const size_t old_size = received.size();
      received.resize(old_size + kReadBytes);
      auto [read_error, bytes] = co_await socket.async_read_some(
          asio::buffer(received.data() + old_size, kReadBytes), kNoThrow);
      received.resize(old_size + bytes);
      if (read_error == asio::error::eof) {
        peer_closed = true;
      } else if (read_error) {
        co_return unavailable("no response: " + read_error.message());
      }
    }
    if (!have_head) {
      ParseResult parsed = parse_response(received, false, head);
      if (parsed.error()) {
        co_return unavailable("malformed response: " + std::string(parsed.error_reason));
      }
      if (parsed.incomplete()) {
        if (peer_closed) co_return unavailable("the connection closed before a response");
        continue;
      }
      have_head = true;
      response.status = head.status_code;
      if (!request.read_body) co_return response;
    }
    const std::string_view body_bytes = std::string_view(received).substr(head.head_bytes);
    if (body_bytes.size() > request.max_body_bytes) {
      co_return unavailable("body over " + std::to_string(request.max_body_bytes) + " bytes");
    }
    auto complete = take_body(head, body_bytes, peer_closed, response);
    if (!complete.ok()) co_return complete.status();
    if (*complete) co_return response;
    if (peer_closed) co_return unavailable("the connection closed before the body ended");
  }
}

}  // namespace

asio::awaitable<Result<GetResponse>> http_get(tcp::endpoint endpoint, const GetRequest& request) {
  auto executor = co_await asio::this_coro::executor;
  tcp::socket socket(executor);
  asio::steady_timer deadline(executor);
  deadline.expires_after(request.timeout);
  auto outcome = co_await (get_without_timeout(socket, endpoint, request) ||
                           deadline.async_wait(asio::as_tuple(asio::use_awaitable)));
  if (outcome.index() == 1) {
    co_return unavailable("no answer within " + std::to_string(request.timeout.count()) + "ms");
  }
  co_return std::get<0>(std::move(outcome));
}

}  // namespace fulcrum::http
