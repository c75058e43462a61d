#include "milp/batch_placement.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>

#include "core/yaml_reader.h"

#include "placement/feasibility.h"
#include "placement/registry.h"

namespace fulcrum {

std::string_view batch_objective_name(BatchObjective objective) {
  switch (objective) {
    case BatchObjective::kPlacedWork: return "placed_work";
    case BatchObjective::kBalance: return "balance";
    case BatchObjective::kEnergy: return "energy";
    case BatchObjective::kThroughput: return "throughput";
  }
  return "unknown";
}

Result<BatchObjective> parse_batch_objective(std::string_view name) {
  for (BatchObjective objective : {BatchObjective::kPlacedWork, BatchObjective::kBalance,
                                   BatchObjective::kEnergy, BatchObjective::kThroughput}) {
    if (batch_objective_name(objective) == name) return objective;
  }
  return invalid_argument("objective \"" + std::string(name) +
                          "\": expected placed_work, balance, energy or throughput");
}

double BatchResult::gap() const {
  if (status == SolveStatus::kInfeasible || (objective == 0 && bound == 0)) return 0;
  return std::abs(bound - objective) / std::max(1e-9, std::abs(objective));
}

namespace {

bool maximized(BatchObjective objective) {
  return objective == BatchObjective::kPlacedWork || objective == BatchObjective::kThroughput;
}

double work_value(const Task& task) {
  double minutes = static_cast<double>(task.estimated_duration_ms) / 60000.0;
  return task_weight(task) * task.replicas * std::max(1.0, minutes);
}

// speed(j, n) / the fastest speed j has on any node it can run on.
double speed_ratio(const Cluster& cluster, const Task& task, size_t node) {
  auto speed_on = [&task](const Node& candidate) {
    auto found = task.speed.find(node_class(candidate));
    return found == task.speed.end() ? 1.0 : found->second;
  };
  double fastest = 0;
  for (const Node& candidate : cluster.nodes()) {
    if (node_can_run(candidate, task)) fastest = std::max(fastest, speed_on(candidate));
  }
  return fastest > 0 ? speed_on(cluster.node(node)) / fastest : 0;
}

// Fractions of capacity in cpu, memory and gpu (only dimensions the node has).
std::vector<double> shares(const ResourceVector& amount, const ResourceVector& capacity) {
  std::vector<double> result;
  auto add = [&result](int64_t used, int64_t total) {
    if (total > 0) result.push_back(static_cast<double>(used) / static_cast<double>(total));
  };
  add(amount.cpu_millis, capacity.cpu_millis);
  add(amount.memory_bytes, capacity.memory_bytes);
  add(amount.gpu_milli, capacity.gpu_milli);
  return result;
}

// Share of the node's power-driving dimension: GPUs on GPU nodes, cores elsewhere.
double power_share(const ResourceVector& amount, const Node& node) {
  if (node.has_gpus()) {
    return static_cast<double>(amount.gpu_milli) / static_cast<double>(node.capacity.gpu_milli);
  }
  if (node.capacity.cpu_millis == 0) return 0;
  return static_cast<double>(amount.cpu_millis) / static_cast<double>(node.capacity.cpu_millis);
}

double dynamic_watts(const Node& node) {
  return node.power ? node.power->peak_watts - node.power->idle_watts : 0;
}
double idle_watts(const Node& node) { return node.power ? node.power->idle_watts : 0; }

struct Assigned {
  size_t task;
  size_t node;
  int column;
};

struct BatchModel {
  MilpModel model;
  std::vector<Assigned> assigned;
  std::vector<int> placed;  // p[j]
  std::vector<int> on;      // on[n] or -1
  int utilization = -1;     // U
  double constant = 0;      // objective part fixed by what is already allocated
};

BatchModel build_base(const Cluster& cluster, std::span<const Task> tasks,
                      const BatchOptions& options) {
  BatchModel built;
  MilpModel& model = built.model;
  std::vector<std::vector<std::pair<size_t, int>>> by_node(cluster.size());
  for (size_t task = 0; task < tasks.size(); ++task) {
    const Task& spec = tasks[task];
    double lower = options.place_all ? 1 : 0;
    built.placed.push_back(model.add_variable("p_" + std::to_string(task), lower, 1, 0, true));
    MilpModel::Terms gang{{built.placed.back(), -spec.replicas}};
    int most = options.anti_affinity ? 1 : spec.replicas;
    for (size_t node = 0; node < cluster.size(); ++node) {
      if (!node_can_run(cluster.node(node), spec)) continue;
      int column = model.add_variable("x_" + std::to_string(task) + "_" + std::to_string(node), 0,
                                      most, 0, true);
      built.assigned.push_back({task, node, column});
      gang.emplace_back(column, 1);
      by_node[node].emplace_back(task, column);
    }
    model.add_row("gang_" + std::to_string(task), 0, 0, gang);
  }
  for (size_t node = 0; node < cluster.size(); ++node) {
    ResourceVector free = cluster.node(node).free();
    auto capacity_row = [&](const std::string& dimension, int64_t available, auto amount_of) {
      MilpModel::Terms terms;
      double most = 0;
      for (const auto& [task, column] : by_node[node]) {
        auto amount = static_cast<double>(amount_of(tasks[task].demand));
        if (amount <= 0) continue;
        terms.emplace_back(column, amount);
        most += amount * tasks[task].replicas;
      }
      if (most <= static_cast<double>(available)) return;
      // In fractions of what is free: bytes and millicores side by side make the LP unstable.
      auto scale = static_cast<double>(std::max<int64_t>(available, 1));
      for (auto& term : terms) term.second /= scale;
      model.add_row("cap_" + std::to_string(node) + "_" + dimension, -1e30,
                    static_cast<double>(available) / scale, terms);
    };
    capacity_row("cpu", free.cpu_millis, [](const ResourceVector& d) { return d.cpu_millis; });
    capacity_row("memory", free.memory_bytes,
                 [](const ResourceVector& d) { return d.memory_bytes; });
    capacity_row("gpu", free.gpu_milli, [](const ResourceVector& d) { return d.gpu_milli; });
    std::map<std::string, bool> extended;
    for (const auto& [task, column] : by_node[node]) {
      for (const auto& [name, amount] : tasks[task].demand.extended) extended[name] = true;
    }
    for (const auto& [name, present] : extended) {
      capacity_row(name, free.extended_amount(name),
                   [&name](const ResourceVector& d) { return d.extended_amount(name); });
    }
  }
  built.on.assign(cluster.size(), -1);
  return built;
}

void set_work_objective(BatchModel& built, std::span<const Task> tasks, double scale) {
  for (size_t task = 0; task < tasks.size(); ++task) {
    built.model.set_cost(built.placed[task], -scale * work_value(tasks[task]));
  }
}

void set_balance_objective(BatchModel& built, const Cluster& cluster, std::span<const Task> tasks) {
  MilpModel& model = built.model;
  built.utilization = model.add_variable("U", 0, 1e6, 1, false);
  for (size_t node = 0; node < cluster.size(); ++node) {
    const Node& spec = cluster.node(node);
    if (!spec.schedulable()) continue;
    std::vector<double> already = shares(spec.allocated, spec.capacity);
    std::vector<MilpModel::Terms> rows(already.size());
    for (const Assigned& entry : built.assigned) {
      if (entry.node != node) continue;
      std::vector<double> share = shares(tasks[entry.task].demand, spec.capacity);
      for (size_t dimension = 0; dimension < rows.size(); ++dimension) {
        if (share[dimension] > 0) rows[dimension].emplace_back(entry.column, share[dimension]);
      }
    }
    for (size_t dimension = 0; dimension < rows.size(); ++dimension) {
      rows[dimension].emplace_back(built.utilization, -1);
      model.add_row("util_" + std::to_string(node) + "_" + std::to_string(dimension), -1e30,
                    -already[dimension], rows[dimension]);
    }
  }
}

void set_energy_objective(BatchModel& built, const Cluster& cluster, std::span<const Task> tasks) {
  MilpModel& model = built.model;
  for (size_t node = 0; node < cluster.size(); ++node) {
    const Node& spec = cluster.node(node);
    if (!spec.allocated.is_zero()) {
      built.constant += idle_watts(spec) + dynamic_watts(spec) * power_share(spec.allocated, spec);
    }
  }
  for (const Assigned& entry : built.assigned) {
    const Node& spec = cluster.node(entry.node);
    model.set_cost(entry.column, dynamic_watts(spec) * power_share(tasks[entry.task].demand, spec));
    if (!spec.allocated.is_zero()) continue;
    int& on = built.on[entry.node];
    if (on < 0)
      on = model.add_variable("on_" + std::to_string(entry.node), 0, 1, idle_watts(spec), true);
    model.add_row("powered_" + std::to_string(entry.task) + "_" + std::to_string(entry.node), -1e30,
                  0, {{entry.column, 1}, {on, -tasks[entry.task].replicas}});
  }
}

void set_throughput_objective(BatchModel& built, const Cluster& cluster,
                              std::span<const Task> tasks) {
  for (const Assigned& entry : built.assigned) {
    const Task& task = tasks[entry.task];
    built.model.set_cost(entry.column, -speed_ratio(cluster, task, entry.node) / task.replicas);
  }
}

// Replica counts per (task, node) of a placement.
std::map<std::pair<size_t, size_t>, int> counts_of(std::span<const Task> tasks,
                                                   const Placement& placement) {
  std::map<std::string_view, size_t> index;
  for (size_t task = 0; task < tasks.size(); ++task) index[tasks[task].id] = task;
  std::map<std::pair<size_t, size_t>, int> counts;
  for (const Assignment& assignment : placement.assignments) {
    ++counts[{index.at(assignment.task_id), assignment.node_index}];
  }
  return counts;
}

// Values of every model variable for `placement`, or empty when the model cannot express it.
std::vector<double> warm_values(const BatchModel& built, const Cluster& cluster,
                                std::span<const Task> tasks, const Placement& placement,
                                const BatchOptions& options) {
  std::vector<double> values(built.model.variable_count(), 0);
  auto counts = counts_of(tasks, placement);
  for (const Assigned& entry : built.assigned) {
    auto found = counts.find({entry.task, entry.node});
    if (found == counts.end()) continue;
    if (options.anti_affinity && found->second > 1) return {};
    values[entry.column] = found->second;
    values[built.placed[entry.task]] = 1;
    if (built.on[entry.node] >= 0) values[built.on[entry.node]] = 1;
  }
  if (options.place_all && !placement.unplaced.empty()) return {};
  if (built.utilization >= 0) {
    values[built.utilization] =
        batch_objective_value(cluster, tasks, placement, BatchObjective::kBalance);
  }
  return values;
}

// Allocates the model's answer on `cluster`; a task whose GPU devices do not fit is left out.
Placement apply(Cluster& cluster, std::span<const Task> tasks, const BatchModel& built,
                const std::vector<double>& values) {
  Placement placement;
  std::vector<std::vector<std::pair<size_t, int>>> per_task(tasks.size());
  for (const Assigned& entry : built.assigned) {
    int count = static_cast<int>(std::lround(values[entry.column]));
    if (count > 0) per_task[entry.task].emplace_back(entry.node, count);
  }
  for (size_t task = 0; task < tasks.size(); ++task) {
    std::vector<Assignment> made;
    bool failed = false;
    for (const auto& [node, count] : per_task[task]) {
      for (int copy = 0; copy < count && !failed; ++copy) {
        auto assignment = cluster.allocate(node, tasks[task], static_cast<int>(made.size()));
        if (assignment) made.push_back(*assignment);
        failed = !assignment;
      }
    }
    if (!failed && !made.empty()) {
      placement.assignments.insert(placement.assignments.end(), made.begin(), made.end());
      continue;
    }
    for (const Assignment& assignment : made) cluster.release(assignment);
    placement.unplaced.push_back(
        {tasks[task].id, failed ? "GPU devices too fragmented for the planned placement"
                                : explain_unplaceable(cluster, tasks[task])});
  }
  return placement;
}

double seconds_since(std::chrono::steady_clock::time_point started) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
}

// Why `tasks` cannot all be placed: a per-task family, else their joint capacity.
Status blocking_reason(const Cluster& cluster, std::span<const Task> tasks) {
  for (const Task& task : tasks)
    FULCRUM_RETURN_IF_ERROR(check_task_placeable(task, cluster.nodes()));
  return {ErrorCode::kResourceExhausted,
          "capacity: the tasks together need more than the free capacity of the nodes that can "
          "run them"};
}

}  // namespace

