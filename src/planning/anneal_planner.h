// anneal: simulated annealing over HEFT's decisions. A candidate is a task priority list plus
// optional node pins; it is decoded by list scheduling (earliest finish, insertion). Half of the
// moves act on the current plan's critical chain (the last task to end, then back along what held
// each task up: a predecessor, or a task ending on the same node when it starts): the blocking
// task swaps keys with the one it blocked, or a critical task is pinned to another node. The
// others swap two random tasks' keys or pin/unpin a random task. For makespan the search cost
// adds 1/1000 of the mean completion time, so that moves that free the end of the plan count.
// A worse candidate is accepted with probability exp(-delta / T), T falling geometrically from 1%
// of HEFT's objective to 1/1000 of that over the iterations (with no count chosen: over the time
// budget when that is further along); after a stretch without a new best the search restarts
// from the best. It starts from HEFT and returns the best plan seen, so it is never worse than
// HEFT. With a chosen iteration count the same seed gives the same plan unless the time limit
// stops the search first (the registry's default is a 2 s limit; the AnnealPlanner(seed,
// iterations) constructor sets none).
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "planning/planner.h"

namespace fulcrum {

struct AnnealOptions {
  // Candidates to try; 0 picks 2000..20000 by instance size (fewer for larger instances).
  int64_t iterations = 0;
  // Seconds to search at most (0 = no limit); whichever of the two comes first stops the search.
  double time_limit_seconds = 0;
};

// One step of a plan's critical chain: `task`, and the task that ended exactly when it started
// and so held it up (a predecessor when `by_precedence`, else a task on the same node), if any.
struct CriticalLink {
  size_t task = 0;
  std::optional<size_t> blocker;
  bool by_precedence = false;
};

// From the task that ends last (the lowest index among ties) back to one nothing held up.
std::vector<CriticalLink> critical_chain(const PlanProblem& problem, const Plan& plan);

class AnnealPlanner : public Planner {
 public:
  AnnealPlanner(uint64_t seed, AnnealOptions options) : seed_(seed), options_(options) {}
  AnnealPlanner(uint64_t seed, int64_t iterations) : seed_(seed), options_{iterations, 0} {}
  std::string_view name() const override { return "anneal"; }
  PlanResult plan(const PlanProblem& problem, PlanObjective objective) override;

 private:
  uint64_t seed_;
  AnnealOptions options_;
};

PlannerEntry anneal_planner_entry();

}  // namespace fulcrum
