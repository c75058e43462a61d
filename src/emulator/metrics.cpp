#include "emulator/metrics.h"

#include <algorithm>

#include "http/prometheus.h"

namespace fulcrum::emulator {

namespace {

// vLLM's bucket bounds for the same histograms (vllm/v1/metrics/loggers.py).
std::vector<double> ttft_bounds() {
  return {0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1,  0.25,  0.5,   0.75,
          1.0,   2.5,   5.0,  7.5,  10.0, 20.0, 40.0, 80.0, 160.0, 640.0, 2560.0};
}
std::vector<double> tpot_bounds() {
  return {0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2,  0.3,  0.4, 0.5,
          0.75, 1.0,   2.5,  5.0,   7.5, 10.0, 20.0, 40.0, 80.0};
}
std::vector<double> e2e_bounds() {
  return {0.3,  0.5,  0.8,  1.0,  1.5,   2.0,   2.5,   5.0,   10.0,   15.0,  20.0,
          30.0, 40.0, 50.0, 60.0, 120.0, 240.0, 480.0, 960.0, 1920.0, 7680.0};
}

void gauge(PrometheusText& out, std::string_view name, std::string_view help,
           std::string_view model_name, double value) {
  out.family(name, "gauge", help);
  out.sample(name, {{"model_name", model_name}}, value);
}

void counter(PrometheusText& out, std::string_view name, std::string_view help,
             std::string_view model_name, int64_t value) {
  out.family(name, "counter", help);
  out.sample(name, {{"model_name", model_name}}, static_cast<double>(value));
}

void histogram(PrometheusText& out, std::string_view name, std::string_view help,
               std::string_view model_name, const Histogram& values) {
  out.family(name, "histogram", help);
  out.histogram(name, {{"model_name", model_name}}, values.upper_bounds(), values.counts(),
                values.sum());
}

}  // namespace

Histogram::Histogram(std::vector<double> upper_bounds)
    : upper_bounds_(std::move(upper_bounds)), counts_(upper_bounds_.size() + 1, 0) {}

void Histogram::record(double value) {
  auto bucket =
      std::lower_bound(upper_bounds_.begin(), upper_bounds_.end(), value) - upper_bounds_.begin();
  ++counts_[static_cast<std::size_t>(bucket)];
  sum_ += value;
}

RequestMetrics::RequestMetrics()
    : time_to_first_token_(ttft_bounds()),
      time_per_output_token_(tpot_bounds()),
      e2e_latency_(e2e_bounds()) {}

void RequestMetrics::record(const FinishedRequest& finished) {
  time_to_first_token_.record(finished.first_token_s - finished.arrival_s);
  e2e_latency_.record(finished.finish_s - finished.arrival_s);
  if (finished.output_tokens > 1) {
    time_per_output_token_.record((finished.finish_s - finished.first_token_s) /
                                  static_cast<double>(finished.output_tokens - 1));
  }
}

std::string RequestMetrics::render(const Engine& engine, std::string_view model_name) const {
  PrometheusText out;
  const EngineCounters& counters = engine.counters();
  gauge(out, "vllm:num_requests_running", "Number of requests in model execution batches.",
        model_name, static_cast<double>(engine.num_running()));
  gauge(out, "vllm:num_requests_waiting", "Number of requests waiting to be processed.", model_name,
        static_cast<double>(engine.num_waiting()));
  gauge(out, "vllm:kv_cache_usage_perc", "KV-cache usage. 1 means 100 percent usage.", model_name,
        engine.kv_cache_usage());
  gauge(out, "vllm:gpu_cache_usage_perc",
        "GPU KV-cache usage. 1 means 100 percent usage (the name before vLLM 0.10).", model_name,
        engine.kv_cache_usage());
  counter(out, "vllm:prefix_cache_queries_total",
          "Prefix cache queries, in terms of number of queried tokens.", model_name,
          counters.prefix_cache_queries);
  counter(out, "vllm:prefix_cache_hits_total",
          "Prefix cache hits, in terms of number of cached tokens.", model_name,
          counters.prefix_cache_hits);
  counter(out, "vllm:num_preemptions_total", "Cumulative number of preemptions from the engine.",
          model_name, counters.preemptions);
  counter(out, "vllm:prompt_tokens_total", "Number of prefill tokens processed.", model_name,
          counters.prompt_tokens);
  counter(out, "vllm:generation_tokens_total", "Number of generation tokens processed.", model_name,
          counters.generation_tokens);
  out.family("vllm:request_success_total", "counter", "Count of successfully processed requests.");
  out.sample("vllm:request_success_total",
             {{"model_name", model_name}, {"finished_reason", "length"}},
             static_cast<double>(counters.finished_requests));
  histogram(out, "vllm:time_to_first_token_seconds", "Histogram of time to first token in seconds.",
            model_name, time_to_first_token_);
  histogram(out, "vllm:time_per_output_token_seconds",
            "Histogram of time per output token in seconds.", model_name, time_per_output_token_);
  histogram(out, "vllm:e2e_request_latency_seconds", "Histogram of e2e request latency in seconds.",
            model_name, e2e_latency_);
  return out.text();
}

}  // namespace fulcrum::emulator