double batch_objective_value(const Cluster& before, std::span<const Task> tasks,
                             const Placement& placement, BatchObjective objective) {
  auto counts = counts_of(tasks, placement);
  std::vector<ResourceVector> added(before.size());
  std::vector<bool> placed(tasks.size(), false);
  double throughput = 0;
  for (const auto& [key, count] : counts) {
    const auto& [task, node] = key;
    placed[task] = true;
    for (int copy = 0; copy < count; ++copy) added[node] += tasks[task].demand;
    throughput += speed_ratio(before, tasks[task], node) * count / tasks[task].replicas;
  }
  double value = 0;
  switch (objective) {
    case BatchObjective::kPlacedWork:
      for (size_t task = 0; task < tasks.size(); ++task)
        value += placed[task] ? work_value(tasks[task]) : 0;
      return value;
    case BatchObjective::kThroughput: return throughput;
    case BatchObjective::kBalance:
      for (size_t node = 0; node < before.size(); ++node) {
        const Node& spec = before.node(node);
        if (!spec.schedulable()) continue;
        for (double share : shares(spec.allocated + added[node], spec.capacity))
          value = std::max(value, share);
      }
      return value;
    case BatchObjective::kEnergy:
      for (size_t node = 0; node < before.size(); ++node) {
        const Node& spec = before.node(node);
        ResourceVector used = spec.allocated + added[node];
        if (used.is_zero()) continue;
        value += idle_watts(spec) + dynamic_watts(spec) * power_share(used, spec);
      }
      return value;
  }
  return value;
}

