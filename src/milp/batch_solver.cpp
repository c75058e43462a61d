#include "milp/batch_solver.h"

#include <algorithm>
#include <cmath>

#include "core/config.h"
#include "core/yaml_reader.h"
#include "placement/registry.h"

namespace fulcrum {

const std::vector<ParamSpec>& milp_placement_params() {
  static const std::vector<ParamSpec> params = {
      {"window", "200ms", "solve once the oldest queued task waited this long"},
      {"window_count", "64", "or once this many tasks are queued; the most per batch"},
      {"time_limit", "1", "seconds CBC may search per batch"},
      {"gap", "0.01", "relative gap at which a batch counts as solved"},
      {"objective", "placed_work", "placed_work, balance, energy or throughput"},
      {"fallback", "best_fit", "placement policy used when the solver has no answer"},
      {"max_variables", "5000", "above this many assignment variables the fallback places"},
  };
  return params;
}

Result<MilpPlacementSettings> read_milp_placement(const PolicyParams& params) {
  FULCRUM_RETURN_IF_ERROR(params.check_known(milp_placement_params()));
  MilpPlacementSettings settings;
  std::string window;
  FULCRUM_ASSIGN_OR_RETURN(window, params.get_string("window", "200ms"));
  auto window_ms = parse_duration_ms(window);
  if (!window_ms.ok()) return invalid_argument("window: " + window_ms.error_message());
  settings.window_ms = *window_ms;
  int64_t count = 0;
  FULCRUM_ASSIGN_OR_RETURN(count, params.get_int_in("window_count", 64, 1, 100000));
  settings.window_count = static_cast<size_t>(count);
  FULCRUM_ASSIGN_OR_RETURN(settings.batch.milp.time_limit_seconds,
                           params.get_double_in("time_limit", 1, 0.001, 3600));
  FULCRUM_ASSIGN_OR_RETURN(settings.batch.milp.relative_gap,
                           params.get_double_in("gap", 0.01, 0, 1));
  std::string objective;
  FULCRUM_ASSIGN_OR_RETURN(objective, params.get_string("objective", "placed_work"));
  FULCRUM_ASSIGN_OR_RETURN(settings.batch.objective, parse_batch_objective(objective));
  FULCRUM_ASSIGN_OR_RETURN(settings.batch.fallback_placer,
                           params.get_string("fallback", "best_fit"));
  if (auto placer = make_placer(settings.batch.fallback_placer); !placer.ok()) {
    return invalid_argument("fallback: " + placer.error_message());
  }
  int64_t max_variables = 0;
  FULCRUM_ASSIGN_OR_RETURN(max_variables, params.get_int_in("max_variables", 5000, 1, 10000000));
  settings.batch.max_variables = static_cast<size_t>(max_variables);
  return settings;
}

BatchDecision heuristic_batch(PlacementBatch& batch, const BatchOptions& options,
                              std::string reason) {
  BatchDecision decision;
  auto placer = make_placer(options.fallback_placer);
  if (placer.ok()) decision.placement = (*placer)->place(batch.cluster, batch.tasks);
  decision.placed_by = options.fallback_placer;
  decision.fallback_reason = std::move(reason);
  return decision;
}

BatchDecision decide_batch(PlacementBatch& batch, const BatchOptions& options) {
  Cluster before = batch.cluster;
  BatchResult result = solve_batch_placement(batch.cluster, batch.tasks, options);
  BatchDecision decision;
  if (result.solver == "milp" && result.status == SolveStatus::kInfeasible) {
    batch.cluster = std::move(before);
    decision = heuristic_batch(batch, options, "milp: infeasible: " + result.note);
  } else {
    decision.placement = std::move(result.placement);
    decision.placed_by = result.solver;
    if (result.solver != "milp") decision.fallback_reason = result.note;
  }
  decision.status = result.status;
  decision.objective = result.objective;
  decision.bound = result.bound;
  decision.gap = result.gap();
  decision.solve_seconds = result.solve_seconds;
  return decision;
}

std::map<std::string, std::vector<const Assignment*>> assignments_by_task(
    const Placement& placement) {
  std::map<std::string, std::vector<const Assignment*>> by_task;
  for (const Assignment& assignment : placement.assignments) {
    by_task[assignment.task_id].push_back(&assignment);
  }
  return by_task;
}

std::optional<std::vector<Assignment>> allocate_as_decided(
    Cluster& cluster, const Task& task, const std::vector<const Assignment*>& decided) {
  std::vector<Assignment> made;
  auto undo = [&] {
    for (const Assignment& assignment : made) cluster.release(assignment);
    return std::nullopt;
  };
  for (const Assignment* replica : decided) {
    auto index = cluster.find(replica->node_id);
    std::optional<Assignment> allocated;
    if (index) allocated = cluster.allocate(*index, task, replica->replica);
    if (!allocated) return undo();
    made.push_back(std::move(*allocated));
  }
  if (static_cast<int>(made.size()) != std::max(task.replicas, 1)) return undo();
  return made;
}

bool solve_overdue(int64_t started_ms, int64_t now_ms, const BatchOptions& options) {
  auto limit_ms = static_cast<int64_t>(std::ceil(options.milp.time_limit_seconds * 1000));
  return now_ms - started_ms > limit_ms + kSolveDeadlineSlackMs;
}

void MilpPlacementMetrics::record(const BatchDecision& decision) {
  size_t bucket = 0;
  while (bucket < kSolveSecondsBounds.size() &&
         decision.solve_seconds > kSolveSecondsBounds[bucket]) {
    ++bucket;
  }
  ++solve_seconds_counts[bucket];
  solve_seconds_sum += decision.solve_seconds;
  last_gap = decision.gap;
  std::string status(solve_status_name(decision.status));
  std::replace(status.begin(), status.end(), ' ', '_');
  ++batches_by_status[status];
  if (decision.fallback_reason) ++fallbacks;
}

BackgroundBatchSolver::~BackgroundBatchSolver() {
  if (worker_.joinable()) worker_.join();
}

void BackgroundBatchSolver::start(PlacementBatch batch) {
  worker_ = std::thread([this, batch = std::move(batch)]() mutable {
    BatchDecision decision = decide_batch(batch, options_);
    std::lock_guard lock(mutex_);
    finished_ = Finished{std::move(batch.tasks), std::move(decision)};
  });
}

std::optional<BackgroundBatchSolver::Finished> BackgroundBatchSolver::take_finished() {
  std::optional<Finished> taken;
  {
    std::lock_guard lock(mutex_);
    taken = std::exchange(finished_, std::nullopt);
  }
  if (taken) worker_.join();
  return taken;
}

}  // namespace fulcrum
