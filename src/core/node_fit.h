// The rule Cluster::can_host applies, for callers that hold a Node of their own (a copy being
// changed to see what would fit).
#pragma once

#include "core/node.h"
#include "core/task.h"

namespace fulcrum {

// The node is up, has the GPU model the task asks for, and has room for one replica.
bool node_can_host(const Node& node, const Task& task);

}  // namespace fulcrum
