#include "scheduler/scheduler_parts.h"

#include "http/server.h"
#include "milp/batch_solver.h"
#include "scheduler/executor_registry.h"

namespace fulcrum {

namespace {

// The core places with the fallback heuristic; the service runs the MILP itself on batches.
Result<std::unique_ptr<Placer>> create_milp_fallback(const PolicyParams& params) {
  MilpPlacementSettings settings;
  FULCRUM_ASSIGN_OR_RETURN(settings, read_milp_placement(params));
  return make_placer(settings.batch.fallback_placer);
}

Status check_listen(const SchedulerConfig& config) {
  if (!config.token.empty() || http::is_loopback_address(config.address)) return {};
  return invalid_argument("listen.address: " + config.address +
                          " is not a loopback address, so an auth.token (or FULCRUM_TOKEN) is "
                          "required: submitting a task runs a command");
}

}  // namespace

const std::vector<PlacerEntry>& scheduler_placement_registry() {
  static const std::vector<PlacerEntry> entries = [] {
    std::vector<PlacerEntry> all = placer_registry();
    all.push_back({"milp",
                   "scheduler only: batches of queued tasks placed by the batch MILP (CBC), a "
                   "heuristic when it has no answer",
                   milp_placement_params(), create_milp_fallback});
    return all;
  }();
  return entries;
}

Result<SchedulerParts> make_scheduler_parts(const SchedulerConfig& config) {
  FULCRUM_RETURN_IF_ERROR(check_listen(config));
  SchedulerParts parts;
  const PolicyChoice& placement = config.placement;
  auto placer = create_from_registry<Placer>("placement policy", scheduler_placement_registry(),
                                             placement.name, placement.params);
  if (!placer.ok()) return invalid_argument(placement.origin + ": " + placer.error_message());
  parts.placer = std::move(*placer);
  auto queue = make_ready_queue(config.queue.name, config.queue.params);
  if (!queue.ok()) return invalid_argument(config.queue.origin + ": " + queue.error_message());
  parts.queue = std::move(*queue);
  const ExecutorChoice& executor = config.executor;
  auto made = make_executor(executor.type, executor.params);
  if (!made.ok()) return invalid_argument(executor.origin + ": " + made.error_message());
  parts.executor = std::move(*made);
  return parts;
}

}  // namespace fulcrum
