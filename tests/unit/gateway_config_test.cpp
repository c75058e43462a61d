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

TEST(GatewayConfigTest, UnimplementedKeysAreRefusedNotIgnored) {
  auto health = parse_gateway_config("gateway:\n  backends: []\n  health_check: {path: /health}\n",
                                     "gw.yaml");
  EXPECT_EQ(health.error_message(),
            "gw.yaml:3: gateway.health_check: not implemented yet; passive_health ejects "
            "backends that fail requests");
  auto total =
      parse_gateway_config("gateway:\n  backends: []\n  timeouts: {total: 5m}\n", "gw.yaml");
  EXPECT_EQ(total.error_message(),
            "gw.yaml:3: gateway.timeouts.total: not implemented yet; first_byte and idle bound "
            "each exchange");
}

}  // namespace
}  // namespace fulcrum
