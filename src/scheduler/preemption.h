// Preemption: which lower-priority running tasks to evict so that a higher-priority task fits.
//   work(victim) = max(run time so far, 1 ms) in seconds x sum over its replicas of the replica's
//                  dominant share of its node (largest of demand / capacity over cpu, memory, GPU);
//   a single-replica task: on each node, evict that node's candidates in order of least work until
//   the task fits there, drop the victims it fits without, and take the node of least total work;
//   a gang: evict candidates cluster-wide in order of least work until the placer places every
//   replica, then drop the victims it is placed without (most work first).
// The answer is checked with the placer on a copy of the cluster: victims are named only when
// evicting them makes the whole task fit. Pure: no clock, the caller passes run times.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/cluster.h"
#include "placement/placer.h"

namespace fulcrum {

struct PreemptionCandidate {
  std::string task_id;
  int priority = 0;
  int64_t run_ms = 0;                   // how long it has run; 0 when placed but not started
  std::vector<Assignment> assignments;  // where its replicas are, as allocated on the cluster
};

struct PreemptionChoice {
  std::vector<std::string> victims;  // in the order they were chosen (least work first)
  double work = 0;                   // the sum of the victims' work
};

// How many of `victims`, taken in the order given, must release what they hold on `node` before
// `task` fits there: the shortest such prefix, of at most `most` victims; nullopt when none is.
// Each victim is the list of its allocations anywhere; those on `node` (by node id) are released.
std::optional<size_t> victims_to_make_room(
    const Node& node, const Task& task, std::span<const std::vector<Assignment>* const> victims,
    size_t most = SIZE_MAX);

// The work that evicting `candidate` throws away, as defined above.
double preemption_work(const Cluster& cluster, const PreemptionCandidate& candidate);

// Victims among `candidates` (only those of lower priority than `task` are considered) whose
// eviction lets `placer` place every replica of `task` on `cluster`; nullopt when none does.
// `placer` places on copies of the cluster only.
std::optional<PreemptionChoice> choose_victims(const Cluster& cluster, const Task& task,
                                               std::span<const PreemptionCandidate> candidates,
                                               Placer& placer);

}  // namespace fulcrum
