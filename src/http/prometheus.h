// The Prometheus text exposition format 0.0.4 (https://prometheus.io/docs/instrumenting/
// exposition_formats/): what the gateway's, the scheduler's and the emulator's /metrics write.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>
#include <utility>

namespace fulcrum {

inline constexpr std::string_view kPrometheusContentType =
    "text/plain; version=0.0.4; charset=utf-8";

using MetricLabels = std::initializer_list<std::pair<std::string_view, std::string_view>>;

// Builds an exposition: each family's # HELP and # TYPE lines, then its samples.
class PrometheusText {
 public:
  // type: "counter", "gauge" or "histogram".
  void family(std::string_view name, std::string_view type, std::string_view help);
  void sample(std::string_view name, MetricLabels labels, double value);
  // A histogram from per-bucket (not cumulative) counts; `counts` has one more entry than
  // `upper_bounds`, for what lies above the last bound.
  void histogram(std::string_view name, MetricLabels labels, std::span<const double> upper_bounds,
                 std::span<const uint64_t> counts, double sum);

  const std::string& text() const { return text_; }

 private:
  void append_series(std::string_view name, std::string_view suffix, MetricLabels labels,
                     std::pair<std::string_view, std::string_view> extra_label = {});
  void append_value(double value);

  std::string text_;
};

}  // namespace fulcrum
