#include "scheduler/scheduler_core.h"

#include <gtest/gtest.h>

#include "placement/registry.h"
#include "placement_fixtures.h"

namespace fulcrum {
namespace {

using testing::cpu_node;
using testing::gpu_node;
using testing::make_task;

class SchedulerCoreTest : public ::testing::Test {
 protected:
  void SetUp() override { core_ = make_core("first_fit", "fifo"); }

  static std::unique_ptr<SchedulerCore> make_core(const std::string& placer,
                                                  const std::string& queue) {
    return std::make_unique<SchedulerCore>(make_placer(placer).value(),
                                           make_ready_queue(queue).value(),
                                           /*heartbeat_timeout_ms=*/1000);
  }

  void add(Node node) { ASSERT_TRUE(core_->add_node(std::move(node), now_, "test").ok()); }

  std::optional<SubmitError> submit(std::vector<Task> tasks, int max_attempts = 3) {
    std::vector<int> attempts(tasks.size(), max_attempts);
    return core_->submit(std::move(tasks), attempts, now_);
  }

  TaskState state(const std::string& id) const { return core_->find_task(id)->state; }
  const TaskRecord& record(const std::string& id) const { return *core_->find_task(id); }
  std::string node_of(const std::string& id) const {
    return record(id).assignments.empty() ? "" : record(id).assignments.front().node_id;
  }
  // Starts every launched task, as the service does.
  Outbox step() {
    core_->schedule(now_);
    Outbox outbox = core_->take_outbox();
    for (const std::string& id : outbox.launches) core_->task_started(id, record(id).attempt, now_);
    return outbox;
  }

