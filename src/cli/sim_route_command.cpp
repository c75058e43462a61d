// `fulcrum sim route`: replays an LLM request trace (Mooncake, Azure, or synthetic) on emulated
// model-server replicas in virtual time with each routing policy, and prints TTFT, TPOT, e2e
// latency, throughput, prefix-cache hit rate and load imbalance side by side; optionally with an
// autoscaled fleet against fixed fleets, CSV files and a TTFT CDF plot (docs/simulator.md).
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <sstream>

#include "cli/commands.h"
#include "cli/plot_script.h"
#include "cli/table.h"
#include "core/yaml_reader.h"
#include "emulator/profile.h"
#include "sim/cluster_replay.h"
#include "sim/llm_trace.h"
#include "sim/replay_report.h"
#include "sim/route_report.h"
#include "sim/route_sim.h"
#include "sim/synthetic.h"

namespace fulcrum {

namespace {

// The autoscaler's flags and the parameter of sim::autoscale_param_specs() each one sets.
struct AutoscaleFlag {
  const char* flag;
  const char* param;
  const char* help;
};
constexpr AutoscaleFlag kAutoscaleFlags[] = {
    {"--autoscale-signal", "signal", "queue (waiting requests per replica) or kv (KV-cache use)"},
    {"--autoscale-interval-s", "interval_s", "Seconds between two looks at the load"},
    {"--scale-out-above", "scale_out_above", "Scale out when the mean signal stays above this"},
    {"--scale-in-below", "scale_in_below", "Scale in when the mean signal stays below this"},
    {"--window-s", "window_s", "Seconds a condition must hold before scaling"},
    {"--cooldown-s", "cooldown_s", "Seconds after a scaling action before the next"},
    {"--startup-s", "startup_s", "Seconds from the decision until a new replica serves"},
    {"--min-replicas", "min_replicas", "The fewest replicas the autoscaler keeps"},
    {"--max-replicas", "max_replicas", "The most replicas the autoscaler starts"},
};

struct SimRouteFlags {
  std::string trace = "mooncake";
  std::string file;
  std::string columns;
  std::string on_error = "stop";
  double start_s = 0;
  double duration_s = 0;  // 0: to the end of the trace
  double rate_scale = 1;
  int64_t max_requests = 0;
  int replicas = 4;
  std::string profile_file = "examples/emulator/llama-3.1-8b-h100.yaml";
  std::string policies;  // empty: every routing policy
  std::vector<std::string> params;
  int64_t scrape_interval_ms = 1000;
  int64_t stale_after_ms = 5000;
  double head_latency_ms = 1;
  double arrival_jitter_ms = 0;
  double inspect_us_per_token = 0;
  double relay_us_per_token = 0;
  double transfer_ms = 0;
  bool autoscale = false;
  std::map<std::string, std::string> autoscale_values;  // autoscaler parameter -> flag value
  std::string csv_dir;
  std::string plots_dir;
  uint64_t seed = 1;
  bool quiet = false;
  // --trace synthetic
  int64_t requests = 1000;
  double rate = 2;
  std::string arrivals = "poisson";
  std::string input_tokens = "lognormal:4096:1";
  std::string output_tokens = "lognormal:256:0.8";
  int64_t prefix_groups = 8;
  int64_t shared_prefix_blocks = 4;
};

// Terminal seconds: milliseconds are enough to compare policies.
std::string seconds_text(double seconds) { return sim::fixed(seconds, 3); }

// --param POLICY.KEY=VALUE flags grouped by policy; the error names the malformed flag.
Result<std::map<std::string, PolicyParams>> policy_params(const std::vector<std::string>& flags) {
  std::map<std::string, std::vector<std::string>> by_policy;
  for (const std::string& flag : flags) {
    std::size_t dot = flag.find('.');
    if (dot == std::string::npos || dot == 0 || dot > flag.find('=')) {
      return invalid_argument("--param \"" + flag + "\": expected POLICY.KEY=VALUE");
    }
    by_policy[flag.substr(0, dot)].push_back(flag.substr(dot + 1));
  }
  std::map<std::string, PolicyParams> params;
  for (const auto& [policy, policy_flags] : by_policy) {
    FULCRUM_ASSIGN_OR_RETURN(params[policy], parse_param_flags(policy_flags));
  }
  return params;
}

Result<std::vector<sim::LlmRequest>> synthetic_requests(const SimRouteFlags& flags) {
  sim::SyntheticRequestOptions options;
  options.seed = flags.seed;
  options.requests = flags.requests;
  options.arrivals.rate_per_s = flags.rate;
  FULCRUM_ASSIGN_OR_RETURN(options.arrivals.process, sim::parse_arrival_process(flags.arrivals));
  FULCRUM_ASSIGN_OR_RETURN(options.input_tokens, sim::Distribution::parse(flags.input_tokens));
  FULCRUM_ASSIGN_OR_RETURN(options.output_tokens, sim::Distribution::parse(flags.output_tokens));
  options.prefix_groups = flags.prefix_groups;
  options.shared_prefix_blocks = flags.shared_prefix_blocks;
  return sim::generate_requests(options);
}

Result<std::vector<sim::LlmRequest>> trace_requests(const SimRouteFlags& flags,
                                                    std::string& source) {
  sim::LlmTraceFormat format{};
  FULCRUM_ASSIGN_OR_RETURN(format, sim::parse_llm_trace_format(flags.trace));
  sim::ReaderOptions reader_options;
  FULCRUM_ASSIGN_OR_RETURN(reader_options.on_error, sim::parse_on_error(flags.on_error));
  if (!flags.columns.empty()) {
    FULCRUM_ASSIGN_OR_RETURN(reader_options.columns, sim::parse_column_map(flags.columns));
  }
  source = flags.file.empty() ? sim::default_llm_trace_path(format) : flags.file;
  auto reader = sim::open_llm_trace(format, source, reader_options);
  if (!reader.ok()) return reader.status();
  sim::SliceOptions slice{flags.start_s, flags.duration_s, flags.rate_scale, flags.max_requests};
  auto requests = sim::read_request_slice(**reader, slice);
  if (!requests.ok()) return requests.status();
  const sim::ReadStats& stats = (*reader)->stats();
  if (stats.skipped > 0) {
    std::cerr << "warning: skipped " << stats.skipped << " malformed lines of " << source;
    if (!stats.skipped_messages.empty()) std::cerr << ", first: " << stats.skipped_messages[0];
    std::cerr << '\n';
  }
  return requests;
}

Result<std::vector<sim::LlmRequest>> load_requests(const SimRouteFlags& flags,
                                                   std::string& source) {
  if (flags.trace != "synthetic") return trace_requests(flags, source);
  source = "synthetic " + flags.arrivals + " arrivals at " + format_number(flags.rate) + "/s";
  auto requests = synthetic_requests(flags);
  if (!requests.ok()) return requests.status();
  sim::SliceOptions slice{flags.start_s, flags.duration_s, flags.rate_scale, flags.max_requests};
  return sim::slice_requests(std::move(*requests), slice);
}

// A one-line bar on stderr, redrawn in place; only on a terminal.
class ProgressBar {
 public:
  ProgressBar(std::string label, bool enabled) : label_(std::move(label)), enabled_(enabled) {}
  ~ProgressBar() {
    if (drawn_) std::cerr << "\r" << std::string(label_.size() + 40, ' ') << "\r" << std::flush;
  }
  void draw(double fraction) {
    if (!enabled_) return;
    constexpr int kWidth = 30;
    const int filled = static_cast<int>(fraction * kWidth);
    std::cerr << "\r" << label_ << " [" << std::string(static_cast<std::size_t>(filled), '#')
              << std::string(static_cast<std::size_t>(kWidth - filled), '.') << "] "
              << static_cast<int>(fraction * 100) << "%" << std::flush;
    drawn_ = true;
  }

