// The gateway's admin API and /metrics end to end: `fulcrum gateway` with an admin: section in
// front of fulcrum_test_backend processes, driven over HTTP as an operator would.
#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <boost/json.hpp>

#include "fixtures.h"
#include "http_client.h"
#include "json_error.h"

namespace fulcrum::integration {
namespace {

constexpr std::string_view kToken = "secret";

// The request line, Host, the token (unless `token` is empty) and a body, when there is one.
std::string admin_request(std::string_view method, std::string_view path, std::string_view body,
                          std::string_view token) {
  std::string request =
      std::string(method) + " " + std::string(path) + " HTTP/1.1\r\nHost: admin\r\n";
  if (!token.empty()) request += "Authorization: Bearer " + std::string(token) + "\r\n";
  if (!body.empty() || method == "POST" || method == "PUT") {
    request +=
        "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
  }
  return request + "\r\n" + std::string(body);
}

boost::json::object json_object(const HttpResponse& response) {
  return boost::json::parse(response.body).as_object();
}

class GatewayAdminTest : public ::testing::Test {
 protected:
  void SetUp() override {
    first_ = TestBackend::start("b1");
    second_ = TestBackend::start("b2");
    ASSERT_TRUE(first_ && second_);
  }

  // A one-worker gateway (so that round robin is exact) in front of b1 and b2.
  void start_gateway(const std::string& policy = "round_robin") {
    admin_port_ = find_free_port();
    gateway_ =
        TestGateway::start({entry(*first_), entry(*second_)},
                           "  workers: 1\n  policy: {policy: " + policy +
                               "}\n  admin: {listen: 127.0.0.1:" + std::to_string(admin_port_) +
                               ", token: " + std::string(kToken) + "}\n");
    ASSERT_TRUE(gateway_);
  }

  HttpResponse admin(std::string_view method, std::string_view path, std::string_view body = {},
                     std::string_view token = kToken) {
    std::optional<HttpResponse> response =
        fetch_once(admin_port_, admin_request(method, path, body, token));
    EXPECT_TRUE(response) << method << " " << path << " got no response";
    return response.value_or(HttpResponse{});
  }

  boost::json::object backend_state(std::string_view name) {
    HttpResponse response = admin("GET", "/admin/backends/" + std::string(name));
    EXPECT_EQ(response.status, 200) << response.body;
    return json_object(response);
  }

  std::string metrics() {
    HttpResponse response = admin("GET", "/metrics");
    EXPECT_EQ(response.status, 200);
    EXPECT_EQ(response.header("Content-Type"), "text/plain; version=0.0.4; charset=utf-8");
    return response.body;
  }

  uint64_t backend_requests(const TestBackend& backend) {
    std::optional<TestBackend::Stats> stats = backend.stats();
    EXPECT_TRUE(stats);
    return stats ? stats->requests : 0;
  }

