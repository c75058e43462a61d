#include "planning/list_scheduler.h"

#include <gtest/gtest.h>

#include "placement_fixtures.h"
#include "planning/plan_validator.h"

namespace fulcrum {
namespace {

using testing::gpu_node;
using testing::make_task;

TEST(ListSchedulerTest, GangReplicasStartTogetherWhenEnoughGpusAreFree) {
  Cluster cluster =
      testing::cluster_of({gpu_node("a", 8, 64, 2, "A100"), gpu_node("b", 8, 64, 1, "A100")});
  Task solo = make_task("solo", 1000, 1, 2000);
  solo.estimated_duration_ms = 100;
  Task gang = make_task("gang", 1000, 1, 1000, "", 3);
  gang.estimated_duration_ms = 40;
  std::vector<Task> tasks = {solo, gang};
  PlanProblem problem = PlanProblem::create(cluster, tasks).value();
  ListScheduleOptions options;
  auto plan = list_schedule(problem, {2, 1}, options);
  ASSERT_TRUE(plan.ok());
  ASSERT_TRUE(validate_plan(cluster, tasks, *plan).ok());
  // solo holds both GPUs of a until 100; the gang of three needs all three GPUs: from 100.
  for (const PlannedReplica& replica : plan->replicas) {
    if (replica.task == 1) {
      EXPECT_EQ(replica.start_ms, 100);
    }
  }
}

TEST(ListSchedulerTest, PinnedNodeIsUsed) {
  Cluster cluster =
      testing::cluster_of({gpu_node("a", 8, 64, 1, "A100"), gpu_node("b", 8, 64, 1, "V100")});
  Task task = make_task("t", 1000, 1, 1000);
  task.estimated_duration_ms = 10;
  task.speed = {{"A100", 2.0}};
  PlanProblem problem = PlanProblem::create(cluster, {task}).value();
  ListScheduleOptions options;
  EXPECT_EQ(list_schedule(problem, {0}, options)->replicas[0].node, 0u);
  options.pinned_node = {1};
  EXPECT_EQ(list_schedule(problem, {0}, options)->replicas[0].node, 1u);
}

TEST(ListSchedulerTest, CheckPlannableNamesTheFamily) {
  Cluster cluster = testing::cluster_of({gpu_node("v", 8, 64, 2, "V100")});
  auto family = [&cluster](const Task& task) {
    PlanProblem problem = PlanProblem::create(cluster, {task}).value();
    std::string message = check_plannable(problem).message();
    return message.substr(0, message.find(':'));
  };
  EXPECT_EQ(family(make_task("m", 1000, 1, 1000, "H100")), "gpu model");
  EXPECT_EQ(family(make_task("c", 16000, 1)), "capacity");
  EXPECT_EQ(family(make_task("g", 1000, 1, 2000, "", 2)), "gang");
  EXPECT_EQ(family(make_task("ok", 1000, 1, 1000, "", 2)), "");
}

}  // namespace
}  // namespace fulcrum
