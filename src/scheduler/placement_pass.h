// One placement pass of SchedulerCore (so of the scheduler and the simulator alike): tasks are
// offered to the placer one at a time in queue order, and a task whose demand shape already failed
// in this pass is not offered again (during a pass the cluster only fills up, so it would fail
// again).
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "core/cluster.h"
#include "core/task.h"
#include "placement/placer.h"

namespace fulcrum {

class PlacementPass {
 public:
  // With `shape_includes_priority` (the scheduler with preemption) tasks of other priorities are
  // different shapes: the priority decides what a task may evict.
  explicit PlacementPass(bool shape_includes_priority = false)
      : shape_includes_priority_(shape_includes_priority) {}

  // True when a task placed alike already failed in this pass.
  bool known_not_to_fit(const Task& task) const { return did_not_fit_.contains(shape_of(task)); }
  // Marks the shape of `task` as not fitting for the rest of the pass.
  void mark_not_fitting(const Task& task) { did_not_fit_.insert(shape_of(task)); }

 private:
  // Equal for tasks any placement treats alike.
  using Shape = std::tuple<int64_t, int64_t, int64_t, std::string, int,
                           std::vector<std::pair<std::string, int64_t>>, int>;
  Shape shape_of(const Task& task) const;

  bool shape_includes_priority_;
  std::set<Shape> did_not_fit_;
};
}  // namespace fulcrum
