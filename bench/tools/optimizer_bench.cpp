// Optimizer benchmark: generated instances of 20..1000 tasks on 5..200 nodes (mixed CPU/GPU,
// random DAGs of realistic shape). For the DAG plan (makespan) it prints, per solver, the solve
// time, the objective relative to HEFT and to greedy, the gap to the solver's bound and the
// status; for batch placement (independent tasks) the MILP against the best_fit placer.
// A second DAG table runs the same generator on a quarter of the nodes, where resources bind.
//   optimizer_bench [--seeds N] [--sizes 20x5,100x20,...] [--contended-sizes 20x2,...]
//                   [--formulation-sizes 10x2,...] [--only formulations]
//                   [--milp-time S] [--large-milp-time S]
// First a table of the time-indexed against the disjunctive MILP on one-task-at-a-time nodes.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "milp/batch_placement.h"
#include "placement/registry.h"
#include "planning/plan_validator.h"
#include "planning/planner.h"
#include "support/plan_instances.h"

namespace {

using namespace fulcrum;

struct Size {
  size_t tasks;
  size_t nodes;
};

struct Settings {
  int seeds = 3;
  std::vector<Size> sizes = {{20, 5}, {100, 20}, {500, 100}, {1000, 200}};
  // The same generator with a quarter of the nodes: resources bind (jobs queue for GPUs).
  std::vector<Size> contended_sizes = {{20, 2}, {100, 5}, {500, 25}, {1000, 50}};
  // Unary-node instances for the time-indexed vs disjunctive comparison.
  std::vector<Size> formulation_sizes = {{10, 2}, {20, 5}, {50, 10}, {100, 20}};
  double milp_seconds = 1;        // up to 100 tasks
  double large_milp_seconds = 5;  // above
  double gap = 0.01;
  bool only_formulations = false;
};

struct Sums {
  double seconds = 0, versus_heft = 0, versus_greedy = 0, gap = 0;
  int runs = 0, optimal = 0, invalid = 0;
  double worst_seconds = 0;
};

std::vector<Size> parse_sizes(const char* text) {
  std::vector<Size> sizes;
  std::string list = text;
  size_t start = 0;
  while (start < list.size()) {
    size_t comma = list.find(',', start);
    std::string item =
        list.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    size_t cross = item.find('x');
    sizes.push_back({std::stoul(item.substr(0, cross)), std::stoul(item.substr(cross + 1))});
    start = comma == std::string::npos ? list.size() : comma + 1;
  }
  return sizes;
}

Settings parse(int argc, char** argv) {
  Settings settings;
  for (int index = 1; index + 1 < argc; index += 2) {
    std::string flag = argv[index];
    if (flag == "--seeds") settings.seeds = std::atoi(argv[index + 1]);
    if (flag == "--sizes") settings.sizes = parse_sizes(argv[index + 1]);
    if (flag == "--contended-sizes") settings.contended_sizes = parse_sizes(argv[index + 1]);
    if (flag == "--formulation-sizes") settings.formulation_sizes = parse_sizes(argv[index + 1]);
    if (flag == "--only" && std::string(argv[index + 1]) == "formulations")
      settings.only_formulations = true;
    if (flag == "--milp-time") settings.milp_seconds = std::atof(argv[index + 1]);
    if (flag == "--large-milp-time") settings.large_milp_seconds = std::atof(argv[index + 1]);
  }
  return settings;
}

double milp_seconds_for(const Settings& settings, const Size& size) {
  return size.tasks <= 100 ? settings.milp_seconds : settings.large_milp_seconds;
}

void dag_table(const Settings& settings, const std::vector<Size>& sizes, const char* family) {
  std::printf("DAG plan, %s, objective makespan (%d seeds per size; MILP gap target %.0f%%)\n\n",
              family, settings.seeds, settings.gap * 100);
  std::printf(
      "| tasks x nodes | solver | mean time s | max time s | makespan / HEFT | makespan / greedy | "
      "mean gap | optimal | note |\n");
  std::printf("|---|---|---|---|---|---|---|---|---|\n");
  double anneal_gain = 0;
  int anneal_runs = 0;
  for (const Size& size : sizes) {
    const char* solvers[] = {"greedy", "heft", "anneal", "milp"};
    Sums sums[4];
    std::string notes[4];
    for (int seed = 1; seed <= settings.seeds; ++seed) {
      PlanInstance instance = generate_plan_instance(
          {size.tasks, size.nodes, static_cast<uint64_t>(seed), 2, true, false});
      PlanProblem problem = PlanProblem::create(instance.cluster, instance.tasks).value();
      PlanResult results[4];
      for (int solver = 0; solver < 4; ++solver) {
        PolicyParams params;
        if (solver == 3) {
          char limit[32];
          std::snprintf(limit, sizeof limit, "%g", milp_seconds_for(settings, size));
          params = {{"time_limit", limit}, {"gap", "0.01"}, {"verbose", getenv("V") ? "1" : "0"}};
        }
        auto planner = make_planner(solvers[solver], params).value();
        results[solver] = run_planner(*planner, problem, PlanObjective::kMakespan);
      }
      for (int solver = 0; solver < 4; ++solver) {
        const PlanResult& result = results[solver];
        double greedy_value = results[0].objective, heft_value = results[1].objective;
        Sums& sum = sums[solver];
        sum.seconds += result.solve_seconds;
        sum.worst_seconds = std::max(sum.worst_seconds, result.solve_seconds);
        sum.versus_heft += result.objective / heft_value;
        sum.versus_greedy += result.objective / greedy_value;
        sum.gap += result.gap();
        if (solver == 2) {
          anneal_gain += 1 - result.objective / heft_value;
          ++anneal_runs;
        }
        sum.optimal += result.status == SolveStatus::kOptimal ? 1 : 0;
        sum.invalid += validate_plan(instance.cluster, instance.tasks, result.plan).ok() ? 0 : 1;
        ++sum.runs;
        if (solver == 3 && result.solver != "milp")
          notes[solver] = "fell back: " + result.note.substr(0, 60);
        if (solver == 3 && result.solver == "milp" && notes[solver].empty())
          notes[solver] = result.note.substr(0, 60);
      }
    }
    for (int solver = 0; solver < 4; ++solver) {
      const Sums& sum = sums[solver];
      double runs = sum.runs;
      std::printf("| %zu x %zu | %s | %.3f | %.3f | %.4f | %.4f | %.2f%% | %d/%d | %s%s |\n",
                  size.tasks, size.nodes, solvers[solver], sum.seconds / runs, sum.worst_seconds,
                  sum.versus_heft / runs, sum.versus_greedy / runs, 100 * sum.gap / runs,
                  sum.optimal, sum.runs, sum.invalid > 0 ? "INVALID PLANS " : "",
                  notes[solver].c_str());
      std::fflush(stdout);
    }
  }
  std::printf("\nanneal improves HEFT's makespan by %.2f%% on average over these %d instances\n\n",
              100 * anneal_gain / std::max(1, anneal_runs), anneal_runs);
}

// Time-indexed against disjunctive on the same instances, where both are exact: nodes that run
// one task at a time (InstanceShape::unary_nodes), single-replica tasks.
void formulation_table(const Settings& settings) {
  std::printf(
      "DAG plan on one-task-at-a-time nodes, makespan: time-indexed vs disjunctive formulation "
      "(%d seeds; gap target %.0f%%)\n\n",
      settings.seeds, settings.gap * 100);
  std::printf(
      "| tasks x nodes | formulation | mean time s | max time s | makespan / HEFT | mean gap | "
      "optimal | searched | fell back |\n");
  std::printf("|---|---|---|---|---|---|---|---|---|\n");
  for (const Size& size : settings.formulation_sizes) {
    for (const char* formulation : {"time_indexed", "disjunctive"}) {
      Sums sum;
      int searched = 0, fell_back = 0;
      for (int seed = 1; seed <= settings.seeds; ++seed) {
        InstanceShape shape{size.tasks, size.nodes, static_cast<uint64_t>(seed), 1, true, false};
        shape.unary_nodes = true;
        PlanInstance instance = generate_plan_instance(shape);
        PlanProblem problem = PlanProblem::create(instance.cluster, instance.tasks).value();
        char limit[32];
        std::snprintf(limit, sizeof limit, "%g", milp_seconds_for(settings, size));
        auto planner =
            make_planner("milp",
                         {{"time_limit", limit}, {"gap", "0.01"}, {"formulation", formulation}})
                .value();
        PlanResult result = run_planner(*planner, problem, PlanObjective::kMakespan);
        PlanResult heft =
            run_planner(*make_planner("heft").value(), problem, PlanObjective::kMakespan);
        sum.seconds += result.solve_seconds;
        sum.worst_seconds = std::max(sum.worst_seconds, result.solve_seconds);
        sum.versus_heft += result.objective / heft.objective;
        sum.gap += result.gap();
        sum.optimal += result.status == SolveStatus::kOptimal ? 1 : 0;
        sum.invalid += validate_plan(instance.cluster, instance.tasks, result.plan).ok() ? 0 : 1;
        ++sum.runs;
        searched += result.note.find(" model") != std::string::npos &&
                            result.note.find("milp:") == std::string::npos
                        ? 1
                        : 0;
        fell_back += result.solver != "milp" ? 1 : 0;
      }
      double runs = sum.runs;
      std::printf("| %zu x %zu | %s | %.3f | %.3f | %.4f | %.2f%% | %d/%d | %d | %d%s |\n",
                  size.tasks, size.nodes, formulation, sum.seconds / runs, sum.worst_seconds,
                  sum.versus_heft / runs, 100 * sum.gap / runs, sum.optimal, sum.runs, searched,
                  fell_back, sum.invalid > 0 ? " INVALID PLANS" : "");
      std::fflush(stdout);
    }
  }
  std::printf("\n");
}

void batch_table(const Settings& settings) {
  std::printf(
      "\nBatch placement of independent tasks (MILP gap target %.0f%%; greedy = best_fit "
      "placer)\n\n",
      settings.gap * 100);
  std::printf(
      "| tasks x nodes | objective | MILP mean time s | MILP max time s | MILP / greedy | mean gap "
      "| optimal | fallbacks |\n");
  std::printf("|---|---|---|---|---|---|---|---|\n");
  for (const Size& size : settings.sizes) {
    for (BatchObjective objective :
         {BatchObjective::kPlacedWork, BatchObjective::kBalance, BatchObjective::kEnergy}) {
      double seconds = 0, worst = 0, ratio = 0, gap = 0;
      int optimal = 0, fallbacks = 0;
      for (int seed = 1; seed <= settings.seeds; ++seed) {
        // Twice as many tasks as fit, so that placed work has a choice to make.
        PlanInstance instance = generate_plan_instance(
            {size.tasks, size.nodes, static_cast<uint64_t>(seed), 2, false, false});
        Cluster greedy_cluster = instance.cluster;
        Placement greedy = make_placer("best_fit").value()->place(greedy_cluster, instance.tasks);
        double greedy_value =
            batch_objective_value(instance.cluster, instance.tasks, greedy, objective);
        BatchOptions options;
        options.objective = objective;
        options.milp.time_limit_seconds = milp_seconds_for(settings, size);
        options.milp.relative_gap = settings.gap;
        Cluster cluster = instance.cluster;
        BatchResult result = solve_batch_placement(cluster, instance.tasks, options);
        seconds += result.solve_seconds;
        worst = std::max(worst, result.solve_seconds);
        ratio += greedy_value != 0 ? result.objective / greedy_value : 1;
        gap += result.gap();
        optimal += result.status == SolveStatus::kOptimal ? 1 : 0;
        fallbacks += result.solver == "milp" ? 0 : 1;
      }
      std::printf("| %zu x %zu | %s | %.3f | %.3f | %.4f | %.2f%% | %d/%d | %d |\n", size.tasks,
                  size.nodes, std::string(batch_objective_name(objective)).c_str(),
                  seconds / settings.seeds, worst, ratio / settings.seeds,
                  100 * gap / settings.seeds, optimal, settings.seeds, fallbacks);
      std::fflush(stdout);
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  Settings settings = parse(argc, argv);
  if (!settings.formulation_sizes.empty()) formulation_table(settings);
  if (settings.only_formulations) return 0;
  dag_table(settings, settings.sizes, "the issue's sizes");
  if (!settings.contended_sizes.empty()) {
    dag_table(settings, settings.contended_sizes, "contended (a quarter of the nodes)");
  }
  batch_table(settings);
  return 0;
}
