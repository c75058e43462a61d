#include "core/solve_status.h"

namespace fulcrum {

std::string_view solve_status_name(SolveStatus status) {
  switch (status) {
    case SolveStatus::kOptimal: return "optimal";
    case SolveStatus::kFeasible: return "feasible";
    case SolveStatus::kTimedOut: return "timed out";
    case SolveStatus::kInfeasible: return "infeasible";
  }
  return "unknown";
}

}  // namespace fulcrum
