#include "http/server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <future>
#include <optional>
#include <string>
#include <thread>

#include <gtest/gtest.h>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>

#include "http/chunked.h"
#include "http/json.h"
#include "http/parser.h"

namespace fulcrum::http {
namespace {

using namespace std::chrono_literals;

struct ReceivedResponse {
  int status = 0;
  FieldList headers;
  std::string body;

  std::string header(std::string_view name) const {
    for (const auto& [field, value] : headers) {
      if (field.size() == name.size() &&
          std::equal(field.begin(), field.end(), name.begin(), [](char a, char b) {
            return std::tolower(static_cast<unsigned char>(a)) ==
                   std::tolower(static_cast<unsigned char>(b));
          })) {
        return value;
      }
    }
    return {};
  }
  std::string error_code() const {
    return std::string(boost::json::parse(body).at("error").at("code").as_string());
  }
};

// A blocking loopback client that sends raw bytes and parses responses with the project's codec.
class RawClient {
 public:
  explicit RawClient(uint16_t port) : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
    timeval timeout{5, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
  }
  ~RawClient() { ::close(fd_); }
  RawClient(const RawClient&) = delete;
  RawClient& operator=(const RawClient&) = delete;

  bool connected() const { return connected_; }

  void send(std::string_view bytes) {
    while (!bytes.empty()) {
      ssize_t sent = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (sent <= 0) return;
      bytes.remove_prefix(static_cast<size_t>(sent));
    }
  }

  std::optional<ReceivedResponse> exchange(std::string_view request) {
    send(request);
    return read_response();
  }

  // One whole response; nullopt when the connection ends or times out first.
  std::optional<ReceivedResponse> read_response(bool request_was_head = false) {
    for (;;) {
      if (auto response = take_response(request_was_head)) return response;
      if (!receive_more()) return std::nullopt;
    }
  }

  // Receives until `needle` appears in what has been received; false on close or timeout.
  bool read_until(std::string_view needle) {
    while (received_.find(needle) == std::string::npos) {
      if (!receive_more()) return false;
    }
    return true;
  }

  // True when the server closed the connection (no more bytes within the receive timeout).
  bool closed_by_peer() {
    while (receive_more()) {
    }
    return peer_closed_;
  }

  const std::string& received() const { return received_; }

 private:
  bool receive_more() {
    char chunk[4096];
    ssize_t bytes = ::recv(fd_, chunk, sizeof chunk, 0);
    if (bytes <= 0) {
      peer_closed_ = bytes == 0;
      return false;
    }
    received_.append(chunk, static_cast<size_t>(bytes));
    return true;
  }

  std::optional<ReceivedResponse> take_response(bool request_was_head) {
    ResponseHead head;
    if (!parse_response(received_, request_was_head, head).complete()) return std::nullopt;
    ReceivedResponse response;
    response.status = head.status_code;
    for (const Header& field : head.fields())
      response.headers.emplace_back(field.name, field.value);
    std::string_view rest = std::string_view(received_).substr(head.head_bytes);
    size_t body_bytes = 0;
    if (head.framing == BodyFraming::kContentLength) {
      if (rest.size() < head.content_length) return std::nullopt;
      body_bytes = head.content_length;
      response.body = rest.substr(0, body_bytes);
    } else if (head.framing == BodyFraming::kChunked) {
      ChunkedDecoder decoder;
      ChunkedProgress progress =
          decoder.feed(rest, [&response](std::string_view data) { response.body.append(data); });
      if (!progress.complete) return std::nullopt;
      body_bytes = progress.consumed;
    }
    received_.erase(0, head.head_bytes + body_bytes);
    return response;
  }

