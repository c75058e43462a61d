// `fulcrum plan`: lays a task graph out in time on a cluster with a chosen solver and objective,
// prints the plan with its objective, bound, gap and solve time, and can draw a Gantt chart.
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>

#include "cli/commands.h"
#include "cli/plot_script.h"
#include "cli/table.h"
#include "core/config.h"
#include "milp/batch_placement.h"
#include "placement/registry.h"
#include "planning/gantt_svg.h"
#include "planning/plan_validator.h"
#include "planning/planner.h"

namespace fulcrum {

namespace {

struct PlanOptions {
  std::string cluster_file;
  std::string tasks_file;
  std::string solver = "milp";
  std::string objective = "makespan";
  double time_limit_seconds = 10;
  double gap = 1e-6;
  uint64_t seed = 1;
  std::string gantt_file;
  std::string model_file;
  std::string formulation = "time_indexed";
  bool verbose = false;
};

// 5400000 -> "1:30:00"
std::string clock_text(int64_t time_ms) {
  int64_t seconds = time_ms / 1000;
  char text[48];
  std::snprintf(text, sizeof text, "%lld:%02lld:%02lld", static_cast<long long>(seconds / 3600),
                static_cast<long long>(seconds / 60 % 60), static_cast<long long>(seconds % 60));
  std::string result = text;
  if (time_ms % 1000 != 0) result += "." + std::to_string(time_ms % 1000);
  return result;
}

std::string percent_text(double fraction) {
  char text[32];
  std::snprintf(text, sizeof text, "%.4g%%", fraction * 100);
  return text;
}

std::string seconds_text(double seconds) {
  char text[32];
  std::snprintf(text, sizeof text, "%.3fs", seconds);
  return text;
}

void print_plan_table(const PlanProblem& problem, const Plan& plan, std::ostream& out) {
  TextTable table({"TASK", "NODE", "START", "END"});
  for (const PlannedReplica& replica : plan.replicas) {
    std::string task = problem.task(replica.task).id;
    if (problem.task(replica.task).replicas > 1) task += "/" + std::to_string(replica.replica);
    table.add_row({task, problem.node(replica.node).id, clock_text(replica.start_ms),
                   clock_text(replica.end_ms)});
  }
  table.print(out);
}

std::string objective_text(PlanObjective objective, double value) {
  if (objective == PlanObjective::kMakespan) {
    return clock_text(static_cast<int64_t>(std::llround(value))) + " (" + format_number(value) +
           " ms)";
  }
  return format_number(value / 60000) + " weight x min";
}

Status write_text(const std::string& path, const std::string& text) {
  std::ofstream file(path);
  file << text;
  if (!file) return invalid_argument("--gantt \"" + path + "\": cannot write the file");
  return Status::ok_status();
}

// "a,b" -> "\"a,b\"": a CSV field, quoted when it holds a comma, a quote or a line break.
std::string csv_field(const std::string& text) {
  if (text.find_first_of(",\"\n") == std::string::npos) return text;
  std::string quoted = "\"";
  for (char character : text)
    quoted += character == '"' ? std::string("\"\"") : std::string(1, character);
  return quoted + "\"";
}

// The plan as tools/plot_gantt.py reads it: node,task,start_min,end_min; first a row per node
// (empty task) so that every node gets its chart row in the cluster's order, then the replicas.
std::string gantt_csv(const PlanProblem& problem, const Plan& plan) {
  std::ostringstream csv;
  csv << "node,task,start_min,end_min\n";
  for (size_t node = 0; node < problem.node_count(); ++node) {
    csv << csv_field(problem.node(node).id) << ",,,\n";
  }
  for (const PlannedReplica& replica : plan.replicas) {
    std::string task = problem.task(replica.task).id;
    if (problem.task(replica.task).replicas > 1) task += "/" + std::to_string(replica.replica);
    csv << csv_field(problem.node(replica.node).id) << ',' << csv_field(task) << ','
        << format_number(static_cast<double>(replica.start_ms) / 60000) << ','
        << format_number(static_cast<double>(replica.end_ms) / 60000) << '\n';
  }
  return csv.str();
}

// --gantt: an SVG written directly, or a PNG drawn by tools/plot_gantt.py (python3-matplotlib)
// from a CSV of the plan in a temporary file.
Status write_gantt(const std::string& path, const PlanProblem& problem, const Plan& plan,
                   const std::string& title) {
  if (path.ends_with(".svg")) return write_text(path, gantt_svg(problem, plan, title));
  std::filesystem::path csv_path = std::filesystem::temp_directory_path() /
                                   ("fulcrum-gantt-" + std::to_string(::getpid()) + ".csv");
  FULCRUM_RETURN_IF_ERROR(write_text(csv_path.string(), gantt_csv(problem, plan)));
  Status drawn = run_plot_script("plot_gantt.py", {csv_path.string(), path, "--title", title});
  std::error_code ignored;
  std::filesystem::remove(csv_path, ignored);
  if (!drawn.ok()) {
    return Status(drawn.code(), "--gantt \"" + path + "\": " + drawn.message());
  }
  return Status::ok_status();
}

Result<std::unique_ptr<Planner>> planner_for(const PlanOptions& options) {
  PolicyParams params;
  if (options.solver == "milp") {
    params.set("time_limit", format_number(options.time_limit_seconds));
    params.set("gap", format_number(options.gap));
    if (!options.model_file.empty()) params.set("write_model", options.model_file);
    if (options.verbose) params.set("verbose", "1");
    params.set("formulation", options.formulation);
  }
  if (options.solver == "anneal") params.set("seed", std::to_string(options.seed));
  return make_planner(options.solver, params);
}

int report_result(const PlanProblem& problem, const Cluster& cluster, PlanObjective objective,
                  const PlanResult& result, const PlanOptions& options) {
  if (result.status == SolveStatus::kInfeasible) {
    std::cout << "status: infeasible\nreason: " << result.note << '\n';
    return kExitUnplaced;
  }
  if (Status valid = validate_plan(cluster, problem.tasks(), result.plan); !valid.ok()) {
    std::cerr << "error: the " << result.solver << " plan fails validation: " << valid.message()
              << '\n';
    return kExitError;
  }
  print_plan_table(problem, result.plan, std::cout);
  std::cout << '\n'
            << plan_objective_name(objective) << ": " << objective_text(objective, result.objective)
            << '\n'
            << "bound: " << objective_text(objective, result.bound) << '\n'
            << "gap: " << percent_text(result.gap()) << '\n'
            << "status: " << solve_status_name(result.status) << '\n'
            << "solver: " << result.solver << '\n'
            << "time: " << seconds_text(result.solve_seconds) << '\n';
  if (!result.note.empty()) std::cout << "note: " << result.note << '\n';
  if (!options.gantt_file.empty()) {
    std::string title = "fulcrum plan: " + result.solver + ", " +
                        std::string(plan_objective_name(objective)) + " " +
                        objective_text(objective, result.objective);
    if (Status written = write_gantt(options.gantt_file, problem, result.plan, title);
        !written.ok()) {
      return report_bad_input(written);
    }
  }
  return kExitOk;
}

// One wave of independent tasks placed by the batch model, or by a placer for --solver greedy.
BatchResult place_wave(Cluster& cluster, std::span<const Task> wave, BatchObjective objective,
                       const PlanOptions& options, double time_limit_seconds) {
  std::string placer_name = objective == BatchObjective::kBalance ? "least_loaded" : "best_fit";
  if (options.solver == "milp") {
    BatchOptions batch;
    batch.objective = objective;
    batch.place_all = true;
    batch.milp.time_limit_seconds = time_limit_seconds;
    batch.milp.relative_gap = options.gap;
    batch.milp.verbose = options.verbose;
    batch.fallback_placer = placer_name;
    batch.write_model_path = options.model_file;
    return solve_batch_placement(cluster, wave, batch);
  }
  const Cluster before = cluster;
  BatchResult result;
  result.placement = make_placer(placer_name).value()->place(cluster, wave);
  result.solver = "greedy (" + placer_name + ")";
  result.status = result.placement.all_placed() ? SolveStatus::kFeasible : SolveStatus::kInfeasible;
  if (!result.placement.all_placed())
    result.note = "capacity: " + result.placement.unplaced[0].reason;
  result.objective = batch_objective_value(before, wave, result.placement, objective);
  result.bound = objective == BatchObjective::kBalance ? 0 : result.objective;
  return result;
}

constexpr double kMillisPerHour = 3.6e6;
constexpr double kWattsPerKilowatt = 1000;

// balance: the peak utilization of any wave; energy: each wave's power draw (the batch model's
// watts) for as long as the wave lasts, in kWh.
void add_wave_objective(PlanResult& total, const BatchResult& wave, BatchObjective objective,
                        int64_t wave_ms) {
  if (objective == BatchObjective::kBalance) {
    total.objective = std::max(total.objective, wave.objective);
    total.bound = std::max(total.bound, wave.bound);
    return;
  }
  double kilowatt_hours = static_cast<double>(wave_ms) / kMillisPerHour / kWattsPerKilowatt;
  total.objective += wave.objective * kilowatt_hours;
  total.bound += wave.bound * kilowatt_hours;
}

// balance and energy are placement objectives: the graph runs wave by wave (a wave starts when
// the previous one has finished) and each wave is one batch placement of independent tasks.
int run_wave_placement(const Cluster& cluster, std::vector<Task> tasks,
                       const PlanOptions& options) {
  if (options.solver != "milp" && options.solver != "greedy") {
    return report_bad_input(
        invalid_argument("--objective " + options.objective +
                         " is a placement objective: use --solver milp or greedy"));
  }
  BatchObjective objective = parse_batch_objective(options.objective).value();
  auto waves = dependency_waves(tasks);
  if (!waves.ok()) return report_bad_input(waves.status());
  auto problem = PlanProblem::create(cluster, tasks);
  if (!problem.ok()) return report_bad_input(problem.status());
  PlanResult total;
  total.status = SolveStatus::kOptimal;
  int64_t wave_start_ms = 0;
  for (const std::vector<size_t>& wave_indices : *waves) {
    std::vector<Task> wave;
    for (size_t index : wave_indices) wave.push_back(tasks[index]);
    Cluster fresh = cluster;
    BatchResult placed =
        place_wave(fresh, wave, objective, options,
                   options.time_limit_seconds / static_cast<double>(waves->size()));
    total.solver = placed.solver;
    total.solve_seconds += placed.solve_seconds;
    if (placed.status == SolveStatus::kInfeasible) {
      total.status = SolveStatus::kInfeasible;
      total.note = placed.note;
      break;
    }
    if (placed.status != SolveStatus::kOptimal && total.status == SolveStatus::kOptimal) {
      total.status = placed.status;
    }
    if (!placed.note.empty()) total.note = placed.note;
    int64_t wave_end_ms = wave_start_ms;
    for (const Assignment& assignment : placed.placement.assignments) {
      size_t task = wave_indices[static_cast<size_t>(
          std::find_if(wave.begin(), wave.end(),
                       [&](const Task& candidate) { return candidate.id == assignment.task_id; }) -
          wave.begin())];
      int64_t end_ms =
          wave_start_ms + duration_on(tasks[task], cluster.node(assignment.node_index));
      total.plan.replicas.push_back(
          {task, assignment.replica, assignment.node_index, wave_start_ms, end_ms});
      wave_end_ms = std::max(wave_end_ms, end_ms);
    }
    add_wave_objective(total, placed, objective, wave_end_ms - wave_start_ms);
    wave_start_ms = wave_end_ms;
  }
  sort_plan(total.plan);
  if (total.status == SolveStatus::kInfeasible) {
    std::cout << "status: infeasible\nreason: " << total.note << '\n';
    return kExitUnplaced;
  }
  if (Status valid = validate_plan(cluster, problem->tasks(), total.plan); !valid.ok()) {
    std::cerr << "error: the wave plan fails validation: " << valid.message() << '\n';
    return kExitError;
  }
  print_plan_table(*problem, total.plan, std::cout);
  bool balance = objective == BatchObjective::kBalance;
  auto value_text = [balance](double value) {
    return balance ? percent_text(value) + " peak utilization"
                   : format_number(std::round(value * 1000) / 1000) +
                         " kWh (each wave's power draw x its duration)";
  };
  std::cout << '\n'
            << options.objective << ": " << value_text(total.objective) << '\n'
            << "bound: " << value_text(total.bound) << '\n'
            << "gap: "
            << percent_text(std::abs(total.objective - total.bound) /
                            std::max(1e-9, std::abs(total.objective)))
            << '\n'
            << "status: " << solve_status_name(total.status) << '\n'
            << "solver: " << total.solver << '\n'
            << "time: " << seconds_text(total.solve_seconds) << '\n'
            << "waves: " << waves->size() << ", makespan " << clock_text(plan_makespan(total.plan))
            << '\n';
  if (!total.note.empty()) std::cout << "note: " << total.note << '\n';
  if (!options.gantt_file.empty()) {
    if (Status written = write_gantt(options.gantt_file, *problem, total.plan,
                                     "fulcrum plan: " + options.objective);
        !written.ok()) {
      return report_bad_input(written);
    }
  }
  return kExitOk;
}

int run_plan(const PlanOptions& options) {
  auto cluster = load_cluster_file(options.cluster_file);
  if (!cluster.ok()) return report_bad_input(cluster.status());
  auto tasks = load_tasks_file(options.tasks_file);
  if (!tasks.ok()) return report_bad_input(tasks.status());
  if (!options.gantt_file.empty() && !options.gantt_file.ends_with(".svg") &&
      !options.gantt_file.ends_with(".png")) {
    return report_bad_input(invalid_argument("--gantt \"" + options.gantt_file +
                                             "\": expected a file name ending in .svg or .png"));
  }
  if (options.objective == "balance" || options.objective == "energy") {
    return run_wave_placement(*cluster, *tasks, options);
  }
  auto objective = parse_plan_objective(options.objective);
  if (!objective.ok()) return report_bad_input(objective.status());
  auto planner = planner_for(options);
  if (!planner.ok()) return report_bad_input(planner.status());
  auto problem = PlanProblem::create(*cluster, std::move(*tasks));
  if (!problem.ok()) return report_bad_input(problem.status());
  PlanResult result = run_planner(**planner, *problem, *objective);
  return report_result(*problem, *cluster, *objective, result, options);
}

}  // namespace

void add_plan_command(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<PlanOptions>();
  auto* command = app.add_subcommand(
      "plan",
      "Plan a task graph in time on a cluster (task, node, start, end) and report the objective, "
      "the best bound, the gap and the solve time (exit 3 if no plan exists).");
  command->add_option("--cluster", options->cluster_file, "Cluster YAML file")->required();
  command->add_option("--tasks", options->tasks_file, "Task YAML file")->required();
  command->add_option("--solver", options->solver, "milp | heft | anneal | greedy")
      ->capture_default_str();
  command
      ->add_option("--objective", options->objective,
                   "makespan | weighted_completion | balance | energy")
      ->capture_default_str();
  command->add_option("--time-limit", options->time_limit_seconds, "Seconds the MILP may search")
      ->capture_default_str();
  command->add_option("--gap", options->gap, "Relative gap at which the MILP stops")
      ->capture_default_str();
  command->add_option("--seed", options->seed, "Random seed of anneal")->capture_default_str();
  command->add_option("--gantt", options->gantt_file,
                      "Write a Gantt chart (.svg, or .png drawn with python3-matplotlib)");
  command->add_option("--write-model", options->model_file,
                      "Write the MILP model (.lp CPLEX-LP or .mps) before solving");
  command
      ->add_option("--formulation", options->formulation,
                   "MILP model: time_indexed | disjunctive (one-task-at-a-time nodes only)")
      ->capture_default_str();
  command->add_flag("--verbose", options->verbose, "Show CBC's log");
  command->callback([options, &exit_code] { exit_code = run_plan(*options); });
}

}  // namespace fulcrum
