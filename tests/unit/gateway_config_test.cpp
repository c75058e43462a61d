#include "gateway/config.h"

#include <gtest/gtest.h>

namespace fulcrum {
namespace {

TEST(GatewayConfigTest, ReadsEverySection) {
  auto config = parse_gateway_config(R"(gateway:
  listen: [{address: 0.0.0.0, port: 9000}, "127.0.0.1:9001"]
  workers: 2
  policy: {policy: consistent_hash, params: {load_factor: 1.5}}
  backends:
    - http://10.0.0.5:8000
    - {name: big, url: "http://10.0.0.6:8001/", weight: 3, labels: {model: llama}}
  timeouts: {connect: 500ms, header: 5s, first_byte: 30s, idle: 1m}
  limits: {header_bytes: 8Ki, body_bytes: 1Mi, connections: 500, upstream_idle_per_backend: 4}
  retries: {attempts: 1, budget_ratio: 0.1}
  passive_health: {consecutive_failures: 3, base_ejection: 2s, max_ejection: 1m}
  admin: {listen: 127.0.0.1:9100, token: secret}
)",
                                     "gw.yaml");
  ASSERT_TRUE(config.ok()) << config.error_message();
  ASSERT_EQ(config->listeners.size(), 2u);
  EXPECT_EQ(config->listeners[0].address, "0.0.0.0");
  EXPECT_EQ(config->listeners[1].port, 9001);
  EXPECT_EQ(config->workers, 2);
  EXPECT_EQ(config->policy.name, "consistent_hash");
  ASSERT_EQ(config->backends.size(), 2u);
  EXPECT_EQ(config->backends[0].name, "10.0.0.5:8000");
  EXPECT_EQ(config->backends[1].name, "big");
  EXPECT_EQ(config->backends[1].port, 8001);
  EXPECT_EQ(config->backends[1].weight, 3u);
  EXPECT_EQ(config->backends[1].labels.at("model"), "llama");
  EXPECT_EQ(config->timeouts.connect_ms, 500);
  EXPECT_EQ(config->timeouts.idle_ms, 60000);
  EXPECT_EQ(config->limits.header_bytes, 8192);
  EXPECT_EQ(config->limits.connections, 500);
  EXPECT_EQ(config->retries.attempts, 1);
  EXPECT_EQ(config->passive_health.base_ejection_ms, 2000);
  EXPECT_TRUE(config->admin.enabled);
  EXPECT_EQ(config->admin.token, "secret");
}

TEST(GatewayConfigTest, AcceptModeDefaultsToReusePortAndNamesABadValue) {
  auto by_default = parse_gateway_config("gateway:\n  backends: []\n", "gw.yaml");
  ASSERT_TRUE(by_default.ok()) << by_default.error_message();
  EXPECT_EQ(by_default->accept, GatewayConfig::AcceptMode::kReusePort);
  auto shared = parse_gateway_config("gateway:\n  accept: shared\n  backends: []\n", "gw.yaml");
  ASSERT_TRUE(shared.ok()) << shared.error_message();
  EXPECT_EQ(shared->accept, GatewayConfig::AcceptMode::kShared);
  auto bad = parse_gateway_config("gateway:\n  accept: fork\n  backends: []\n", "gw.yaml");
  EXPECT_EQ(bad.error_message(),
            "gw.yaml:2: gateway.accept: accept must be reuseport or shared, not \"fork\"");
}

TEST(GatewayConfigTest, ErrorsNameFileLineAndKey) {
  auto bad_url = parse_gateway_config("gateway:\n  backends:\n    - ftp://x:1\n", "gw.yaml");
  EXPECT_EQ(bad_url.error_message(),
            "gw.yaml:3: gateway.backends[0]: expected a URL such as http://10.0.0.5:8000, got "
            "\"ftp://x:1\"");
  auto bad_port =
      parse_gateway_config("gateway:\n  listen: 127.0.0.1:99999\n  backends: []\n", "gw.yaml");
  EXPECT_EQ(bad_port.error_message(),
            "gw.yaml:2: gateway.listen: expected a port in [1, 65535], got \"99999\"");
  auto duplicate = parse_gateway_config(
      "gateway:\n  backends:\n    - {name: a, url: \"http://h:1\"}\n    - {name: a, url: "
      "\"http://h:2\"}\n",
      "gw.yaml");
  EXPECT_EQ(duplicate.error_message(),
            "gw.yaml:4: gateway.backends[1]: duplicate backend name \"a\"");
  auto policy =
      parse_gateway_config("gateway:\n  policy:\n    policy: fastest\n  backends: []\n", "gw.yaml");
  ASSERT_FALSE(policy.ok());
  EXPECT_EQ(policy.error_message().rfind("gw.yaml:3: gateway.policy: unknown routing policy "
                                         "\"fastest\"",
                                         0),
            0u)
      << policy.error_message();
  auto missing = parse_gateway_config("cluster: x.yaml\n", "gw.yaml");
  EXPECT_EQ(missing.error_message(), "gw.yaml:1: missing the gateway: section");
}

TEST(GatewayConfigTest, ReadsHealthChecksAccessLogAndTotalTimeout) {
  auto config = parse_gateway_config(R"(gateway:
  backends: []
  health_check: {path: /ready, interval: 2s, timeout: 500ms, rise: 3, fall: 4, expect_status: 200-204}
  access_log: /var/log/fulcrum/access.log
  timeouts: {total: 5m}
  scrape: {path: /stats/metrics, interval: 250ms, timeout: 100ms, stale_after: 2s}
)",
                                     "gw.yaml");
  ASSERT_TRUE(config.ok()) << config.error_message();
  const HealthCheckConfig& check = config->health_check;
  EXPECT_TRUE(check.enabled);
  EXPECT_EQ(check.path, "/ready");
  EXPECT_EQ(check.interval_ms, 2000);
  EXPECT_EQ(check.timeout_ms, 500);
  EXPECT_EQ(check.rise, 3);
  EXPECT_EQ(check.fall, 4);
  EXPECT_EQ(check.expect_status_min, 200);
  EXPECT_EQ(check.expect_status_max, 204);
  EXPECT_TRUE(config->access_log.enabled);
  EXPECT_EQ(config->access_log.path, "/var/log/fulcrum/access.log");
  EXPECT_EQ(config->timeouts.total_ms, 300000);
  EXPECT_TRUE(config->scrape.enabled);
  EXPECT_EQ(config->scrape.path, "/stats/metrics");
  EXPECT_EQ(config->scrape.interval_ms, 250);
  EXPECT_EQ(config->scrape.timeout_ms, 100);
  EXPECT_EQ(config->scrape.stale_after_ms, 2000);