  std::unique_ptr<TestBackend> first_;
  std::unique_ptr<TestBackend> second_;
  std::unique_ptr<TestGateway> gateway_;
  uint16_t admin_port_ = 0;
};

TEST_F(GatewayAdminTest, ListsTheConfiguredBackendsWithLiveState) {
  start_gateway();
  EXPECT_EQ(tally_backends(gateway_->port(), 4),
            (std::map<std::string, int>{{"b1", 2}, {"b2", 2}}));

  HttpResponse response = admin("GET", "/admin/backends");
  ASSERT_EQ(response.status, 200);
  EXPECT_EQ(response.header("Content-Type"), "application/json");
  boost::json::array backends = json_object(response).at("backends").as_array();
  ASSERT_EQ(backends.size(), 2u);
  const boost::json::object& b1 = backends[0].as_object();
  EXPECT_EQ(b1.at("name"), "b1");
  EXPECT_EQ(b1.at("url"), boost::json::value("http://127.0.0.1:" + std::to_string(first_->port())));
  EXPECT_EQ(b1.at("weight"), 1);
  EXPECT_TRUE(b1.at("labels").as_object().empty());
  EXPECT_EQ(b1.at("healthy"), true);
  EXPECT_EQ(b1.at("ejected"), false);
  EXPECT_TRUE(b1.at("ejected_until").is_null());
  EXPECT_EQ(b1.at("draining"), false);
  EXPECT_EQ(b1.at("in_flight"), 0);
  EXPECT_EQ(b1.at("consecutive_failures"), 0);
  EXPECT_EQ(b1.at("ejections"), 0);
  EXPECT_EQ(b1.at("requests"), 2);
  EXPECT_EQ(backends[1].as_object().at("name"), "b2");
  EXPECT_EQ(backends[1].as_object().at("requests"), 2);
}

TEST_F(GatewayAdminTest, EveryEndpointButHealthzNeedsTheToken) {
  start_gateway();
  for (std::string_view path : {"/admin/backends", "/metrics", "/admin/backends/b1"}) {
    HttpResponse missing = admin("GET", path, {}, "");
    EXPECT_EQ(missing.status, 401) << path;
    EXPECT_EQ(missing.header("WWW-Authenticate"), R"(Bearer realm="fulcrum")") << path;
    ASSERT_TRUE(parse_json_error(missing.body)) << missing.body;
    EXPECT_EQ(parse_json_error(missing.body)->code, "unauthorized");
  }
  HttpResponse wrong = admin("POST", "/admin/backends/b1/drain", {}, "not-the-token");
  EXPECT_EQ(wrong.status, 401);
  EXPECT_EQ(wrong.header("WWW-Authenticate"), R"(Bearer realm="fulcrum", error="invalid_token")");
  EXPECT_EQ(backend_state("b1").at("draining"), false);  // the refused request changed nothing
  // Whitespace around the token is no part of it.
  EXPECT_EQ(admin("GET", "/admin/backends/b1", {}, "  secret  ").status, 200);

  HttpResponse health = admin("GET", "/healthz", {}, "");
  EXPECT_EQ(health.status, 200);
  EXPECT_EQ(health.body, "{\"status\":\"ok\"}\n");
}

TEST_F(GatewayAdminTest, UnknownPathsAndMethodsAreJsonErrors) {
  start_gateway();
  HttpResponse unknown_path = admin("GET", "/admin/nothing");
  EXPECT_EQ(unknown_path.status, 404);
  EXPECT_EQ(parse_json_error(unknown_path.body)->code, "not_found");
  HttpResponse unknown_backend = admin("POST", "/admin/backends/b9/drain");
  EXPECT_EQ(unknown_backend.status, 404);
  EXPECT_EQ(parse_json_error(unknown_backend.body)->message, "no backend named \"b9\"");
  HttpResponse wrong_method = admin("PATCH", "/admin/backends/b1", "{}");
  EXPECT_EQ(wrong_method.status, 405);
  EXPECT_EQ(wrong_method.header("Allow"), "GET, HEAD, DELETE");
}

TEST_F(GatewayAdminTest, AddedBackendGetsItsShareOfTraffic) {
  start_gateway();
  auto third = TestBackend::start("b3");
  ASSERT_TRUE(third);
  std::string url = "http://127.0.0.1:" + std::to_string(third->port());
  HttpResponse added =
      admin("POST", "/admin/backends",
            R"({"name": "b3", "url": ")" + url + R"(", "weight": 2, "labels": {"model": "m1"}})");
  ASSERT_EQ(added.status, 201) << added.body;
  EXPECT_EQ(added.header("Location"), "/admin/backends/b3");
  boost::json::object state = json_object(added);
  EXPECT_EQ(state.at("name"), "b3");
  EXPECT_EQ(state.at("url"), boost::json::value(url));
  EXPECT_EQ(state.at("weight"), 2);
  EXPECT_EQ(state.at("labels").as_object().at("model"), "m1");
  EXPECT_EQ(json_object(admin("GET", "/admin/backends")).at("backends").as_array().size(), 3u);

  EXPECT_EQ(tally_backends(gateway_->port(), 9),
            (std::map<std::string, int>{{"b1", 3}, {"b2", 3}, {"b3", 3}}));
  EXPECT_EQ(backend_requests(*third), 3u);

  HttpResponse duplicate =
      admin("POST", "/admin/backends", R"({"name": "b3", "url": ")" + url + "\"}");
  EXPECT_EQ(duplicate.status, 409);
  EXPECT_EQ(parse_json_error(duplicate.body)->code, "already_exists");
}

TEST_F(GatewayAdminTest, RejectedAdditionsNameTheWrongField) {
  start_gateway();
  struct Case {
    std::string body;
    std::string message;
  };
  std::vector<Case> cases = {
      {R"({"name": "x"})", "url: required, e.g. \"http://10.0.0.5:8000\""},
      {R"({"url": "https://127.0.0.1:1"})",
       "url: expected a URL such as http://10.0.0.5:8000, got \"https://127.0.0.1:1\""},
      {R"({"url": "http://127.0.0.1:1", "weight": -1})",
       "weight: expected an integer in [0, 1000000], got a number -1"},
      {R"({"url": "http://127.0.0.1:1", "name": "a/b"})",
       "name: expected 1 to 128 letters, digits or - . _ : ~, got \"a/b\""},
      {R"({"url": "http://127.0.0.1:1", "labels": {"model": 3}})",
       "labels.model: expected a string, got 3"},
      {R"({"url": "http://127.0.0.1:1", "wieght": 2})",
       "unknown field \"wieght\"; expected one of name, url, weight, labels"},
  };
  for (const Case& bad : cases) {
    HttpResponse response = admin("POST", "/admin/backends", bad.body);
    EXPECT_EQ(response.status, 400) << bad.body;
    std::optional<JsonError> error = parse_json_error(response.body);
    ASSERT_TRUE(error) << response.body;
    EXPECT_EQ(error->code, "invalid_argument");
    EXPECT_EQ(error->message, bad.message);
  }
  HttpResponse not_json = admin("POST", "/admin/backends", "{\"url\": ");
  EXPECT_EQ(not_json.status, 400);
  EXPECT_EQ(json_object(admin("GET", "/admin/backends")).at("backends").as_array().size(), 2u);
}

TEST_F(GatewayAdminTest, DrainedBackendGetsNoNewRequests) {
  start_gateway();
  uint64_t before = backend_requests(*first_);
  HttpResponse drained = admin("POST", "/admin/backends/b1/drain");
  ASSERT_EQ(drained.status, 200);
  EXPECT_EQ(json_object(drained).at("draining"), true);
  EXPECT_EQ(tally_backends(gateway_->port(), 6), (std::map<std::string, int>{{"b2", 6}}));
  EXPECT_EQ(backend_requests(*first_), before);

  HttpResponse undrained = admin("POST", "/admin/backends/b1/undrain");
  ASSERT_EQ(undrained.status, 200);
  EXPECT_EQ(json_object(undrained).at("draining"), false);
  EXPECT_EQ(tally_backends(gateway_->port(), 4),
            (std::map<std::string, int>{{"b1", 2}, {"b2", 2}}));
}

TEST_F(GatewayAdminTest, DrainingLetsTheRequestInFlightFinish) {
  start_gateway();
  ASSERT_EQ(admin("POST", "/admin/backends/b2/drain").status, 200);
  auto slow = RawConnection::open(gateway_->port());
  ASSERT_TRUE(slow);
  ASSERT_TRUE(slow->send(get_request("/sleep/800")));
  auto deadline = std::chrono::steady_clock::now() + 3s;
  while (backend_state("b1").at("in_flight") != 1 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(10ms);
  }
  HttpResponse drained = admin("POST", "/admin/backends/b1/drain");
  EXPECT_EQ(json_object(drained).at("in_flight"), 1);

  std::optional<HttpResponse> refused = fetch_once(gateway_->port(), get_request("/"));
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 503);
  std::optional<HttpResponse> finished = slow->read_response();
  ASSERT_TRUE(finished);
  EXPECT_EQ(finished->status, 200);
  EXPECT_EQ(finished->header("X-Fulcrum-Backend"), "b1");
  // The gateway counts the request out just after its last bytes went to the client.
  deadline = std::chrono::steady_clock::now() + 3s;
  while (backend_state("b1").at("in_flight") != 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(10ms);
  }
  EXPECT_EQ(backend_state("b1").at("in_flight"), 0);
}

