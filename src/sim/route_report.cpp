#include "sim/route_report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "core/yaml_reader.h"
#include "sim/cluster_replay.h"
#include "sim/replay_report.h"

namespace fulcrum::sim {

namespace {

// Seconds with microsecond decimals: the same bytes on every machine.
constexpr int kSecondsDigits = 6;

// max / mean of `values`; 0 when empty or all zero.
double max_over_mean(const std::vector<double>& values) {
  double total = 0;
  double highest = 0;
  for (double value : values) {
    total += value;
    highest = std::max(highest, value);
  }
  if (values.empty() || total <= 0) return 0;
  return highest / (total / static_cast<double>(values.size()));
}

// A CSV cell: quoted when it holds a comma or a quote.
std::string csv_text(const std::string& text) {
  if (text.find_first_of(",\"\n") == std::string::npos) return text;
  std::string quoted = "\"";
  for (char c : text) {
    if (c == '"') quoted += '"';
    quoted += c == '\n' ? ' ' : c;
  }
  return quoted + "\"";
}

}  // namespace

RouteSummary summarize_route_run(const RouteRun& run) {
  RouteSummary summary;
  summary.policy = run.policy;
  summary.requests = static_cast<int64_t>(run.requests.size());
  std::vector<double> ttft;
  std::vector<double> tpot;
  std::vector<double> e2e;
  int64_t output_tokens = 0;
  int64_t prompt_tokens = 0;
  int64_t cached_tokens = 0;
  for (const RequestOutcome& request : run.requests) {
    if (!request.ok) {
      ++summary.failed;
      continue;
    }
    ttft.push_back(request.ttft_s);
    if (request.output_tokens > 1) tpot.push_back(request.tpot_s);
    e2e.push_back(request.e2e_s);
    output_tokens += request.output_tokens;
    prompt_tokens += request.prompt_tokens;
    cached_tokens += request.cached_tokens;
  }
  summary.ttft_p50_s = percentile(ttft, 0.5);
  summary.ttft_p90_s = percentile(ttft, 0.9);
  summary.ttft_p99_s = percentile(ttft, 0.99);
  summary.tpot_p50_s = percentile(tpot, 0.5);
  summary.tpot_p99_s = percentile(tpot, 0.99);
  summary.e2e_p50_s = percentile(e2e, 0.5);
  summary.e2e_p99_s = percentile(e2e, 0.99);
  if (run.end_s > 0) summary.output_tokens_per_s = static_cast<double>(output_tokens) / run.end_s;
  if (prompt_tokens > 0) {
    summary.prefix_hit_rate =
        static_cast<double>(cached_tokens) / static_cast<double>(prompt_tokens);
  }
  std::vector<double> requests_per_replica;
  std::vector<double> tokens_per_replica;
  for (const ReplicaRecord& replica : run.replicas) {
    requests_per_replica.push_back(static_cast<double>(replica.requests));
    tokens_per_replica.push_back(
        static_cast<double>(replica.prompt_tokens + replica.output_tokens));
  }
  summary.request_imbalance = max_over_mean(requests_per_replica);
  summary.token_imbalance = max_over_mean(tokens_per_replica);
  summary.max_replicas = run.peak_replicas;
  summary.started_replicas = static_cast<int>(run.replicas.size());
  summary.replica_hours = run.replica_seconds() / 3600;
  return summary;
}

namespace {

Result<RouteSummary> run_and_summarize(const RouteSimOptions& options,
                                       std::span<const LlmRequest> requests,
                                       const PickerFactory& make_picker,
                                       std::vector<ScaleEvent>* scale_events = nullptr) {
  Result<std::unique_ptr<Picker>> picker = make_picker();
  if (!picker.ok()) return picker.status();
  Result<RouteRun> run = simulate_routing(options, requests, **picker);
  if (!run.ok()) return run.status();
  if (scale_events != nullptr) *scale_events = run->scale_events;
  return summarize_route_run(*run);
}

}  // namespace

Result<AutoscaleComparison> compare_autoscaling(const RouteSimOptions& options,
                                                std::span<const LlmRequest> requests,
                                                const PickerFactory& make_picker) {
  if (!options.autoscale) return invalid_argument("autoscale: not configured");
  AutoscaleComparison comparison;
  FULCRUM_ASSIGN_OR_RETURN(comparison.autoscaled, run_and_summarize(options, requests, make_picker,
                                                                    &comparison.scale_events));
  RouteSimOptions fixed_options = options;
  fixed_options.autoscale.reset();
  FULCRUM_ASSIGN_OR_RETURN(comparison.fixed,
                           run_and_summarize(fixed_options, requests, make_picker));
  for (int replicas = options.autoscale->min_replicas; replicas <= options.autoscale->max_replicas;
       ++replicas) {
    fixed_options.replicas = replicas;
    RouteSummary summary;
    if (replicas == options.replicas) {
      summary = comparison.fixed;
    } else {
      FULCRUM_ASSIGN_OR_RETURN(summary, run_and_summarize(fixed_options, requests, make_picker));
    }
    comparison.searched.push_back(summary);
    if (summary.failed <= comparison.autoscaled.failed &&
        summary.ttft_p99_s <= comparison.autoscaled.ttft_p99_s) {
      comparison.matching = summary;
      comparison.replica_hours_saved = summary.replica_hours - comparison.autoscaled.replica_hours;
      break;
    }
  }
  return comparison;
}

void write_route_requests_csv(std::ostream& out, std::span<const RouteRun> runs) {
  out << "policy,index,arrival_s,queued_s,replica,ok,error,prompt_tokens,cached_tokens,"
         "output_tokens,ttft_s,tpot_s,e2e_s\n";
  for (const RouteRun& run : runs) {
    for (const RequestOutcome& request : run.requests) {
      out << run.policy << ',' << request.index << ',' << fixed(request.arrival_s, kSecondsDigits)
          << ',' << fixed(request.queued_s, kSecondsDigits) << ',' << request.replica << ','
          << (request.ok ? 1 : 0) << ',' << csv_text(request.error) << ',' << request.prompt_tokens
          << ',' << request.cached_tokens << ',' << request.output_tokens << ','
          << fixed(request.ttft_s, kSecondsDigits) << ',' << fixed(request.tpot_s, kSecondsDigits)
          << ',' << fixed(request.e2e_s, kSecondsDigits) << '\n';
    }
  }
}

void write_route_summary_csv(std::ostream& out, std::span<const RouteSummary> summaries) {
  out << "policy,requests,failed,ttft_p50_s,ttft_p90_s,ttft_p99_s,tpot_p50_s,tpot_p99_s,e2e_p50_s,"
         "e2e_p99_s,output_tokens_per_s,prefix_hit_rate,request_imbalance,token_imbalance,"
         "max_replicas,replica_hours,started_replicas\n";
  for (const RouteSummary& summary : summaries) {
    out << summary.policy << ',' << summary.requests << ',' << summary.failed << ','
        << fixed(summary.ttft_p50_s, kSecondsDigits) << ','
        << fixed(summary.ttft_p90_s, kSecondsDigits) << ','
        << fixed(summary.ttft_p99_s, kSecondsDigits) << ','
        << fixed(summary.tpot_p50_s, kSecondsDigits) << ','
        << fixed(summary.tpot_p99_s, kSecondsDigits) << ','
        << fixed(summary.e2e_p50_s, kSecondsDigits) << ','
        << fixed(summary.e2e_p99_s, kSecondsDigits) << ',' << fixed(summary.output_tokens_per_s, 1)
        << ',' << fixed(summary.prefix_hit_rate, 4) << ',' << fixed(summary.request_imbalance, 3)
        << ',' << fixed(summary.token_imbalance, 3) << ',' << summary.max_replicas << ','
        << fixed(summary.replica_hours, 4) << ',' << summary.started_replicas << '\n';
  }
}

void write_autoscale_csv(std::ostream& out, std::span<const AutoscaleComparison> comparisons) {
  out << "policy,fleet,replicas,ttft_p50_s,ttft_p99_s,replica_hours,matches_autoscaled,"
         "started_replicas\n";
  for (const AutoscaleComparison& comparison : comparisons) {
    auto row = [&out, &comparison](const char* fleet, const RouteSummary& summary) {
      const bool matches = comparison.matching && fleet == std::string_view("search") &&
                           comparison.matching->max_replicas == summary.max_replicas;
      out << comparison.autoscaled.policy << ',' << fleet << ',' << summary.max_replicas << ','
          << fixed(summary.ttft_p50_s, kSecondsDigits) << ','
          << fixed(summary.ttft_p99_s, kSecondsDigits) << ',' << fixed(summary.replica_hours, 4)
          << ',' << (matches ? 1 : 0) << ',' << summary.started_replicas << '\n';
    };
    row("auto", comparison.autoscaled);
    row("fixed", comparison.fixed);
    for (const RouteSummary& summary : comparison.searched) row("search", summary);
  }
}

}  // namespace fulcrum::sim
