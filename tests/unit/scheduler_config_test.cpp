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
  executor: {type: local, log_dir: logs, run_as: nobody, kill_grace: 2s}
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
  EXPECT_EQ(config->executor.type, "local");
  EXPECT_EQ(config->executor.origin, "/etc/fulcrum/scheduler.yaml:8: scheduler.executor");
  EXPECT_EQ(*config->executor.params.get_path("log_dir", ""), "/etc/fulcrum/logs");
  EXPECT_EQ(*config->executor.params.get_string("run_as", ""), "nobody");
  EXPECT_EQ(*config->executor.params.get_duration_ms("kill_grace", 0), 2000);
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
            "s.yaml:2: scheduler.executor.type: unknown executor \"docker\" (known: simulated, "
            "local)");
  auto typo =
      parse_scheduler_config("scheduler:\n  executor: {type: local, log_dri: x}\n", "s.yaml");
  ASSERT_FALSE(typo.ok());
  EXPECT_EQ(typo.error_message(),
            "s.yaml:2: scheduler.executor: executor \"local\": unknown parameter \"log_dri\" "
            "(accepted: log_dir, run_as, kill_grace, memory_limit)");
  auto unknown = parse_scheduler_config("scheduler:\n  colour: red\n", "s.yaml");
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.error_message().find("s.yaml:"), std::string::npos);
  EXPECT_NE(unknown.error_message().find("colour"), std::string::npos);
}

TEST(SchedulerConfigTest, DefaultsAreTheEmbeddedOnes) {
  auto config = parse_scheduler_config("scheduler: {}\n", "s.yaml");
  ASSERT_TRUE(config.ok()) << config.status().to_string();
  EXPECT_EQ(config->address, "127.0.0.1");
  EXPECT_EQ(config->executor.type, "simulated");
  EXPECT_TRUE(config->executor.params.values().empty());
  EXPECT_EQ(config->placement.name, "least_loaded");
  EXPECT_EQ(config->queue.name, "priority");
  EXPECT_EQ(config->max_attempts, 3);
  EXPECT_TRUE(config->token.empty());
}

TEST(SchedulerConfigTest, PoliciesMayBeNamedAlone) {
  auto config =
      parse_scheduler_config("scheduler:\n  placement: best_fit\n  queue: fifo\n", "s.yaml");
  ASSERT_TRUE(config.ok()) << config.status().to_string();
  EXPECT_EQ(config->placement.name, "best_fit");
  EXPECT_TRUE(config->placement.params.values().empty());
  EXPECT_EQ(config->placement.origin, "s.yaml:2: scheduler.placement");
  EXPECT_EQ(config->queue.name, "fifo");
}

TEST(SchedulerConfigTest, PreemptionAndMilpPlacement) {
  auto config = parse_scheduler_config(R"(scheduler:
  preemption: {enabled: true, grace: 2s}
  placement:
    policy: milp
    params: {window: 1s, window_count: 8, time_limit: 0.5, objective: balance, fallback: first_fit}
)",
                                       "s.yaml");
  ASSERT_TRUE(config.ok()) << config.status().to_string();
  EXPECT_TRUE(config->preemption);
  EXPECT_EQ(config->preemption_grace_ms, 2000);
  ASSERT_TRUE(config->milp.has_value());
  EXPECT_EQ(config->milp->window_ms, 1000);
  EXPECT_EQ(config->milp->window_count, 8u);
  EXPECT_DOUBLE_EQ(config->milp->batch.milp.time_limit_seconds, 0.5);
  EXPECT_EQ(config->milp->batch.objective, BatchObjective::kBalance);
  EXPECT_EQ(config->milp->batch.fallback_placer, "first_fit");
  auto defaults = parse_scheduler_config("scheduler: {}\n", "s.yaml");
  EXPECT_FALSE(defaults->preemption);
  EXPECT_FALSE(defaults->milp.has_value());
}

TEST(SchedulerConfigTest, MilpErrorsNameTheLineAndParameter) {
  auto bad_limit = parse_scheduler_config(
      "scheduler:\n  placement: {policy: milp, params: {time_limit: 0}}\n", "s.yaml");
  ASSERT_FALSE(bad_limit.ok());
  EXPECT_EQ(bad_limit.error_message(),
            "s.yaml:2: scheduler.placement: placement policy \"milp\": parameter \"time_limit\": "
            "expected a number in [0.001, 3600], got \"0\"");
  auto bad_fallback = parse_scheduler_config(
      "scheduler:\n  placement: {policy: milp, params: {fallback: milp}}\n", "s.yaml");
  ASSERT_FALSE(bad_fallback.ok());
  EXPECT_EQ(bad_fallback.error_message().rfind(
                "s.yaml:2: scheduler.placement: placement policy \"milp\": fallback: unknown "
                "placement policy \"milp\"",
                0),
            0u)
      << bad_fallback.error_message();
  auto bad_grace =
      parse_scheduler_config("scheduler:\n  preemption: {enabled: true, grace: soon}\n", "s.yaml");
  ASSERT_FALSE(bad_grace.ok());
  EXPECT_EQ(bad_grace.error_message().rfind("s.yaml:2: scheduler.preemption.grace: ", 0), 0u)
      << bad_grace.error_message();
}

}  // namespace
}  // namespace fulcrum