BatchResult solve_batch_placement(Cluster& cluster, std::span<const Task> tasks,
                                  const BatchOptions& options) {
  auto started = std::chrono::steady_clock::now();
  const Cluster before = cluster;
  BatchResult result;
  auto placer = make_placer(options.fallback_placer);
  Cluster heuristic_cluster = cluster;
  Placement heuristic;
  if (placer.ok()) heuristic = (*placer)->place(heuristic_cluster, tasks);

  BatchModel built = build_base(before, tasks, options);
  if (built.assigned.size() > options.max_variables && placer.ok()) {
    result.placement = (*placer)->place(cluster, tasks);
    result.solver = options.fallback_placer;
    result.status = result.placement.all_placed() || !options.place_all ? SolveStatus::kFeasible
                                                                        : SolveStatus::kInfeasible;
    result.objective = batch_objective_value(before, tasks, result.placement, options.objective);
    result.bound = result.objective;
    result.note = "milp: model too large (" + std::to_string(built.assigned.size()) +
                  " assignment variables); using " + options.fallback_placer +
                  " with the trivial bound";
    if (maximized(options.objective)) {
      result.bound = 0;
      for (const Task& task : tasks) {
        result.bound += options.objective == BatchObjective::kPlacedWork ? work_value(task) : 1;
      }
    } else {
      result.bound = 0;
    }
    result.solve_seconds = seconds_since(started);
    return result;
  }
  bool lexicographic = !options.place_all && options.objective != BatchObjective::kPlacedWork;
  MilpOptions stage_options = options.milp;
  if (lexicographic) {
    stage_options.time_limit_seconds /= 2;
    set_work_objective(built, tasks, 1);
    MilpSolution first =
        built.model.solve(stage_options, warm_values(built, before, tasks, heuristic, options));
    double level = first.has_solution ? -first.objective : 0;
    if (first.has_solution) {  // stage 1's answer meets the placed-work level: the next warm start
      Cluster scratch = before;
      heuristic = apply(scratch, tasks, built, first.values);
    }
    MilpModel::Terms work;
    for (size_t task = 0; task < tasks.size(); ++task) {
      work.emplace_back(built.placed[task], work_value(tasks[task]));
    }
    built.model.add_row("placed_work", level - 1e-6 * std::max(1.0, level), 1e30, work);
    set_work_objective(built, tasks, 0);
    stage_options.time_limit_seconds =
        std::max(0.01, options.milp.time_limit_seconds - seconds_since(started));
  } else if (options.objective == BatchObjective::kPlacedWork) {
    set_work_objective(built, tasks, 1);
  }
  if (options.objective == BatchObjective::kBalance) set_balance_objective(built, before, tasks);
  if (options.objective == BatchObjective::kEnergy) set_energy_objective(built, before, tasks);
  if (options.objective == BatchObjective::kThroughput)
    set_throughput_objective(built, before, tasks);
  if (!options.write_model_path.empty()) {
    if (Status written = built.model.write(options.write_model_path); !written.ok()) {
      result.note = written.message();
    }
  }
  MilpSolution solution =
      built.model.solve(stage_options, warm_values(built, before, tasks, heuristic, options));
  double sign = maximized(options.objective) ? -1 : 1;
  if (solution.has_solution) {
    result.placement = apply(cluster, tasks, built, solution.values);
    result.solver = "milp";
    result.status = solution.status;
    result.bound = sign * solution.bound + built.constant;
  } else if (solution.status == SolveStatus::kInfeasible || !placer.ok()) {
    result.status = SolveStatus::kInfeasible;
    result.solver = "milp";
    result.note = blocking_reason(before, tasks).message();
    result.solve_seconds = seconds_since(started);
    return result;
  } else {
    result.placement = (*placer)->place(cluster, tasks);
    result.solver = options.fallback_placer;
    result.status = SolveStatus::kFeasible;
    result.bound = sign * solution.bound + built.constant;
    result.note = "milp: time limit reached without a placement; using " + options.fallback_placer;
  }
  result.objective = batch_objective_value(before, tasks, result.placement, options.objective);
  if (result.gap() <= options.milp.relative_gap + 1e-9 && solution.has_solution) {
    result.status = SolveStatus::kOptimal;
  }
  result.solve_seconds = seconds_since(started);
  return result;
}

}  // namespace fulcrum