  int fd_;
  bool connected_ = false;
  bool peer_closed_ = false;
  std::string received_;
};

std::string get(std::string_view path, std::string_view extra_fields = {}) {
  return std::string("GET ") + std::string(path) + " HTTP/1.1\r\nHost: test\r\n" +
         std::string(extra_fields) + "\r\n";
}

std::string post(std::string_view path, std::string_view body, std::string_view method = "POST") {
  return std::string(method) + " " + std::string(path) +
         " HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nContent-Length: " +
         std::to_string(body.size()) + "\r\n\r\n" + std::string(body);
}

// A server on a free loopback port with its io_context on a thread of its own.
class ServerTest : public ::testing::Test {
 protected:
  void start(ServerOptions options = {}) {
    options.port = 0;
    server_ = std::make_unique<Server>(context_, options);
    add_routes(*server_);
    ASSERT_TRUE(server_->start().ok());
    port_ = server_->port();
    thread_ = std::thread([this] { context_.run(); });
  }

  void TearDown() override {
    if (server_) server_->stop();
    work_.reset();
    context_.stop();
    if (thread_.joinable()) thread_.join();
    server_.reset();
  }

  virtual void add_routes(Server& server) {
    server.add_route("GET", "/hello", [](const Request&) { return Response::text(200, "hi"); });
    server.add_route("POST", "/echo", [](const Request& request) {
      Response response = Response::text(200, request.body, "application/octet-stream");
      response.headers.emplace_back("X-Method", request.method);
      return response;
    });
    server.add_route("DELETE", "/items/{name}", [](const Request& request) {
      return Response::text(200, "deleted " + std::string(request.path_param("name")));
    });
    server.add_route("POST", "/items/{name}/move/{to}", [](const Request& request) {
      return Response::text(200, std::string(request.path_param("name")) + "->" +
                                     std::string(request.path_param("to")));
    });
    server.add_route("GET", "/items/{name}", [](const Request& request) {
      return Response::text(200, "item " + std::string(request.path_param("name")) +
                                     " q=" + request.query_param("q").value_or("(none)"));
    });
    server.add_route("GET", "/fail",
                     [](const Request&) -> Response { throw std::runtime_error("disk on fire"); });
    server.add_route("PUT", "/json", [](const Request& request) {
      auto object = parse_json_object(request.body);
      if (!object.ok()) return Response::from_status(object.status());
      return Response::json_value(200, boost::json::value{{"keys", object->size()}});
    });
    server.add_route(
        "GET", "/public", [](const Request&) { return Response::text(200, "open"); },
        RouteOptions{""});
    server.add_stream_route("/events", [this](const Request& request, EventStream& stream) {
      return stream_events(request, stream);
    });
  }

  boost::asio::awaitable<void> stream_events(const Request& request, EventStream& stream) {
    int count = std::stoi(request.query_param("count").value_or("3"));
    for (int index = 1; count == 0 || index <= count; ++index) {
      bool sent = co_await stream.send_event("{\"n\":" + std::to_string(index) + "}", "tick",
                                             std::to_string(index));
      if (!sent) break;
      events_sent_.fetch_add(1);
      co_await stream.wait(5ms);
    }
    stream_finished_.set_value(stream.client_gone());
  }

  boost::asio::io_context context_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_{
      context_.get_executor()};
  std::unique_ptr<Server> server_;
  std::thread thread_;
  uint16_t port_ = 0;
  std::atomic<int> events_sent_{0};
  std::promise<bool> stream_finished_;  // the stream handler returned; true: client had gone
};

TEST_F(ServerTest, RoutesByMethodAndPath) {
  start();
  RawClient client(port_);
  ASSERT_TRUE(client.connected());
  auto response = client.exchange(get("/hello"));
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->body, "hi");
  EXPECT_EQ(response->header("Content-Type"), "text/plain; charset=utf-8");
  EXPECT_EQ(response->header("Content-Length"), "2");
}

TEST_F(ServerTest, PassesDecodedPathParametersAndQuery) {
  start();
  RawClient client(port_);
  auto moved = client.exchange(post("/items/a%20b/move/shelf-2", "", "POST"));
  ASSERT_TRUE(moved);
  EXPECT_EQ(moved->body, "a b->shelf-2");
  auto deleted = client.exchange("DELETE /items/x.y HTTP/1.1\r\nHost: test\r\n\r\n");
  ASSERT_TRUE(deleted);
  EXPECT_EQ(deleted->body, "deleted x.y");
  auto item = client.exchange(get("/items/pen?x=1&q=blue+ink%21"));
  ASSERT_TRUE(item);
  EXPECT_EQ(item->body, "item pen q=blue ink!");
}

TEST_F(ServerTest, UnknownPathIsJson404) {
  start();
  RawClient client(port_);
  auto response = client.exchange(get("/nope"));
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 404);
  EXPECT_EQ(response->header("Content-Type"), "application/json");
  EXPECT_EQ(response->error_code(), "not_found");
  // An empty parameter segment does not match {name}.
  auto empty_param = client.exchange("DELETE /items/ HTTP/1.1\r\nHost: test\r\n\r\n");
  ASSERT_TRUE(empty_param);
  EXPECT_EQ(empty_param->status, 404);
}

