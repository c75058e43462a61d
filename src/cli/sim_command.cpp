// `fulcrum sim`: the simulator. `fulcrum sim cluster` replays a job trace (the Alibaba GPU trace
// 2023 or a synthetic one) on a cluster with every queue + placement combination asked for, side
// by side, and prints a table; --csv writes per-run CSV files and --plots draws them.
#include <unistd.h>

#include <cmath>
#include <iostream>
#include <memory>

#include "cli/commands.h"
#include "cli/plot_script.h"
#include "cli/sim_saturation.h"
#include "cli/table.h"
#include "core/config.h"
#include "sim/alibaba_trace.h"
#include "sim/cluster_replay.h"
#include "sim/job_traces.h"
#include "sim/replay_report.h"

namespace fulcrum {

namespace {

constexpr const char* kAlibabaDir = "../shared/data/alibaba-gpu-v2023/csv/";

struct SimClusterOptions {
  std::string mode = "replay";
  std::string trace = "alibaba";
  std::string nodes_file = std::string(kAlibabaDir) + "openb_node_list_all_node.csv";
  std::string cluster_file;
  std::string pods_file = std::string(kAlibabaDir) + "openb_pod_list_default.csv";
  std::string columns;
  std::string node_columns;
  std::string queues = "fifo";
  std::string placements = "first_fit";
  std::vector<std::string> placement_params;
  std::vector<std::string> queue_params;
  int64_t limit = 0;
  double node_sample = 1.0;
  uint64_t seed = 1;
  int seeds = 1;               // saturation: runs with seed .. seed + seeds - 1
  double arrival_ratio = 1.3;  // saturation: arrivals stop at this times the GPU capacity
  double fail_rate = 0;
  std::string fail_at;
  double repair_s = 3600;
  double sample_s = 0;
  std::string csv_dir;
  std::string plots_dir;
  std::string on_error = "stop";
  // synthetic
  int64_t jobs = 1000;
  double rate = 0.05;
  std::string arrivals = "poisson";
  std::string duration = "exponential:3600";
  std::string dag = "none";
  int dag_size = 4;
};

void report_skipped(const std::string& what, const sim::ReadStats& stats) {
  if (stats.skipped == 0) return;
  std::cerr << "warning: " << what << ": skipped " << stats.skipped << " malformed lines, e.g.\n";
  for (const std::string& message : stats.skipped_messages) std::cerr << "  " << message << '\n';
}

Result<Cluster> load_cluster(const SimClusterOptions& options, sim::OnError on_error) {
  if (!options.cluster_file.empty()) return load_cluster_file(options.cluster_file);
  sim::ReaderOptions reader;
  reader.on_error = on_error;
  auto columns = sim::parse_column_map(options.node_columns);
  if (!columns.ok()) return columns.status();
  reader.columns = *columns;
  sim::ReadStats stats;
  auto cluster = sim::load_alibaba_cluster(options.nodes_file, reader, &stats);
  if (cluster.ok()) report_skipped(options.nodes_file, stats);
  return cluster;
}

Result<sim::JobTraceSource> trace_source(const SimClusterOptions& options, sim::OnError on_error) {
  sim::JobTraceSource source;
  source.file = options.pods_file;
  source.reader.on_error = on_error;
  FULCRUM_ASSIGN_OR_RETURN(source.reader.columns, sim::parse_column_map(options.columns));
  source.limit = options.limit;
  sim::SyntheticJobOptions& synthetic = source.synthetic;
  synthetic.seed = options.seed;
  synthetic.jobs = options.jobs;
  synthetic.arrivals.rate_per_s = options.rate;
  FULCRUM_ASSIGN_OR_RETURN(synthetic.arrivals.process,
                           sim::parse_arrival_process(options.arrivals));
  FULCRUM_ASSIGN_OR_RETURN(synthetic.duration_s, sim::Distribution::parse(options.duration));
  FULCRUM_ASSIGN_OR_RETURN(synthetic.dag, sim::parse_dag_shape(options.dag));
  synthetic.dag_size = options.dag_size;
  return source;
}

Result<std::vector<sim::SimJob>> load_jobs(const SimClusterOptions& options,
                                           sim::OnError on_error) {
  auto source = trace_source(options, on_error);
  if (!source.ok()) return source.status();
  sim::ReadStats stats;
  source->stats = &stats;
  auto jobs = sim::load_job_trace(options.trace, *source);
  if (!jobs.ok()) return jobs.status();
  report_skipped(options.pods_file, stats);
  for (const sim::SimJob& job : *jobs) {
    if (!job.has_times) {
      return invalid_argument(options.pods_file + ": pod " + job.task.id +
                              " has no creation/deletion time; time replay needs them");
    }
  }
  return jobs;
}

// A progress bar on stderr, drawn only when stderr is a terminal.
class ProgressBar {
 public:
  explicit ProgressBar(std::string label) : label_(std::move(label)), enabled_(isatty(2) == 1) {}
  ~ProgressBar() {
    if (enabled_ && drawn_) std::cerr << "\r\033[K" << std::flush;
  }
  void update(int64_t done, int64_t total) {
    if (!enabled_ || total <= 0) return;
    constexpr int kWidth = 30;
    int filled = static_cast<int>(kWidth * done / total);
    std::cerr << "\r[" << std::string(static_cast<size_t>(filled), '=')
              << std::string(static_cast<size_t>(kWidth - filled), ' ') << "] " << label_ << ' '
              << done << '/' << total << " jobs" << std::flush;
    drawn_ = true;
  }

