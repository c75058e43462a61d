// How far an optimizer's answer is from proven: shared by the MILP model, the batch placement
// and the planners, so that every answer says how far from optimal it may be.
#pragma once

#include <string_view>

namespace fulcrum {

enum class SolveStatus {
  kOptimal,     // proven optimal (gap within the target)
  kFeasible,    // a valid answer without a proof (heuristics)
  kTimedOut,    // the time limit stopped the solver; the answer is its best incumbent
  kInfeasible,  // no answer exists; the note names the blocking constraint family
};

// "optimal", "feasible", "timed out", "infeasible".
std::string_view solve_status_name(SolveStatus status);

}  // namespace fulcrum
