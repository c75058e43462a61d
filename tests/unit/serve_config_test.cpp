#include "serve/serve_config.h"

#include <gtest/gtest.h>

namespace fulcrum {
namespace {

const std::string kExamples = std::string(FULCRUM_SOURCE_DIR) + "/examples/";

TEST(ServeConfigTest, PlanOnlyConfigResolvesPathsAndPolicies) {
  auto config = parse_serve_config(R"(cluster: seed-cluster.yaml
tasks: /abs/tasks.yaml
placement: {policy: best_fit, params: {seed: 9}}
)",
                                   "/etc/fulcrum/serve.yaml");
  ASSERT_TRUE(config.ok()) << config.error_message();
  EXPECT_EQ(config->cluster_file, "/etc/fulcrum/seed-cluster.yaml");
  EXPECT_EQ(config->tasks_file, "/abs/tasks.yaml");
  EXPECT_EQ(config->placement.name, "best_fit");
  EXPECT_EQ(*config->placement.params.get_int("seed", 0), 9);
  EXPECT_EQ(config->placement.origin, "/etc/fulcrum/serve.yaml:3: placement");
  EXPECT_EQ(config->routing.name, "round_robin");
  EXPECT_FALSE(config->starts_services());
}

TEST(ServeConfigTest, QuickstartStartsEmulatorsGatewayAndScheduler) {
  auto config = load_serve_config(kExamples + "quickstart.yaml");
  ASSERT_TRUE(config.ok()) << config.error_message();
  ASSERT_TRUE(config->emulators.has_value());
  EXPECT_EQ(config->emulators->replicas, 4);
  EXPECT_EQ(config->emulators->base_port, 8001);
  EXPECT_EQ(config->emulators->profile_file, kExamples + "emulator/llama-3.1-8b-h100.yaml");
  ASSERT_TRUE(config->gateway.has_value());
  EXPECT_EQ(config->gateway->policy.name, "prefix_aware");
  EXPECT_TRUE(config->gateway->scrape.enabled);
  EXPECT_TRUE(config->gateway->backends.empty());
  ASSERT_TRUE(config->scheduler.has_value());
  // The scheduler takes the top-level cluster when its own section names none.
  EXPECT_EQ(config->scheduler->cluster_file, kExamples + "seed-cluster.yaml");
  EXPECT_EQ(config->scheduler->executor.type, "simulated");
  EXPECT_EQ(config->tasks_file, kExamples + "seed-tasks.yaml");
}

TEST(ServeConfigTest, SchedulerClusterOverridesTopLevelCluster) {
  auto config = parse_serve_config("cluster: a.yaml\nscheduler: {cluster: b.yaml}\n", "/x/s.yaml");
  ASSERT_TRUE(config.ok()) << config.error_message();
  EXPECT_EQ(config->scheduler->cluster_file, "/x/b.yaml");
  EXPECT_EQ(config->cluster_file, "/x/a.yaml");
}

struct BadServeConfig {
  std::string yaml;
  std::string error;
};

class ServeConfigErrorTest : public testing::TestWithParam<BadServeConfig> {};

// The message starts with file:line: key: and the reason (a list of known names may follow).
TEST_P(ServeConfigErrorTest, NamesFileLineAndKey) {
  auto config = parse_serve_config(GetParam().yaml, kExamples + "serve.yaml");
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.error_message().substr(0, kExamples.size() + 11 + GetParam().error.size()),
            kExamples + "serve.yaml:" + GetParam().error);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, ServeConfigErrorTest,
    testing::Values(
        BadServeConfig{"gateways: {}\n",
                       "1: gateways: unknown key (expected one of: cluster, "
                       "tasks, placement, routing, emulators, gateway, "
                       "scheduler)"},
        BadServeConfig{"placement: {policy: best_fit}\n",
                       "1: nothing to start: expected an emulators:, gateway: or scheduler: "
                       "section, or a cluster: file to plan on"},
        BadServeConfig{"tasks: seed-tasks.yaml\n",
                       "1: tasks: tasks need a scheduler: section, or a cluster: file to plan on"},
        BadServeConfig{"emulators: {replicas: 2}\n", "1: emulators: missing required key profile"},
        BadServeConfig{"emulators: {profile: emulator/llama-3.1-8b-h100.yaml, replicas: 0}\n",
                       "1: emulators.replicas: expected an integer in [1, 64], got \"0\""},
        BadServeConfig{"emulators: {profile: nope.yaml}\n",
                       "1: emulators.profile: " + kExamples + "nope.yaml: no such file"},
        BadServeConfig{"routing: {policy: round_robin}\ngateway: {policy: {policy: least_load}}\n",
                       "1: routing: the gateway: section chooses its own policy (gateway.policy)"},
        BadServeConfig{"placement: {policy: best_fit}\nscheduler: {}\n",
                       "1: placement: the scheduler: section chooses its own policy "
                       "(scheduler.placement)"},
        BadServeConfig{"gateway: {policy: {policy: fastest}}\n",
                       "1: gateway.policy: unknown routing policy \"fastest\""}));

TEST(ServeConfigTest, MissingFileIsNamed) {
  auto config = load_serve_config("/nonexistent/fulcrum.yaml");
  EXPECT_EQ(config.error_message(), "/nonexistent/fulcrum.yaml: no such file");
}

}  // namespace
}  // namespace fulcrum
