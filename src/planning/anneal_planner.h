// anneal: simulated annealing over HEFT's decisions. A candidate is a task priority list plus
// optional node pins; it is decoded by list scheduling (earliest finish, insertion). Half of the
// moves act on the current plan's critical chain (the last task to end, then back along what held
// each task up: a predecessor, or a task ending on the same node when it starts): the blocking
// task swaps keys with the one it blocked, or a critical task is pinned to another node. The
// others swap two random tasks' keys or pin/unpin a random task. For makespan the search cost
// adds 1/1000 of the mean completion time, so that moves that free the end of the plan count.
// A worse candidate is accepted with probability exp(-delta / T), T falling geometrically from 1%
// of HEFT's objective to 1/1000 of that over the iterations; after a stretch without a new best
// the search restarts from the best. It starts from HEFT and returns the best plan seen, so it is
// never worse than HEFT. The number of candidates is chosen or derived from the instance, never
// from the clock: the same seed gives the same plan on any machine unless the time limit, a cap
// only, stops the search first (its note says so; the registry's default is 60 s, the
// AnnealPlanner(seed, iterations) constructor sets none).
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "core/clock.h"
#include "planning/planner.h"

namespace fulcrum {

struct AnnealOptions {
  // The registry's: a cap far above what the default count takes, so that a slower machine finds
  // the same plan.
  static constexpr double kDefaultTimeLimitSeconds = 60;

  // Candidates to try; 0 picks 120M / tasks^2, within 100..20000 (about 2 s here at 500 tasks).
  int64_t iterations = 0;
  // Seconds to search at most (0 = no limit); whichever of the two comes first stops the search.
  double time_limit_seconds = 0;
  // What the time limit is measured on; nullptr: a steady clock.
  const Clock* clock = nullptr;
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