TEST_F(ServerTest, WrongMethodIs405WithAllow) {
  start();
  RawClient client(port_);
  auto response = client.exchange(post("/hello", "{}"));
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 405);
  EXPECT_EQ(response->header("Allow"), "GET, HEAD");
  EXPECT_EQ(response->error_code(), "method_not_allowed");
  auto item = client.exchange(post("/items/pen", "", "PATCH"));
  ASSERT_TRUE(item);
  EXPECT_EQ(item->status, 405);
  EXPECT_EQ(item->header("Allow"), "DELETE, GET, HEAD");
}

TEST_F(ServerTest, HeadAnswersLikeGetWithoutBody) {
  start();
  RawClient client(port_);
  client.send("HEAD /hello HTTP/1.1\r\nHost: test\r\n\r\n");
  auto response = client.read_response(true);
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->header("Content-Length"), "2");
  EXPECT_EQ(response->body, "");
  client.send(get("/hello"));  // nothing of a body was left on the wire before this answer
  auto next = client.read_response();
  ASSERT_TRUE(next);
  EXPECT_EQ(next->body, "hi");
}

TEST_F(ServerTest, KeepsTheConnectionAliveAcrossRequests) {
  start();
  RawClient client(port_);
  for (int round = 0; round < 3; ++round) {
    auto response = client.exchange(post("/echo", "round " + std::to_string(round)));
    ASSERT_TRUE(response) << round;
    EXPECT_EQ(response->body, "round " + std::to_string(round));
    EXPECT_EQ(response->header("Connection"), "");
  }
  // Pipelined: three requests in one write, answered in order.
  auto first = client.exchange(post("/echo", "a") + get("/hello") + post("/echo", "c"));
  auto second = client.read_response();
  auto third = client.read_response();
  ASSERT_TRUE(first && second && third);
  EXPECT_EQ(first->body, "a");
  EXPECT_EQ(second->body, "hi");
  EXPECT_EQ(third->body, "c");
}

TEST_F(ServerTest, ClosesWhenTheClientAsksOrSpeaksHttp10) {
  start();
  RawClient closing(port_);
  auto response =
      closing.exchange("GET /hello HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n");
  ASSERT_TRUE(response);
  EXPECT_EQ(response->header("Connection"), "close");
  EXPECT_TRUE(closing.closed_by_peer());

  RawClient old_client(port_);
  auto kept = old_client.exchange("GET /hello HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
  ASSERT_TRUE(kept);
  EXPECT_EQ(kept->header("Connection"), "keep-alive");
  auto last = old_client.exchange("GET /hello HTTP/1.0\r\n\r\n");
  ASSERT_TRUE(last);
  EXPECT_EQ(last->body, "hi");
  EXPECT_TRUE(old_client.closed_by_peer());
}

TEST_F(ServerTest, DecodesChunkedBodies) {
  start();
  RawClient client(port_);
  client.send(
      "POST /echo HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\n"
      "5\r\nhello\r\n7;ext=1\r\n, world\r\n0\r\n\r\n");
  auto response = client.read_response();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->body, "hello, world");
}

TEST_F(ServerTest, AnswersExpectContinueBeforeTheBody) {
  start();
  RawClient client(port_);
  auto interim = client.exchange(
      "POST /echo HTTP/1.1\r\nHost: test\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n");
  ASSERT_TRUE(interim);
  EXPECT_EQ(interim->status, 100);
  auto response = client.exchange("ping");
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->body, "ping");
}

