// The emulator's /metrics under vLLM's names (https://docs.vllm.ai/en/latest/design/metrics.html),
// each with a model_name label, so that anything that scrapes vLLM scrapes the emulator unchanged.
// Times are the engine's (modeled) seconds.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "emulator/engine.h"

namespace fulcrum::emulator {

// Per-bucket counts of a Prometheus histogram over fixed upper bounds.
class Histogram {
 public:
  explicit Histogram(std::vector<double> upper_bounds);
  void record(double value);
  std::span<const double> upper_bounds() const { return upper_bounds_; }
  std::span<const uint64_t> counts() const { return counts_; }
  double sum() const { return sum_; }

 private:
  std::vector<double> upper_bounds_;
  std::vector<uint64_t> counts_;  // one more than the bounds: what lies above the last
  double sum_ = 0;
};

class RequestMetrics {
 public:
  RequestMetrics();
  // Records a finished request's latencies.
  void record(const FinishedRequest& finished);
  // The whole exposition: engine gauges and counters, then the histograms.
  std::string render(const Engine& engine, std::string_view model_name) const;

 private:
  Histogram time_to_first_token_;
  Histogram time_per_output_token_;
  Histogram e2e_latency_;
};

}  // namespace fulcrum::emulator
