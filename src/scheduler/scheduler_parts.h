// The pieces a scheduler config names, made and checked in one place: the start
// (SchedulerService::create) and `fulcrum serve --check` both call make_scheduler_parts, so the
// check refuses exactly what the start would refuse. Making them has no side effect.
#pragma once

#include <memory>
#include <vector>

#include "placement/registry.h"
#include "queue/ready_queue.h"
#include "scheduler/executor.h"
#include "scheduler/scheduler_config.h"

namespace fulcrum {

struct SchedulerParts {
  std::unique_ptr<Placer> placer;  // with placement: milp, the heuristic it falls back on
  std::unique_ptr<ReadyQueue> queue;
  std::unique_ptr<Executor> executor;  // not prepared yet (Executor::prepare)
};

// The placement policies the scheduler accepts: every placer, and milp (batches placed by the
// batch MILP, its fallback heuristic between and after them).
const std::vector<PlacerEntry>& scheduler_placement_registry();

// Errors name the config key (file, line) and the value at fault.
Result<SchedulerParts> make_scheduler_parts(const SchedulerConfig& config);

}  // namespace fulcrum
