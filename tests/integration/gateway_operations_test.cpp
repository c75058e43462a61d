// Running the gateway as an operator does: active health checks, SIGHUP reloads, the access log
// and timeouts.total, end to end with `fulcrum gateway` in front of fulcrum_test_backend processes.
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <boost/json.hpp>

#include "fixtures.h"
#include "http_client.h"

namespace fulcrum::integration {
namespace {

using Tally = std::map<std::string, int>;

uint64_t health_checks(const TestBackend& backend) {
  auto stats = backend.stats();
  return stats ? stats->health_checks : 0;
}

// Waits until `backend` has answered `count` more health checks than now. A check is recorded
// before the next one starts, so all but the last have taken effect.
bool wait_for_checks(const TestBackend& backend, uint64_t count) {
  const uint64_t target = health_checks(backend) + count;
  return eventually([&] { return health_checks(backend) >= target; });
}

// Sends `requests` GETs of / over one keep-alive connection; which backend answered each.
Tally tally_on(RawConnection& connection, int requests) {
  Tally counts;
  for (int i = 0; i < requests; ++i) {
    if (!connection.send(get_request("/"))) {
      ++counts["send failed"];
      continue;
    }
    std::optional<HttpResponse> response = connection.read_response();
    ++counts[response ? response->header("X-Fulcrum-Backend") : "no response"];
  }
  return counts;
}

std::vector<boost::json::object> read_json_lines(const std::string& path) {
  std::ifstream file(path);
  std::vector<boost::json::object> lines;
  for (std::string line; std::getline(file, line);) {
    lines.push_back(boost::json::parse(line).as_object());
  }
  return lines;
}

size_t count_lines(const std::string& path) {
  std::ifstream file(path);
  size_t lines = 0;
  for (std::string line; std::getline(file, line);) ++lines;
  return lines;
}

constexpr std::string_view kHealthCheck =
    "  workers: 1\n"
    "  health_check: {path: /health, interval: 50ms, timeout: 50ms, rise: 2, fall: 2}\n";

TEST(GatewayOperationsTest, HealthCheckTakesAFailingBackendOutAndBringsItBack) {
  auto a = TestBackend::start("a");
  auto b = TestBackend::start("b");
  ASSERT_TRUE(a && b);
  auto gateway = TestGateway::start({entry(*a), entry(*b)}, std::string(kHealthCheck));
  ASSERT_TRUE(gateway);
  ASSERT_TRUE(wait_for_checks(*b, 2));
  EXPECT_EQ(tally_backends(gateway->port(), 10), (Tally{{"a", 5}, {"b", 5}}));

  ASSERT_TRUE(b->set_health(503));
  ASSERT_TRUE(wait_for_checks(*b, 3));  // fall: 2, and one more so that the second has counted
  EXPECT_EQ(tally_backends(gateway->port(), 10), (Tally{{"a", 10}}));
  EXPECT_NE(
      gateway->log().find(R"("event":"backend_down","backend":"b","path":"/health",)"
                          R"x("reason":"status 503 (expected 200-399)","failures_in_row":2)x"),
      std::string::npos)
      << gateway->log();

  ASSERT_TRUE(b->set_health(200));
  ASSERT_TRUE(wait_for_checks(*b, 3));  // rise: 2
  EXPECT_EQ(tally_backends(gateway->port(), 10), (Tally{{"a", 5}, {"b", 5}}));
  EXPECT_NE(gateway->log().find(R"("event":"backend_up","backend":"b")"), std::string::npos);
}

TEST(GatewayOperationsTest, HealthCheckTakesAnUnreachableBackendOutBeforeAnyRequestFails) {
  auto a = TestBackend::start("a");
  auto b = TestBackend::start("b");
  ASSERT_TRUE(a && b);
  // No retries: a request sent to the dead backend would fail, so only the check can save it.
  auto gateway = TestGateway::start({entry(*a), entry(*b)},
                                    std::string(kHealthCheck) + "  retries: {attempts: 0}\n");
  ASSERT_TRUE(gateway);
  ASSERT_TRUE(wait_for_checks(*b, 1));
  b->kill();
  ASSERT_TRUE(eventually([&] {
    return gateway->log().find(R"("event":"backend_down","backend":"b")") != std::string::npos;
  }));
  EXPECT_EQ(tally_backends(gateway->port(), 10), (Tally{{"a", 10}}));
  EXPECT_NE(gateway->log().find(R"("reason":"connect: Connection refused")"), std::string::npos)
      << gateway->log();
}

TEST(GatewayOperationsTest, ReloadAppliesBackendsWeightsAndPolicyWithoutClosingConnections) {
  auto a = TestBackend::start("a");
  auto b = TestBackend::start("b");
  ASSERT_TRUE(a && b);
  auto gateway = TestGateway::start({entry(*a)}, "  workers: 1\n");
  ASSERT_TRUE(gateway);
  auto connection = RawConnection::open(gateway->port());
  ASSERT_TRUE(connection);
  EXPECT_EQ(tally_on(*connection, 2), (Tally{{"a", 2}}));

  ASSERT_EQ(gateway->reload({entry(*a), entry(*b)}, "  workers: 1\n"), "reloaded");
  EXPECT_EQ(tally_on(*connection, 4), (Tally{{"a", 2}, {"b", 2}}));
  EXPECT_NE(gateway->log().find(R"("changes":"backend \"b\" added")"), std::string::npos)
      << gateway->log();

  ASSERT_EQ(gateway->reload({entry(*a, 3), entry(*b, 1)},
                            "  workers: 1\n  policy: {policy: weighted_round_robin}\n"),
            "reloaded");
  EXPECT_EQ(tally_on(*connection, 8), (Tally{{"a", 6}, {"b", 2}}));

  // A config with an error changes nothing and says why.
  ASSERT_EQ(gateway->reload({entry(*b)}, "  workers: 1\n  policy: {policy: fastest}\n"),
            "reload_rejected");
  EXPECT_NE(gateway->log().find(R"(unknown routing policy \"fastest\")"), std::string::npos)
      << gateway->log();
  EXPECT_EQ(tally_on(*connection, 8), (Tally{{"a", 6}, {"b", 2}}));

  ASSERT_EQ(gateway->reload({entry(*b)}, "  workers: 1\n"), "reloaded");
  EXPECT_EQ(tally_on(*connection, 3), (Tally{{"b", 3}}));
  EXPECT_FALSE(connection->peer_closed());
  // Settings read only at start are reported, not silently ignored.
  ASSERT_EQ(gateway->reload({entry(*b)}, "  workers: 2\n"), "reloaded");
  EXPECT_NE(gateway->log().find(R"("event":"reload_needs_restart")"), std::string::npos);
  EXPECT_EQ(tally_on(*connection, 2), (Tally{{"b", 2}}));
}

TEST(GatewayOperationsTest, AccessLogHasOneJsonLinePerRequest) {
  auto a = TestBackend::start("a");
  ASSERT_TRUE(a);
  TempDir logs;
  const std::string log_path = logs.path() + "/access.log";
  auto gateway = TestGateway::start({entry(*a)}, "  workers: 1\n  access_log: " + log_path + "\n");
  ASSERT_TRUE(gateway);

  auto not_found =
      fetch_once(gateway->port(), get_request("/status/404", "X-Request-Id: req-42\r\n"));
  ASSERT_TRUE(not_found);
  EXPECT_EQ(not_found->status, 404);
  auto echo = fetch_once(gateway->port(), get_request("/echo"));
  ASSERT_TRUE(echo);
  EXPECT_EQ(echo->status, 200);
  auto malformed = fetch_once(gateway->port(), "GET / HTTP/1.1\r\nHost: x\r\nno colon\r\n\r\n");
  ASSERT_TRUE(malformed);
  EXPECT_EQ(malformed->status, 400);

  ASSERT_TRUE(eventually([&] { return count_lines(log_path) >= 3; }));
  std::vector<boost::json::object> lines = read_json_lines(log_path);
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0].at("client").as_string(), "127.0.0.1");
  EXPECT_EQ(lines[0].at("method").as_string(), "GET");
  EXPECT_EQ(lines[0].at("target").as_string(), "/status/404");
  EXPECT_EQ(lines[0].at("request_id").as_string(), "req-42");
  EXPECT_EQ(lines[0].at("status").as_int64(), 404);
  EXPECT_EQ(lines[0].at("backend").as_string(), "a");
  EXPECT_EQ(lines[0].at("attempts").as_int64(), 1);
  EXPECT_EQ(static_cast<size_t>(lines[0].at("bytes").as_int64()), not_found->message_bytes);
  EXPECT_GE(lines[0].at("duration_ms").to_number<double>(), 0.0);
  EXPECT_FALSE(lines[0].contains("error"));

