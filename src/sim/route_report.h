// What `fulcrum sim route` reports about a run: the latency percentiles, throughput, prefix-cache
// hit rate and load imbalance of one policy, and the CSV files of requests and summaries.
// Percentiles are nearest-rank (sim::percentile), as the load generator computes them.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <ostream>
#include <span>
#include <string>
#include <vector>

#include "sim/route_sim.h"

namespace fulcrum::sim {

struct RouteSummary {
  std::string policy;
  int64_t requests = 0;
  int64_t failed = 0;
  double ttft_p50_s = 0, ttft_p90_s = 0, ttft_p99_s = 0;
  double tpot_p50_s = 0, tpot_p99_s = 0;
  double e2e_p50_s = 0, e2e_p99_s = 0;
  double output_tokens_per_s = 0;  // output tokens / time from the slice start to the last finish
  double prefix_hit_rate = 0;      // cached prompt tokens / prompt tokens
  double request_imbalance = 0;    // max / mean of requests per replica
  double token_imbalance = 0;      // max / mean of prompt + output tokens per replica
  int max_replicas = 0;            // the most serving or starting at once (RouteRun::peak_replicas)
  int started_replicas = 0;        // replicas that ever existed
  double replica_hours = 0;
};

RouteSummary summarize_route_run(const RouteRun& run);

// An autoscaled fleet against fixed fleets on the same requests and policy: the fixed fleet of
// options.replicas, and the fixed sizes from autoscale.min_replicas up until one reaches the
// autoscaled fleet's p99 TTFT (the fleet a fixed deployment would need for the same tail).
struct AutoscaleComparison {
  RouteSummary autoscaled;
  std::vector<ScaleEvent> scale_events;
  RouteSummary fixed;                    // options.replicas replicas throughout
  std::vector<RouteSummary> searched;    // fixed fleets tried, smallest first
  std::optional<RouteSummary> matching;  // the first of them with p99 TTFT <= the autoscaled one
  // matching's replica-hours minus the autoscaled fleet's (absent without a match).
  std::optional<double> replica_hours_saved;
};

using PickerFactory = std::function<Result<std::unique_ptr<Picker>>()>;

// Runs the comparison; options.autoscale must be set. Each run gets a fresh picker.
Result<AutoscaleComparison> compare_autoscaling(const RouteSimOptions& options,
                                                std::span<const LlmRequest> requests,
                                                const PickerFactory& make_picker);

// One row per request: policy,index,arrival_s,replica,ok,error,prompt_tokens,cached_tokens,
// output_tokens,ttft_s,tpot_s,e2e_s. Numbers are printed the same way on every machine.
void write_route_requests_csv(std::ostream& out, std::span<const RouteRun> runs);
// One row per policy with the fields of RouteSummary.
void write_route_summary_csv(std::ostream& out, std::span<const RouteSummary> summaries);
// One row per policy and fleet: the autoscaled one, the fixed one of the starting size and every
// fixed size searched (fleet = auto, fixed, or search), with p99 TTFT and replica-hours.
void write_autoscale_csv(std::ostream& out, std::span<const AutoscaleComparison> comparisons);

}  // namespace fulcrum::sim