 private:
  std::string label_;
  bool enabled_;
  bool drawn_ = false;
};

void print_results(const std::vector<sim::ReplayResult>& results, std::ostream& out) {
  TextTable table({"QUEUE", "PLACEMENT", "JOBS", "DONE", "AVG JCT", "P99 JCT", "AVG WAIT",
                   "P99 WAIT", "MAKESPAN", "GPU UTIL", "CPU UTIL", "PREEMPT", "FAILURES",
                   "REQUEUES"});
  for (const sim::ReplayResult& result : results) {
    const sim::ReplaySummary& summary = result.summary;
    table.add_row({result.policy.queue, result.policy.placement, std::to_string(summary.jobs),
                   std::to_string(summary.finished), sim::human_duration(summary.avg_jct_s),
                   sim::human_duration(summary.p99_jct_s), sim::human_duration(summary.avg_wait_s),
                   sim::human_duration(summary.p99_wait_s), sim::human_duration(summary.makespan_s),
                   sim::fixed(summary.gpu_util * 100, 1) + "%",
                   sim::fixed(summary.cpu_util * 100, 1) + "%", std::to_string(summary.preemptions),
                   std::to_string(summary.failures), std::to_string(summary.requeues)});
  }
  table.print(out);
  for (const sim::ReplayResult& result : results) {
    const sim::BatchStats& batches = result.batches;
    if (batches.batches == 0) continue;
    out << result.policy.label() << ": " << batches.batches << " batches, "
        << batches.batches - batches.fallbacks << " solved by the MILP, " << batches.fallbacks
        << " placed by the fallback; solve time " << sim::fixed(batches.solve_seconds, 2)
        << " s in all, "
        << sim::fixed(batches.solve_seconds * 1000 / static_cast<double>(batches.batches), 1)
        << " ms per batch, " << sim::fixed(batches.max_solve_seconds * 1000, 1)
        << " ms at most (wall clock)\n";
  }
  for (const sim::ReplayResult& result : results) {
    if (result.summary.unplaceable + result.summary.unfinished == 0) continue;
    out << result.policy.label() << ": " << result.summary.unplaceable
        << " jobs can never be placed on this cluster, " << result.summary.unfinished
        << " unfinished\n";
  }
}

int draw_plots(const std::string& csv_dir, const std::string& plots_dir) {
  Status drawn = run_plot_script("sim_plots.py", {"cluster", csv_dir, plots_dir});
  if (!drawn.ok()) {
    std::cerr << "error: " << drawn.message() << '\n';
    return kExitError;
  }
  std::cout << "plots written to " << plots_dir << '\n';
  return kExitOk;
}

Result<sim::ReplayOptions> replay_options(const SimClusterOptions& options) {
  sim::ReplayOptions replay;
  replay.seed = options.seed;
  replay.failures.rate_per_node_day = options.fail_rate;
  if (options.fail_rate < 0) return invalid_argument("--fail-rate: must be >= 0");
  FULCRUM_ASSIGN_OR_RETURN(replay.failures.schedule, sim::parse_failure_schedule(options.fail_at));
  replay.failures.repair_time = Nanos(std::llround(options.repair_s * 1e9));
  replay.sample_interval = Nanos(std::llround(options.sample_s * 1e9));
  FULCRUM_ASSIGN_OR_RETURN(replay.policy.placement_params,
                           parse_param_flags(options.placement_params));
  FULCRUM_ASSIGN_OR_RETURN(replay.policy.queue_params, parse_param_flags(options.queue_params));
  return replay;
}

int run_sim_cluster(const SimClusterOptions& options) {
  if (options.mode == "saturation") {
    SaturationCommandOptions saturation;
    saturation.nodes_file = options.nodes_file;
    saturation.pods_file = options.pods_file;
    saturation.placements = sim::split_policy_list(options.placements);
    saturation.seed = options.seed;
    saturation.seeds = options.seeds;
    saturation.arrival_ratio = options.arrival_ratio;
    saturation.csv_dir = options.csv_dir;
    saturation.plots_dir = options.plots_dir;
    return run_saturation_command(saturation, std::cout, std::cerr);
  }
  if (options.mode != "replay") {
    return report_bad_input(
        invalid_argument("--mode: expected replay or saturation, got \"" + options.mode + "\""));
  }
  auto on_error = sim::parse_on_error(options.on_error);
  if (!on_error.ok()) return report_bad_input(on_error.status());
  if (options.node_sample <= 0 || options.node_sample > 1) {
    return report_bad_input(invalid_argument("--node-sample: must be in (0, 1]"));
  }
  auto base = replay_options(options);
  if (!base.ok()) return report_bad_input(base.status());
  auto cluster = load_cluster(options, *on_error);
  if (!cluster.ok()) return report_bad_input(cluster.status());
  Cluster nodes = sim::sample_nodes(*cluster, options.node_sample);
  auto jobs = load_jobs(options, *on_error);
  if (!jobs.ok()) return report_bad_input(jobs.status());

  std::vector<sim::ReplayResult> results;
  for (const std::string& queue : sim::split_policy_list(options.queues)) {
    for (const std::string& placement : sim::split_policy_list(options.placements)) {
      sim::ReplayOptions replay = *base;
      replay.policy.queue = queue;
      replay.policy.placement = placement;
      ProgressBar bar(replay.policy.label());
      replay.progress = [&bar](int64_t done, int64_t total) { bar.update(done, total); };
      auto result = sim::replay_cluster(nodes, *jobs, replay);
      if (!result.ok()) return report_bad_input(result.status());
      results.push_back(std::move(*result));
    }
  }
  std::cout << "cluster: " << nodes.size() << " nodes; jobs: " << jobs->size() << "\n\n";
  print_results(results, std::cout);

  std::string csv_dir = options.csv_dir;
  if (csv_dir.empty() && !options.plots_dir.empty()) csv_dir = options.plots_dir + "/csv";
  if (!csv_dir.empty()) {
    Status written = sim::write_replay_csv(results, csv_dir);
    if (!written.ok()) {
      std::cerr << "error: " << written.message() << '\n';
      return kExitError;
    }
  }
  if (!options.plots_dir.empty()) return draw_plots(csv_dir, options.plots_dir);
  return kExitOk;
}

std::string queue_help() {
  std::string names;
  for (const std::string& name : sim::replay_queue_names()) {
    names += (names.empty() ? "" : " | ") + name;
  }
  return "Queue policies, comma-separated: " + names;
}

void add_sim_cluster_command(CLI::App& sim, int& exit_code) {
  auto options = std::make_shared<SimClusterOptions>();
  auto* command = sim.add_subcommand(
      "cluster",
      "Replay a job trace in virtual time with queue + placement policies side by side and report "
      "JCT, queueing delay, makespan, utilization, preemptions and failures.");
  command
      ->add_option("--mode", options->mode,
                   "replay (arrivals and durations from the trace) | saturation (the FGD paper's "
                   "method: sampled pods arrive with no departures until the cluster is full)")
      ->capture_default_str();
  command->add_option("--seeds", options->seeds, "saturation: runs per policy, seeds seed..")
      ->capture_default_str();
  command
      ->add_option("--arrival-ratio", options->arrival_ratio,
                   "saturation: stop when arrived GPU demand reaches this times the capacity")
      ->capture_default_str();
  command->add_option("--trace", options->trace, sim::job_trace_format_names())
      ->capture_default_str();
  command->add_option("--nodes", options->nodes_file, "Node list CSV of the Alibaba trace")
      ->capture_default_str();
  command->add_option("--cluster", options->cluster_file,
                      "Cluster YAML (the config format) instead of --nodes");
  command->add_option("--pods", options->pods_file, "Pod list CSV of the Alibaba trace")
      ->capture_default_str();
  command->add_option("--columns", options->columns,
                      "Pod column mapping: field=header,... for another trace of the same kind");
  command->add_option("--node-columns", options->node_columns, "Node column mapping");
  command->add_option("--queue", options->queues, queue_help())->capture_default_str();
  command
      ->add_option("--placement", options->placements,
                   "Placement policies, comma-separated (see fulcrum policies), or milp: the "
                   "scheduler's MILP batch placement (--param window=, window_count=, "
                   "time_limit=, objective=, fallback=, ...)")
      ->capture_default_str();
  command->add_option("--param", options->placement_params, "Placement parameter key=value");
  command->add_option("--queue-param", options->queue_params,
                      "Queue parameter key=value (priority: aging_per_minute; las: thresholds)");
  command->add_option("--limit", options->limit, "Replay only the first N jobs");
  command
      ->add_option("--node-sample", options->node_sample,
                   "Keep this evenly spread share of the nodes (0-1], to load the cluster")
      ->capture_default_str();
  command->add_option("--seed", options->seed, "Seed of synthetic jobs and random failures")
      ->capture_default_str();
  command->add_option("--fail-rate", options->fail_rate, "Random node failures per node per day");
  command->add_option("--fail-at", options->fail_at, "Node failures SECONDS:NODE,...");
  command->add_option("--repair-s", options->repair_s, "Seconds a failed node stays down")
      ->capture_default_str();
  command->add_option("--sample-s", options->sample_s,
                      "Seconds between utilization samples (default: arrival span / 500)");
  command->add_option("--csv", options->csv_dir, "Write summary.csv and per-run CSV files here");
  command->add_option("--plots", options->plots_dir, "Draw PNG plots here (python3-matplotlib)");
  command->add_option("--on-error", options->on_error, "Malformed trace lines: skip | stop")
      ->capture_default_str();
  command->add_option("--jobs", options->jobs, "synthetic: number of jobs")->capture_default_str();
  command->add_option("--rate", options->rate, "synthetic: arrivals per second")
      ->capture_default_str();
  command->add_option("--arrivals", options->arrivals, "synthetic: poisson | bursty")
      ->capture_default_str();
  command
      ->add_option("--duration", options->duration,
                   "synthetic: duration distribution in seconds (constant:V, uniform:A:B, "
                   "exponential:MEAN, lognormal:MEDIAN:SIGMA)")
      ->capture_default_str();
  command->add_option("--dag", options->dag, "synthetic: none | chain | fanout")
      ->capture_default_str();
  command->add_option("--dag-size", options->dag_size, "synthetic: jobs per DAG")
      ->capture_default_str();
  command->callback([options, &exit_code] { exit_code = run_sim_cluster(*options); });
}

}  // namespace

void add_sim_command(CLI::App& app, int& exit_code) {
  auto* sim = app.add_subcommand(
      "sim", "Simulator: replay traces in virtual time through the live decision code.");
  sim->require_subcommand(1);
  add_sim_cluster_command(*sim, exit_code);
}

}  // namespace fulcrum
