// Whether tasks can run on nodes at all, before any placement: the checks that placers, the batch
// placement model and the planners share, with errors naming the constraint family that blocks.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "core/node.h"
#include "core/resources.h"
#include "core/status.h"
#include "core/task.h"

namespace fulcrum {

// The class a task states its speed for: the node's GPU model, or "cpu" on CPU-only nodes.
std::string node_class(const Node& node);
// How long one replica of `task` runs on `node`: estimated_duration_ms / speed, rounded up.
int64_t duration_on(const Task& task, const Node& node);
// Weight of a task in weighted objectives: its priority, at least 1.
double task_weight(const Task& task);
// The node is up, has the GPU model the task asks for (and GPUs if it needs any), and its free
// capacity holds one replica.
bool node_can_run(const Node& node, const Task& task);
// How many copies of `demand` fit in `free`.
int64_t max_copies_on(const ResourceVector& demand, const ResourceVector& free);

// Why `task` can never be placed on `nodes` as they are now, naming the constraint family
// ("gpu model: task T5 cannot run anywhere: ...", "capacity: ...", "gang: ..."), or ok when some
// node runs one replica and the free capacity of the nodes that can run it holds every replica.
Status check_task_placeable(const Task& task, std::span<const Node> nodes);

}  // namespace fulcrum
