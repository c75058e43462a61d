#include "milp/model.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <memory>

#include <coin/CbcModel.hpp>
#include <coin/CbcSolver.hpp>
#include <coin/CoinMpsIO.hpp>
#include <coin/CoinPackedMatrix.hpp>
#include <coin/OsiClpSolverInterface.hpp>

namespace fulcrum {

int MilpModel::add_variable(std::string name, double lower, double upper, double cost,
                            bool integer) {
  names_.push_back(std::move(name));
  lower_.push_back(lower);
  upper_.push_back(upper);
  cost_.push_back(cost);
  integer_.push_back(integer);
  return static_cast<int>(names_.size() - 1);
}

void MilpModel::add_row(std::string name, double lower, double upper, const Terms& terms) {
  int row = static_cast<int>(row_lower_.size());
  row_names_.push_back(std::move(name));
  row_lower_.push_back(lower);
  row_upper_.push_back(upper);
  for (const auto& [column, value] : terms) {
    entry_row_.push_back(row);
    entry_column_.push_back(column);
    entry_value_.push_back(value);
  }
}

std::unique_ptr<OsiClpSolverInterface> MilpModel::load() const {
  auto solver = std::make_unique<OsiClpSolverInterface>();
  CoinPackedMatrix matrix(false, entry_row_.data(), entry_column_.data(), entry_value_.data(),
                          static_cast<CoinBigIndex>(entry_value_.size()));
  matrix.setDimensions(static_cast<int>(row_count()), static_cast<int>(variable_count()));
  solver->loadProblem(matrix, lower_.data(), upper_.data(), cost_.data(), row_lower_.data(),
                      row_upper_.data());
  for (size_t column = 0; column < names_.size(); ++column) {
    if (integer_[column]) solver->setInteger(static_cast<int>(column));
    solver->setColName(static_cast<int>(column), names_[column]);
  }
  for (size_t row = 0; row < row_names_.size(); ++row) {
    solver->setRowName(static_cast<int>(row), row_names_[row]);
  }
  solver->messageHandler()->setLogLevel(0);
  solver->getModelPtr()->messageHandler()->setLogLevel(0);
  return solver;
}

namespace {

std::string number_argument(double value) {
  char text[64];
  std::snprintf(text, sizeof text, "%.9g", value);
  return text;
}

}  // namespace

Status MilpModel::write(const std::string& path) const {
  if (!std::ofstream(path)) return invalid_argument("cannot write the model to \"" + path + "\"");
  auto solver = load();
  size_t dot = path.rfind('.');
  std::string stem = dot == std::string::npos ? path : path.substr(0, dot);
  std::string extension = dot == std::string::npos ? "" : path.substr(dot + 1);
  if (extension == "mps") {
    std::vector<char> integrality(integer_.begin(), integer_.end());
    CoinMpsIO writer;
    writer.messageHandler()->setLogLevel(0);
    writer.setMpsData(*solver->getMatrixByCol(), solver->getInfinity(), lower_.data(),
                      upper_.data(), cost_.data(), integrality.data(), row_lower_.data(),
                      row_upper_.data(), names_, row_names_);
    writer.writeMps(path.c_str(), 0, 1);
  } else {
    solver->writeLp(stem.c_str(), extension.c_str(), 1e-9, 10, 12, 0.0, true);
  }
  if (!std::filesystem::exists(path)) {
    return invalid_argument("cannot write the model to \"" + path + "\"");
  }
  return Status::ok_status();
}

MilpSolution MilpModel::solve(const MilpOptions& options,
                              const std::vector<double>& warm_start) const {
  auto started = std::chrono::steady_clock::now();
  auto solver = load();
  CbcModel model(*solver);
  if (!options.verbose) model.messageHandler()->setLogLevel(0);
  CbcSolverUsefulData solver_data;
  solver_data.noPrinting_ = !options.verbose;
  CbcMain0(model, solver_data);
  if (!options.verbose) model.messageHandler()->setLogLevel(0);
  if (warm_start.size() == names_.size()) {
    std::vector<std::pair<std::string, double>> start;
    start.reserve(names_.size());
    for (size_t column = 0; column < names_.size(); ++column) {
      start.emplace_back(names_[column], warm_start[column]);
    }
    model.setMIPStart(start);
  }
  std::vector<std::string> arguments = {"fulcrum",
                                        "-log",
                                        options.verbose ? "1" : "0",
                                        "-timeMode",
                                        "elapsed",
                                        "-preprocess",
                                        "off",
                                        "-sec",
                                        number_argument(options.time_limit_seconds),
                                        "-ratio",
                                        number_argument(options.relative_gap)};
  if (options.threads > 1) {
    arguments.insert(arguments.end(), {"-threads", std::to_string(options.threads)});
  }
  arguments.insert(arguments.end(), {"-solve", "-quit"});
  std::vector<const char*> argv;
  for (const std::string& argument : arguments) argv.push_back(argument.c_str());
  CbcMain1(
      static_cast<int>(argv.size()), argv.data(), model, [](CbcModel*, int) { return 0; },
      solver_data);

  MilpSolution solution;
  solution.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  const double* best = model.bestSolution();
  solution.has_solution = best != nullptr;
  if (best != nullptr) solution.values.assign(best, best + names_.size());
  solution.objective = model.getObjValue();
  solution.bound = model.getBestPossibleObjValue();
  if (model.isProvenInfeasible() && !solution.has_solution) {
    solution.status = SolveStatus::kInfeasible;
  } else if (!solution.has_solution) {
    solution.status = SolveStatus::kTimedOut;
  } else {
    solution.bound = std::min(solution.bound, solution.objective);
    double gap =
        (solution.objective - solution.bound) / std::max(1e-9, std::abs(solution.objective));
    bool proven = model.isProvenOptimal() || gap <= options.relative_gap + 1e-9;
    solution.status = proven ? SolveStatus::kOptimal : SolveStatus::kTimedOut;
  }
  return solution;
}

}  // namespace fulcrum