  // The id the gateway generated is the one the backend received.
  const std::string generated(lines[1].at("request_id").as_string());
  EXPECT_EQ(generated.size(), 16u);
  EXPECT_NE(echo->body.find("X-Request-Id: " + generated + "\n"), std::string::npos) << echo->body;
  EXPECT_EQ(lines[1].at("target").as_string(), "/echo");

  EXPECT_EQ(lines[2].at("status").as_int64(), 400);
  EXPECT_EQ(lines[2].at("method").as_string(), "");
  EXPECT_FALSE(lines[2].contains("backend"));
  EXPECT_FALSE(lines[2].at("error").as_string().empty());
}

TEST(GatewayOperationsTest, TotalTimeoutAnswers504OrClosesAStreamThatRunsOver) {
  auto a = TestBackend::start("a");
  ASSERT_TRUE(a);
  auto gateway = TestGateway::start({entry(*a)}, "  workers: 1\n  timeouts: {total: 300ms}\n");
  ASSERT_TRUE(gateway);

  auto slow = fetch_once(gateway->port(), get_request("/sleep/3000"));
  ASSERT_TRUE(slow);
  EXPECT_EQ(slow->status, 504);
  EXPECT_NE(slow->body.find("no complete response within timeouts.total (300ms); last backend "
                            "\\\"a\\\""),
            std::string::npos)
      << slow->body;

  // Response bytes have gone out, so the only signal left is closing the connection early.
  auto stream = RawConnection::open(gateway->port());
  ASSERT_TRUE(stream);
  ASSERT_TRUE(stream->send(get_request("/sse?events=60&interval_ms=50")));
  ASSERT_TRUE(stream->read_until_closed());
  HttpResponse partial = parse_http_response(stream->received(), true);
  EXPECT_EQ(partial.status, 200);
  EXPECT_FALSE(partial.complete);
  EXPECT_NE(partial.body.find("data:"), std::string::npos);

  // Quick requests on the same gateway are unaffected.
  EXPECT_EQ(tally_backends(gateway->port(), 3), (Tally{{"a", 3}}));
}

bool set_reported_metrics(const TestBackend& backend, const std::string& exposition) {
  auto response =
      fetch_once(backend.port(), "POST /set-metrics HTTP/1.1\r\nHost: b\r\nContent-Length: " +
                                     std::to_string(exposition.size()) + "\r\n\r\n" + exposition);
  return response && response->status == 200;
}

std::string gateway_metrics(uint16_t admin_port) {
  auto response = fetch_once(admin_port, get_request("/metrics"));
  return response ? response->body : "";
}

TEST(GatewayOperationsTest, ScrapesTheLoadBackendsReportAndCountsFailedScrapes) {
  auto a = TestBackend::start("a");
  auto b = TestBackend::start("b");
  ASSERT_TRUE(a && b);
  ASSERT_TRUE(
      set_reported_metrics(*a,
                           "# TYPE vllm:num_requests_waiting gauge\n"
                           "vllm:num_requests_waiting{engine=\"0\",model_name=\"m\"} 7.0\n"
                           "vllm:num_requests_running{engine=\"0\",model_name=\"m\"} 2.0\n"
                           "vllm:kv_cache_usage_perc{engine=\"0\",model_name=\"m\"} 0.25\n"));
  ASSERT_TRUE(set_reported_metrics(*b, "<html>a page, not metrics</html>\n"));
  const uint16_t admin_port = find_free_port();
  auto gateway = TestGateway::start(
      {entry(*a), entry(*b)},
      "  workers: 1\n  scrape: {interval: 50ms, timeout: 50ms, stale_after: 1s}\n"
      "  admin: {listen: 127.0.0.1:" +
          std::to_string(admin_port) + "}\n");
  ASSERT_TRUE(gateway);
  std::string metrics;
  ASSERT_TRUE(eventually([&] {
    metrics = gateway_metrics(admin_port);
    return metric_value(metrics, "fulcrum_gateway_backend_scrape_failures_total{backend=\"b\"}")
                   .value_or(0) >= 2 &&
           metric_value(metrics, "fulcrum_gateway_backend_load_report_age_seconds{backend=\"a\"}")
                   .value_or(-1) >= 0;
  })) << metrics;
  EXPECT_EQ(metric_value(metrics, "fulcrum_gateway_backend_reported_queue_depth{backend=\"a\"}"),
            7.0);
  EXPECT_EQ(metric_value(metrics, "fulcrum_gateway_backend_reported_running{backend=\"a\"}"), 2.0);
  EXPECT_EQ(metric_value(metrics, "fulcrum_gateway_backend_reported_kv_cache_usage{backend=\"a\"}"),
            0.25);
  EXPECT_EQ(metric_value(metrics, "fulcrum_gateway_backend_scrape_failures_total{backend=\"a\"}"),
            0.0);
  EXPECT_EQ(metric_value(metrics, "fulcrum_gateway_backend_load_report_age_seconds{backend=\"b\"}"),
            -1.0);
  // Scrapes and proxied traffic do not mix: the backends counted no scrape as a request.
  EXPECT_EQ(tally_backends(gateway->port(), 4), (Tally{{"a", 2}, {"b", 2}}));
  EXPECT_EQ(a->stats()->requests, 2u);
}

}  // namespace
}  // namespace fulcrum::integration