TEST_F(GatewayAdminTest, WeightChangesShiftTraffic) {
  start_gateway("weighted_round_robin");
  HttpResponse reweighted = admin("PUT", "/admin/backends/b1/weight", R"({"weight": 3})");
  ASSERT_EQ(reweighted.status, 200) << reweighted.body;
  EXPECT_EQ(json_object(reweighted).at("weight"), 3);
  EXPECT_EQ(tally_backends(gateway_->port(), 8),
            (std::map<std::string, int>{{"b1", 6}, {"b2", 2}}));

  HttpResponse out = admin("PUT", "/admin/backends/b2/weight", R"({"weight": 0})");
  ASSERT_EQ(out.status, 200);
  EXPECT_EQ(tally_backends(gateway_->port(), 3), (std::map<std::string, int>{{"b1", 3}}));

  HttpResponse missing = admin("PUT", "/admin/backends/b1/weight", "{}");
  EXPECT_EQ(missing.status, 400);
  EXPECT_EQ(parse_json_error(missing.body)->message, "weight: required, e.g. {\"weight\": 2}");
  HttpResponse too_big = admin("PUT", "/admin/backends/b1/weight", R"({"weight": 1000001})");
  EXPECT_EQ(too_big.status, 400);
  EXPECT_EQ(backend_state("b1").at("weight"), 3);
}

