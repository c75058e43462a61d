// An independent check of a plan against the cluster and the tasks, written apart from every
// planner so that a planner's bug cannot hide in shared code. Checks, in this order:
//   gang      every task has exactly `replicas` replicas, numbered 0.., all starting together;
//   gpu model each replica runs on an up node that has the GPU model (and GPUs) it needs;
//   duration  each replica lasts at least the task's duration on its node;
//   precedence a task starts no earlier than every dependency's last replica ends;
//   capacity  at every instant, each node's running replicas fit what is free on it in every
//             resource dimension (cpu, memory, GPU milli-units, extended resources).
#pragma once

#include <span>

#include "core/cluster.h"
#include "core/status.h"
#include "core/task.h"
#include "planning/plan.h"

namespace fulcrum {

// Ok, or a failed_precondition whose message starts with the constraint family broken
// ("capacity: node gpu-a100 at t=20m: gpu 3 > 2 free").
Status validate_plan(const Cluster& cluster, std::span<const Task> tasks, const Plan& plan);

}  // namespace fulcrum
