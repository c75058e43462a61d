// A small mixed-integer model builder over COIN-OR CBC: variables with bounds, cost and
// integrality, rows as lower <= sum(coefficient x variable) <= upper, always minimized. Solves
// with a time limit, a relative-gap target and one thread unless told otherwise, takes a warm
// start, stays silent unless verbose, and writes the model as CPLEX-LP or MPS for other solvers.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/solve_status.h"
#include "core/status.h"

class OsiClpSolverInterface;

namespace fulcrum {

struct MilpOptions {
  double time_limit_seconds = 10;
  double relative_gap = 1e-6;  // stop once (incumbent - bound) / incumbent is at most this
  int threads = 1;
  bool verbose = false;  // CBC's own log on stdout
};

struct MilpSolution {
  SolveStatus status = SolveStatus::kInfeasible;  // kFeasible never appears here
  bool has_solution = false;
  std::vector<double> values;  // one per variable when has_solution
  double objective = 0;
  double bound = 0;
  double seconds = 0;
};

class MilpModel {
 public:
  using Terms = std::vector<std::pair<int, double>>;

  // Names must be unique and free of spaces (they appear in LP/MPS files and warm starts).
  int add_variable(std::string name, double lower, double upper, double cost, bool integer);
  void add_row(std::string name, double lower, double upper, const Terms& terms);
  void set_cost(int column, double cost) { cost_[static_cast<size_t>(column)] = cost; }
  double cost(int column) const { return cost_[static_cast<size_t>(column)]; }

  size_t variable_count() const { return names_.size(); }
  size_t row_count() const { return row_lower_.size(); }

  // `path` ending in .mps gives MPS, anything else CPLEX-LP. The error names the path.
  Status write(const std::string& path) const;

  // `warm_start`: a value per variable of a feasible solution (or empty).
  MilpSolution solve(const MilpOptions& options, const std::vector<double>& warm_start) const;

 private:
  std::unique_ptr<OsiClpSolverInterface> load() const;

  std::vector<std::string> names_;
  std::vector<double> lower_, upper_, cost_;
  std::vector<bool> integer_;
  std::vector<std::string> row_names_;
  std::vector<double> row_lower_, row_upper_;
  std::vector<int> entry_row_, entry_column_;
  std::vector<double> entry_value_;
};

}  // namespace fulcrum