TEST_F(ServerTest, BodyOverTheLimitIs413AndCloses) {
  ServerOptions options;
  options.max_body_bytes = 16;
  start(options);
  RawClient exact(port_);
  auto accepted = exact.exchange(post("/echo", std::string(16, 'x')));
  ASSERT_TRUE(accepted);
  EXPECT_EQ(accepted->status, 200);

  RawClient declared(port_);
  auto rejected = declared.exchange(post("/echo", std::string(17, 'x')));
  ASSERT_TRUE(rejected);
  EXPECT_EQ(rejected->status, 413);
  EXPECT_EQ(rejected->error_code(), "payload_too_large");
  EXPECT_EQ(rejected->header("Connection"), "close");
  EXPECT_TRUE(declared.closed_by_peer());

  RawClient chunked(port_);
  auto chunked_rejected = chunked.exchange(
      "POST /echo HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\n"
      "10\r\n0123456789abcdef\r\n1\r\nX\r\n0\r\n\r\n");
  ASSERT_TRUE(chunked_rejected);
  EXPECT_EQ(chunked_rejected->status, 413);
}

TEST_F(ServerTest, MalformedRequestsGetTheParserStatusAsJson) {
  start();
  RawClient bad_field(port_);
  auto response = bad_field.exchange("GET /hello HTTP/1.1\r\nHost: test\r\nNo colon here\r\n\r\n");
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 400);
  EXPECT_EQ(response->error_code(), "bad_request");
  EXPECT_TRUE(bad_field.closed_by_peer());

  RawClient bad_version(port_);
  auto version = bad_version.exchange("GET /hello HTTP/2.0\r\nHost: test\r\n\r\n");
  ASSERT_TRUE(version);
  EXPECT_EQ(version->status, 505);

  RawClient bad_chunk(port_);
  auto chunk = bad_chunk.exchange(
      "POST /echo HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n");
  ASSERT_TRUE(chunk);
  EXPECT_EQ(chunk->status, 400);
}

TEST_F(ServerTest, IncompleteHeadTimesOutWith408) {
  ServerOptions options;
  options.header_timeout = 200ms;
  start(options);
  RawClient client(port_);
  auto response = client.exchange("GET /hello HTTP/1.1\r\nHost: te");
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 408);
  EXPECT_EQ(response->error_code(), "request_timeout");
}

TEST_F(ServerTest, InvalidJsonBodyIs400NamingTheProblem) {
  start();
  RawClient client(port_);
  auto response = client.exchange(post("/json", "{\"a\": 1,", "PUT"));
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 400);
  EXPECT_EQ(response->error_code(), "invalid_argument");
  EXPECT_NE(response->body.find("not valid JSON"), std::string::npos) << response->body;
  auto array = client.exchange(post("/json", "[1, 2]", "PUT"));
  ASSERT_TRUE(array);
  EXPECT_EQ(array->status, 400);
  EXPECT_NE(array->body.find("must be a JSON object, got an array"), std::string::npos);
  auto good = client.exchange(post("/json", R"({"a": 1, "b": [true]})", "PUT"));
  ASSERT_TRUE(good);
  EXPECT_EQ(good->body, "{\"keys\":2}\n");
}

TEST_F(ServerTest, HandlerExceptionIs500) {
  start();
  RawClient client(port_);
  auto response = client.exchange(get("/fail"));
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 500);
  EXPECT_NE(response->body.find("disk on fire"), std::string::npos);
  client.send(get("/hello"));  // the connection survives
  auto next = client.read_response();
  ASSERT_TRUE(next);
  EXPECT_EQ(next->status, 200);
}

TEST(BearerMatchesTest, SchemeInAnyCaseTokenExactly) {
  EXPECT_TRUE(bearer_matches("Bearer s3cret", "s3cret"));
  EXPECT_TRUE(bearer_matches("bearer  s3cret ", "s3cret"));
  EXPECT_FALSE(bearer_matches("Bearer s3cre", "s3cret"));
  EXPECT_FALSE(bearer_matches("Basic s3cret", "s3cret"));
  EXPECT_FALSE(bearer_matches("Bearer ", ""));  // no token configured: nothing matches
}