  int64_t now_ = 1000;
  std::unique_ptr<SchedulerCore> core_;
};

std::vector<std::string> ids(const std::vector<TaskRef>& tasks) {
  return {tasks.begin(), tasks.end()};
}

Task with_deps(Task task, std::vector<std::string> depends_on) {
  task.depends_on = std::move(depends_on);
  return task;
}

TEST_F(SchedulerCoreTest, DependentsWaitUntilTheirDependenciesSucceed) {
  add(cpu_node("n1", 8, 32));
  ASSERT_FALSE(submit({with_deps(make_task("B", 1000, 1), {"A"}), make_task("A", 1000, 1)}));
  EXPECT_EQ(state("A"), TaskState::kQueued);
  EXPECT_EQ(state("B"), TaskState::kWaiting);
  Outbox first = step();
  EXPECT_EQ(ids(first.launches), std::vector<std::string>{"A"});
  EXPECT_EQ(state("A"), TaskState::kRunning);
  EXPECT_EQ(state("B"), TaskState::kWaiting);
  core_->task_finished("A", 1, 0, "exit code 0", now_);
  EXPECT_EQ(state("A"), TaskState::kSucceeded);
  EXPECT_EQ(state("B"), TaskState::kQueued);
  EXPECT_EQ(record("B").reason, "dependencies succeeded");
  step();
  EXPECT_EQ(state("B"), TaskState::kRunning);
}

TEST_F(SchedulerCoreTest, EveryTransitionIsAnEventWithTimeAndReason) {
  add(cpu_node("n1", 8, 32));
  core_->take_outbox();
  ASSERT_FALSE(submit({make_task("A", 1000, 1)}));
  now_ = 2000;
  step();
  Outbox submitted_and_placed = core_->take_outbox();
  now_ = 3000;
  core_->task_finished("A", 1, 0, "exit code 0", now_);
  Outbox finished = core_->take_outbox();
  ASSERT_EQ(finished.events.size(), 1u);
  const Event& event = finished.events.front();
  EXPECT_EQ(event.task_id, "A");
  EXPECT_EQ(event.node_id, "n1");
  EXPECT_EQ(event.from_state, "running");
  EXPECT_EQ(event.to_state, "succeeded");
  EXPECT_EQ(event.reason, "exit code 0");
  EXPECT_EQ(event.time_ms, 3000);
  EXPECT_EQ(event.seq, 6);  // node added, pending, queued, placed, running, succeeded
}

TEST_F(SchedulerCoreTest, FailedTaskRetriesThenFailsAndCancelsItsDependents) {
  add(cpu_node("n1", 8, 32));
  ASSERT_FALSE(submit({make_task("A", 1000, 1), with_deps(make_task("B", 1000, 1), {"A"}),
                       with_deps(make_task("C", 1000, 1), {"B"})},
                      /*max_attempts=*/2));
  step();
  core_->task_finished("A", 1, 3, "exit code 3", now_);
  EXPECT_EQ(state("A"), TaskState::kQueued);
  EXPECT_EQ(record("A").attempt, 2);
  EXPECT_EQ(record("A").reason, "exit code 3; retrying");
  EXPECT_TRUE(core_->take_outbox().stops.empty());  // the process has ended already
  step();
  core_->task_finished("A", 1, 0, "stale attempt", now_);  // ignored
  EXPECT_EQ(state("A"), TaskState::kRunning);
  core_->task_finished("A", 2, 3, "exit code 3", now_);
  EXPECT_EQ(state("A"), TaskState::kFailed);
  EXPECT_EQ(record("A").reason, "exit code 3; no attempts left (2)");
  EXPECT_EQ(*record("A").exit_code, 3);
  EXPECT_EQ(state("B"), TaskState::kCancelled);
  EXPECT_EQ(record("B").reason, "dependency A failed");
  EXPECT_EQ(state("C"), TaskState::kCancelled);
  EXPECT_EQ(record("C").reason, "dependency B cancelled");
  EXPECT_TRUE(core_->cluster().node(0).allocated.is_zero());
}

TEST_F(SchedulerCoreTest, CancelStopsARunningTaskAndReleasesItsResources) {
  add(cpu_node("n1", 8, 32));
  ASSERT_FALSE(submit({make_task("A", 2000, 4), with_deps(make_task("B", 1000, 1), {"A"})}));
  step();
  EXPECT_EQ(core_->cluster().node(0).allocated.cpu_millis, 2000);
  ASSERT_TRUE(core_->cancel("A", "cancelled through the API", now_).ok());
  Outbox outbox = core_->take_outbox();
  EXPECT_EQ(ids(outbox.stops), std::vector<std::string>{"A"});
  EXPECT_EQ(state("B"), TaskState::kCancelled);
  EXPECT_EQ(record("B").reason, "dependency A cancelled");
  EXPECT_TRUE(core_->cluster().node(0).allocated.is_zero());
  EXPECT_EQ(core_->cancel("A", "again", now_).code(), ErrorCode::kFailedPrecondition);
  EXPECT_EQ(core_->cancel("nope", "x", now_).code(), ErrorCode::kNotFound);
}

TEST_F(SchedulerCoreTest, NodeFailureRequeuesItsTasksWithTheNextAttemptElsewhere) {
  add(cpu_node("n1", 4, 16));
  add(cpu_node("n2", 4, 16));
  ASSERT_FALSE(submit({make_task("A", 3000, 1)}));
  step();
  ASSERT_EQ(node_of("A"), "n1");
  ASSERT_TRUE(core_->set_node_state("n1", NodeState::kDown, "marked failed", now_).ok());
  Outbox outbox = core_->take_outbox();
  EXPECT_EQ(ids(outbox.stops), std::vector<std::string>{"A"});
  EXPECT_EQ(state("A"), TaskState::kQueued);
  EXPECT_EQ(record("A").attempt, 2);
  EXPECT_EQ(record("A").reason, "node n1 down: marked failed");
  step();
  EXPECT_EQ(state("A"), TaskState::kRunning);
  EXPECT_EQ(node_of("A"), "n2");
}

TEST_F(SchedulerCoreTest, NothingIsPlacedOnCordonedDrainingOrDownNodes) {
  add(cpu_node("n1", 4, 16));
  add(cpu_node("n2", 4, 16));
  add(cpu_node("n3", 4, 16));
  ASSERT_TRUE(core_->set_node_state("n1", NodeState::kCordoned, "c", now_).ok());
  ASSERT_TRUE(core_->set_node_state("n2", NodeState::kDraining, "d", now_).ok());
  ASSERT_TRUE(core_->set_node_state("n3", NodeState::kDown, "f", now_).ok());
  ASSERT_FALSE(submit({make_task("A", 1000, 1)}));
  step();
  EXPECT_EQ(state("A"), TaskState::kQueued);
  ASSERT_TRUE(core_->set_node_state("n2", NodeState::kUp, "uncordoned", now_).ok());
  step();
  EXPECT_EQ(node_of("A"), "n2");
}

TEST_F(SchedulerCoreTest, DrainStopsAndRequeuesWithoutSpendingAnAttempt) {
  add(cpu_node("n1", 4, 16));
  add(cpu_node("n2", 4, 16));
  ASSERT_FALSE(submit({make_task("A", 1000, 1)}));
  step();
  ASSERT_TRUE(core_->set_node_state("n1", NodeState::kDraining, "drained", now_).ok());
  EXPECT_EQ(record("A").attempt, 1);
  step();
  EXPECT_EQ(node_of("A"), "n2");
}

TEST_F(SchedulerCoreTest, WatchedNodesGoDownAfterTheHeartbeatTimeoutAndComeBack) {
  add(cpu_node("watched", 4, 16));
  add(cpu_node("static", 4, 16));
  ASSERT_TRUE(core_->heartbeat("watched", Utilization{0.5, 0.25, 0}, 1000).ok());
  core_->check_heartbeats(2000);
  EXPECT_EQ(core_->cluster().node(0).state, NodeState::kUp);
  core_->check_heartbeats(2001);
  EXPECT_EQ(core_->cluster().node(0).state, NodeState::kDown);
  EXPECT_EQ(core_->cluster().node(1).state, NodeState::kUp);
  ASSERT_TRUE(core_->heartbeat("watched", std::nullopt, 2500).ok());
  EXPECT_EQ(core_->cluster().node(0).state, NodeState::kUp);
  EXPECT_DOUBLE_EQ(core_->find_node("watched")->utilization->cpu, 0.5);
}

TEST_F(SchedulerCoreTest, GangsArePlacedWholeOrNotAtAll) {
  for (const char* id : {"g1", "g2", "g3", "g4"}) add(gpu_node(id, 8, 64, 1, "A100"));
  // Two gangs of 3 one-GPU replicas on 4 GPUs: one fits, the other waits without holding any.
  ASSERT_FALSE(submit({make_task("gang-a", 1000, 1, 1000, "A100", 3),
                       make_task("gang-b", 1000, 1, 1000, "A100", 3)}));
  step();
  EXPECT_EQ(state("gang-a"), TaskState::kRunning);
  EXPECT_EQ(record("gang-a").assignments.size(), 3u);
  EXPECT_EQ(state("gang-b"), TaskState::kQueued);
  EXPECT_TRUE(record("gang-b").assignments.empty());
  int64_t gpus_in_use = 0;
  for (const Node& node : core_->cluster().nodes()) gpus_in_use += node.allocated.gpu_milli;
  EXPECT_EQ(gpus_in_use, 3000);
  core_->task_finished("gang-a", 1, 0, "exit code 0", now_);
  step();
  EXPECT_EQ(state("gang-b"), TaskState::kRunning);
}

TEST_F(SchedulerCoreTest, SubmissionsAreRefusedWholeWithTheReason) {
  add(gpu_node("a100-node", 32, 256, 4, "A100"));
  ASSERT_FALSE(submit({make_task("T1", 1000, 1)}));
  auto refused = [&](std::vector<Task> tasks) {
    auto error = submit(std::move(tasks));
    return error ? error->message : std::string("accepted");
  };
  EXPECT_EQ(refused({make_task("T9", 1000, 1), make_task("T1", 1000, 1)}),
            "tasks[1].id: task \"T1\" exists already");
  EXPECT_EQ(refused({with_deps(make_task("T9", 1000, 1), {"T8"})}),
            "tasks[0].depends_on: unknown task \"T8\"");
  EXPECT_EQ(refused({with_deps(make_task("X", 1000, 1), {"Y"}),
                     with_deps(make_task("Y", 1000, 1), {"X"})}),
            "dependency cycle: X -> Y -> X");
  EXPECT_EQ(refused({make_task("big", 1000, 1, 8000, "H100")}),
            "tasks[0]: unschedulable: needs 8 GPUs of model H100, largest node has 4 A100");
  EXPECT_EQ(refused({make_task("cpu-hog", 64000, 1)}),
            "tasks[0]: unschedulable: needs 64 CPUs, largest node has 32");
  EXPECT_EQ(refused({make_task("../etc", 1000, 1)}).substr(0, 12), "tasks[0].id:");
  EXPECT_EQ(core_->task_ids().size(), 1u);
}

TEST_F(SchedulerCoreTest, DependencyOnAnEarlierTaskThatFailedCancelsAtOnce) {
  add(cpu_node("n1", 4, 16));
  ASSERT_FALSE(submit({make_task("A", 1000, 1)}, 1));
  step();
  core_->task_finished("A", 1, 1, "exit code 1", now_);
  ASSERT_FALSE(submit({with_deps(make_task("B", 1000, 1), {"A"})}));
  EXPECT_EQ(state("B"), TaskState::kCancelled);
  EXPECT_EQ(record("B").reason, "dependency A failed");
}

TEST_F(SchedulerCoreTest, RestoreRequeuesTasksThatWereRunning) {
  auto restored = make_core("first_fit", "fifo");
  ASSERT_TRUE(restored->restore_node(cpu_node("n1", 4, 16), NodeRecord{}).ok());
  TaskRecord running;
  running.spec = make_task("R", 1000, 1);
  running.state = TaskState::kRunning;
  TaskRecord waiting;
  waiting.spec = with_deps(make_task("W", 1000, 1), {"R"});
  waiting.state = TaskState::kWaiting;
  restored->restore_task(running);
  restored->restore_task(waiting);
  restored->finish_restore(/*last_event_seq=*/41, now_);
  EXPECT_EQ(restored->find_task("R")->state, TaskState::kQueued);
  EXPECT_EQ(restored->find_task("R")->reason, "scheduler restarted while the task was running");
  EXPECT_EQ(restored->find_task("W")->state, TaskState::kWaiting);
  Outbox outbox = restored->take_outbox();
  ASSERT_EQ(outbox.events.size(), 1u);
  EXPECT_EQ(outbox.events.front().seq, 42);
  restored->schedule(now_);
  EXPECT_EQ(restored->find_task("R")->state, TaskState::kPlaced);
}

TEST_F(SchedulerCoreTest, RemovedNodeRequeuesItsTasksAndDisappears) {
  add(cpu_node("n1", 4, 16));
  add(cpu_node("n2", 4, 16));
  ASSERT_FALSE(submit({make_task("A", 1000, 1)}));
  step();
  ASSERT_TRUE(core_->remove_node("n1", now_).ok());
  EXPECT_EQ(core_->cluster().size(), 1u);
  EXPECT_EQ(core_->find_node("n1"), nullptr);
  step();
  EXPECT_EQ(node_of("A"), "n2");
  EXPECT_EQ(core_->remove_node("n1", now_).code(), ErrorCode::kNotFound);
}

std::vector<Event> events_of_kind(const Outbox& outbox, const std::string& kind) {
  std::vector<Event> found;
  for (const Event& event : outbox.events) {
    if (event.kind == kind) found.push_back(event);
  }
  return found;
}

TEST_F(SchedulerCoreTest, ScaleOutOnceTasksStayedQueuedForTheWindow) {
  core_->configure_scaling(/*window_ms=*/1000, /*low_utilization=*/0.2);
  add(cpu_node("n1", 4, 16));
  ASSERT_FALSE(submit({make_task("A", 4000, 1), make_task("B", 4000, 1)}));
  step();
  core_->take_outbox();
  core_->check_scaling(1000);
  core_->check_scaling(1999);
  EXPECT_TRUE(events_of_kind(core_->take_outbox(), "scale_out").empty());
  core_->check_scaling(2000);
  Outbox outbox = core_->take_outbox();
  std::vector<Event> scale_out = events_of_kind(outbox, "scale_out");
  ASSERT_EQ(scale_out.size(), 1u);
  EXPECT_EQ(scale_out[0].reason, "1 tasks queued for 1 s; demand cpu=4 mem=1Gi");
  EXPECT_EQ(*outbox.scale_out_demand, "cpu=4 mem=1Gi");
  core_->check_scaling(5000);
  EXPECT_TRUE(events_of_kind(core_->take_outbox(), "scale_out").empty());
}

TEST_F(SchedulerCoreTest, ScaleInNamesIdleNodesOnceLoadStayedLow) {
  core_->configure_scaling(1000, 0.5);
  add(cpu_node("busy", 4, 16));
  add(cpu_node("idle-1", 4, 16));
  add(cpu_node("idle-2", 4, 16));
  ASSERT_FALSE(submit({make_task("A", 1000, 1)}));
  step();
  core_->take_outbox();
  core_->check_scaling(0);
  core_->check_scaling(999);
  EXPECT_TRUE(events_of_kind(core_->take_outbox(), "scale_in").empty());
  core_->check_scaling(1000);
  std::vector<Event> scale_in = events_of_kind(core_->take_outbox(), "scale_in");
  ASSERT_EQ(scale_in.size(), 1u);
  EXPECT_EQ(scale_in[0].reason,
            "allocated 8% below 50% for 1 s; nodes that could be emptied: idle-1, idle-2");
}

Task prioritized(Task task, int priority) {
  task.priority = priority;
  return task;
}

TEST_F(SchedulerCoreTest, WithoutPreemptionAHigherPriorityTaskWaits) {
  add(cpu_node("n1", 8, 32));
  ASSERT_FALSE(submit({prioritized(make_task("L", 8000, 1), 1)}));
  step();
  ASSERT_FALSE(submit({prioritized(make_task("H", 4000, 1), 9)}));
  Outbox outbox = step();
  EXPECT_TRUE(outbox.preempted.empty());
  EXPECT_EQ(state("H"), TaskState::kQueued);
  EXPECT_EQ(state("L"), TaskState::kRunning);
}

TEST_F(SchedulerCoreTest, PreemptionEvictsTheLeastWorkAndRequeuesWithoutSpendingAnAttempt) {
  core_->configure_preemption(true);
  add(cpu_node("n1", 8, 32));
  ASSERT_FALSE(submit({prioritized(make_task("L1", 4000, 1), 1)}));
  step();  // L1 runs from 1000 ms
  now_ = 5000;
  ASSERT_FALSE(submit({prioritized(make_task("L2", 4000, 1), 1)}));
  step();  // L2 runs from 5000 ms: at 10000 ms it has done 5 s, L1 9 s
  now_ = 10000;
  ASSERT_FALSE(submit({prioritized(make_task("H", 4000, 1), 5)}));
  core_->take_outbox();
  core_->schedule(now_);
  Outbox outbox = core_->take_outbox();
  EXPECT_EQ(ids(outbox.preempted), std::vector<std::string>{"L2"});
  EXPECT_EQ(ids(outbox.launches), std::vector<std::string>{"H"});
  EXPECT_EQ(outbox.launch_after.at("H"), std::vector<std::string>{"L2"});
  std::vector<Event> preempted = events_of_kind(outbox, "preempted");
  ASSERT_EQ(preempted.size(), 1u);
  EXPECT_EQ(preempted[0].task_id, "L2");
  EXPECT_EQ(preempted[0].node_id, "n1");
  EXPECT_EQ(preempted[0].reason, "by H (priority 5 over 1)");
  EXPECT_EQ(preempted[0].time_ms, 10000);
  EXPECT_EQ(state("L2"), TaskState::kQueued);
  EXPECT_EQ(record("L2").reason, "preempted by H");
  EXPECT_EQ(record("L2").attempt, 1);
  EXPECT_EQ(state("H"), TaskState::kPlaced);
  EXPECT_EQ(node_of("H"), "n1");
  EXPECT_EQ(state("L1"), TaskState::kRunning);
  EXPECT_EQ(core_->counters().preemptions, 1);
  EXPECT_EQ(core_->counters().retries, 0);
  // No cycle: the victim cannot evict the preemptor back, so it waits for room.
  core_->task_started("H", 1, now_);
  now_ = 11000;
  step();
  EXPECT_EQ(state("L2"), TaskState::kQueued);
  core_->task_finished("L1", 1, 0, "exit code 0", now_);
  step();
  EXPECT_EQ(state("L2"), TaskState::kRunning);
  EXPECT_EQ(record("L2").attempt, 1);
}

TEST_F(SchedulerCoreTest, PreemptedGangIsPlacedWholeAfterTheEvictions) {
  core_->configure_preemption(true);
  add(cpu_node("n1", 4, 16));
  add(cpu_node("n2", 4, 16));
  add(cpu_node("n3", 4, 16));
  ASSERT_FALSE(submit({prioritized(make_task("X", 4000, 1), 0)}));
  step();
  now_ = 2000;
  ASSERT_FALSE(submit({prioritized(make_task("Y", 4000, 1), 0)}));
  step();
  now_ = 3000;
  ASSERT_FALSE(submit({prioritized(make_task("Z", 4000, 1), 0)}));
  step();
  // At 4000 ms: X ran 3 s, Y 2 s, Z 1 s; a gang of 2 evicts Z and Y.
  now_ = 4000;
  ASSERT_FALSE(submit({prioritized(make_task("G", 4000, 1, 0, "", 2), 3)}));
  core_->take_outbox();
  Outbox outbox = step();
  EXPECT_EQ(ids(outbox.preempted), (std::vector<std::string>{"Z", "Y"}));
  EXPECT_EQ(state("G"), TaskState::kRunning);
  ASSERT_EQ(record("G").assignments.size(), 2u);
  EXPECT_EQ(record("G").assignments[0].node_id, "n2");
  EXPECT_EQ(record("G").assignments[1].node_id, "n3");
  EXPECT_EQ(state("X"), TaskState::kRunning);
}

TEST_F(SchedulerCoreTest, PreemptionNeverEvictsEqualPriority) {
  core_->configure_preemption(true);
  add(cpu_node("n1", 8, 32));
  ASSERT_FALSE(submit({prioritized(make_task("A", 8000, 1), 4)}));
  step();
  ASSERT_FALSE(submit({prioritized(make_task("B", 8000, 1), 4)}));
  Outbox outbox = step();
  EXPECT_TRUE(outbox.preempted.empty());
  EXPECT_EQ(state("A"), TaskState::kRunning);
  EXPECT_EQ(state("B"), TaskState::kQueued);
}

Task lasting(Task task, int64_t minutes) {
  task.estimated_duration_ms = minutes * 60'000;
  return task;
}

// One 8-core node; R holds 4 cores for an expected 60 minutes. H needs all 8: blocked, its shadow
// time is R's end, 60 minutes on. S (2 cores, 30 minutes) ends by then and backfills; L (2 cores,
// 120 minutes) would delay H, so it waits, although it fits now and fifo would start it.
TEST_F(SchedulerCoreTest, EasyBackfillStartsOnlyWhatEndsByTheHeadsShadowTime) {
  for (const char* queue : {"easy_backfill", "fifo"}) {
    core_ = make_core("first_fit", queue);
    add(cpu_node("n1", 8, 32));
    ASSERT_FALSE(submit({lasting(make_task("R", 4000, 1), 60)}));
    step();
    now_ += 60'000;
    ASSERT_FALSE(submit({lasting(make_task("H", 8000, 1), 10), lasting(make_task("S", 2000, 1), 30),
                         lasting(make_task("L", 2000, 1), 120)}));
    step();
    EXPECT_EQ(state("H"), TaskState::kQueued) << queue;
    EXPECT_EQ(state("S"), TaskState::kRunning) << queue;
    bool backfills = std::string_view(queue) == "easy_backfill";
    EXPECT_EQ(state("L"), backfills ? TaskState::kQueued : TaskState::kRunning) << queue;
    // R ends: H starts at its reservation once S is gone too.
    core_->task_finished("R", 1, 0, "exit code 0", now_);
    core_->task_finished("S", 1, 0, "exit code 0", now_);
    step();
    EXPECT_EQ(state("H"), backfills ? TaskState::kRunning : TaskState::kQueued) << queue;
  }
}

// las in the core: one GPU, levels split at 10 GPU-seconds. A starts at 0 and reaches level 1 at
// 10 s, which the core announces as its next pass; B, queued at 5 s in level 0 behind nothing it
// may preempt (A is level 0 then), preempts A at that pass. A keeps its place in level 1.
TEST_F(SchedulerCoreTest, LasPreemptsATaskOnceItReachesALaterLevel) {
  core_ = std::make_unique<SchedulerCore>(make_placer("first_fit").value(),
                                          make_ready_queue("las", {{"thresholds", "10"}}).value(),
                                          1000);
  add(gpu_node("n1", 8, 32, 1, "A"));
  now_ = 0;
  ASSERT_FALSE(submit({make_task("A", 1000, 1, 1000)}));
  step();
  EXPECT_EQ(core_->next_pass_at(), Nanos(std::chrono::seconds(10)));
  now_ = 5'000;
  ASSERT_FALSE(submit({make_task("B", 1000, 1, 1000)}));
  step();
  EXPECT_EQ(state("B"), TaskState::kQueued);
  now_ = 10'000;
  Outbox outbox = step();
  EXPECT_EQ(ids(outbox.preempted), std::vector<std::string>{"A"});
  EXPECT_EQ(outbox.launch_after.at("B"), std::vector<std::string>{"A"});
  EXPECT_EQ(state("B"), TaskState::kRunning);
  EXPECT_EQ(state("A"), TaskState::kQueued);
  EXPECT_EQ(record("A").totals.preemptions, 1);
  EXPECT_EQ(record("A").totals.ran, std::chrono::seconds(10));
  EXPECT_EQ(record("B").totals.queued, std::chrono::seconds(5));
  EXPECT_EQ(core_->counters().preemptions, 1);
}

// The simulator's settings: no history (no events, no reasons), nanosecond times, retries for ever,
// and tasks no node could hold are accepted, failed with the reason, and their dependents
// cancelled.
TEST_F(SchedulerCoreTest, WithoutHistoryTheCoreKeepsStatesTotalsAndAllocations) {
  core_->configure_history(false);
  core_->configure_accept_unschedulable(true);
  add(gpu_node("n1", 8, 32, 2, "A"));
  core_->take_outbox();
  Nanos at{1'500};
  ASSERT_FALSE(core_->submit({make_task("A", 2000, 1, 1000), make_task("C", 1000, 1, 4000),
                              with_deps(make_task("D", 1000, 1), {"C"})},
                             {kUnlimitedAttempts, kUnlimitedAttempts, kUnlimitedAttempts}, at));
  EXPECT_EQ(state("C"), TaskState::kFailed);
  EXPECT_EQ(record("C").unschedulable, "needs 4 GPUs, largest node has 2 A");
  EXPECT_EQ(state("D"), TaskState::kCancelled);
  core_->schedule(at);
  Outbox outbox = core_->take_outbox();
  EXPECT_EQ(ids(outbox.launches), std::vector<std::string>{"A"});
  EXPECT_TRUE(outbox.events.empty());
  EXPECT_TRUE(outbox.changed_tasks.empty());
  EXPECT_EQ(record("A").reason, "");
  EXPECT_EQ(core_->allocated().gpu_milli, 1000);
  EXPECT_EQ(core_->allocated().cpu_millis, 2000);
  core_->task_started("A", 1, at);
  // The node fails four times: A is requeued each time, never out of attempts.
  for (int failure = 0; failure < 4; ++failure) {
    ASSERT_TRUE(core_->set_node_state("n1", NodeState::kDown, "test", at + Nanos{250}).ok());
    ASSERT_TRUE(core_->set_node_state("n1", NodeState::kUp, "test", at + Nanos{500}).ok());
    core_->schedule(at + Nanos{500});
    core_->task_started("A", failure + 2, at + Nanos{500});
    at += Nanos{500};
  }
  EXPECT_EQ(state("A"), TaskState::kRunning);
  EXPECT_EQ(record("A").totals.requeues, 4);
  EXPECT_EQ(record("A").totals.ran, Nanos{4 * 250});
  EXPECT_EQ(record("A").totals.queued, Nanos{4 * 250});
  core_->task_finished("A", 5, 0, "done", at + Nanos{100});
  EXPECT_EQ(record("A").totals.ran, Nanos{4 * 250 + 100});
  EXPECT_TRUE(core_->allocated().is_zero());
}

}  // namespace
}  // namespace fulcrum
