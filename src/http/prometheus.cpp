#include "http/prometheus.h"

#include <charconv>
#include <cmath>

namespace fulcrum {

namespace {

// Label values escape backslash, double quote and line feed; nothing else.
void append_label_value(std::string& out, std::string_view value) {
  for (char c : value) {
    if (c == '\\' || c == '"') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
}

}  // namespace

void PrometheusText::family(std::string_view name, std::string_view type, std::string_view help) {
  text_.append("# HELP ").append(name).append(" ").append(help).append("\n");
  text_.append("# TYPE ").append(name).append(" ").append(type).append("\n");
}

void PrometheusText::sample(std::string_view name, MetricLabels labels, double value) {
  append_series(name, "", labels);
  append_value(value);
}

void PrometheusText::histogram(std::string_view name, MetricLabels labels,
                               std::span<const double> upper_bounds,
                               std::span<const uint64_t> counts, double sum) {
  uint64_t cumulative = 0;
  std::string bound_text;
  for (size_t index = 0; index < counts.size(); ++index) {
    cumulative += counts[index];
    bound_text = "+Inf";
    if (index < upper_bounds.size()) {
      char digits[32];
      auto [end, error] = std::to_chars(digits, digits + sizeof digits, upper_bounds[index]);
      bound_text.assign(digits, end);
    }
    append_series(name, "_bucket", labels, {"le", bound_text});
    append_value(static_cast<double>(cumulative));
  }
  append_series(name, "_sum", labels);
  append_value(sum);
  append_series(name, "_count", labels);
  append_value(static_cast<double>(cumulative));
}

void PrometheusText::append_series(std::string_view name, std::string_view suffix,
                                   MetricLabels labels,
                                   std::pair<std::string_view, std::string_view> extra_label) {
  text_.append(name).append(suffix);
  if (labels.size() == 0 && extra_label.first.empty()) return;
  char separator = '{';
  auto append_label = [this, &separator](std::string_view label, std::string_view value) {
    text_ += separator;
    text_.append(label).append("=\"");
    append_label_value(text_, value);
    text_ += '"';
    separator = ',';
  };
  for (const auto& [label, value] : labels) append_label(label, value);
  if (!extra_label.first.empty()) append_label(extra_label.first, extra_label.second);
  text_ += '}';
}

void PrometheusText::append_value(double value) {
  char digits[32];
  // Integral values print without an exponent, as counters conventionally do.
  auto [end, error] =
      std::trunc(value) == value && std::fabs(value) < 1e15
          ? std::to_chars(digits, digits + sizeof digits, static_cast<int64_t>(value))
          : std::to_chars(digits, digits + sizeof digits, value);
  text_ += ' ';
  text_.append(digits, end);
  text_ += '\n';
}

}  // namespace fulcrum
