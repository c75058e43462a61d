#include "milp/batch_solver.h"

#include <gtest/gtest.h>

#include "placement/registry.h"
#include "placement_fixtures.h"
#include "queue/ready_queue.h"
#include "scheduler/scheduler_core.h"

namespace fulcrum {
namespace {

using testing::cpu_node;
using testing::make_task;

Task weighted(Task task, int priority) {
  task.priority = priority;
  task.estimated_duration_ms = 60000;  // one minute: work = max(1, priority) x 1
  return task;
}

std::string error_of(const PolicyParams& params) {
  auto settings = read_milp_placement(params);
  return settings.ok() ? "(accepted)" : settings.error_message();
}

TEST(MilpPlacementTest, ReadsEveryParameter) {
  auto settings = read_milp_placement({{"window", "2s"},
                                       {"window_count", "16"},
                                       {"time_limit", "0.5"},
                                       {"gap", "0.05"},
                                       {"objective", "balance"},
                                       {"fallback", "first_fit"},
                                       {"max_variables", "900"}});
  ASSERT_TRUE(settings.ok()) << settings.status().to_string();
  EXPECT_EQ(settings->window_ms, 2000);
  EXPECT_EQ(settings->window_count, 16u);
  EXPECT_DOUBLE_EQ(settings->batch.milp.time_limit_seconds, 0.5);
  EXPECT_DOUBLE_EQ(settings->batch.milp.relative_gap, 0.05);
  EXPECT_EQ(settings->batch.objective, BatchObjective::kBalance);
  EXPECT_EQ(settings->batch.fallback_placer, "first_fit");
  EXPECT_EQ(settings->batch.max_variables, 900u);
  auto defaults = read_milp_placement({});
  ASSERT_TRUE(defaults.ok());
  EXPECT_EQ(defaults->window_ms, 200);
  EXPECT_EQ(defaults->window_count, 64u);
  EXPECT_DOUBLE_EQ(defaults->batch.milp.time_limit_seconds, 1);
  EXPECT_EQ(defaults->batch.fallback_placer, "best_fit");
}

TEST(MilpPlacementTest, ErrorsNameTheParameterAndValue) {
  EXPECT_EQ(error_of({{"windw", "1s"}}),
            "unknown parameter \"windw\" (accepted: window, window_count, time_limit, gap, "
            "objective, fallback, max_variables)");
  EXPECT_EQ(error_of({{"time_limit", "0"}}),
            "parameter \"time_limit\": expected a number in [0.001, 3600], got \"0\"");
  EXPECT_EQ(error_of({{"window_count", "0"}}).rfind("parameter \"window_count\"", 0), 0u);
  EXPECT_EQ(error_of({{"objective", "fastest"}}),
            "objective \"fastest\": expected placed_work, balance, energy or throughput");
  EXPECT_EQ(
      error_of({{"fallback", "nope"}}).rfind("fallback: unknown placement policy \"nope\"", 0), 0u);
  EXPECT_EQ(error_of({{"window", "soon"}}).rfind("window: ", 0), 0u);
}

TEST(MilpPlacementTest, ASolveIsOverdueOnceItRanTheSlackPastATinyTimeLimit) {
  BatchOptions options;
  options.milp.time_limit_seconds = 0.001;  // 1 ms + 250 ms of slack
  EXPECT_FALSE(solve_overdue(1000, 1251, options));
  EXPECT_TRUE(solve_overdue(1000, 1252, options));
  options.milp.time_limit_seconds = 2;
  EXPECT_FALSE(solve_overdue(1000, 3250, options));
  EXPECT_TRUE(solve_overdue(1000, 3251, options));
}

class MilpBatchTest : public ::testing::Test {
 protected:
  void SetUp() override {
    core_ = std::make_unique<SchedulerCore>(make_placer("first_fit").value(),
                                            make_ready_queue("fifo").value(), 1000);
    for (Node node : {cpu_node("n1", 8, 32), cpu_node("n2", 4, 32)}) {
      ASSERT_TRUE(core_->add_node(std::move(node), 0, "test").ok());
    }
  }

  void submit(std::vector<Task> tasks) {
    std::vector<int> attempts(tasks.size(), 3);
    ASSERT_FALSE(core_->submit(std::move(tasks), attempts, now_ms_));
  }

  std::string node_of(const std::string& id) const {
    const TaskRecord* record = core_->find_task(id);
    return record->assignments.empty() ? "" : record->assignments.front().node_id;
  }

  // A (4 cores, weight 1), B (8 cores, weight 5), C (4 cores, weight 2) on n1 (8) and n2 (4).
  std::vector<Task> tasks() const {
    return {weighted(make_task("A", 4000, 1), 1), weighted(make_task("B", 8000, 1), 5),
            weighted(make_task("C", 4000, 1), 2)};
  }