TEST_F(GatewayAdminTest, RemovedBackendGetsNoTraffic) {
  start_gateway();
  HttpResponse removed = admin("DELETE", "/admin/backends/b2");
  ASSERT_EQ(removed.status, 200);
  EXPECT_EQ(json_object(removed).at("name"), "b2");
  boost::json::array left = json_object(admin("GET", "/admin/backends")).at("backends").as_array();
  ASSERT_EQ(left.size(), 1u);
  EXPECT_EQ(left[0].as_object().at("name"), "b1");
  uint64_t before = backend_requests(*second_);
  EXPECT_EQ(tally_backends(gateway_->port(), 4), (std::map<std::string, int>{{"b1", 4}}));
  EXPECT_EQ(backend_requests(*second_), before);
  EXPECT_EQ(admin("DELETE", "/admin/backends/b2").status, 404);
  EXPECT_EQ(admin("GET", "/admin/backends/b2").status, 404);
}

TEST_F(GatewayAdminTest, MetricsCountWhatTheGatewayDid) {
  start_gateway();
  std::string before = metrics();
  EXPECT_NE(before.find("# TYPE fulcrum_gateway_requests_total counter\n"), std::string::npos);
  EXPECT_NE(before.find("# HELP fulcrum_gateway_backend_response_seconds "), std::string::npos);
  EXPECT_EQ(metric_value(before, "fulcrum_gateway_backends"), 2);
  EXPECT_EQ(metric_value(before, "fulcrum_gateway_backend_healthy{backend=\"b1\"}"), 1);

  EXPECT_EQ(tally_backends(gateway_->port(), 5),
            (std::map<std::string, int>{{"b1", 3}, {"b2", 2}}));
  std::optional<HttpResponse> not_found = fetch_once(gateway_->port(), get_request("/status/404"));
  ASSERT_TRUE(not_found);
  ASSERT_EQ(not_found->status, 404);

  std::string after = metrics();
  auto increase = [&](const std::string& series) {
    return metric_value(after, series).value_or(-1) - metric_value(before, series).value_or(0);
  };
  EXPECT_EQ(increase("fulcrum_gateway_requests_total"), 6);
  EXPECT_EQ(increase("fulcrum_gateway_responses_total{code=\"2xx\"}"), 5);
  EXPECT_EQ(increase("fulcrum_gateway_responses_total{code=\"4xx\"}"), 1);
  EXPECT_EQ(increase("fulcrum_gateway_connections_accepted_total"), 6);
  EXPECT_EQ(increase("fulcrum_gateway_upstream_connects_total"), 2);  // one per backend, pooled
  EXPECT_EQ(increase("fulcrum_gateway_retries_total"), 0);
  EXPECT_EQ(metric_value(after, "fulcrum_gateway_backend_requests_total{backend=\"b1\"}"), 3);
  EXPECT_EQ(metric_value(after, "fulcrum_gateway_backend_requests_total{backend=\"b2\"}"), 3);
  EXPECT_EQ(metric_value(after, "fulcrum_gateway_backend_response_seconds_count{backend=\"b2\"}"),
            3);
  EXPECT_EQ(
      metric_value(after,
                   "fulcrum_gateway_backend_response_seconds_bucket{backend=\"b2\",le=\"+Inf\"}"),
      3);
  EXPECT_EQ(metric_value(after, "fulcrum_gateway_backend_in_flight{backend=\"b1\"}"), 0);

  ASSERT_EQ(admin("POST", "/admin/backends/b1/drain").status, 200);
  EXPECT_EQ(metric_value(metrics(), "fulcrum_gateway_backend_draining{backend=\"b1\"}"), 1);
}

