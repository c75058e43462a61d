// EASY backfilling (Lifka, 1995; Mu'alem and Feitelson, 2001): tasks start in queue order until
// the first that does not fit, the head; the head gets a reservation at its shadow time, the
// earliest moment the running tasks' expected ends free enough room for it; a later task may
// start now (backfill) only if it fits now and is expected to finish by the shadow time, so
// backfilling never delays the head. Pure: the caller passes the running tasks and their ends.
#pragma once

#include <optional>
#include <span>
#include <vector>

#include "core/clock.h"
#include "core/cluster.h"
#include "core/task.h"

namespace fulcrum {

struct RunningTask {
  Nanos expected_end{0};
  const std::vector<Assignment>* assignments = nullptr;
};

// The earliest expected end in `running_by_end` (sorted by expected_end) after which `head` fits
// (one replica per node, on `head.replicas` distinct nodes), releasing the running tasks in that
// order; nullopt when it does not fit even once all of them ended.
std::optional<Nanos> shadow_time(const Cluster& cluster, const Task& head,
                                 std::span<const RunningTask> running_by_end);

// A task that fits now may backfill when it is expected to end by the head's shadow time (or there
// is no reservation to protect).
inline bool may_backfill(Nanos now, const Task& task, std::optional<Nanos> shadow) {
  return !shadow || now + std::chrono::milliseconds(task.estimated_duration_ms) <= *shadow;
}

}  // namespace fulcrum