  // tasks() queued and handed out as one batch at once.
  PlacementBatch whole_batch() {
    core_->configure_batching(0, 3);
    submit(tasks());
    auto batch = core_->take_batch(now_ms_);
    EXPECT_TRUE(batch.has_value());
    return batch ? std::move(*batch) : PlacementBatch{};
  }

  int64_t now_ms_ = 1000;
  std::unique_ptr<SchedulerCore> core_;
};

TEST_F(MilpBatchTest, MilpPlacesMorePriorityWeightedWorkThanFirstFit) {
  // first_fit in queue order: A and C fill n1, B fits nowhere: work 1 + 2 = 3.
  Cluster first_fit_cluster = core_->cluster();
  std::vector<Task> batch_tasks = tasks();
  Placement first_fit = make_placer("first_fit").value()->place(first_fit_cluster, batch_tasks);
  EXPECT_EQ(testing::node_ids_of(first_fit), (std::vector<std::string>{"n1", "n1"}));
  EXPECT_DOUBLE_EQ(
      batch_objective_value(core_->cluster(), batch_tasks, first_fit, BatchObjective::kPlacedWork),
      3);

  // The model: B on n1 and C on n2, work 5 + 2 = 7.
  core_->configure_batching(/*window_ms=*/1000, /*window_count=*/3);
  submit(tasks());
  auto batch = core_->take_batch(now_ms_);
  ASSERT_TRUE(batch.has_value());
  ASSERT_EQ(batch->tasks.size(), 3u);
  BatchOptions options;
  options.milp.relative_gap = 0;
  options.milp.time_limit_seconds = 30;
  BatchDecision decision = decide_batch(*batch, options);
  EXPECT_EQ(decision.placed_by, "milp");
  EXPECT_FALSE(decision.fallback_reason.has_value());
  EXPECT_EQ(decision.status, SolveStatus::kOptimal);
  EXPECT_DOUBLE_EQ(decision.objective, 7);
  EXPECT_EQ(core_->apply_batch(batch->tasks, decision.placement, decision.placed_by, now_ms_), 2u);
  EXPECT_EQ(node_of("B"), "n1");
  EXPECT_EQ(node_of("C"), "n2");
  EXPECT_EQ(core_->find_task("A")->state, TaskState::kQueued);
  EXPECT_EQ(core_->find_task("B")->reason, "placed by milp on n1");
}

TEST_F(MilpBatchTest, BatchesWaitForTheWindowOrTheCount) {
  core_->configure_batching(/*window_ms=*/1000, /*window_count=*/3);
  submit({make_task("T1", 1000, 1), make_task("T2", 1000, 1)});
  EXPECT_FALSE(core_->take_batch(1000).has_value());
  EXPECT_FALSE(core_->take_batch(1999).has_value());
  auto by_time = core_->take_batch(2000);
  ASSERT_TRUE(by_time.has_value());
  EXPECT_EQ(by_time->tasks.size(), 2u);
  EXPECT_FALSE(core_->take_batch(5000).has_value());  // nothing changed since
  now_ms_ = 5000;
  submit({make_task("T3", 1000, 1)});
  auto by_count = core_->take_batch(5000);
  ASSERT_TRUE(by_count.has_value());
  EXPECT_EQ(by_count->tasks.size(), 3u);
}

TEST_F(MilpBatchTest, TasksThatNoLongerFitStayQueued) {
  PlacementBatch batch = whole_batch();
  BatchDecision decision = decide_batch(batch, BatchOptions{});
  // Meanwhile n1 was cordoned: B's answer is dropped, C still goes to n2.
  ASSERT_TRUE(core_->set_node_state("n1", NodeState::kCordoned, "test", now_ms_).ok());
  EXPECT_EQ(core_->apply_batch(batch.tasks, decision.placement, "milp", now_ms_), 1u);
  EXPECT_EQ(core_->find_task("B")->state, TaskState::kQueued);
  EXPECT_EQ(core_->find_task("B")->waiting_reason, "not placed by the last milp batch");
  EXPECT_EQ(node_of("C"), "n2");
}

TEST_F(MilpBatchTest, TheFallbackPlacesTheBatchWhenTheModelIsNotSolved) {
  PlacementBatch batch = whole_batch();
  BatchOptions options;
  options.fallback_placer = "first_fit";
  options.max_variables = 1;
  BatchDecision decision = decide_batch(batch, options);
  EXPECT_EQ(decision.placed_by, "first_fit");
  ASSERT_TRUE(decision.fallback_reason.has_value());
  EXPECT_EQ(*decision.fallback_reason,
            "milp: model too large (5 assignment variables); using first_fit with the trivial "
            "bound");
  core_->apply_batch(batch.tasks, decision.placement, "first_fit (milp fallback)", now_ms_);
  EXPECT_EQ(node_of("A"), "n1");
  EXPECT_EQ(node_of("C"), "n1");
  EXPECT_EQ(core_->find_task("A")->reason, "placed by first_fit (milp fallback) on n1");
}

}  // namespace
}  // namespace fulcrum