// The check every API shares: the scheme in any case, whitespace around the token ignored.
TEST(BearerCheckTest, GrantsTheTokenAndSaysWhyItRefuses) {
  EXPECT_EQ(check_bearer("Bearer secret", "secret"), BearerCheck::kGranted);
  EXPECT_EQ(check_bearer("bearer   secret  ", "secret"), BearerCheck::kGranted);
  EXPECT_EQ(check_bearer("Bearer other", "secret"), BearerCheck::kWrong);
  EXPECT_EQ(check_bearer("Basic c2VjcmV0", "secret"), BearerCheck::kWrong);
  EXPECT_EQ(check_bearer(std::nullopt, "secret"), BearerCheck::kMissing);
  EXPECT_EQ(check_bearer(std::nullopt, ""), BearerCheck::kGranted);  // no token configured
}

TEST(BearerCheckTest, UnauthorizedAnswersSayWhetherTheTokenWasWrong) {
  Response missing = unauthorized_response(BearerCheck::kMissing);
  EXPECT_EQ(missing.status, 401);
  ASSERT_EQ(missing.headers.size(), 1u);
  EXPECT_EQ(missing.headers[0].second, R"(Bearer realm="fulcrum")");
  EXPECT_EQ(missing.body,
            "{\"error\":{\"code\":\"unauthorized\",\"message\":\"this endpoint needs an "
            "Authorization: Bearer token\"}}\n");
  Response wrong = unauthorized_response(BearerCheck::kWrong);
  ASSERT_EQ(wrong.headers.size(), 1u);
  EXPECT_EQ(wrong.headers[0].first, "WWW-Authenticate");
  EXPECT_EQ(wrong.headers[0].second, R"(Bearer realm="fulcrum", error="invalid_token")");
}

TEST(LoopbackAddressTest, OnlyThisMachinesAddressesAreLoopback) {
  for (const char* address : {"127.0.0.1", "127.1.2.3", "::1", "localhost"}) {
    EXPECT_TRUE(is_loopback_address(address)) << address;
  }
  for (const char* address : {"0.0.0.0", "::", "10.0.0.5", "128.0.0.1", "localhost.example"}) {
    EXPECT_FALSE(is_loopback_address(address)) << address;
  }
}

// The gateway's own errors use the same codes as the APIs.
TEST(JsonTest, GatewayStatusesHaveTheirCodes) {
  EXPECT_EQ(error_code_for_status(502), "bad_gateway");
  EXPECT_EQ(error_code_for_status(503), "unavailable");
  EXPECT_EQ(error_code_for_status(504), "gateway_timeout");
}

TEST_F(ServerTest, BearerTokenGuardsRoutesUnlessPublic) {
  ServerOptions options;
  options.bearer_token = "s3cret";
  start(options);
  RawClient client(port_);
  auto missing = client.exchange(get("/hello"));
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 401);
  EXPECT_EQ(missing->header("WWW-Authenticate"), R"(Bearer realm="fulcrum")");
  EXPECT_EQ(missing->error_code(), "unauthorized");

  auto wrong = client.exchange(get("/hello", "Authorization: Bearer s3cre\r\n"));
  ASSERT_TRUE(wrong);
  EXPECT_EQ(wrong->status, 401);
  EXPECT_EQ(wrong->header("WWW-Authenticate"), R"(Bearer realm="fulcrum", error="invalid_token")");

  auto other_scheme = client.exchange(get("/hello", "Authorization: Basic czNjcmV0\r\n"));
  ASSERT_TRUE(other_scheme);
  EXPECT_EQ(other_scheme->status, 401);

  auto granted = client.exchange(get("/hello", "Authorization: bearer s3cret\r\n"));
  ASSERT_TRUE(granted);
  EXPECT_EQ(granted->status, 200);

  auto open = client.exchange(get("/public"));
  ASSERT_TRUE(open);
  EXPECT_EQ(open->status, 200);

  // Unknown paths do not reveal themselves to clients without the token.
  auto hidden = client.exchange(get("/nope"));
  ASSERT_TRUE(hidden);
  EXPECT_EQ(hidden->status, 401);
}

