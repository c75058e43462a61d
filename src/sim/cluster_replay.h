// Time replay of a job trace on a cluster: jobs arrive at their trace times, wait in a queue, are
// placed by a placer from the placement registry (the objects the scheduler uses), run for their
// trace durations in virtual time and leave. Queues:
//   fifo, priority, sef (shortest_first)  the scheduler's ReadyQueue with its placement pass
//                                          (scheduler/placement_pass.h), so the decisions are the
//                                          live ones;
//   easy_backfill  the ReadyQueue of that name: fifo with a reservation for the head
//                  (queue/backfill.h), as the scheduler runs it;
//   las            Tiresias' discretized 2D least-attained-service with preemption
//                  (queue/las_queue.h); preempted jobs keep their progress and are requeued.
// Node failures (a rate, or a schedule) take a node down for a repair time; its jobs restart from
// scratch and are counted as requeues. Deterministic: the same inputs give the same result.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/cluster.h"
#include "core/params.h"
#include "core/status.h"
#include "sim/workload.h"

namespace fulcrum::sim {

struct NodeFailure {
  Nanos time{0};
  std::string node_id;
};

// "3600:node-1,7200:node-7" (seconds from the start of the trace) -> failures; the error names the
// malformed entry.
Result<std::vector<NodeFailure>> parse_failure_schedule(std::string_view text);

struct FailureOptions {
  double rate_per_node_day = 0;  // random failures: expected failures per node per day
  std::vector<NodeFailure> schedule;
  Nanos repair_time = std::chrono::hours(1);
};

// The placement name of the MILP batch placer (placement/batch_placement.h) as the scheduler's
// `placement: milp` runs it: a batch of queued tasks per window, solved with a time limit, the
// fallback placer when the solver has no answer. Its parameters are those of the scheduler
// (milp/batch_solver.h: window, window_count, time_limit, gap, objective, fallback,
// max_variables); it works with the fifo, priority and sef queues.
extern const char* const kMilpPlacement;

struct ReplayPolicy {
  std::string queue = "fifo";
  std::string placement = "first_fit";
  PolicyParams queue_params;
  PolicyParams placement_params;

  std::string label() const { return queue + "+" + placement; }
};

// The queue names `sim cluster` accepts, in the order the help lists them.
const std::vector<std::string>& replay_queue_names();
// "fifo,las" -> {"fifo", "las"}: a comma-separated list of policy names, empty items dropped.
std::vector<std::string> split_policy_list(const std::string& text);

struct ReplayOptions {
  ReplayPolicy policy;
  uint64_t seed = 1;  // random failures
  FailureOptions failures;
  Nanos sample_interval{0};  // utilization samples; 0: the arrival span / 500 (at least 1 s)
  // Called now and then with (jobs done, jobs in total); for a progress bar.
  std::function<void(int64_t, int64_t)> progress;
};

enum class JobEnd { kFinished, kUnplaceable, kUnfinished };

struct JobRecord {
  std::string id;
  JobEnd end = JobEnd::kUnfinished;
  Nanos arrival{0};
  Nanos first_start{-1};  // -1: never started
  Nanos finish{-1};
  Nanos waited{0};    // time spent ready but queued (after arrival, dependencies and requeues)
  Nanos run_time{0};  // time spent running, work lost to failures included
  int64_t gpu_milli = 0;
  int preemptions = 0;
  int requeues = 0;    // restarts after a node failure
  std::string node;    // where its last run was (first replica)
  std::string reason;  // why it could never be placed
};

struct UtilSample {
  Nanos time{0};
  double gpu_util = 0;  // allocated / capacity of all nodes
  double cpu_util = 0;
  int64_t queued = 0;
  int64_t running = 0;
};

struct ReplaySummary {
  int64_t jobs = 0;
  int64_t finished = 0;
  int64_t unplaceable = 0;
  int64_t unfinished = 0;
  double avg_jct_s = 0;
  double p99_jct_s = 0;
  double avg_wait_s = 0;
  double p99_wait_s = 0;
  double makespan_s = 0;  // first arrival to last finish
  double gpu_util = 0;    // time-weighted mean over the makespan
  double cpu_util = 0;
  int64_t preemptions = 0;
  int64_t failures = 0;
  int64_t requeues = 0;
  int64_t events = 0;
};

// placement milp: the batches solved. Solve times are wall-clock seconds, so they vary from run to
// run; everything else in a result does not.
struct BatchStats {
  int64_t batches = 0;
  int64_t fallbacks = 0;  // batches the fallback placer placed
  double solve_seconds = 0;
  double max_solve_seconds = 0;
};

struct ReplayResult {
  ReplayPolicy policy;
  BatchStats batches;
  std::vector<JobRecord> jobs;  // in input order
  std::vector<UtilSample> samples;
  ReplaySummary summary;
};

// Replays `jobs` (their has_times must be true) on a copy of `cluster`. Errors: unknown queue or
// placement names and bad parameters, an unknown node in the failure schedule, a dependency on an
// unknown job.
Result<ReplayResult> replay_cluster(const Cluster& cluster, std::span<const SimJob> jobs,
                                    const ReplayOptions& options);

// An evenly spread share of the nodes, which keeps the mix of node kinds: node i is kept when
// floor((i + 1) * fraction) > floor(i * fraction). A fraction >= 1 keeps them all.
Cluster sample_nodes(const Cluster& cluster, double fraction);

// Nearest-rank percentile of `values` (sorted in place); 0 for none.
double percentile(std::vector<double>& values, double fraction);

}  // namespace fulcrum::sim
