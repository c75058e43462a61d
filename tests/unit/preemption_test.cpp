#include "scheduler/preemption.h"

#include <gtest/gtest.h>

#include "placement/registry.h"
#include "placement_fixtures.h"

namespace fulcrum {
namespace {

using testing::cluster_of;
using testing::cpu_node;
using testing::gpu_node;
using testing::make_task;

class PreemptionTest : public ::testing::Test {
 protected:
  // Allocates a task of `priority` that has run for `run_seconds` on the named node.
  void run(const std::string& id, const std::string& node_id, int64_t cpu_millis, int priority,
           int64_t run_seconds, int64_t gpu_milli = 0) {
    Task task = make_task(id, cpu_millis, 1, gpu_milli);
    auto assignment = cluster_.allocate(*cluster_.find(node_id), task);
    ASSERT_TRUE(assignment.has_value()) << id << " does not fit on " << node_id;
    candidates_.push_back({id, priority, run_seconds * 1000, {*assignment}});
  }

  std::optional<PreemptionChoice> choose(const Task& task) {
    return choose_victims(cluster_, task, candidates_, *placer_);
  }

  // The victims chosen for `task` are `expected`, with `work` in all when it is given.
  void expect_victims(const Task& task, const std::vector<std::string>& expected,
                      std::optional<double> work = std::nullopt) {
    auto choice = choose(task);
    ASSERT_TRUE(choice.has_value()) << task.id;
    EXPECT_EQ(choice->victims, expected) << task.id;
    if (work) {
      EXPECT_DOUBLE_EQ(choice->work, *work) << task.id;
    }
  }

  static Task with_priority(Task task, int priority) {
    task.priority = priority;
    return task;
  }

  Cluster cluster_;
  std::vector<PreemptionCandidate> candidates_;
  std::unique_ptr<Placer> placer_ = make_placer("first_fit").value();
};

TEST_F(PreemptionTest, WorkIsRunTimeTimesDominantShare) {
  cluster_ = cluster_of({cpu_node("n1", 8, 32)});
  run("L", "n1", 2000, 0, 30);  // 2 of 8 cores (0.25) beats 1 of 32 Gi: 30 s x 0.25
  EXPECT_DOUBLE_EQ(preemption_work(cluster_, candidates_[0]), 7.5);
  PreemptionCandidate just_placed{"P", 0, 0, candidates_[0].assignments};
  EXPECT_DOUBLE_EQ(preemption_work(cluster_, just_placed), 0.001 * 0.25);
}

TEST_F(PreemptionTest, EvictsTheTaskWithLeastWorkOnTheNode) {
  cluster_ = cluster_of({cpu_node("n1", 8, 32)});
  run("old", "n1", 4000, 1, 100);  // work 50
  run("new", "n1", 4000, 1, 10);   // work 5
  expect_victims(with_priority(make_task("H", 4000, 1), 5), {"new"}, 5);
}

TEST_F(PreemptionTest, PicksTheNodeWhereEvictionCostsLeast) {
  cluster_ = cluster_of({cpu_node("n1", 8, 32), cpu_node("n2", 8, 32)});
  run("A", "n1", 8000, 0, 10);  // work 10
  run("B", "n2", 4000, 0, 30);  // work 15
  run("C", "n2", 4000, 0, 1);   // work 0.5
  expect_victims(with_priority(make_task("H4", 4000, 1), 1), {"C"});
  // The whole node: A alone (10) costs less than B and C together (15.5).
  expect_victims(with_priority(make_task("H8", 8000, 1), 1), {"A"}, 10);
}

TEST_F(PreemptionTest, KeepsVictimsTheTaskFitsWithout) {
  cluster_ = cluster_of({cpu_node("n1", 8, 32)});
  run("tiny", "n1", 1000, 0, 1);   // work 0.125: taken first, but freeing it is not enough
  run("big", "n1", 6000, 0, 2);    // work 1.5
  run("rest", "n1", 1000, 0, 50);  // work 6.25
  // 6 cores are needed and 0 are free: tiny then big are taken, and big alone frees 6.
  expect_victims(with_priority(make_task("H", 6000, 1), 3), {"big"});
}

TEST_F(PreemptionTest, NeverEvictsEqualOrHigherPriority) {
  cluster_ = cluster_of({cpu_node("n1", 8, 32)});
  run("same", "n1", 4000, 2, 1);
  run("higher", "n1", 4000, 9, 1);
  EXPECT_FALSE(choose(with_priority(make_task("H", 4000, 1), 2)).has_value());
}

TEST_F(PreemptionTest, NothingWhenEvictionCannotMakeItFit) {
  cluster_ = cluster_of({cpu_node("n1", 8, 32)});
  run("low", "n1", 4000, 0, 1);
  run("top", "n1", 4000, 9, 1);
  // Evicting `low` frees only 4 of the 8 cores needed.
  EXPECT_FALSE(choose(with_priority(make_task("H", 8000, 1), 5)).has_value());
}

TEST_F(PreemptionTest, OnlyNodesWithTheRequiredGpuModelCount) {
  cluster_ = cluster_of({gpu_node("v", 8, 32, 1, "V100"), gpu_node("a", 8, 32, 1, "A100")});
  run("cheap", "v", 1000, 0, 1, 1000);
  run("dear", "a", 1000, 0, 100, 1000);
  expect_victims(with_priority(make_task("H", 1000, 1, 1000, "A100"), 1), {"dear"});
}

TEST_F(PreemptionTest, GangEvictsTheLeastWorkThatPlacesEveryReplica) {
  cluster_ = cluster_of({cpu_node("n1", 4, 32), cpu_node("n2", 4, 32), cpu_node("n3", 4, 32)});
  run("X", "n1", 4000, 0, 5);   // work 5
  run("Y", "n2", 4000, 0, 50);  // work 50
  run("Z", "n3", 4000, 0, 20);  // work 20
  expect_victims(with_priority(make_task("G", 4000, 1, 0, "", 2), 1), {"X", "Z"}, 25);
}

TEST_F(PreemptionTest, GangDropsVictimsItIsPlacedWithout) {
  cluster_ = cluster_of({cpu_node("n1", 8, 32), cpu_node("n2", 8, 32)});
  run("P", "n1", 2000, 0, 1);    // work 0.25
  run("Q", "n1", 6000, 0, 100);  // work 75
  run("R", "n2", 8000, 0, 2);    // work 2
  // P then R are taken; with n2 empty both replicas fit there, so P stays.
  expect_victims(with_priority(make_task("G", 4000, 1, 0, "", 2), 1), {"R"});
}

}  // namespace
}  // namespace fulcrum
