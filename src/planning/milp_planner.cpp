#include "planning/milp_planner.h"

#include <algorithm>
#include <cmath>
#include <map>

#include "planning/anneal_planner.h"
#include "planning/greedy_planner.h"
#include "planning/heft_planner.h"
#include "planning/list_scheduler.h"
#include "planning/milp_disjunctive.h"

namespace fulcrum {

namespace {

// Durations in slots and the window [earliest, latest(n)] each task can start in.
struct SlotWindows {
  std::vector<int64_t> earliest;
  std::vector<int64_t> tail;      // shortest time its successors need after it ends
  std::vector<int64_t> deadline;  // latest completion in an optimal plan (slots)

  SlotWindows(const PlanProblem& problem, int64_t slot_ms, int64_t horizon)
      : earliest(problem.task_count(), 0),
        tail(problem.task_count(), 0),
        deadline(problem.task_count(), horizon),
        slot_ms_(slot_ms) {
    const std::vector<size_t>& order = problem.topological_order();
    for (size_t task : order) {
      for (size_t predecessor : problem.predecessors(task)) {
        earliest[task] =
            std::max(earliest[task], earliest[predecessor] + shortest(problem, predecessor));
      }
    }
    for (auto it = order.rbegin(); it != order.rend(); ++it) {
      for (size_t successor : problem.successors(*it)) {
        tail[*it] = std::max(tail[*it], shortest(problem, successor) + tail[successor]);
      }
      deadline[*it] = horizon - tail[*it];
    }
  }

  // With weighted completion and a plan of cost `upper_bound` (slots x weight), task j cannot
  // finish after (upper_bound - sum of the others' least cost) / weight(j) in a better plan.
  void tighten_for_weighted_completion(const PlanProblem& problem, double upper_bound) {
    double least_total = 0;
    std::vector<double> least(problem.task_count());
    for (size_t task = 0; task < problem.task_count(); ++task) {
      least[task] = task_weight(problem.task(task)) *
                    static_cast<double>(earliest[task] + shortest(problem, task));
      least_total += least[task];
    }
    const std::vector<size_t>& order = problem.topological_order();
    for (auto it = order.rbegin(); it != order.rend(); ++it) {
      size_t task = *it;
      double slack = (upper_bound - least_total + least[task]) / task_weight(problem.task(task));
      deadline[task] = std::min(deadline[task], static_cast<int64_t>(std::floor(slack + 1e-9)));
      for (size_t successor : problem.successors(task)) {
        deadline[task] =
            std::min(deadline[task], deadline[successor] - shortest(problem, successor));
      }
    }
  }

  int64_t slots(const PlanProblem& problem, size_t task, size_t node) const {
    return problem.duration(task, node) / slot_ms_;
  }
  int64_t latest(const PlanProblem& problem, size_t task, size_t node) const {
    return deadline[task] - slots(problem, task, node);
  }
  int64_t shortest(const PlanProblem& problem, size_t task) const {
    return problem.shortest_duration(task) / slot_ms_;
  }

