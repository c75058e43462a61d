#include "planning/gantt_svg.h"

#include <algorithm>
#include <cmath>
#include <sstream>

namespace fulcrum {

namespace {

constexpr int kLabelWidth = 120;
constexpr int kChartWidth = 720;
constexpr int kRowHeight = 28;
constexpr int kTop = 40;

std::string escape_xml(const std::string& text) {
  std::string escaped;
  for (char character : text) {
    switch (character) {
      case '<': escaped += "&lt;"; break;
      case '>': escaped += "&gt;"; break;
      case '&': escaped += "&amp;"; break;
      case '"': escaped += "&quot;"; break;
      default: escaped += character;
    }
  }
  return escaped;
}

// A distinct, readable fill per task.
std::string fill_for(size_t task) {
  static const char* const kPalette[] = {"#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f",
                                         "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"};
  return kPalette[task % (sizeof kPalette / sizeof kPalette[0])];
}

// A round step for axis ticks so that about eight fit.
double tick_minutes(double span_minutes) {
  for (double step : {1.0, 2.0, 5.0, 10.0, 15.0, 30.0, 60.0, 120.0, 240.0, 480.0, 1440.0}) {
    if (span_minutes / step <= 8) return step;
  }
  return std::ceil(span_minutes / 8 / 1440) * 1440;
}

}  // namespace

std::string gantt_svg(const PlanProblem& problem, const Plan& plan, const std::string& title) {
  double span_ms = std::max<double>(1, static_cast<double>(plan_makespan(plan)));
  int height = kTop + static_cast<int>(problem.node_count()) * kRowHeight + 40;
  int width = kLabelWidth + kChartWidth + 20;
  auto x_of = [&](double time_ms) { return kLabelWidth + time_ms / span_ms * kChartWidth; };
  std::ostringstream svg;
  svg << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << width << "\" height=\"" << height
      << "\" font-family=\"sans-serif\" font-size=\"12\">\n"
      << "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
      << "<text x=\"10\" y=\"20\" font-size=\"14\">" << escape_xml(title) << "</text>\n";
  for (size_t node = 0; node < problem.node_count(); ++node) {
    int y = kTop + static_cast<int>(node) * kRowHeight;
    svg << "<text x=\"10\" y=\"" << y + 18 << "\">" << escape_xml(problem.node(node).id)
        << "</text>\n<line x1=\"" << kLabelWidth << "\" y1=\"" << y + kRowHeight << "\" x2=\""
        << kLabelWidth + kChartWidth << "\" y2=\"" << y + kRowHeight << "\" stroke=\"#ddd\"/>\n";
  }
  double step = tick_minutes(span_ms / 60000);
  int axis_y = kTop + static_cast<int>(problem.node_count()) * kRowHeight;
  for (double minute = 0; minute * 60000 <= span_ms + 1e-6; minute += step) {
    double x = x_of(minute * 60000);
    svg << "<line x1=\"" << x << "\" y1=\"" << kTop << "\" x2=\"" << x << "\" y2=\"" << axis_y + 4
        << "\" stroke=\"#bbb\"/>\n<text x=\"" << x << "\" y=\"" << axis_y + 18
        << "\" text-anchor=\"middle\">" << minute << "m</text>\n";
  }
  for (const PlannedReplica& replica : plan.replicas) {
    int y = kTop + static_cast<int>(replica.node) * kRowHeight + 4;
    double x = x_of(static_cast<double>(replica.start_ms));
    double bar = std::max(1.0, x_of(static_cast<double>(replica.end_ms)) - x);
    std::string label = problem.task(replica.task).id;
    if (problem.task(replica.task).replicas > 1) label += "/" + std::to_string(replica.replica);
    svg << "<g><title>" << escape_xml(label) << "</title><rect x=\"" << x << "\" y=\"" << y
        << "\" width=\"" << bar << "\" height=\"" << kRowHeight - 8 << "\" fill=\""
        << fill_for(replica.task) << "\" stroke=\"#333\" opacity=\"0.85\"/><text x=\"" << x + 4
        << "\" y=\"" << y + 14 << "\" fill=\"white\">" << escape_xml(label) << "</text></g>\n";
  }
  svg << "</svg>\n";
  return svg.str();
}

}  // namespace fulcrum
