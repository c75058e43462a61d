#include "sim/cluster_replay.h"

#include <gtest/gtest.h>

#include <map>
#include <set>
#include <sstream>

#include "placement/registry.h"
#include "placement/workload_profile.h"
#include "placement_fixtures.h"
#include "scheduler/scheduler_core.h"
#include "sim/replay_report.h"
#include "sim/synthetic.h"

namespace fulcrum::sim {
namespace {

using fulcrum::testing::cluster_of;
using fulcrum::testing::cpu_node;
using fulcrum::testing::gpu_node;
using fulcrum::testing::make_task;
using std::chrono::seconds;

SimJob job(std::string id, int64_t arrival_s, int64_t gpu_milli, int64_t duration_s) {
  SimJob sim_job;
  sim_job.task = make_task(std::move(id), 1000, 1, gpu_milli);
  sim_job.task.estimated_duration_ms = duration_s * 1000;
  sim_job.arrival = seconds(arrival_s);
  sim_job.duration = seconds(duration_s);
  return sim_job;
}

ReplayResult replay(const Cluster& cluster, const std::vector<SimJob>& jobs,
                    const std::string& queue, const std::string& placement = "first_fit",
                    ReplayOptions options = {}) {
  options.policy.queue = queue;
  options.policy.placement = placement;
  auto result = replay_cluster(cluster, jobs, options);
  EXPECT_TRUE(result.ok()) << result.status().to_string();
  return result.ok() ? std::move(*result) : ReplayResult{};
}

// (id -> (start, finish)) in seconds.
std::map<std::string, std::pair<double, double>> times_of(const ReplayResult& result) {
  std::map<std::string, std::pair<double, double>> times;
  for (const JobRecord& record : result.jobs) {
    times[record.id] = {std::chrono::duration<double>(record.first_start).count(),
                        std::chrono::duration<double>(record.finish).count()};
  }
  return times;
}

using Times = std::map<std::string, std::pair<double, double>>;

TEST(ClusterReplayTest, FifoFirstFitByHand) {
  // One node with 2 GPUs. J0 (2 GPUs, 10 s) runs 0-10; J1 and J2 (1 GPU each) both start at 10:
  // J1 ends at 15, J2 at 13. JCT 10, 14, 11 (mean 35/3); waits 0, 9, 8 (mean 17/3).
  Cluster cluster = cluster_of({gpu_node("n1", 8, 32, 2, "A")});
  std::vector<SimJob> jobs = {job("J0", 0, 2000, 10), job("J1", 1, 1000, 5), job("J2", 2, 1000, 3)};
  ReplayResult result = replay(cluster, jobs, "fifo");
  EXPECT_EQ(times_of(result), (Times{{"J0", {0, 10}}, {"J1", {10, 15}}, {"J2", {10, 13}}}));
  EXPECT_EQ(result.summary.finished, 3);
  EXPECT_DOUBLE_EQ(result.summary.avg_jct_s, 35.0 / 3);
  EXPECT_DOUBLE_EQ(result.summary.p99_jct_s, 14);
  EXPECT_DOUBLE_EQ(result.summary.avg_wait_s, 17.0 / 3);
  EXPECT_DOUBLE_EQ(result.summary.makespan_s, 15);
  // GPU-seconds allocated: 2x10 + 1x5 + 1x3 = 28 of 2 GPUs x 15 s.
  EXPECT_DOUBLE_EQ(result.summary.gpu_util, 28.0 / 30);
  EXPECT_EQ(result.jobs[1].node, "n1");
}

// One node with 4 GPUs. A (2 GPUs, 10 s) at 0; B (4 GPUs, 5 s) at 1 cannot start; C (1 GPU, 5 s)
// at 2 and D (1 GPU, 20 s) at 3 fit next to A.
std::vector<SimJob> backfill_jobs() {
  return {job("A", 0, 2000, 10), job("B", 1, 4000, 5), job("C", 2, 1000, 5), job("D", 3, 1000, 20)};
}

TEST(ClusterReplayTest, FifoPassStartsWhateverFitsAndDelaysTheBigJob) {
  // The scheduler's pass skips a task that does not fit and goes on: C and D start at once, and B
  // waits until every GPU is free at 23.
  Cluster cluster = cluster_of({gpu_node("n1", 8, 32, 4, "A")});
  ReplayResult result = replay(cluster, backfill_jobs(), "fifo");
  EXPECT_EQ(times_of(result),
            (Times{{"A", {0, 10}}, {"B", {23, 28}}, {"C", {2, 7}}, {"D", {3, 23}}}));
}

TEST(ClusterReplayTest, EasyBackfillReservesForTheHead) {
  // B is the head with a reservation at 10 (A's end). C ends at 7 <= 10 and backfills; D would end
  // at 23 > 10 and waits. B runs 10-15, then D 15-35. JCT: A 10, B 14, C 5, D 32.
  Cluster cluster = cluster_of({gpu_node("n1", 8, 32, 4, "A")});
  ReplayResult result = replay(cluster, backfill_jobs(), "easy_backfill");
  EXPECT_EQ(times_of(result),
            (Times{{"A", {0, 10}}, {"B", {10, 15}}, {"C", {2, 7}}, {"D", {15, 35}}}));
  EXPECT_DOUBLE_EQ(result.summary.avg_jct_s, (10 + 14 + 5 + 32) / 4.0);
}

TEST(ClusterReplayTest, LasPreemptsAJobThatAttainedMoreService) {
  // One GPU, queues split at 10 GPU-seconds. A (30 s) starts at 0 and moves to queue 1 at 10.
  // B (5 s) arrives at 15 in queue 0 and preempts A, runs 15-20; A resumes with 15 s left, 20-35.
  Cluster cluster = cluster_of({gpu_node("n1", 8, 32, 1, "A")});
  ReplayOptions options;
  options.policy.queue_params.set("thresholds", "10");
  ReplayResult result =
      replay(cluster, {job("A", 0, 1000, 30), job("B", 15, 1000, 5)}, "las", "first_fit", options);
  EXPECT_EQ(times_of(result), (Times{{"A", {0, 35}}, {"B", {15, 20}}}));
  EXPECT_EQ(result.summary.preemptions, 1);
  EXPECT_EQ(result.jobs[0].preemptions, 1);
  EXPECT_EQ(result.jobs[0].waited, seconds(5));
  EXPECT_EQ(result.jobs[0].run_time, seconds(30));
  EXPECT_DOUBLE_EQ(result.summary.avg_jct_s, (35 + 5) / 2.0);

  // B at 5, while A is still in queue 0: no preemption then; B waits until A moves to queue 1 at
  // 10 and preempts it there: B runs 10-15, A resumes with 20 s left, 15-35.
  ReplayResult same_queue =
      replay(cluster, {job("A", 0, 1000, 30), job("B", 5, 1000, 5)}, "las", "first_fit", options);
  EXPECT_EQ(times_of(same_queue), (Times{{"A", {0, 35}}, {"B", {10, 15}}}));
  EXPECT_EQ(same_queue.jobs[1].waited, seconds(5));
  EXPECT_EQ(same_queue.summary.preemptions, 1);
}

TEST(ClusterReplayTest, NodeFailureRequeuesAndRestartsTheJob) {
  // A (10 s) runs on n1 from 0; n1 fails at 4: A restarts on n2 at 4 and ends at 14.
  Cluster cluster = cluster_of({gpu_node("n1", 8, 32, 1, "A"), gpu_node("n2", 8, 32, 1, "A")});
  ReplayOptions options;
  options.failures.schedule = {{seconds(4), "n1"}};
  ReplayResult result = replay(cluster, {job("A", 0, 1000, 10)}, "fifo", "first_fit", options);
  EXPECT_EQ(times_of(result), (Times{{"A", {0, 14}}}));
  EXPECT_EQ(result.jobs[0].node, "n2");
  EXPECT_EQ(result.jobs[0].requeues, 1);
  EXPECT_EQ(result.jobs[0].run_time, seconds(14));
  EXPECT_EQ(result.summary.failures, 1);
  EXPECT_EQ(result.summary.requeues, 1);

  options.failures.schedule = {{seconds(4), "n9"}};
  options.policy.queue = "fifo";
  auto unknown = replay_cluster(cluster, std::vector<SimJob>{job("A", 0, 1000, 10)}, options);
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error_message(), "--fail-at: unknown node \"n9\"");
}

TEST(ClusterReplayTest, DependenciesAndJobsThatNeverFit) {
  // B waits for A (0-10) and runs 10-12; C asks for 4 GPUs on a 2-GPU node: never placed, and D,
  // which depends on C, neither.
  Cluster cluster = cluster_of({gpu_node("n1", 8, 32, 2, "A")});
  std::vector<SimJob> jobs = {job("A", 0, 1000, 10), job("B", 0, 1000, 2), job("C", 1, 4000, 1),
                              job("D", 2, 0, 1)};
  jobs[1].task.depends_on = {"A"};
  jobs[3].task.depends_on = {"C"};
  ReplayResult result = replay(cluster, jobs, "fifo");
  EXPECT_EQ(result.jobs[1].first_start, seconds(10));
  EXPECT_EQ(result.jobs[1].finish, seconds(12));
  EXPECT_EQ(result.jobs[2].end, JobEnd::kUnplaceable);
  EXPECT_EQ(result.jobs[2].reason, "needs 4 GPUs, largest node has 2 A");
  EXPECT_EQ(result.jobs[3].end, JobEnd::kUnplaceable);
  EXPECT_EQ(result.jobs[3].reason, "depends on C, which can never be placed");
  EXPECT_EQ(result.summary.finished, 2);
  EXPECT_EQ(result.summary.unplaceable, 2);
}

TEST(ClusterReplayTest, UnknownPoliciesAreNamed) {
  Cluster cluster = cluster_of({cpu_node("n1", 8, 32)});
  ReplayOptions options;
  options.policy.queue = "lifo";
  auto result = replay_cluster(cluster, std::vector<SimJob>{}, options);
  EXPECT_EQ(result.error_message(),
            "unknown queue policy \"lifo\" (known: fifo, priority, sef, easy_backfill, las)");
  options.policy.queue = "las";
  options.policy.queue_params.set("thresholds", "100:10");
  EXPECT_EQ(replay_cluster(cluster, std::vector<SimJob>{}, options).error_message(),
            "queue las: thresholds \"100:10\": expected ascending positive GPU-seconds such as "
            "3600:36000");
}

// placement milp (the scheduler's batch path): one node with 4 GPUs; A and B (2 GPUs, 60 s) and C
// (4 GPUs, 600 s) arrive at 0. fifo + first_fit starts A and B at 0 and C at 60. The batch waits
// for its 1 s window, then maximizes placed work (GPU-count-free: replicas x minutes, at least 1):
// C alone is worth 10 against 1 + 1 for A and B, so C runs 1-601; A and B form the next batch,
// whose window opens when C ends at 601, and run 602-662.
TEST(ClusterReplayTest, MilpBatchesPlaceByHand) {
  Cluster cluster = cluster_of({gpu_node("n1", 8, 32, 4, "A")});
  std::vector<SimJob> jobs = {job("A", 0, 2000, 60), job("B", 0, 2000, 60), job("C", 0, 4000, 600)};
  EXPECT_EQ(times_of(replay(cluster, jobs, "fifo")),
            (Times{{"A", {0, 60}}, {"B", {0, 60}}, {"C", {60, 660}}}));
  ReplayOptions options;
  options.policy.placement_params.set("window", "1s");
  ReplayResult milp = replay(cluster, jobs, "fifo", "milp", options);
  EXPECT_EQ(times_of(milp), (Times{{"A", {602, 662}}, {"B", {602, 662}}, {"C", {1, 601}}}));
  EXPECT_DOUBLE_EQ(milp.summary.avg_wait_s, (602 + 602 + 1) / 3.0);
  EXPECT_EQ(milp.batches.batches, 2);
  EXPECT_EQ(milp.batches.fallbacks, 0);

  // window_count 3: the first batch is taken at once; the second (2 tasks) waits for its window.
  options.policy.placement_params.set("window_count", "3");
  EXPECT_EQ(times_of(replay(cluster, jobs, "fifo", "milp", options)),
            (Times{{"A", {601, 661}}, {"B", {601, 661}}, {"C", {0, 600}}}));

  // Over max_variables (3 task-node pairs > 1) the fallback placer (best_fit) places the batch in
  // queue order: A and B at 1; C alone (1 pair) is solved in the next batch, at 62 (its window
  // opened when A and B ended at 61).
  options.policy.placement_params.set("window_count", "64");
  options.policy.placement_params.set("max_variables", "1");
  ReplayResult fallback = replay(cluster, jobs, "fifo", "milp", options);
  EXPECT_EQ(times_of(fallback), (Times{{"A", {1, 61}}, {"B", {1, 61}}, {"C", {62, 662}}}));
  EXPECT_EQ(fallback.batches.batches, 2);
  EXPECT_EQ(fallback.batches.fallbacks, 1);
}

TEST(ClusterReplayTest, MilpNamesItsBadParametersAndQueues) {
  Cluster cluster = cluster_of({gpu_node("n1", 8, 32, 4, "A")});
  ReplayOptions options;
  options.policy.queue = "las";
  options.policy.placement = "milp";
  EXPECT_EQ(replay_cluster(cluster, std::vector<SimJob>{}, options).error_message(),
            "placement milp: works with the queues fifo, priority and sef, not las");
  options.policy.queue = "fifo";
  options.policy.placement_params.set("objective", "fastest");
  EXPECT_EQ(replay_cluster(cluster, std::vector<SimJob>{}, options).error_message(),
            "placement milp: objective \"fastest\": expected placed_work, balance, energy or "
            "throughput");
}

std::string csv_of(const ReplayResult& result) {
  std::ostringstream out;
  write_jobs_csv(result, out);
  write_util_csv(result, out);
  return out.str();
}

TEST(ClusterReplayTest, SameSeedGivesByteIdenticalCsv) {
  std::vector<Node> nodes;
  for (int i = 0; i < 12; ++i) {
    nodes.push_back(gpu_node("g" + std::to_string(i), 64, 256, i % 3 == 0 ? 8 : 2, "T4"));
  }
  nodes.push_back(cpu_node("c0", 64, 256));
  Cluster cluster = cluster_of(std::move(nodes));
  SyntheticJobOptions synthetic;
  synthetic.jobs = 1500;
  synthetic.arrivals.rate_per_s = 0.05;
  synthetic.duration_s = Distribution::exponential(900);
  std::vector<SimJob> jobs = generate_jobs(synthetic);
  ReplayOptions options;
  options.seed = 5;
  options.failures.rate_per_node_day = 0.5;
  for (const std::string queue : {"fifo", "las", "easy_backfill"}) {
    ReplayResult first = replay(cluster, jobs, queue, "least_loaded", options);
    ReplayResult second = replay(cluster, jobs, queue, "least_loaded", options);
    EXPECT_GT(first.summary.failures, 0) << queue;
    EXPECT_EQ(first.summary.finished, 1500) << queue;
    EXPECT_EQ(csv_of(first), csv_of(second)) << queue;
    options.seed = 6;
    EXPECT_NE(csv_of(first), csv_of(replay(cluster, jobs, queue, "least_loaded", options)))
        << queue;
    options.seed = 5;
  }
}

// The replay takes its placer from the registry the scheduler uses, and runs the scheduler's
// placement pass: on the same cluster and tasks, every registered placer puts every task where
// SchedulerCore puts it. The placers disagree with each other here, so a replay that used other
// placement code would fail this.
TEST(ClusterReplayTest, PlacesEveryTaskWhereTheSchedulerDoes) {
  auto nodes = [] {
    return std::vector<Node>{gpu_node("big", 64, 256, 8, "A100"),
                             gpu_node("small", 16, 64, 2, "A100"), gpu_node("t4", 32, 128, 4, "T4"),
                             cpu_node("cpu", 32, 128)};
  };
  std::vector<SimJob> jobs = {job("j0", 0, 1000, 100), job("j1", 0, 2000, 100),
                              job("j2", 0, 500, 100),  job("j3", 0, 0, 100),
                              job("j4", 0, 1000, 100), job("j5", 0, 4000, 100)};
  std::set<std::vector<std::string>> distinct_layouts;
  for (const PlacerEntry& entry : placer_registry()) {
    ReplayResult result = replay(cluster_of(nodes()), jobs, "fifo", entry.name);
    std::vector<Task> tasks;
    for (const SimJob& sim_job : jobs) tasks.push_back(sim_job.task);
    // The replay tells the placer the trace's task shapes (fgd scores with them): so does this.
    std::unique_ptr<Placer> placer = make_placer(entry.name).value();
    placer->set_target_workload(WorkloadProfile::of_tasks(tasks));
    SchedulerCore core(std::move(placer), make_ready_queue("fifo").value(), 1000);
    for (Node& node : nodes()) ASSERT_TRUE(core.add_node(std::move(node), 0, "test").ok());
    ASSERT_FALSE(core.submit(tasks, std::vector<int>(tasks.size(), 1), 0).has_value());
    core.schedule(0);
    std::vector<std::string> layout;
    for (const JobRecord& record : result.jobs) {
      const TaskRecord* scheduled = core.find_task(record.id);
      ASSERT_NE(scheduled, nullptr);
      ASSERT_FALSE(scheduled->assignments.empty()) << entry.name << " " << record.id;
      EXPECT_EQ(record.node, scheduled->assignments.front().node_id)
          << entry.name << " " << record.id;
      layout.push_back(record.node);
    }
    distinct_layouts.insert(layout);
  }
  EXPECT_GE(distinct_layouts.size(), 3u);
}

}  // namespace
}  // namespace fulcrum::sim
