#include "scheduler/scheduler_config.h"

#include <gtest/gtest.h>

namespace fulcrum {
namespace {

TEST(SchedulerConfigTest, ReadsEverySettingAndResolvesPathsAgainstTheFile) {
  auto config = parse_scheduler_config(R"(
scheduler:
  listen: {address: 0.0.0.0, port: 9000}
  cluster: seed-cluster.yaml
  store: {path: state/s.db, synchronous: normal}
  placement: {policy: best_fit}
  queue: {policy: shortest_first}
  executor: {type: local, log_dir: /var/log/fulcrum, run_as: nobody, kill_grace: 2s}
  monitor: {interval: 250ms, heartbeat_timeout: 30s}
  tasks: {max_attempts: 5}
  auth: {token: secret, read_token: viewer}
)",
                                       "/etc/fulcrum/scheduler.yaml");
  ASSERT_TRUE(config.ok()) << config.status().to_string();
  EXPECT_EQ(config->address, "0.0.0.0");
  EXPECT_EQ(config->port, 9000);
  EXPECT_EQ(config->cluster_file, "/etc/fulcrum/seed-cluster.yaml");
  EXPECT_EQ(config->store_path, "/etc/fulcrum/state/s.db");
  EXPECT_EQ(config->durability, Store::Durability::kNormal);
  EXPECT_EQ(config->placement.name, "best_fit");
  EXPECT_EQ(config->queue.name, "shortest_first");
  EXPECT_EQ(config->executor, ExecutorKind::kLocal);
  EXPECT_EQ(config->log_dir, "/var/log/fulcrum");
  EXPECT_EQ(config->run_as, "nobody");
  EXPECT_EQ(config->kill_grace_ms, 2000);
  EXPECT_EQ(config->monitor_interval_ms, 250);
  EXPECT_EQ(config->heartbeat_timeout_ms, 30000);
  EXPECT_EQ(config->max_attempts, 5);
  EXPECT_EQ(config->token, "secret");
  EXPECT_EQ(config->read_token, "viewer");
}

TEST(SchedulerConfigTest, ErrorsNameFileLineAndKey) {
  auto config = parse_scheduler_config("scheduler:\n  executor: {type: docker}\n", "s.yaml");
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.error_message(),
            "s.yaml:2: scheduler.executor.type: expected simulated or local, got \"docker\"");
  auto unknown = parse_scheduler_config("scheduler:\n  colour: red\n", "s.yaml");
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.error_message().find("s.yaml:"), std::string::npos);
  EXPECT_NE(unknown.error_message().find("colour"), std::string::npos);
}

TEST(SchedulerConfigTest, DefaultsAreTheEmbeddedOnes) {
  auto config = parse_scheduler_config("scheduler: {}\n", "s.yaml");
  ASSERT_TRUE(config.ok()) << config.status().to_string();
  EXPECT_EQ(config->address, "127.0.0.1");
  EXPECT_EQ(config->executor, ExecutorKind::kSimulated);
  EXPECT_EQ(config->placement.name, "least_loaded");
  EXPECT_EQ(config->queue.name, "priority");
  EXPECT_EQ(config->max_attempts, 3);
  EXPECT_TRUE(config->token.empty());
}

}  // namespace
}  // namespace fulcrum
