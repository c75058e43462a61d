// Synthetic workloads for what traces lack: seeded (core/random.h), so the same options give the
// same jobs. Arrivals are Poisson, or bursty (a two-state Markov-modulated Poisson process: calm
// and burst periods with exponential lengths, the burst rate `burst_factor` times the calm one,
// scaled so the long-run mean rate is `rate_per_s`). Durations and token lengths come from
// constant, uniform, exponential or lognormal distributions. Jobs may form DAGs: chains
// (each job waits for the previous one) or fan-out/fan-in (a root, `dag_size - 2` parallel jobs
// after it, and a join after all of them); the members of one DAG arrive together.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/random.h"
#include "core/status.h"
#include "sim/workload.h"

namespace fulcrum::sim {

class Distribution {
 public:
  enum class Kind { kConstant, kUniform, kExponential, kLognormal };

  // constant:V, uniform:LOW:HIGH, exponential:MEAN, lognormal:MEDIAN:SIGMA.
  static Result<Distribution> parse(std::string_view text);
  static Distribution constant(double value) { return {Kind::kConstant, value, 0}; }
  static Distribution uniform(double low, double high) { return {Kind::kUniform, low, high}; }
  static Distribution exponential(double mean) { return {Kind::kExponential, mean, 0}; }
  static Distribution lognormal(double median, double sigma) {
    return {Kind::kLognormal, median, sigma};
  }

  double sample(Rng& rng) const;
  double mean() const;
  std::string to_string() const;

 private:
  Distribution(Kind kind, double first, double second)
      : kind_(kind), first_(first), second_(second) {}
  Kind kind_;
  double first_;
  double second_;
};

enum class ArrivalProcess { kPoisson, kBursty };

struct ArrivalOptions {
  ArrivalProcess process = ArrivalProcess::kPoisson;
  double rate_per_s = 1;        // long-run mean arrival rate
  double burst_factor = 10;     // bursty: burst rate / calm rate
  double burst_fraction = 0.1;  // bursty: share of time spent in bursts
  double mean_burst_s = 60;     // bursty: mean length of one burst
};

Result<ArrivalProcess> parse_arrival_process(std::string_view name);  // poisson | bursty

// Successive arrival times from 0.
class ArrivalGenerator {
 public:
  ArrivalGenerator(const ArrivalOptions& options, Rng& rng);
  Nanos next();

 private:
  double current_rate() const;
  ArrivalOptions options_;
  Rng& rng_;
  double now_s_ = 0;
  bool in_burst_ = false;
  double state_ends_s_ = 0;
  double calm_rate_ = 0;
};

enum class DagShape { kNone, kChain, kFanOutIn };

Result<DagShape> parse_dag_shape(std::string_view name);  // none | chain | fanout

// The GPU demand of a synthetic job: `gpu_milli` (0, a share below 1000, or whole GPUs x 1000)
// drawn with weight `weight`.
struct GpuShapeWeight {
  int64_t gpu_milli = 0;
  double weight = 1;
};

struct SyntheticJobOptions {
  uint64_t seed = 1;
  int64_t jobs = 1000;
  ArrivalOptions arrivals;
  Distribution duration_s = Distribution::exponential(600);
  // Shapes as in the Alibaba 2023 trace: 13% CPU-only, 38% shares, 47% one GPU, 2% 2-8 GPUs.
  std::vector<GpuShapeWeight> gpu_shapes = {{0, 13},    {250, 12}, {500, 14},   {750, 12},
                                            {1000, 47}, {2000, 1}, {4000, 0.5}, {8000, 0.5}};
  int64_t cpu_millis_per_gpu = 8000;  // CPU demand: this per GPU (4 cores for CPU-only jobs)
  int64_t memory_mib_per_cpu = 4096;
  int priority_levels = 3;  // priorities drawn uniformly from 0 .. levels - 1
  DagShape dag = DagShape::kNone;
  int dag_size = 4;  // jobs per DAG (>= 2; fan-out/fan-in needs >= 3)
};

// Jobs "syn-000000", ... in arrival order; estimated duration = actual duration.
std::vector<SimJob> generate_jobs(const SyntheticJobOptions& options);

struct SyntheticRequestOptions {
  uint64_t seed = 1;
  int64_t requests = 1000;
  ArrivalOptions arrivals;
  Distribution input_tokens = Distribution::lognormal(1024, 1.0);
  Distribution output_tokens = Distribution::lognormal(256, 0.8);
  // Requests share a leading prefix of `shared_prefix_blocks` blocks among `prefix_groups` groups
  // (a system prompt per application); the rest of the input gets blocks of its own.
  int64_t prefix_groups = 8;
  int64_t shared_prefix_blocks = 2;
  int64_t block_tokens = 512;
};

std::vector<LlmRequest> generate_requests(const SyntheticRequestOptions& options);

}  // namespace fulcrum::sim