class PerRouteTokenTest : public ServerTest {
  void add_routes(Server& server) override {
    server.add_route("GET", "/open", [](const Request&) { return Response::text(200, "open"); });
    server.add_route(
        "GET", "/guarded", [](const Request&) { return Response::text(200, "guarded"); },
        RouteOptions{"route-token"});
  }
};

TEST_F(PerRouteTokenTest, OnlyTheGuardedRouteNeedsItsToken) {
  start();
  RawClient client(port_);
  auto open = client.exchange(get("/open"));
  ASSERT_TRUE(open);
  EXPECT_EQ(open->status, 200);
  auto refused = client.exchange(get("/guarded"));
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 401);
  auto granted = client.exchange(get("/guarded", "Authorization: Bearer route-token\r\n"));
  ASSERT_TRUE(granted);
  EXPECT_EQ(granted->body, "guarded");
}

TEST_F(ServerTest, EventStreamDeliversEventsInOrderThenEnds) {
  start();
  RawClient client(port_);
  auto response = client.exchange(get("/events?count=3"));
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->header("Content-Type"), "text/event-stream");
  EXPECT_EQ(response->header("Cache-Control"), "no-cache");
  EXPECT_EQ(response->body,
            "event: tick\nid: 1\ndata: {\"n\":1}\n\n"
            "event: tick\nid: 2\ndata: {\"n\":2}\n\n"
            "event: tick\nid: 3\ndata: {\"n\":3}\n\n");
  EXPECT_TRUE(client.closed_by_peer());
  auto finished = stream_finished_.get_future();
  ASSERT_EQ(finished.wait_for(5s), std::future_status::ready);
  EXPECT_FALSE(finished.get());
}

TEST_F(ServerTest, EventStreamEndsWhenTheClientGoesAway) {
  start();
  auto finished = stream_finished_.get_future();
  {
    RawClient client(port_);
    client.send(get("/events?count=0"));  // endless
    ASSERT_TRUE(client.read_until("data: {\"n\":2}"));
  }
  ASSERT_EQ(finished.wait_for(5s), std::future_status::ready);
  EXPECT_TRUE(finished.get());
  EXPECT_GE(events_sent_.load(), 2);
}

TEST_F(ServerTest, StopClosesIdleConnectionsAndTheListener) {
  start();
  RawClient client(port_);
  client.send(get("/hello"));
  ASSERT_TRUE(client.read_response());
  server_->stop();
  EXPECT_TRUE(client.closed_by_peer());
  RawClient late(port_);
  EXPECT_FALSE(late.connected());
}

class StreamWakeTest : public ServerTest {
  void add_routes(Server& server) override {
    server.add_stream_route(
        "/wake", [](const Request&, EventStream& stream) { return wake_then_wait(stream); });
  }
  static boost::asio::awaitable<void> wake_then_wait(EventStream& stream) {
    stream.wake();  // remembered: the wait below returns at once instead of after an hour
    co_await stream.wait(std::chrono::hours(1));
    co_await stream.send_event("line one\nline two");
    co_await stream.send_comment("bye");
  }
};

TEST_F(StreamWakeTest, WakeBeforeWaitIsRememberedAndDataLinesAreSplit) {
  start();
  RawClient client(port_);
  auto response = client.exchange(get("/wake"));
  ASSERT_TRUE(response);
  EXPECT_EQ(response->body, "data: line one\ndata: line two\n\n: bye\n\n");
}

// Async routes: a handler that waits on a timer before answering, streams when asked to, or fails.
class AsyncRouteTest : public ServerTest {
  void add_routes(Server& server) override {
    server.add_async_route("POST", "/later", [](const Request& request, Responder& responder) {
      return answer_later(request, responder);
    });
    server.add_async_route("GET", "/broken",
                           [](const Request&, Responder&) { return fail_after_a_wait(); });
    server.add_stream_route(
        "POST", "/posted-events",
        [](const Request& request, EventStream& stream) { return echo_as_event(request, stream); });
  }