 private:
  int64_t slot_ms_;
};

size_t count_variables(const PlanProblem& problem, const SlotWindows& windows) {
  size_t count = 0;
  for (size_t task = 0; task < problem.task_count(); ++task) {
    for (size_t node : problem.eligible_nodes(task)) {
      int64_t span = windows.latest(problem, task, node) - windows.earliest[task] + 1;
      count += static_cast<size_t>(std::max<int64_t>(0, span));
    }
  }
  return count;
}

struct StartVariable {
  int column;
  size_t task;
  size_t node;
  int64_t slot;
};

// The resource dimensions a capacity row is written for.
std::vector<std::string> dimensions_of(const PlanProblem& problem) {
  std::vector<std::string> dimensions = {"cpu", "memory", "gpu"};
  std::map<std::string, bool> extended;
  for (const Task& task : problem.tasks()) {
    for (const auto& [name, amount] : task.demand.extended) extended[name] = true;
  }
  for (const auto& [name, present] : extended) dimensions.push_back(name);
  return dimensions;
}

double amount_in(const ResourceVector& vector, size_t dimension, const std::string& name) {
  if (dimension == 0) return static_cast<double>(vector.cpu_millis);
  if (dimension == 1) return static_cast<double>(vector.memory_bytes);
  if (dimension == 2) return static_cast<double>(vector.gpu_milli);
  return static_cast<double>(vector.extended_amount(name));
}

std::string column_name(const char* kind, size_t task, size_t node, int64_t slot) {
  return std::string(kind) + "_" + std::to_string(task) + "_" + std::to_string(node) + "_" +
         std::to_string(slot);
}

void add_capacity_rows(const PlanProblem& problem, const SlotWindows& windows,
                       const std::vector<StartVariable>& starts, int64_t horizon,
                       MilpModel& model) {
  std::vector<std::string> dimensions = dimensions_of(problem);
  // running[node][slot]: start variables whose replicas run in that slot.
  std::vector<std::vector<std::vector<size_t>>> running(
      problem.node_count(), std::vector<std::vector<size_t>>(static_cast<size_t>(horizon)));
  for (size_t index = 0; index < starts.size(); ++index) {
    const StartVariable& start = starts[index];
    int64_t end = start.slot + windows.slots(problem, start.task, start.node);
    for (int64_t slot = start.slot; slot < end && slot < horizon; ++slot) {
      running[start.node][static_cast<size_t>(slot)].push_back(index);
    }
  }
  for (size_t node = 0; node < problem.node_count(); ++node) {
    for (int64_t slot = 0; slot < horizon; ++slot) {
      const std::vector<size_t>& here = running[node][static_cast<size_t>(slot)];
      for (size_t dimension = 0; dimension < dimensions.size(); ++dimension) {
        double capacity = amount_in(problem.capacity(node), dimension, dimensions[dimension]);
        // The most each task could use here at once; no row when even that fits.
        std::map<size_t, double> most_by_task;
        MilpModel::Terms terms;
        for (size_t index : here) {
          const Task& task = problem.task(starts[index].task);
          double amount = amount_in(task.demand, dimension, dimensions[dimension]);
          if (amount <= 0) continue;
          terms.emplace_back(starts[index].column, amount);
          most_by_task[starts[index].task] = amount * task.replicas;
        }
        double most = 0;
        for (const auto& [task, amount] : most_by_task) most += amount;
        if (most <= capacity) continue;
        // In fractions of the capacity: bytes and millicores side by side make the LP unstable.
        for (auto& term : terms) term.second = capacity > 0 ? term.second / capacity : term.second;
        model.add_row("cap_" + std::to_string(node) + "_" + std::to_string(slot) + "_" +
                          std::to_string(dimension),
                      -1e30, capacity > 0 ? 1 : 0, terms);
      }
    }
  }
}

// For single-replica i -> k and each slot t: k has started by t only if i has finished by t.
// Much tighter than start(k) >= C[i] alone; added while the rows stay below a size budget.
void add_strong_precedence_rows(const PlanProblem& problem, const SlotWindows& windows,
                                const std::vector<StartVariable>& starts, MilpModel& model) {
  constexpr size_t kTermBudget = 400'000;
  std::vector<std::vector<const StartVariable*>> by_task(problem.task_count());
  for (const StartVariable& start : starts) by_task[start.task].push_back(&start);
  size_t terms_added = 0;
  for (size_t task = 0; task < problem.task_count(); ++task) {
    if (problem.task(task).replicas > 1) continue;
    for (size_t predecessor : problem.predecessors(task)) {
      if (problem.task(predecessor).replicas > 1) continue;
      int64_t last = windows.earliest[task];
      for (const StartVariable* start : by_task[task]) last = std::max(last, start->slot);
      for (int64_t slot = windows.earliest[task]; slot <= last; ++slot) {
        MilpModel::Terms terms;
        for (const StartVariable* start : by_task[task]) {
          if (start->slot <= slot) terms.emplace_back(start->column, 1);
        }
        for (const StartVariable* start : by_task[predecessor]) {
          if (start->slot + windows.slots(problem, predecessor, start->node) <= slot) {
            terms.emplace_back(start->column, -1);
          }
        }
        terms_added += terms.size();
        if (terms_added > kTermBudget) return;
        model.add_row("prec_" + std::to_string(task) + "_" + std::to_string(predecessor) + "_" +
                          std::to_string(slot),
                      -1e30, 0, terms);
      }
    }
  }
}

}  // namespace

TimeIndexedModel build_time_indexed_model(const PlanProblem& problem, PlanObjective objective,
                                          int64_t slot_ms, int64_t horizon, const Plan* warm) {
  TimeIndexedModel built;
  MilpModel& model = built.model;
  SlotWindows windows(problem, slot_ms, horizon);
  if (warm != nullptr && objective == PlanObjective::kWeightedCompletion) {
    windows.tighten_for_weighted_completion(
        problem, plan_objective(problem.tasks(), *warm, objective) / static_cast<double>(slot_ms));
  }
  size_t task_count = problem.task_count();
  std::vector<StartVariable> starts;
  std::map<std::tuple<size_t, size_t, int64_t>, int> start_column;
  std::vector<std::map<int64_t, int>> gang_start(task_count);  // y[j,t]
  std::vector<std::map<size_t, int>> gang_uses(task_count);    // w[j,n]
  std::vector<int> completion(task_count);
  for (size_t task = 0; task < task_count; ++task) {
    const Task& spec = problem.task(task);
    bool gang = spec.replicas > 1;
    for (size_t node : problem.eligible_nodes(task)) {
      int64_t latest = windows.latest(problem, task, node);
      for (int64_t slot = windows.earliest[task]; slot <= latest; ++slot) {
        int column =
            model.add_variable(column_name("x", task, node, slot), 0, spec.replicas, 0, true);
        starts.push_back({column, task, node, slot});
        start_column[{task, node, slot}] = column;
        if (gang && !gang_start[task].contains(slot)) {
          gang_start[task][slot] =
              model.add_variable(column_name("y", task, 0, slot), 0, 1, 0, true);
        }
      }
      if (gang)
        gang_uses[task][node] = model.add_variable(column_name("w", task, node, 0), 0, 1, 0, true);
    }
    double weight = objective == PlanObjective::kWeightedCompletion ? task_weight(spec) : 0;
    completion[task] = model.add_variable("C_" + std::to_string(task), 0,
                                          static_cast<double>(horizon), weight, false);
  }
  int makespan_column = -1;
  if (objective == PlanObjective::kMakespan) {
    makespan_column = model.add_variable("Cmax", 0, static_cast<double>(horizon), 1, false);
  }

  // Starts once; completion after the start on every node used.
  std::vector<MilpModel::Terms> start_terms(task_count);  // start(j) = sum slot * indicator
  std::vector<MilpModel::Terms> assign_terms(task_count);
  std::vector<MilpModel::Terms> completion_terms(task_count);
  std::map<std::pair<size_t, int64_t>, MilpModel::Terms> gang_slot_terms;
  std::map<std::pair<size_t, size_t>, MilpModel::Terms> gang_node_terms;
  for (const StartVariable& start : starts) {
    const Task& spec = problem.task(start.task);
    if (spec.replicas == 1) {
      assign_terms[start.task].emplace_back(start.column, 1);
      start_terms[start.task].emplace_back(start.column, static_cast<double>(start.slot));
      completion_terms[start.task].emplace_back(
          start.column,
          -static_cast<double>(start.slot + windows.slots(problem, start.task, start.node)));
    } else {
      gang_slot_terms[{start.task, start.slot}].emplace_back(start.column, 1);
      gang_node_terms[{start.task, start.node}].emplace_back(start.column, 1);
    }
  }
  for (auto& [key, terms] : gang_slot_terms) {
    terms.emplace_back(gang_start[key.first].at(key.second), -problem.task(key.first).replicas);
    model.add_row("gang_" + std::to_string(key.first) + "_" + std::to_string(key.second), 0, 0,
                  terms);
  }
  for (auto& [key, terms] : gang_node_terms) {
    terms.emplace_back(gang_uses[key.first].at(key.second), -problem.task(key.first).replicas);
    model.add_row("uses_" + std::to_string(key.first) + "_" + std::to_string(key.second), -1e30, 0,
                  terms);
  }
  for (size_t task = 0; task < task_count; ++task) {
    const Task& spec = problem.task(task);
    std::string suffix = "_" + std::to_string(task);
    if (spec.replicas == 1) {
      model.add_row("once" + suffix, 1, 1, assign_terms[task]);
      MilpModel::Terms terms = completion_terms[task];
      terms.emplace_back(completion[task], 1);
      model.add_row("end" + suffix, 0, 0, terms);
    } else {
      MilpModel::Terms once;
      for (const auto& [slot, column] : gang_start[task]) {
        once.emplace_back(column, 1);
        start_terms[task].emplace_back(column, static_cast<double>(slot));
      }
      model.add_row("once" + suffix, 1, 1, once);
      for (const auto& [node, column] : gang_uses[task]) {
        MilpModel::Terms terms = start_terms[task];
        for (auto& term : terms) term.second = -term.second;
        terms.emplace_back(column, -static_cast<double>(windows.slots(problem, task, node)));
        terms.emplace_back(completion[task], 1);
        model.add_row("end" + suffix + "_" + std::to_string(node), 0, 1e30, terms);
      }
    }
    if (makespan_column >= 0) {
      model.add_row("makespan" + suffix, 0, 1e30, {{makespan_column, 1}, {completion[task], -1}});
    }
  }
  for (size_t task = 0; task < task_count; ++task) {
    for (size_t predecessor : problem.predecessors(task)) {
      MilpModel::Terms terms = start_terms[task];
      terms.emplace_back(completion[predecessor], -1);
      model.add_row("after_" + std::to_string(task) + "_" + std::to_string(predecessor), 0, 1e30,
                    terms);
    }
  }
  // The combinatorial bound as a row lets CBC close the gap at the root when a plan meets it.
  double least =
      std::ceil(plan_lower_bound(problem, objective) / static_cast<double>(slot_ms) - 1e-9);
  MilpModel::Terms objective_terms;
  if (makespan_column >= 0) {
    objective_terms.emplace_back(makespan_column, 1);
  } else {
    for (size_t task = 0; task < task_count; ++task) {
      objective_terms.emplace_back(completion[task], task_weight(problem.task(task)));
    }
  }
  model.add_row("lower_bound", least, 1e30, objective_terms);
  add_strong_precedence_rows(problem, windows, starts, model);
  add_capacity_rows(problem, windows, starts, horizon, model);

  if (warm != nullptr) {
    std::vector<double>& values = built.warm_start;
    values.assign(model.variable_count(), 0);
    bool complete = true;
    std::vector<double> end_slot(task_count, 0);
    for (const PlannedReplica& replica : warm->replicas) {
      int64_t slot = replica.start_ms / slot_ms;
      auto found = start_column.find({replica.task, replica.node, slot});
      if (found == start_column.end()) {
        complete = false;
        break;
      }
      values[found->second] += 1;
      if (problem.task(replica.task).replicas > 1) {
        values[gang_start[replica.task].at(slot)] = 1;
        values[gang_uses[replica.task].at(replica.node)] = 1;
      }
      end_slot[replica.task] =
          std::max(end_slot[replica.task],
                   static_cast<double>(slot + windows.slots(problem, replica.task, replica.node)));
    }
    for (size_t task = 0; task < task_count; ++task) values[completion[task]] = end_slot[task];
    if (makespan_column >= 0) {
      values[makespan_column] = *std::max_element(end_slot.begin(), end_slot.end());
    }
    if (!complete) values.clear();
  }

  built.decode = [starts, slot_ms, &problem](const std::vector<double>& solution) {
    Plan plan;
    std::vector<int> next_replica(problem.task_count(), 0);
    for (const StartVariable& start : starts) {
      auto count = static_cast<int>(std::lround(solution[start.column]));
      for (int copy = 0; copy < count; ++copy) {
        int64_t start_ms = start.slot * slot_ms;
        plan.replicas.push_back({start.task, next_replica[start.task]++, start.node, start_ms,
                                 start_ms + problem.duration(start.task, start.node)});
      }
    }
    return plan;
  };
  return built;
}

namespace {

PlanResult best_heuristic(const PlanProblem& problem, PlanObjective objective) {
  HeftPlanner heft;
  GreedyPlanner greedy;
  PlanResult from_heft = heft.plan(problem, objective);
  PlanResult from_greedy = greedy.plan(problem, objective);
  if (from_greedy.status != SolveStatus::kInfeasible &&
      from_greedy.objective < from_heft.objective) {
    return from_greedy;
  }
  return from_heft;
}

// The heuristic answer, with the bound it has and why it stands in for the solver.
PlanResult fall_back(PlanResult heuristic, const std::string& reason) {
  heuristic.note = "milp: " + reason + "; using " + heuristic.solver + " (" + heuristic.note + ")";
  return heuristic;
}

// Every task after another, each at its longest: no active plan ends later.
int64_t serial_length_ms(const PlanProblem& problem) {
  int64_t total = 0;
  for (size_t task = 0; task < problem.task_count(); ++task) {
    int64_t longest = 0;
    for (size_t node : problem.eligible_nodes(task))
      longest = std::max(longest, problem.duration(task, node));
    total += longest;
  }
  return total;
}

// Writes the model when asked, then solves it into `solution`; the reason to fall back when that
// fails or gives no plan, else "".
std::string write_and_solve(const MilpModel& model, const std::vector<double>& warm_start,
                            const MilpPlanOptions& options, MilpSolution& solution) {
  if (!options.write_model_path.empty()) {
    if (Status written = model.write(options.write_model_path); !written.ok()) {
      return written.message();
    }
  }
  solution = model.solve(options.milp, warm_start);
  if (solution.has_solution) return "";
  return solution.status == SolveStatus::kInfeasible ? "CBC reports the model infeasible"
                                                     : "time limit reached without a plan";
}

// The disjunctive formulation (milp_disjunctive.h), warm-started from `first`.
PlanResult plan_disjunctive(const PlanProblem& problem, PlanObjective objective,
                            const PlanResult& first, const MilpPlanOptions& options) {
  if (Status applies = disjunctive_applies(problem); !applies.ok()) {
    return fall_back(first, applies.message());
  }
  // Measured on unary-node instances: CBC overran a 1 s limit by 1.5 s at 50 x 10 and by ~40 s
  // at 100 x 20 (docs/optimizer.md), so larger models are not built, as with the time-indexed one.
  if (size_t rows = disjunctive_ordering_rows(problem); rows > options.max_variables) {
    return fall_back(first, "model too large (" + std::to_string(rows) + " ordering rows)");
  }
  int64_t unit_ms = problem.duration_gcd();
  int64_t horizon_ms = plan_makespan(first.plan);
  if (objective == PlanObjective::kWeightedCompletion) {
    horizon_ms = serial_length_ms(problem);
  }
  DisjunctiveModel built =
      build_disjunctive_model(problem, objective, unit_ms, horizon_ms / unit_ms, &first.plan);
  MilpSolution solution;
  if (std::string failed = write_and_solve(built.model, built.warm_start, options, solution);
      !failed.empty()) {
    return fall_back(first, failed);
  }
  PlanResult result;
  result.plan = built.decode(solution.values);
  sort_plan(result.plan);
  result.solver = "milp";
  result.objective = plan_objective(problem.tasks(), result.plan, objective);
  result.solve_seconds = solution.seconds;
  result.bound =
      std::max(plan_lower_bound(problem, objective), solution.bound * static_cast<double>(unit_ms));
  result.status = solution.status;
  result.note = "disjunctive model, times in units of " + std::to_string(unit_ms) + "ms";
  if (result.gap() <= options.milp.relative_gap + 1e-12) result.status = SolveStatus::kOptimal;
  if (first.objective < result.objective)
    return fall_back(first, "the heuristic plan is better than the solver's");
  return result;
}

}  // namespace

PlanResult MilpPlanner::plan(const PlanProblem& problem, PlanObjective objective) {
  if (Status plannable = check_plannable(problem); !plannable.ok()) {
    return infeasible_result("milp", plannable);
  }
  PlanResult first = best_heuristic(problem, objective);
  if (first.status == SolveStatus::kInfeasible) return first;
  // Annealing from HEFT, on a short leash, often finds a better incumbent: a better answer when
  // the model is too large, and a shorter horizon (fewer start variables) when it is not.
  if (first.status != SolveStatus::kOptimal && options_.anneal_iterations > 0) {
    double seconds = std::min(1.0, 0.2 * options_.milp.time_limit_seconds);
    AnnealPlanner anneal(1, AnnealOptions{options_.anneal_iterations, seconds});
    PlanResult annealed = anneal.plan(problem, objective);
    if (annealed.status != SolveStatus::kInfeasible && annealed.objective < first.objective) {
      first = std::move(annealed);
    }
  }
  // A warm start that meets the bound leaves nothing to search (unless the model is wanted).
  if (first.status == SolveStatus::kOptimal && options_.write_model_path.empty()) {
    first.note = "the " + first.solver + " warm start meets the lower bound (" + first.note +
                 "); proven optimal without branching";
    first.solver = "milp";
    return first;
  }
  if (options_.formulation == MilpFormulation::kDisjunctive) {
    return plan_disjunctive(problem, objective, first, options_);
  }
  // Horizon: the heuristic's makespan bounds an optimal makespan; for weighted completion the
  // serial length (every task after another at its longest) bounds every active plan.
  int64_t horizon_ms = plan_makespan(first.plan);
  if (objective == PlanObjective::kWeightedCompletion) {
    horizon_ms = serial_length_ms(problem);
  }
  int64_t slot_ms = problem.duration_gcd();
  bool exact = true;
  if (horizon_ms / slot_ms > options_.max_slots) {
    exact = false;
    slot_ms = (horizon_ms + options_.max_slots - 1) / options_.max_slots;
  }
  PlanProblem gridded = exact ? problem : problem.with_durations_rounded_up(slot_ms);
  PlanResult warm = exact ? first : best_heuristic(gridded, objective);
  if (objective == PlanObjective::kMakespan) horizon_ms = plan_makespan(warm.plan);
  int64_t horizon = (horizon_ms + slot_ms - 1) / slot_ms;
  if (objective == PlanObjective::kWeightedCompletion && !exact) {
    horizon =
        std::max<int64_t>(options_.max_slots, (plan_makespan(warm.plan) + slot_ms - 1) / slot_ms);
  }

  SlotWindows windows(gridded, slot_ms, horizon);
  if (objective == PlanObjective::kWeightedCompletion) {
    windows.tighten_for_weighted_completion(gridded, warm.objective / static_cast<double>(slot_ms));
  }
  size_t variables = count_variables(gridded, windows);
  if (variables > options_.max_variables) {
    return fall_back(first, "model too large (" + std::to_string(variables) + " start variables)");
  }
  TimeIndexedModel built =
      build_time_indexed_model(gridded, objective, slot_ms, horizon, &warm.plan);
  MilpSolution solution;
  if (std::string failed = write_and_solve(built.model, built.warm_start, options_, solution);
      !failed.empty()) {
    return fall_back(first, failed);
  }
  PlanResult result;
  result.plan = with_true_durations(problem, built.decode(solution.values));
  sort_plan(result.plan);
  result.solver = "milp";
  result.objective = plan_objective(problem.tasks(), result.plan, objective);
  result.solve_seconds = solution.seconds;
  double combinatorial = plan_lower_bound(problem, objective);
  if (exact) {
    result.bound = std::max(combinatorial, solution.bound * static_cast<double>(slot_ms));
    result.status = solution.status;
    result.note = "time-indexed model, exact slots of " + std::to_string(slot_ms) + "ms";
  } else {
    result.bound = combinatorial;
    result.status = SolveStatus::kTimedOut;
    result.note = "time-indexed model on a coarse grid of " + std::to_string(slot_ms) +
                  "ms slots; bound from critical path and resource load";
  }
  if (result.gap() <= options_.milp.relative_gap + 1e-12) result.status = SolveStatus::kOptimal;
  if (first.objective < result.objective)
    return fall_back(first, "the heuristic plan is better on true durations");
  return result;
}

PlannerEntry milp_planner_entry() {
  return {"milp",
          "time-indexed MILP (CBC) warm-started from HEFT; reports bound and gap",
          {{"time_limit", "10", "seconds CBC may search"},
           {"gap", "0.000001", "relative gap at which a plan counts as optimal"},
           {"threads", "1", "CBC threads"},
           {"max_slots", "400", "time slots before the grid is coarsened"},
           {"write_model", "", "write the model to this .lp or .mps file before solving"},
           {"verbose", "0", "1 shows CBC's log"},
           {"formulation", "time_indexed",
            "time_indexed, or disjunctive (one-task-at-a-time nodes, no gangs)"}},
          [](const PolicyParams& params) -> Result<std::unique_ptr<Planner>> {
            MilpPlanOptions options;
            auto time_limit = params.get_double_in("time_limit", 10, 0.001, 1e6);
            if (!time_limit.ok()) return time_limit.status();
            auto gap = params.get_double_in("gap", 1e-6, 0, 1);
            if (!gap.ok()) return gap.status();
            auto threads = params.get_int_in("threads", 1, 1, 256);
            if (!threads.ok()) return threads.status();
            auto max_slots = params.get_int_in("max_slots", 400, 2, 100000);
            if (!max_slots.ok()) return max_slots.status();
            options.milp.time_limit_seconds = *time_limit;
            options.milp.relative_gap = *gap;
            options.milp.threads = static_cast<int>(*threads);
            options.max_slots = static_cast<int>(*max_slots);
            auto write_model = params.get_string("write_model", "");
            if (!write_model.ok()) return write_model.status();
            options.write_model_path = *write_model;
            auto verbose = params.get_int_in("verbose", 0, 0, 1);
            if (!verbose.ok()) return verbose.status();
            options.milp.verbose = *verbose == 1;
            auto formulation = params.get_string("formulation", "time_indexed");
            if (!formulation.ok()) return formulation.status();
            if (*formulation == "disjunctive") {
              options.formulation = MilpFormulation::kDisjunctive;
            } else if (*formulation != "time_indexed") {
              return invalid_argument("formulation \"" + *formulation +
                                      "\": expected time_indexed or disjunctive");
            }
            return std::unique_ptr<Planner>(std::make_unique<MilpPlanner>(options));
          }};
}

}  // namespace fulcrum
