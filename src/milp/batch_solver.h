// `placement: milp` in the scheduler: queued tasks are placed in batches by the batch-placement
// model (placement/batch_placement.h) on a copy of the cluster, off the scheduler's loop. When the
// solver has no answer (time limit without an incumbent, infeasible) the configured heuristic
// places the batch instead, and the decision says why.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "core/params.h"
#include "milp/batch_placement.h"
#include "placement/placer.h"

namespace fulcrum {

struct MilpPlacementSettings {
  int64_t window_ms = 200;   // a batch is solved once tasks waited this long...
  size_t window_count = 64;  // ...or this many are queued; at most this many per batch
  BatchOptions batch;        // objective, time limit, gap, fallback placer
};

// The parameters of `placement: {policy: milp, params: {...}}`, for checks and `fulcrum policies`.
const std::vector<ParamSpec>& milp_placement_params();
// Errors name the parameter and its value, e.g. "time_limit: expected a number in [0.001, 3600]".
Result<MilpPlacementSettings> read_milp_placement(const PolicyParams& params);

struct BatchDecision {
  Placement placement;    // made on the batch's cluster
  std::string placed_by;  // "milp", or the fallback placer
  SolveStatus status = SolveStatus::kFeasible;
  double objective = 0;
  double bound = 0;
  double gap = 0;
  double solve_seconds = 0;
  std::optional<std::string> fallback_reason;  // set when the fallback placer decided
};

// Solves the batch (allocating on batch.cluster); falls back to the heuristic as described above.
BatchDecision decide_batch(PlacementBatch& batch, const BatchOptions& options);
// The fallback placer's answer alone, e.g. when the solver did not answer before its deadline.
BatchDecision heuristic_batch(PlacementBatch& batch, const BatchOptions& options,
                              std::string reason);

// The answer's assignments grouped by task id, to apply a batch task by task.
std::map<std::string, std::vector<const Assignment*>> assignments_by_task(
    const Placement& placement);
// Allocates every replica of `task` on `cluster` on the node the batch put it on (by node id);
// nullopt and `cluster` unchanged when one no longer fits there (the cluster changed since the
// batch was taken) or a replica is missing.
std::optional<std::vector<Assignment>> allocate_as_decided(
    Cluster& cluster, const Task& task, const std::vector<const Assignment*>& decided);

// A solve started at `started_ms` is given up once it has run kSolveDeadlineSlackMs past its time
// limit (CBC's root LP does not always honour the limit): the fallback then places the queue.
inline constexpr int64_t kSolveDeadlineSlackMs = 250;
bool solve_overdue(int64_t started_ms, int64_t now_ms, const BatchOptions& options);

// What /metrics reports about placement: milp.
struct MilpPlacementMetrics {
  static constexpr std::array<double, 11> kSolveSecondsBounds = {
      0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
  std::array<uint64_t, kSolveSecondsBounds.size() + 1> solve_seconds_counts{};
  double solve_seconds_sum = 0;
  double last_gap = 0;
  std::map<std::string, int64_t> batches_by_status;  // "optimal", "timed_out", ...
  int64_t fallbacks = 0;                             // batches the fallback heuristic placed
  int64_t late_answers = 0;  // answers dropped because the heuristic had placed their batch

  void record(const BatchDecision& decision);
};

// Runs decide_batch on its own thread, one batch at a time, so that the scheduler's loop (and its
// API) go on while CBC works. The destructor waits for a running solve (at most its time limit).
class BackgroundBatchSolver {
 public:
  struct Finished {
    std::vector<Task> tasks;
    BatchDecision decision;
  };

  explicit BackgroundBatchSolver(BatchOptions options) : options_(std::move(options)) {}
  ~BackgroundBatchSolver();
  BackgroundBatchSolver(const BackgroundBatchSolver&) = delete;
  BackgroundBatchSolver& operator=(const BackgroundBatchSolver&) = delete;

  const BatchOptions& options() const { return options_; }
  // A batch was started and its answer not taken yet.
  bool busy() const { return worker_.joinable(); }
  void start(PlacementBatch batch);
  // The answer, once, when the solve has ended.
  std::optional<Finished> take_finished();

 private:
  BatchOptions options_;
  std::thread worker_;
  std::mutex mutex_;
  std::optional<Finished> finished_;  // guarded by mutex_
};

}  // namespace fulcrum
