#include "http_client.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>

#include "http/chunked.h"
#include "http/parser.h"

namespace fulcrum::integration {

namespace {

bool equals_ignore_case(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

// Fills the body of `response` from `rest`, the bytes after the head.
void read_body(const http::ResponseHead& head, std::string_view rest, bool peer_closed,
               HttpResponse& response) {
  switch (head.framing) {
    case http::BodyFraming::kNone:
      response.complete = true;
      response.message_bytes = head.head_bytes;
      return;
    case http::BodyFraming::kContentLength:
      response.body = rest.substr(0, head.content_length);
      response.complete = rest.size() >= head.content_length;
      response.message_bytes = head.head_bytes + response.body.size();
      return;
    case http::BodyFraming::kUntilClose:
      response.body = rest;
      response.body_until_close = true;
      response.complete = peer_closed;
      response.message_bytes = head.head_bytes + rest.size();
      return;
    case http::BodyFraming::kChunked: {
      http::ChunkedDecoder decoder;
      auto progress =
          decoder.feed(rest, [&response](std::string_view data) { response.body.append(data); });
      response.complete = progress.complete;
      response.message_bytes = head.head_bytes + progress.consumed;
      return;
    }
  }
}

}  // namespace

std::string HttpResponse::header(std::string_view name) const {
  for (const auto& [field_name, value] : headers) {
    if (equals_ignore_case(field_name, name)) return value;
  }
  return "";
}

bool HttpResponse::has_header(std::string_view name) const {
  for (const auto& field : headers) {
    if (equals_ignore_case(field.first, name)) return true;
  }
  return false;
}

HttpResponse parse_http_response(std::string_view bytes, bool peer_closed, bool request_was_head) {
  HttpResponse response;
  http::ResponseHead head;
  http::Limits limits;
  limits.max_head_bytes = size_t{1024} * 1024;
  if (!http::parse_response(bytes, request_was_head, head, limits).complete()) return response;
  response.head_complete = true;
  response.status = head.status_code;
  for (const http::Header& field : head.fields()) {
    response.headers.emplace_back(std::string(field.name), std::string(field.value));
  }
  read_body(head, bytes.substr(head.head_bytes), peer_closed, response);
  return response;
}

std::string get_request(std::string_view path, std::string_view extra_fields) {
  std::string request = "GET ";
  request.append(path).append(" HTTP/1.1\r\nHost: test\r\n").append(extra_fields).append("\r\n");
  return request;
}

std::unique_ptr<RawConnection> RawConnection::open(uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return nullptr;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(port);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    ::close(fd);
    return nullptr;
  }
  int enable = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &enable, sizeof enable);
  return std::make_unique<RawConnection>(fd);
}

RawConnection::~RawConnection() { ::close(fd_); }

bool RawConnection::send(std::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t sent = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (sent < 0 && errno == EINTR) continue;
    if (sent <= 0) return false;
    bytes.remove_prefix(static_cast<size_t>(sent));
  }
  return true;
}

bool RawConnection::receive_more(std::chrono::steady_clock::time_point deadline) {
  if (peer_closed_) return false;
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd poll_fd{fd_, POLLIN, 0};
    int ready = ::poll(&poll_fd, 1, static_cast<int>(left.count()));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) return false;
    char buffer[64 * 1024];
    ssize_t bytes = ::recv(fd_, buffer, sizeof buffer, 0);
    if (bytes < 0 && errno == EINTR) continue;
    if (bytes <= 0) {
      peer_closed_ = true;  // end of stream, or a reset
      return false;
    }
    pending_.append(buffer, static_cast<size_t>(bytes));
    return true;
  }
}

std::optional<HttpResponse> RawConnection::read_response(std::chrono::milliseconds timeout,
                                                         bool request_was_head) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    HttpResponse response = parse_http_response(pending_, peer_closed_, request_was_head);
    if (response.complete) {
      pending_.erase(0, response.message_bytes);
      return response;
    }
    if (!receive_more(deadline)) {
      if (!peer_closed_) return std::nullopt;
      response = parse_http_response(pending_, true, request_was_head);
      if (!response.complete) return std::nullopt;
      pending_.erase(0, response.message_bytes);
      return response;
    }
  }
}

bool RawConnection::read_until_contains(std::string_view needle,
                                        std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (pending_.find(needle) == std::string::npos) {
    if (!receive_more(deadline)) return false;
  }
  return true;
}

bool RawConnection::read_until_closed(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!peer_closed_) {
    if (!receive_more(deadline) && !peer_closed_) return false;
  }
  return true;
}

std::optional<HttpResponse> fetch_once(uint16_t port, std::string_view request,
                                       std::chrono::milliseconds timeout) {
  auto connection = RawConnection::open(port);
  if (!connection || !connection->send(request)) return std::nullopt;
  return connection->read_response(timeout);
}

}  // namespace fulcrum::integration
