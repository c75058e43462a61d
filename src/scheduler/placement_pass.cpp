#include "scheduler/placement_pass.h"

namespace fulcrum {

PlacementPass::Shape PlacementPass::shape_of(const Task& task) const {
  return {task.demand.cpu_millis,
          task.demand.memory_bytes,
          task.demand.gpu_milli,
          task.gpu_model,
          task.replicas,
          {task.demand.extended.begin(), task.demand.extended.end()},
          shape_includes_priority_ ? task.priority : 0};
}

}  // namespace fulcrum
