// Runs the built `fulcrum` binary the way a user does and checks its output and exit codes.
#include <sys/wait.h>

#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "cli_support.h"

namespace {

using fulcrum::testing::CommandResult;
using fulcrum::testing::contains;
using fulcrum::testing::example;
using fulcrum::testing::run_fulcrum;
using fulcrum::testing::TempFile;

TEST(CliTest, VersionAndHelp) {
  CommandResult version = run_fulcrum("--version");
  EXPECT_EQ(version.exit_code, 0);
  EXPECT_EQ(version.output, std::string("fulcrum ") + FULCRUM_VERSION + " (allocator " +
                                FULCRUM_EXPECTED_ALLOCATOR + ")\n");

  CommandResult help = run_fulcrum("--help");
  EXPECT_EQ(help.exit_code, 0);
  for (const char* subcommand : {"policies", "place", "serve"}) {
    EXPECT_TRUE(contains(help.output, subcommand)) << subcommand;
  }
}

TEST(CliTest, UnknownSubcommandIsABadInput) {
  CommandResult result = run_fulcrum("frobnicate");
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_EQ(result.output,
            "error: unknown command \"frobnicate\" (commands: policies, place, serve, gateway, "
            "scheduler, submit, tasks, nodes, cancel, logs, plan, emulate, sim)\n");
}

TEST(CliTest, PoliciesListsEveryPolicyWithADescription) {
  CommandResult result = run_fulcrum("policies");
  ASSERT_EQ(result.exit_code, 0) << result.output;
  for (const char* name : {"round_robin", "weighted_round_robin", "least_connections", "least_load",
                           "power_of_two_choices", "peak_ewma", "consistent_hash", "first_fit",
                           "best_fit", "least_loaded"}) {
    EXPECT_TRUE(contains(result.output, std::string("  ") + name + " ")) << name;
  }
  EXPECT_TRUE(contains(result.output, "Routing policies"));
  EXPECT_TRUE(contains(result.output, "Placement policies"));
  size_t planners = result.output.find("Planners (fulcrum plan --solver):\n");
  ASSERT_NE(planners, std::string::npos) << result.output;
  for (const char* name : {"greedy", "heft", "anneal", "milp"}) {
    EXPECT_NE(result.output.find(std::string("\n  ") + name + " ", planners), std::string::npos)
        << name;
  }
  // milp is also the scheduler's batch placement mode, listed with the placers.
  EXPECT_LT(result.output.find("\n  milp "), planners);
  EXPECT_TRUE(contains(result.output,
                       "  fulcrum plan --objective              makespan, weighted_completion, "
                       "and balance or energy placed wave by wave\n"))
      << result.output;
  EXPECT_TRUE(contains(result.output,
                       "  placement: milp, params: {objective}   placed_work, balance, energy, "
                       "throughput\n"))
      << result.output;
  size_t executors = result.output.find("Executors (scheduler executor: {type: NAME}):\n");
  ASSERT_NE(executors, std::string::npos) << result.output;
  EXPECT_NE(result.output.find("\n  simulated ", executors), std::string::npos);
  EXPECT_NE(result.output.find("\n  local ", executors), std::string::npos);
  CommandResult with_params = run_fulcrum("policies --params");
  EXPECT_TRUE(contains(with_params.output, "kill_grace (default 5s)")) << with_params.output;
  EXPECT_TRUE(contains(with_params.output, "load_factor (default 1.25)")) << with_params.output;
  EXPECT_TRUE(contains(with_params.output, "window_count (default 64)")) << with_params.output;
}

TEST(CliTest, PlaceSeedExampleReportsTheTaskThatDoesNotFit) {
  // Together the five seed tasks ask for 5 GPUs and the seed cluster has 4.
  CommandResult result =
      run_fulcrum("place --cluster " + example("seed-cluster.yaml") + " --tasks " +
                  example("seed-tasks.yaml") + " --policy first_fit");
  EXPECT_EQ(result.exit_code, 3) << result.output;
  EXPECT_TRUE(contains(result.output, "Not placed:\n  T5: needs 2 GPUs")) << result.output;
  EXPECT_TRUE(contains(result.output, "4 of 5 tasks placed")) << result.output;
  // The CPU-only task stays off the GPU nodes.
  EXPECT_TRUE(contains(result.output, "T3    cpu-1")) << result.output;
}

TEST(CliTest, PlaceExitsZeroWhenEverythingFits) {
  TempFile tasks("tasks.yaml", R"(tasks:
  - {id: train, cpu: 4, memory: 16Gi, gpus: 2, gpu_model: A100}
  - {id: etl, cpu: 6, memory: 8Gi}
  - {id: embed, cpu: 1, memory: 2Gi, gpu_milli: 250}
)");
  CommandResult result = run_fulcrum("place --cluster " + example("seed-cluster.yaml") +
                                     " --tasks " + tasks.path() + " --policy least_loaded");
  EXPECT_EQ(result.exit_code, 0) << result.output;
  EXPECT_TRUE(contains(result.output, "train  gpu-a100  0,1")) << result.output;
  EXPECT_TRUE(contains(result.output, "embed  gpu-v100  0")) << result.output;
  EXPECT_TRUE(contains(result.output, "3 of 3 tasks placed")) << result.output;
}

TEST(CliTest, BadFilesAndPoliciesAreNamed) {
  TempFile cluster("cluster.yaml",
                   "nodes:\n  - id: a\n    cpu: 4\n    memory: 8Gi\n    gpus: two\n");
  CommandResult bad_cluster =
      run_fulcrum("place --cluster " + cluster.path() + " --tasks " + example("seed-tasks.yaml"));
  EXPECT_EQ(bad_cluster.exit_code, 2);
  EXPECT_EQ(bad_cluster.output, "error: " + cluster.path() +
                                    ":5: nodes[0].gpus: expected an integer in [0, 1024], got "
                                    "\"two\"\n");

  CommandResult bad_policy =
      run_fulcrum("place --cluster " + example("seed-cluster.yaml") + " --tasks " +
                  example("seed-tasks.yaml") + " --policy fastest");
  EXPECT_EQ(bad_policy.exit_code, 2);
  EXPECT_TRUE(contains(bad_policy.output, "unknown placement policy \"fastest\" (known: "))
      << bad_policy.output;

  CommandResult bad_param =
      run_fulcrum("place --cluster " + example("seed-cluster.yaml") + " --tasks " +
                  example("seed-tasks.yaml") + " --policy least_loaded --param speed=9");
  EXPECT_EQ(bad_param.exit_code, 2);
  EXPECT_TRUE(contains(bad_param.output, "unknown parameter \"speed\"")) << bad_param.output;

  CommandResult missing = run_fulcrum("place --cluster /nonexistent.yaml --tasks x.yaml");
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_EQ(missing.output, "error: /nonexistent.yaml: no such file\n");
}

TEST(CliTest, DependencyCycleIsRejected) {
  TempFile tasks("cycle.yaml",
                 "tasks:\n  - {id: a, depends_on: [b]}\n  - {id: b, depends_on: [a]}\n");
  CommandResult result =
      run_fulcrum("place --cluster " + example("seed-cluster.yaml") + " --tasks " + tasks.path());
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_TRUE(contains(result.output, ":2: tasks[0].depends_on: dependency cycle: a -> b -> a"))
      << result.output;
}

TEST(CliTest, ServePlanOnlyConfigPrintsCatalogueAndSeedPlan) {
  CommandResult result = run_fulcrum("serve --config " + example("plan.yaml"));
  ASSERT_EQ(result.exit_code, 0) << result.output;
  EXPECT_TRUE(contains(result.output, "Routing policies")) << result.output;
  // Waves of the seed DAG: {T2, T4}, then {T1, T3}, then {T5}.
  size_t wave1 = result.output.find("Wave 1 (starts at 0 min)");
  size_t wave2 = result.output.find("Wave 2 (starts at 20 min)");
  size_t wave3 = result.output.find("Wave 3 (starts at 60 min)");
  ASSERT_NE(wave1, std::string::npos) << result.output;
  ASSERT_NE(wave2, std::string::npos) << result.output;
  ASSERT_NE(wave3, std::string::npos) << result.output;
  EXPECT_LT(result.output.find("T2 ", wave1), wave2);
  EXPECT_LT(result.output.find("T4 ", wave1), wave2);
  EXPECT_LT(result.output.find("T1 ", wave2), wave3);
  EXPECT_NE(result.output.find("T5 ", wave3), std::string::npos);
  EXPECT_TRUE(contains(result.output, "Estimated makespan: 90 min")) << result.output;
}

TEST(CliTest, ServeCheckOnQuickstartNamesEveryBodyAndPlansTheSeedTasks) {
  CommandResult result = run_fulcrum("serve --check --config " + example("quickstart.yaml"));
  ASSERT_EQ(result.exit_code, 0) << result.output;
  EXPECT_TRUE(
      contains(result.output, "emulators: 4 x " + example("emulator/llama-3.1-8b-h100.yaml")))
      << result.output;
  EXPECT_TRUE(contains(result.output, "gateway: prefix_aware, 0 configured backends"))
      << result.output;
  EXPECT_TRUE(contains(result.output, "scheduler: placement least_loaded, queue priority"))
      << result.output;
  EXPECT_TRUE(contains(result.output, "Estimated makespan: 90 min")) << result.output;
}

// The gateway chooses its own policy: the printout names that one, not the unused default.
TEST(CliTest, ServeCheckNamesOneRoutingPolicyTheGateways) {
  CommandResult result = run_fulcrum("serve --check --config " + example("quickstart.yaml"));
  ASSERT_EQ(result.exit_code, 0) << result.output;
  EXPECT_TRUE(
      contains(result.output, "Routing policy: prefix_aware; placement policy: least_loaded"))
      << result.output;
  EXPECT_FALSE(contains(result.output, "Routing policy: round_robin")) << result.output;
}

// --check makes the scheduler's parts with the start's own function, so it refuses what
// `fulcrum scheduler` would.
TEST(CliTest, ServeCheckRefusesASchedulerSectionTheStartWouldRefuse) {
  struct Case {
    std::string section;
    std::string error;
  };
  for (const Case& bad :
       {Case{"  queue: lifo\n", ":2: scheduler.queue: unknown queue policy \"lifo\""},
        Case{"  executor: {type: local, kill_grace: soon}\n",
             ":2: scheduler.executor: executor \"local\": parameter \"kill_grace\""},
        Case{"  placement: tetris\n", "(known: first_fit, "}}) {
    TempFile config("serve.yaml", "scheduler:\n" + bad.section);
    CommandResult result = run_fulcrum("serve --check --config " + config.path());
    EXPECT_EQ(result.exit_code, 2) << result.output;
    EXPECT_TRUE(contains(result.output, bad.error)) << result.output;
  }
}

TEST(CliTest, ServeRejectsAGatewayPolicyItDoesNotKnowWithItsLine) {
  TempFile config("serve.yaml", "gateway:\n  policy: {policy: fastest}\n");
  CommandResult result = run_fulcrum("serve --config " + config.path());
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_TRUE(contains(result.output, config.path() + ":2: gateway.policy: unknown routing policy "
                                                      "\"fastest\""))
      << result.output;
}

TEST(CliTest, ServeRejectsAnUnknownRoutingPolicyWithItsLine) {
  TempFile config("serve.yaml",
                  "cluster: " + example("seed-cluster.yaml") + "\nrouting:\n  policy: fastest\n");
  CommandResult result = run_fulcrum("serve --config " + config.path());
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_TRUE(contains(result.output, config.path() + ":3: routing: unknown routing policy "
                                                      "\"fastest\""))
      << result.output;
}

}  // namespace
