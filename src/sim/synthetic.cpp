#include "sim/synthetic.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <numbers>

#include "core/resources.h"

namespace fulcrum::sim {

namespace {

constexpr double kNanosPerSecond = 1e9;
constexpr int64_t kMib = int64_t{1} << 20;

// Exponential with the given mean; 1 - u is in (0, 1], so the log is finite.
double exponential_sample(Rng& rng, double mean) { return -mean * std::log(1.0 - rng.uniform01()); }

// Standard normal by Box-Muller (one of the pair; the other is dropped to keep the stream simple).
double normal_sample(Rng& rng) {
  double radius = std::sqrt(-2.0 * std::log(1.0 - rng.uniform01()));
  return radius * std::cos(2.0 * std::numbers::pi * rng.uniform01());
}

Result<double> parse_number(std::string_view text, std::string_view whole) {
  double value = 0;
  const char* end = text.data() + text.size();
  auto [stop, failure] = std::from_chars(text.data(), end, value);
  if (text.empty() || failure != std::errc() || stop != end || !std::isfinite(value) || value < 0) {
    return invalid_argument("distribution \"" + std::string(whole) + "\": \"" + std::string(text) +
                            "\" is not a number >= 0");
  }
  return value;
}

size_t pick_weighted(Rng& rng, const std::vector<GpuShapeWeight>& shapes) {
  double total = 0;
  for (const GpuShapeWeight& shape : shapes) total += shape.weight;
  double target = rng.uniform01() * total;
  for (size_t index = 0; index < shapes.size(); ++index) {
    target -= shapes[index].weight;
    if (target < 0) return index;
  }
  return shapes.size() - 1;
}

std::string job_id(int64_t number) {
  char text[24];
  std::snprintf(text, sizeof(text), "syn-%06lld", static_cast<long long>(number));
  return text;
}

void link_dag(std::vector<SimJob>& jobs, size_t first, size_t count, DagShape shape) {
  for (size_t offset = 1; offset < count; ++offset) {
    Task& task = jobs[first + offset].task;
    if (shape == DagShape::kChain) {
      task.depends_on.push_back(jobs[first + offset - 1].task.id);
    } else if (offset + 1 < count || count < 3) {
      task.depends_on.push_back(jobs[first].task.id);  // fan-out from the root
    } else {
      for (size_t middle = 1; middle + 1 < count; ++middle) {  // fan-in to the join
        task.depends_on.push_back(jobs[first + middle].task.id);
      }
    }
  }
}

}  // namespace

Result<Distribution> Distribution::parse(std::string_view text) {
  std::vector<std::string_view> parts;
  std::string_view rest = text;
  while (true) {
    size_t colon = rest.find(':');
    parts.push_back(rest.substr(0, colon));
    if (colon == std::string_view::npos) break;
    rest.remove_prefix(colon + 1);
  }
  std::vector<double> numbers;
  for (size_t index = 1; index < parts.size(); ++index) {
    auto number = parse_number(parts[index], text);
    if (!number.ok()) return number.status();
    numbers.push_back(*number);
  }
  std::string_view kind = parts[0];
  auto arity_error = [&](std::string_view expected) {
    return invalid_argument("distribution \"" + std::string(text) + "\": expected " +
                            std::string(expected));
  };
  if (kind == "constant") {
    if (numbers.size() != 1) return arity_error("constant:VALUE");
    return constant(numbers[0]);
  }
  if (kind == "uniform") {
    if (numbers.size() != 2 || numbers[0] > numbers[1]) return arity_error("uniform:LOW:HIGH");
    return uniform(numbers[0], numbers[1]);
  }
  if (kind == "exponential") {
    if (numbers.size() != 1) return arity_error("exponential:MEAN");
    return exponential(numbers[0]);
  }
  if (kind == "lognormal") {
    if (numbers.size() != 2) return arity_error("lognormal:MEDIAN:SIGMA");
    return lognormal(numbers[0], numbers[1]);
  }
  return invalid_argument("distribution \"" + std::string(text) +
                          "\": expected constant, uniform, exponential or lognormal");
}

double Distribution::sample(Rng& rng) const {
  switch (kind_) {
    case Kind::kConstant: return first_;
    case Kind::kUniform: return first_ + (second_ - first_) * rng.uniform01();
    case Kind::kExponential: return exponential_sample(rng, first_);
    case Kind::kLognormal: return first_ * std::exp(second_ * normal_sample(rng));
  }
  return first_;
}

double Distribution::mean() const {
  switch (kind_) {
    case Kind::kConstant:
    case Kind::kExponential: return first_;
    case Kind::kUniform: return (first_ + second_) / 2;
    case Kind::kLognormal: return first_ * std::exp(second_ * second_ / 2);
  }
  return first_;
}

std::string Distribution::to_string() const {
  auto number = [](double value) { return format_number(value); };
  switch (kind_) {
    case Kind::kConstant: return "constant:" + number(first_);
    case Kind::kUniform: return "uniform:" + number(first_) + ":" + number(second_);
    case Kind::kExponential: return "exponential:" + number(first_);
    case Kind::kLognormal: return "lognormal:" + number(first_) + ":" + number(second_);
  }
  return "";
}

Result<ArrivalProcess> parse_arrival_process(std::string_view name) {
  if (name == "poisson") return ArrivalProcess::kPoisson;
  if (name == "bursty") return ArrivalProcess::kBursty;
  return invalid_argument("arrivals: expected poisson or bursty, got \"" + std::string(name) +
                          "\"");
}

Result<DagShape> parse_dag_shape(std::string_view name) {
  if (name == "none") return DagShape::kNone;
  if (name == "chain") return DagShape::kChain;
  if (name == "fanout") return DagShape::kFanOutIn;
  return invalid_argument("dag: expected none, chain or fanout, got \"" + std::string(name) + "\"");
}

ArrivalGenerator::ArrivalGenerator(const ArrivalOptions& options, Rng& rng)
    : options_(options), rng_(rng) {
  // mean = calm * (1 - f) + calm * factor * f, so calm = mean / (1 - f + factor * f).
  double fraction = std::clamp(options_.burst_fraction, 0.0, 1.0);
  calm_rate_ =
      options_.rate_per_s / ((1 - fraction) + std::max(options_.burst_factor, 0.0) * fraction);
  if (options_.process == ArrivalProcess::kBursty) {
    state_ends_s_ =
        exponential_sample(rng_, options_.mean_burst_s * (1 - fraction) / std::max(fraction, 1e-9));
  }
}

double ArrivalGenerator::current_rate() const {
  if (options_.process == ArrivalProcess::kPoisson) return options_.rate_per_s;
  return in_burst_ ? calm_rate_ * options_.burst_factor : calm_rate_;
}

Nanos ArrivalGenerator::next() {
  if (options_.process == ArrivalProcess::kPoisson) {
    now_s_ += exponential_sample(rng_, 1.0 / options_.rate_per_s);
    return Nanos(std::llround(now_s_ * kNanosPerSecond));
  }
  // Exponential gaps are memoryless, so a gap that crosses a state change is redrawn from the
  // change at the new rate.
  double fraction = std::clamp(options_.burst_fraction, 1e-9, 1.0 - 1e-9);
  while (true) {
    double gap = exponential_sample(rng_, 1.0 / current_rate());
    if (now_s_ + gap < state_ends_s_) {
      now_s_ += gap;
      return Nanos(std::llround(now_s_ * kNanosPerSecond));
    }
    now_s_ = state_ends_s_;
    in_burst_ = !in_burst_;
    double mean_length =
        in_burst_ ? options_.mean_burst_s : options_.mean_burst_s * (1 - fraction) / fraction;
    state_ends_s_ = now_s_ + exponential_sample(rng_, mean_length);
  }
}

std::vector<SimJob> generate_jobs(const SyntheticJobOptions& options) {
  Rng rng(options.seed);
  ArrivalGenerator arrivals(options.arrivals, rng);
  std::vector<SimJob> jobs;
  jobs.reserve(static_cast<size_t>(std::max<int64_t>(options.jobs, 0)));
  size_t dag_size =
      options.dag == DagShape::kNone ? 1 : static_cast<size_t>(std::max(options.dag_size, 2));
  Nanos group_arrival{0};
  for (int64_t number = 0; number < options.jobs; ++number) {
    size_t position = static_cast<size_t>(number) % dag_size;
    if (position == 0) group_arrival = arrivals.next();
    SimJob job;
    job.arrival = group_arrival;
    double duration_s = std::max(options.duration_s.sample(rng), 1e-3);
    job.duration = Nanos(std::llround(duration_s * kNanosPerSecond));
    Task& task = job.task;
    task.id = job_id(number);
    task.estimated_duration_ms = std::llround(duration_s * 1000);
    int64_t gpu_milli = options.gpu_shapes.empty()
                            ? 0
                            : options.gpu_shapes[pick_weighted(rng, options.gpu_shapes)].gpu_milli;
    task.demand.gpu_milli = gpu_milli;
    int64_t gpus_for_cpu =
        std::max<int64_t>((gpu_milli + kGpuMilliPerDevice - 1) / kGpuMilliPerDevice, 0);
    task.demand.cpu_millis = gpus_for_cpu == 0 ? options.cpu_millis_per_gpu / 2
                                               : gpus_for_cpu * options.cpu_millis_per_gpu;
    task.demand.memory_bytes = task.demand.cpu_millis / 1000 * options.memory_mib_per_cpu * kMib;
    task.priority =
        static_cast<int>(rng.uniform(static_cast<uint64_t>(std::max(options.priority_levels, 1))));
    task.type = task.needs_gpu() ? TaskType::kTraining : TaskType::kData;
    jobs.push_back(std::move(job));
    bool group_complete = position + 1 == dag_size || number + 1 == options.jobs;
    if (dag_size > 1 && group_complete) {
      link_dag(jobs, jobs.size() - position - 1, position + 1, options.dag);
    }
  }
  return jobs;
}

std::vector<LlmRequest> generate_requests(const SyntheticRequestOptions& options) {
  Rng rng(options.seed);
  ArrivalGenerator arrivals(options.arrivals, rng);
  std::vector<LlmRequest> requests;
  requests.reserve(static_cast<size_t>(std::max<int64_t>(options.requests, 0)));
  uint64_t next_private_block = static_cast<uint64_t>(std::max<int64_t>(options.prefix_groups, 0) *
                                                      options.shared_prefix_blocks);
  int64_t block_tokens = std::max<int64_t>(options.block_tokens, 1);
  for (int64_t number = 0; number < options.requests; ++number) {
    LlmRequest request;
    request.arrival = arrivals.next();
    request.input_tokens = std::max<int64_t>(std::llround(options.input_tokens.sample(rng)), 1);
    request.output_tokens = std::max<int64_t>(std::llround(options.output_tokens.sample(rng)), 1);
    int64_t blocks = (request.input_tokens + block_tokens - 1) / block_tokens;
    if (options.prefix_groups > 0) {
      uint64_t group = rng.uniform(static_cast<uint64_t>(options.prefix_groups));
      for (int64_t block = 0; block < std::min(blocks, options.shared_prefix_blocks); ++block) {
        request.hash_ids.push_back(group * static_cast<uint64_t>(options.shared_prefix_blocks) +
                                   static_cast<uint64_t>(block));
      }
    }
    while (static_cast<int64_t>(request.hash_ids.size()) < blocks) {
      request.hash_ids.push_back(next_private_block++);
    }
    requests.push_back(std::move(request));
  }
  return requests;
}

}  // namespace fulcrum::sim