  auto defaults = parse_gateway_config(
      "gateway:\n  backends: []\n  health_check: {}\n  access_log: {path: '-'}\n", "gw.yaml");
  ASSERT_TRUE(defaults.ok()) << defaults.error_message();
  EXPECT_TRUE(defaults->health_check.enabled);
  EXPECT_EQ(defaults->health_check.path, "/health");
  EXPECT_EQ(defaults->health_check.interval_ms, 5000);
  EXPECT_EQ(defaults->health_check.expect_status_max, 399);
  EXPECT_EQ(defaults->access_log.path, "-");
  EXPECT_EQ(defaults->timeouts.total_ms, 0);

  auto off = parse_gateway_config("gateway:\n  backends: []\n", "gw.yaml");
  ASSERT_TRUE(off.ok());
  EXPECT_FALSE(off->health_check.enabled);
  EXPECT_FALSE(off->access_log.enabled);
}

TEST(GatewayConfigTest, HealthCheckErrorsNameTheKey) {
  auto slow = parse_gateway_config(
      "gateway:\n  backends: []\n  health_check: {interval: 1s, timeout: 2s}\n", "gw.yaml");
  EXPECT_EQ(slow.error_message(),
            "gw.yaml:3: gateway.health_check.timeout: must not exceed the interval (1000ms)");
  auto status = parse_gateway_config(
      "gateway:\n  backends: []\n  health_check: {expect_status: 300-200}\n", "gw.yaml");
  EXPECT_EQ(status.error_message(),
            "gw.yaml:3: gateway.health_check.expect_status: expected a status such as 200 or a "
            "range such as 200-399, got \"300-200\"");
  auto path =
      parse_gateway_config("gateway:\n  backends: []\n  health_check: {path: health}\n", "gw.yaml");
  EXPECT_EQ(path.error_message(),
            "gw.yaml:3: gateway.health_check.path: expected an absolute path without spaces, such "
            "as /health");
  auto fall =
      parse_gateway_config("gateway:\n  backends: []\n  health_check: {fall: 0}\n", "gw.yaml");
  ASSERT_FALSE(fall.ok());
  EXPECT_EQ(fall.error_message().rfind("gw.yaml:3: gateway.health_check.fall: ", 0), 0u)
      << fall.error_message();
  auto unknown =
      parse_gateway_config("gateway:\n  backends: []\n  health_check: {port: 9}\n", "gw.yaml");
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.error_message().find("port"), std::string::npos) << unknown.error_message();
  auto stale = parse_gateway_config(
      "gateway:\n  backends: []\n  scrape: {interval: 1s, stale_after: 500ms}\n", "gw.yaml");
  EXPECT_EQ(stale.error_message(),
            "gw.yaml:3: gateway.scrape.stale_after: must be at least the interval (1000ms)");
  auto scrape_path =
      parse_gateway_config("gateway:\n  backends: []\n  scrape: {path: metrics}\n", "gw.yaml");
  EXPECT_EQ(scrape_path.error_message(),
            "gw.yaml:3: gateway.scrape.path: expected an absolute path without spaces, such as "
            "/metrics");
  auto log = parse_gateway_config("gateway:\n  backends: []\n  access_log: ''\n", "gw.yaml");
  EXPECT_EQ(log.error_message(),
            "gw.yaml:3: gateway.access_log: expected a file path, or - for standard output");
}

}  // namespace
}  // namespace fulcrum