 private:
  std::string label_;
  bool enabled_;
  bool drawn_ = false;
};

void print_summaries(const std::vector<sim::RouteSummary>& summaries) {
  TextTable table({"POLICY", "REQS", "FAILED", "TTFT_P50", "TTFT_P90", "TTFT_P99", "TPOT_P50",
                   "TPOT_P99", "E2E_P50", "E2E_P99", "TOK/S", "HIT", "IMB_REQ", "IMB_TOK"});
  for (const sim::RouteSummary& summary : summaries) {
    table.add_row({summary.policy, std::to_string(summary.requests), std::to_string(summary.failed),
                   seconds_text(summary.ttft_p50_s), seconds_text(summary.ttft_p90_s),
                   seconds_text(summary.ttft_p99_s), seconds_text(summary.tpot_p50_s),
                   seconds_text(summary.tpot_p99_s), seconds_text(summary.e2e_p50_s),
                   seconds_text(summary.e2e_p99_s), sim::fixed(summary.output_tokens_per_s, 0),
                   sim::fixed(summary.prefix_hit_rate, 3), sim::fixed(summary.request_imbalance, 2),
                   sim::fixed(summary.token_imbalance, 2)});
  }
  table.print(std::cout);
}

void print_autoscaling(const std::vector<sim::AutoscaleComparison>& comparisons, int replicas) {
  const std::string fixed = "FIXED" + std::to_string(replicas);
  TextTable table({"POLICY", "AUTO_P99", "AUTO_REPLICA_H", "AUTO_MAX", "AUTO_STARTED",
                   fixed + "_P99", fixed + "_REPLICA_H", "SAME_P99_FLEET", "ITS_P99",
                   "ITS_REPLICA_H", "SAVED_REPLICA_H"});
  for (const sim::AutoscaleComparison& comparison : comparisons) {
    const bool matched = comparison.matching.has_value();
    table.add_row({comparison.autoscaled.policy, seconds_text(comparison.autoscaled.ttft_p99_s),
                   sim::fixed(comparison.autoscaled.replica_hours, 3),
                   std::to_string(comparison.autoscaled.max_replicas),
                   std::to_string(comparison.autoscaled.started_replicas),
                   seconds_text(comparison.fixed.ttft_p99_s),
                   sim::fixed(comparison.fixed.replica_hours, 3),
                   matched ? std::to_string(comparison.matching->max_replicas) : "none",
                   matched ? seconds_text(comparison.matching->ttft_p99_s) : "-",
                   matched ? sim::fixed(comparison.matching->replica_hours, 3) : "-",
                   matched ? sim::fixed(*comparison.replica_hours_saved, 3) : "-"});
  }
  table.print(std::cout);
}

Status write_file(const std::filesystem::path& path, const std::string& text) {
  std::ofstream file(path);
  file << text;
  file.close();
  if (!file) return invalid_argument("cannot write " + path.string());
  return Status::ok_status();
}

Status write_csvs(const std::string& dir, const std::vector<sim::RouteRun>& runs,
                  const std::vector<sim::RouteSummary>& summaries,
                  const std::vector<sim::AutoscaleComparison>& comparisons) {
  std::error_code error;
  std::filesystem::create_directories(dir, error);
  if (error) return invalid_argument("--csv \"" + dir + "\": " + error.message());
  std::ostringstream requests;
  sim::write_route_requests_csv(requests, runs);
  FULCRUM_RETURN_IF_ERROR(
      write_file(std::filesystem::path(dir) / "route_requests.csv", requests.str()));
  std::ostringstream summary;
  sim::write_route_summary_csv(summary, summaries);
  FULCRUM_RETURN_IF_ERROR(
      write_file(std::filesystem::path(dir) / "route_summary.csv", summary.str()));
  if (comparisons.empty()) return Status::ok_status();
  std::ostringstream autoscale;
  sim::write_autoscale_csv(autoscale, comparisons);
  return write_file(std::filesystem::path(dir) / "route_autoscale.csv", autoscale.str());
}

Status draw_plots(const std::string& plots_dir, const std::string& csv_dir,
                  const std::vector<sim::RouteRun>& runs, const std::string& title) {
  std::error_code error;
  std::filesystem::create_directories(plots_dir, error);
  if (error) return invalid_argument("--plots \"" + plots_dir + "\": " + error.message());
  std::filesystem::path csv = std::filesystem::path(csv_dir) / "route_requests.csv";
  if (csv_dir.empty()) {
    csv = std::filesystem::path(plots_dir) / "route_requests.csv";
    std::ostringstream requests;
    sim::write_route_requests_csv(requests, runs);
    FULCRUM_RETURN_IF_ERROR(write_file(csv, requests.str()));
  }
  const std::filesystem::path png = std::filesystem::path(plots_dir) / "route_ttft_cdf.png";
  FULCRUM_RETURN_IF_ERROR(
      run_plot_script("plot_route.py", {csv.string(), png.string(), "--title", title}));
  std::cout << "wrote " << png.string() << '\n';
  return Status::ok_status();
}

std::string flag_of(const std::string& param) {
  for (const AutoscaleFlag& flag : kAutoscaleFlags) {
    if (flag.param == param) return flag.flag;
  }
  return param;
}

// The autoscaler from its flags; an error names the flag and its value.
Result<sim::AutoscaleConfig> autoscale_config(const SimRouteFlags& flags) {
  PolicyParams params;
  for (const auto& [param, value] : flags.autoscale_values) params.set(param, value);
  auto config = sim::autoscale_config_from_params(params);
  if (config.ok()) return config;
  // The message names the parameter; say which flag set it.
  for (const AutoscaleFlag& flag : kAutoscaleFlags) {
    const std::string& message = config.error_message();
    const std::string param = flag.param;
    if (message.rfind(param + ":", 0) != 0 &&
        message.find('"' + param + '"') == std::string::npos) {
      continue;
    }
    auto given = flags.autoscale_values.find(flag.param);
    return invalid_argument(std::string(flag.flag) +
                            (given == flags.autoscale_values.end() ? "" : " " + given->second) +
                            ": " + config.error_message());
  }
  return config.status();
}

int run_sim_route(const SimRouteFlags& flags) {
  auto profile = emulator::load_profile(flags.profile_file);
  if (!profile.ok()) return report_bad_input(profile.status());
  auto params = policy_params(flags.params);
  if (!params.ok()) return report_bad_input(params.status());
  std::vector<std::string> policies =
      flags.policies.empty() ? sim::routing_policy_names() : sim::split_policy_list(flags.policies);
  for (const auto& [policy, policy_params] : *params) {
    if (std::find(policies.begin(), policies.end(), policy) == policies.end()) {
      return report_bad_input(
          invalid_argument("--param: policy \"" + policy + "\" is not among --policy"));
    }
  }
  for (const std::string& policy : policies) {  // bad names and params before the long part
    auto picker = sim::make_route_picker(policy, (*params)[policy], flags.seed);
    if (!picker.ok()) return report_bad_input(picker.status());
  }
  sim::RouteSimOptions options;
  options.profile = *profile;
  options.replicas = flags.replicas;
  options.scrape_interval_s = static_cast<double>(flags.scrape_interval_ms) / 1000;
  options.stale_after_s = static_cast<double>(flags.stale_after_ms) / 1000;
  options.head_latency_s = flags.head_latency_ms / 1000;
  const std::pair<const char*, double> ingest_flags[] = {
      {"--arrival-jitter-ms", flags.arrival_jitter_ms},
      {"--relay-us-per-token", flags.relay_us_per_token},
      {"--inspect-us-per-token", flags.inspect_us_per_token},
      {"--transfer-ms", flags.transfer_ms}};
  for (const auto& [flag, value] : ingest_flags) {
    if (!(value >= 0) || !std::isfinite(value)) {
      return report_bad_input(invalid_argument(
          std::string(flag) + ": must be a non-negative number, got " + format_number(value)));
    }
  }
  options.ingest.arrival_jitter_s = flags.arrival_jitter_ms / 1000;
  options.ingest.inspect_s_per_token = flags.inspect_us_per_token / 1e6;
  options.ingest.relay_s_per_token = flags.relay_us_per_token / 1e6;
  options.ingest.transfer_s = flags.transfer_ms / 1000;
  options.seed = flags.seed;
  if (!flags.autoscale_values.empty() && !flags.autoscale) {
    return report_bad_input(
        invalid_argument(flag_of(flags.autoscale_values.begin()->first) + ": needs --autoscale"));
  }
  if (flags.autoscale) {
    auto autoscale = autoscale_config(flags);
    if (!autoscale.ok()) return report_bad_input(autoscale.status());
    options.autoscale = *autoscale;
  }
  if (Status valid = sim::validate_route_options(options); !valid.ok()) {
    return report_bad_input(valid);
  }
  if (!(flags.rate_scale > 0)) {
    return report_bad_input(
        invalid_argument("--rate-scale: must be positive, got " + format_number(flags.rate_scale)));
  }
  std::string source;
  auto requests = load_requests(flags, source);
  if (!requests.ok()) return report_bad_input(requests.status());

  std::cout << "fulcrum sim route: " << requests->size() << " requests from " << source << " (from "
            << format_number(flags.start_s) << " s"
            << (flags.duration_s > 0 ? ", " + format_number(flags.duration_s) + " s" : "")
            << ", rate x" << format_number(flags.rate_scale) << ") on " << flags.replicas
            << " replicas of " << profile->model << "; scrape every " << flags.scrape_interval_ms
            << " ms\n";
  const bool progress = !flags.quiet && isatty(STDERR_FILENO) != 0;
  std::vector<sim::RouteRun> runs;
  std::vector<sim::RouteSummary> summaries;
  std::vector<sim::AutoscaleComparison> comparisons;
  for (const std::string& policy : policies) {
    ProgressBar bar(policy, progress);
    sim::RouteSimOptions fixed_options = options;
    fixed_options.autoscale.reset();
    fixed_options.progress = [&bar](double fraction) { bar.draw(fraction); };
    auto make = [&policy, &params, &flags] {
      return sim::make_route_picker(policy, (*params)[policy], flags.seed);
    };
    auto picker = make();
    auto run = sim::simulate_routing(fixed_options, *requests, **picker);
    if (!run.ok()) return report_bad_input(run.status());
    summaries.push_back(sim::summarize_route_run(*run));
    runs.push_back(std::move(*run));
    if (!options.autoscale) continue;
    sim::RouteSimOptions autoscaled = options;
    autoscaled.progress = fixed_options.progress;
    auto comparison = sim::compare_autoscaling(autoscaled, *requests, make);
    if (!comparison.ok()) return report_bad_input(comparison.status());
    comparisons.push_back(std::move(*comparison));
  }
  print_summaries(summaries);
  if (!comparisons.empty()) {
    const sim::AutoscaleConfig& autoscale = *options.autoscale;
    std::cout << "\nautoscaling: " << sim::autoscale_signal_name(autoscale.signal) << " > "
              << format_number(autoscale.scale_out_above) << " scales out, < "
              << format_number(autoscale.scale_in_below) << " scales in, window "
              << format_number(autoscale.window_s) << " s, cooldown "
              << format_number(autoscale.cooldown_s) << " s, start-up "
              << format_number(autoscale.startup_s) << " s, " << autoscale.min_replicas << ".."
              << autoscale.max_replicas << " replicas\n";
    print_autoscaling(comparisons, flags.replicas);
  }
  if (!flags.csv_dir.empty()) {
    if (Status written = write_csvs(flags.csv_dir, runs, summaries, comparisons); !written.ok()) {
      return report_bad_input(written);
    }
    std::cout << "wrote " << flags.csv_dir << "/route_requests.csv, route_summary.csv"
              << (comparisons.empty() ? "" : ", route_autoscale.csv") << '\n';
  }
  if (!flags.plots_dir.empty()) {
    const std::string title = "TTFT per routing policy: " + source;
    if (Status drawn = draw_plots(flags.plots_dir, flags.csv_dir, runs, title); !drawn.ok()) {
      std::cerr << "error: " << drawn.message() << '\n';
      return kExitError;
    }
  }
  return kExitOk;
}

}  // namespace

void add_sim_route_command(CLI::App& app, int& exit_code) {
  auto flags = std::make_shared<SimRouteFlags>();
  // `sim` itself comes from sim_command.cpp, added before this one (command_registry.cpp).
  CLI::App* command = app.get_subcommand("sim")->add_subcommand(
      "route", "Replay an LLM request trace on emulated replicas with each routing policy");
  command->add_option("--trace", flags->trace, "mooncake, azure or synthetic")
      ->check(CLI::IsMember({"mooncake", "azure", "synthetic"}))
      ->capture_default_str();
  command->add_option("--file", flags->file, "Trace file (default: ../shared/data/...)");
  command->add_option("--columns", flags->columns,
                      "Map our field names onto the file's: timestamp=ts,input_tokens=...");
  command->add_option("--on-error", flags->on_error, "A malformed trace line: stop or skip")
      ->check(CLI::IsMember({"stop", "skip"}))
      ->capture_default_str();
  command->add_option("--start-s", flags->start_s, "Slice start, seconds into the trace")
      ->capture_default_str();
  command->add_option("--duration-s", flags->duration_s, "Slice length in seconds (0: to the end)")
      ->capture_default_str();
  command->add_option("--rate-scale", flags->rate_scale, "Multiply the request rate (2: twice)")
      ->capture_default_str();
  command->add_option("--max-requests", flags->max_requests, "Replay at most N requests (0: all)");
  command->add_option("--replicas", flags->replicas, "Replicas in the fleet")
      ->capture_default_str();
  command->add_option("--profile", flags->profile_file, "Engine profile of every replica")
      ->capture_default_str();
  command->add_option("--policy", flags->policies,
                      "Routing policies, comma-separated (default: every routing policy)");
  command->add_option("--param", flags->params, "A policy parameter, POLICY.KEY=VALUE");
  command
      ->add_option("--scrape-interval-ms", flags->scrape_interval_ms,
                   "How often load is scraped from each replica (the gateway's default)")
      ->capture_default_str();
  command
      ->add_option("--stale-after-ms", flags->stale_after_ms,
                   "A load report older than this is not used")
      ->capture_default_str();
  command
      ->add_option("--head-latency-ms", flags->head_latency_ms,
                   "From the pick to the response head, as observe() reports it")
      ->capture_default_str();
  command
      ->add_option("--arrival-jitter-ms", flags->arrival_jitter_ms,
                   "Each request reaches the gateway a random 0..this after its trace time")
      ->capture_default_str();
  command
      ->add_option("--relay-us-per-token", flags->relay_us_per_token,
                   "A body alone passes the gateway this long per prompt token; bodies passing "
                   "at once share the pace")
      ->capture_default_str();
  command
      ->add_option("--inspect-us-per-token", flags->inspect_us_per_token,
                   "Body-reading policies: the gateway hashes a body this long per prompt token, "
                   "one at a time")
      ->capture_default_str();
  command
      ->add_option("--transfer-ms", flags->transfer_ms, "From the body's end to the engine's queue")
      ->capture_default_str();
  command->add_flag("--autoscale", flags->autoscale,
                    "Also run an autoscaled fleet and compare it with fixed fleets");
  for (const AutoscaleFlag& autoscale : kAutoscaleFlags) {
    command->add_option_function<std::string>(
        autoscale.flag,
        [flags, param = std::string(autoscale.param)](const std::string& value) {
          flags->autoscale_values[param] = value;
        },
        autoscale.help);
  }
  command->add_option("--csv", flags->csv_dir,
                      "Write route_requests.csv and route_summary.csv here");
  command->add_option("--plots", flags->plots_dir,
                      "Draw route_ttft_cdf.png here (python3-matplotlib)");
  command
      ->add_option("--seed", flags->seed,
                   "Seed of random pickers, synthetic requests and the arrival jitter")
      ->capture_default_str();
  command->add_flag("--quiet", flags->quiet, "No progress bar");
  command->add_option("--requests", flags->requests, "synthetic: how many requests")
      ->capture_default_str();
  command->add_option("--rate", flags->rate, "synthetic: mean requests per second")
      ->capture_default_str();
  command->add_option("--arrivals", flags->arrivals, "synthetic: poisson or bursty")
      ->capture_default_str();
  command->add_option("--input-tokens", flags->input_tokens, "synthetic: input length distribution")
      ->capture_default_str();
  command
      ->add_option("--output-tokens", flags->output_tokens, "synthetic: output length distribution")
      ->capture_default_str();
  command
      ->add_option("--prefix-groups", flags->prefix_groups,
                   "synthetic: groups sharing a leading prefix")
      ->capture_default_str();
  command
      ->add_option("--shared-prefix-blocks", flags->shared_prefix_blocks,
                   "synthetic: 512-token blocks each group shares")
      ->capture_default_str();
  command->callback([flags, &exit_code] { exit_code = run_sim_route(*flags); });
}

}  // namespace fulcrum
