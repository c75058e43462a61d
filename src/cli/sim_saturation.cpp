#include "cli/sim_saturation.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>

#include "cli/commands.h"
#include "cli/plot_script.h"
#include "cli/table.h"
#include "placement/registry.h"
#include "sim/alibaba_trace.h"
#include "sim/saturation.h"

namespace fulcrum {

namespace {

struct PolicySpec {
  std::string label;  // as given on the command line
  std::string name;
  PolicyParams params;
};

struct PolicyRuns {
  PolicySpec spec;
  std::vector<sim::SaturationResult> runs;
};

// "name" or "name:key=value,key=value".
Result<PolicySpec> parse_policy_spec(const std::string& text) {
  PolicySpec spec{text, text, {}};
  size_t colon = text.find(':');
  if (colon == std::string::npos) return spec;
  spec.name = text.substr(0, colon);
  std::vector<std::string> pairs;
  for (size_t start = colon + 1; start <= text.size();) {
    size_t comma = std::min(text.find(',', start), text.size());
    pairs.push_back(text.substr(start, comma - start));
    start = comma + 1;
  }
  auto params = parse_param_flags(pairs);
  if (!params.ok()) return params.status();
  spec.params = std::move(*params);
  return spec;
}

Result<std::vector<Task>> load_pods(const std::string& path) {
  auto jobs = sim::load_alibaba_jobs(path);
  if (!jobs.ok()) return jobs.status();
  std::vector<Task> pods;
  pods.reserve(jobs->size());
  for (sim::SimJob& job : *jobs) pods.push_back(std::move(job.task));
  return pods;
}

std::string percent(double share) {
  char text[32];
  std::snprintf(text, sizeof text, "%.2f%%", 100.0 * share);
  return text;
}

template <typename Value>
std::vector<double> values_of(const PolicyRuns& policy, Value value) {
  std::vector<double> values;
  for (const sim::SaturationResult& run : policy.runs) values.push_back(value(run));
  return values;
}

double mean(const std::vector<double>& values) {
  double sum = 0;
  for (double value : values) sum += value;
  return values.empty() ? 0 : sum / static_cast<double>(values.size());
}

double final_unallocated(const sim::SaturationResult& run) {
  return run.final_point.unallocated_share;
}

// "4.61% (4.50-4.70%)" over the seeds; the range only with more than one seed.
std::string mean_and_range(const std::vector<double>& values) {
  std::string text = percent(mean(values));
  if (values.size() < 2) return text;
  auto [low, high] = std::minmax_element(values.begin(), values.end());
  return text + " (" + percent(*low).substr(0, percent(*low).size() - 1) + "-" + percent(*high) +
         ")";
}

void print_table(const std::vector<PolicyRuns>& policies, std::ostream& out) {
  const PolicyRuns* fgd = nullptr;
  for (const PolicyRuns& policy : policies) {
    if (policy.spec.name == "fgd" && policy.spec.params.values().empty()) fgd = &policy;
  }
  std::vector<std::string> headers = {"POLICY",
                                      "UNALLOCATED GPU",
                                      "FRAGMENTED",
                                      "UNALLOCATED AT 1ST FAILURE",
                                      "ARRIVED AT 1ST FAILURE",
                                      "FAILED TASKS"};
  if (fgd != nullptr) headers.push_back("VS FGD");
  TextTable table(headers);
  for (const PolicyRuns& policy : policies) {
    auto first_failure = [](const sim::SaturationResult& run, auto field) {
      return run.at_first_failure ? field(*run.at_first_failure) : field(run.final_point);
    };
    std::vector<std::string> row = {
        policy.spec.label,
        mean_and_range(values_of(policy, final_unallocated)),
        percent(mean(values_of(
            policy,
            [](const sim::SaturationResult& run) { return run.final_point.fragmented_share; }))),
        percent(mean(values_of(policy,
                               [&](const sim::SaturationResult& run) {
                                 return first_failure(run, [](const sim::SaturationPoint& point) {
                                   return point.unallocated_share;
                                 });
                               }))),
        percent(mean(values_of(policy,
                               [&](const sim::SaturationResult& run) {
                                 return first_failure(run, [](const sim::SaturationPoint& point) {
                                   return point.arrived_share;
                                 });
                               }))),
        format_number(std::round(mean(values_of(policy, [](const sim::SaturationResult& run) {
          return static_cast<double>(run.final_point.tasks_failed);
        }))))};
    if (fgd != nullptr) {
      char ratio[32];
      std::snprintf(
          ratio, sizeof ratio, "%.3fx",
          mean(values_of(policy, final_unallocated)) / mean(values_of(*fgd, final_unallocated)));
      row.push_back(ratio);
    }
    table.add_row(std::move(row));
  }
  table.print(out);
}

Status write_csv(const std::vector<PolicyRuns>& policies, uint64_t first_seed,
                 const std::string& dir) {
  std::error_code error;
  std::filesystem::create_directories(dir, error);
  if (error) return invalid_argument("--csv " + dir + ": " + error.message());
  std::ofstream curve(dir + "/saturation_curve.csv");
  std::ofstream summary(dir + "/saturation_summary.csv");
  if (!curve || !summary) return Status(ErrorCode::kInternal, "cannot write CSV files in " + dir);
  curve << "policy,seed,arrived_share,allocated_share,unallocated_share,fragmented_share,"
           "tasks_arrived,tasks_failed\n";
  summary << "policy,seed,unallocated_share,fragmented_share,first_failure_unallocated_share,"
             "first_failure_arrived_share,tasks_arrived,tasks_failed\n";
  auto write_point = [](std::ofstream& file, const sim::SaturationPoint& point) {
    file << format_number(point.arrived_share) << ',' << format_number(point.allocated_share) << ','
         << format_number(point.unallocated_share) << ',' << format_number(point.fragmented_share)
         << ',' << point.tasks_arrived << ',' << point.tasks_failed << '\n';
  };
  for (const PolicyRuns& policy : policies) {
    for (size_t run = 0; run < policy.runs.size(); ++run) {
      const sim::SaturationResult& result = policy.runs[run];
      std::string prefix = policy.spec.label + "," + std::to_string(first_seed + run) + ",";
      for (const sim::SaturationPoint& point : result.curve) {
        curve << prefix;
        write_point(curve, point);
      }
      const sim::SaturationPoint& first = result.at_first_failure.value_or(result.final_point);
      summary << prefix << format_number(result.final_point.unallocated_share) << ','
              << format_number(result.final_point.fragmented_share) << ','
              << format_number(first.unallocated_share) << ',' << format_number(first.arrived_share)
              << ',' << result.final_point.tasks_arrived << ',' << result.final_point.tasks_failed
              << '\n';
    }
  }
  return Status::ok_status();
}

Status draw_plots(const std::string& csv_dir, const std::string& plots_dir) {
  return run_plot_script("plot_saturation.py", {csv_dir + "/saturation_curve.csv", plots_dir});
}

}  // namespace

int run_saturation_command(const SaturationCommandOptions& options, std::ostream& out,
                           std::ostream& progress) {
  if (options.seeds < 1) {
    return report_bad_input(
        invalid_argument("--seeds must be at least 1, got " + std::to_string(options.seeds)));
  }
  auto cluster = sim::load_alibaba_cluster(options.nodes_file);
  if (!cluster.ok()) return report_bad_input(cluster.status());
  auto pods = load_pods(options.pods_file);
  if (!pods.ok()) return report_bad_input(pods.status());
  std::vector<PolicyRuns> policies;
  for (const std::string& text : options.placements) {
    auto spec = parse_policy_spec(text);
    if (!spec.ok()) return report_bad_input(spec.status());
    if (auto placer = make_placer(spec->name, spec->params); !placer.ok()) {
      return report_bad_input(placer.status());
    }
    policies.push_back({std::move(*spec), {}});
  }
  sim::SaturationOptions saturation;
  saturation.arrival_ratio = options.arrival_ratio;
  for (PolicyRuns& policy : policies) {
    for (int run = 0; run < options.seeds; ++run) {
      saturation.seed = options.seed + static_cast<uint64_t>(run);
      progress << "saturation: " << policy.spec.label << " seed " << saturation.seed << " ("
               << run + 1 << "/" << options.seeds << ")\n";
      auto placer = make_placer(policy.spec.name, policy.spec.params);
      auto result = sim::run_saturation(*cluster, *pods, **placer, saturation);
      if (!result.ok()) return report_bad_input(result.status());
      policy.runs.push_back(std::move(*result));
    }
  }
  out << "Saturation: " << pods->size() << " pods sampled (seeds " << options.seed << ".."
      << options.seed + static_cast<uint64_t>(options.seeds) - 1 << ") onto " << cluster->size()
      << " nodes until arrivals reach " << format_number(options.arrival_ratio)
      << "x the GPU capacity\n\n";
  print_table(policies, out);
  std::string csv_dir = options.csv_dir.empty() ? options.plots_dir : options.csv_dir;
  if (csv_dir.empty()) return kExitOk;
  Status written = write_csv(policies, options.seed, csv_dir);
  if (written.ok() && !options.plots_dir.empty()) written = draw_plots(csv_dir, options.plots_dir);
  if (written.ok()) return kExitOk;
  std::cerr << "error: " << written.message() << '\n';
  return kExitError;
}



}  // namespace fulcrum
