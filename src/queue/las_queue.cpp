#include "queue/las_queue.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <string>

#include "core/resources.h"

namespace fulcrum {

namespace {

constexpr double kCpuCoresPerGpu = 16;

}  // namespace

LasLevels::LasLevels(std::vector<double> thresholds_gpu_s)
    : thresholds_(std::move(thresholds_gpu_s)) {}

std::vector<ParamSpec> LasLevels::param_specs() {
  return {{"thresholds", kDefaultThresholds,
           "attained service (GPU-seconds) at which a job moves to the next queue, ascending, "
           "separated by ':'"}};
}

Result<LasLevels> LasLevels::from_params(const PolicyParams& params) {
  if (Status status = params.check_known(param_specs()); !status.ok()) return status;
  auto text = params.get_string("thresholds", kDefaultThresholds);
  if (!text.ok()) return text.status();
  std::vector<double> thresholds;
  std::string_view rest = *text;
  while (!rest.empty()) {
    size_t colon = rest.find(':');
    std::string_view part = rest.substr(0, colon);
    double value = 0;
    auto [stop, failure] = std::from_chars(part.data(), part.data() + part.size(), value);
    if (part.empty() || failure != std::errc() || stop != part.data() + part.size() ||
        !std::isfinite(value) || value <= 0 ||
        (!thresholds.empty() && value <= thresholds.back())) {
      return invalid_argument("thresholds \"" + *text +
                              "\": expected ascending positive GPU-seconds such as 3600:36000");
    }
    thresholds.push_back(value);
    if (colon == std::string_view::npos) break;
    rest.remove_prefix(colon + 1);
  }
  return LasLevels(std::move(thresholds));
}

int LasLevels::level_of(double attained_gpu_s) const {
  return static_cast<int>(std::upper_bound(thresholds_.begin(), thresholds_.end(), attained_gpu_s) -
                          thresholds_.begin());
}

double LasLevels::service_to_next_level(double attained_gpu_s) const {
  auto next = std::upper_bound(thresholds_.begin(), thresholds_.end(), attained_gpu_s);
  if (next == thresholds_.end()) return std::numeric_limits<double>::infinity();
  return *next - attained_gpu_s;
}

double LasLevels::size_of(const Task& task) {
  double per_replica = task.needs_gpu()
                           ? static_cast<double>(task.demand.gpu_milli) / kGpuMilliPerDevice
                           : static_cast<double>(task.demand.cpu_millis) / 1000.0 / kCpuCoresPerGpu;
  return per_replica * std::max(task.replicas, 1);
}

}  // namespace fulcrum