  static boost::asio::awaitable<Response> answer_later(const Request& request,
                                                       Responder& responder) {
    boost::asio::steady_timer timer(co_await boost::asio::this_coro::executor, 20ms);
    co_await timer.async_wait(boost::asio::use_awaitable);
    if (request.body != "stream") co_return Response::text(201, "late " + request.body);
    EventStream* stream = co_await responder.start_event_stream();
    if (stream == nullptr) co_return Response{};
    for (int index = 1; index <= 3; ++index) {
      bool sent = co_await stream->send_event(std::to_string(index));
      if (!sent) break;
    }
    co_return Response::text(500, "ignored once streaming");
  }

  static boost::asio::awaitable<Response> fail_after_a_wait() {
    boost::asio::steady_timer timer(co_await boost::asio::this_coro::executor, 1ms);
    co_await timer.async_wait(boost::asio::use_awaitable);
    throw std::runtime_error("engine gone");
  }

  static boost::asio::awaitable<void> echo_as_event(const Request& request, EventStream& stream) {
    co_await stream.send_event(request.method + " " + request.body);
  }
};

TEST_F(AsyncRouteTest, AnswersAfterAwaitingAndKeepsTheConnection) {
  start();
  RawClient client(port_);
  auto first = client.exchange(post("/later", "one"));
  ASSERT_TRUE(first);
  EXPECT_EQ(first->status, 201);
  EXPECT_EQ(first->body, "late one");
  auto second = client.exchange(post("/later", "two"));
  ASSERT_TRUE(second);
  EXPECT_EQ(second->body, "late two");
}

TEST_F(AsyncRouteTest, StreamsWhenTheHandlerStartsAStream) {
  start();
  RawClient client(port_);
  auto response = client.exchange(post("/later", "stream"));
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->header("Content-Type"), "text/event-stream");
  EXPECT_EQ(response->body, "data: 1\n\ndata: 2\n\ndata: 3\n\n");
  EXPECT_TRUE(client.closed_by_peer());
}

TEST_F(AsyncRouteTest, ExceptionBeforeAnswering500) {
  start();
  RawClient client(port_);
  auto response = client.exchange(get("/broken"));
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 500);
  EXPECT_EQ(response->error_code(), "internal");
  EXPECT_EQ(client.exchange(post("/broken", ""))->status, 405);
}

TEST_F(AsyncRouteTest, StreamRoutesTakeAnyMethod) {
  start();
  RawClient client(port_);
  auto response = client.exchange(post("/posted-events", "body"));
  ASSERT_TRUE(response);
  EXPECT_EQ(response->body, "data: POST body\n\n");
}

TEST(JsonTest, EscapesControlCharactersAndQuotes) {
  EXPECT_EQ(json_string("a\"b\\c\n\x01"), R"("a\"b\\c\n\u0001")");
  EXPECT_EQ(json_error_body("not_found", "no \"x\""),
            "{\"error\":{\"code\":\"not_found\",\"message\":\"no \\\"x\\\"\"}}\n");
}

TEST(JsonTest, FieldReadersNameTheField) {
  auto object = parse_json_object(R"({"weight": 2.5, "name": 7, "count": 3e0})");
  ASSERT_TRUE(object.ok());
  auto weight = optional_int_field(*object, "weight", 0, 10);
  ASSERT_FALSE(weight.ok());
  EXPECT_EQ(weight.error_message(), "weight: expected an integer in [0, 10], got a number 2.5E0");
  auto count = optional_int_field(*object, "count", 0, 10);
  ASSERT_TRUE(count.ok());
  EXPECT_EQ(**count, 3);
  auto name = optional_string_field(*object, "name");
  ASSERT_FALSE(name.ok());
  EXPECT_EQ(name.error_message(), "name: expected a string, got a number 7");
  auto absent = optional_string_field(*object, "labels");
  ASSERT_TRUE(absent.ok());
  EXPECT_FALSE(absent->has_value());
  Status unknown = reject_unknown_fields(*object, {"weight", "name"});
  EXPECT_EQ(unknown.message(), "unknown field \"count\"; expected one of weight, name");
}

}  // namespace
}  // namespace fulcrum::http