// An admin API that other machines can reach adds, removes and drains backends: without a token
// the gateway refuses to start, as the scheduler does, and says which listener lacks one.
TEST(GatewayAdminListenerTest, NonLoopbackAdminWithoutTokenRefusesToStart) {
  TempDir dir;
  const std::string admin_address = "0.0.0.0:" + std::to_string(find_free_port());
  const std::string config = dir.write_file(
      "gateway.yaml", "gateway:\n  listen: 127.0.0.1:" + std::to_string(find_free_port()) +
                          "\n  backends: [{url: \"http://127.0.0.1:9\"}]\n"
                          "  admin: {listen: " +
                          admin_address + "}\n");
  const std::string log_path = dir.write_file("gateway.log", "");
  auto process = ChildProcess::start({FULCRUM_BINARY, "gateway", "--config", config}, log_path);
  ASSERT_TRUE(process);
  std::optional<int> exit_code = process->wait_exit(10s);
  ASSERT_TRUE(exit_code.has_value()) << "the gateway is running: " << read_file(log_path);
  EXPECT_NE(*exit_code, 0);
  const std::string log = read_file(log_path);
  EXPECT_NE(log.find("gateway.admin.listen: " + admin_address +
                     " is not a loopback address, so admin.token is required"),
            std::string::npos)
      << log;
}

TEST(GatewayAdminListenerTest, NonLoopbackAdminWithATokenStarts) {
  auto backend = TestBackend::start("b1");
  ASSERT_TRUE(backend);
  const uint16_t admin_port = find_free_port();
  auto gateway = TestGateway::start(
      {entry(*backend)},
      "  admin: {listen: 0.0.0.0:" + std::to_string(admin_port) + ", token: secret}\n");
  ASSERT_TRUE(gateway);
  std::optional<HttpResponse> listed =
      fetch_once(admin_port, admin_request("GET", "/admin/backends", {}, "secret"));
  ASSERT_TRUE(listed);
  EXPECT_EQ(listed->status, 200);
}

}  // namespace
}  // namespace fulcrum::integration
