#include "queue/las_queue.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <string>
#include <utility>

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

Result<std::unique_ptr<ReadyQueue>> LasQueue::create(const PolicyParams& params) {
  auto levels = LasLevels::from_params(params);
  if (!levels.ok()) return levels.status();
  return std::unique_ptr<ReadyQueue>(std::make_unique<LasQueue>(std::move(*levels)));
}

LasQueue::Service& LasQueue::service_of(QueueHandle handle) {
  if (handle >= service_.size()) service_.resize(handle + 1);
  return service_[handle];
}

void LasQueue::push(const Task& /*task*/, QueueHandle handle, Nanos /*enqueued_at*/) {
  order_.push(service_of(handle).level, handle);
}

void LasQueue::count_service(Service& service, Nanos now) const {
  service.attained_gpu_s +=
      service.size * std::chrono::duration<double>(now - service.since).count();
  service.since = now;
  service.level = std::max(service.level, levels_.level_of(service.attained_gpu_s));
}

void LasQueue::plan_level_up(QueueHandle handle, Nanos now) {
  Service& service = service_[handle];
  double to_next = levels_.service_to_next_level(service.attained_gpu_s);
  if (service.size <= 0 || !std::isfinite(to_next)) return;
  Nanos delay = std::max(Nanos(std::llround(to_next / service.size * 1e9)), Nanos{1});
  service.level_up_at = now + delay;
  level_ups_.emplace(*service.level_up_at, handle);
}

void LasQueue::run_started(const Task& task, QueueHandle handle, Nanos now) {
  Service& service = service_of(handle);
  service.since = now;
  service.size = LasLevels::size_of(task);
  plan_level_up(handle, now);
}

void LasQueue::run_stopped(QueueHandle handle, Nanos now) {
  if (handle >= service_.size()) return;
  Service& service = service_[handle];
  count_service(service, now);
  if (service.level_up_at) level_ups_.erase({*service.level_up_at, handle});
  service.level_up_at.reset();
}

std::optional<Nanos> LasQueue::next_reorder() const {
  if (level_ups_.empty()) return std::nullopt;
  return level_ups_.begin()->first;
}

bool LasQueue::reorder(Nanos now) {
  bool changed = false;
  while (!level_ups_.empty() && level_ups_.begin()->first <= now) {
    QueueHandle handle = level_ups_.begin()->second;
    level_ups_.erase(level_ups_.begin());
    Service& service = service_[handle];
    // Planned for the crossing of the next threshold: count it as crossed whatever the rounding
    // of nanoseconds says.
    double threshold =
        service.attained_gpu_s + levels_.service_to_next_level(service.attained_gpu_s);
    count_service(service, now);
    service.attained_gpu_s = std::max(service.attained_gpu_s, threshold);
    service.level = std::max(service.level, levels_.level_of(service.attained_gpu_s));
    plan_level_up(handle, now);
    changed = true;
  }
  return changed;
}

std::optional<int> LasQueue::preemption_level(QueueHandle handle) const {
  return handle < service_.size() ? service_[handle].level : 0;
}

double LasLevels::size_of(const Task& task) {
  double per_replica = task.needs_gpu()
                           ? static_cast<double>(task.demand.gpu_milli) / kGpuMilliPerDevice
                           : static_cast<double>(task.demand.cpu_millis) / 1000.0 / kCpuCoresPerGpu;
  return per_replica * std::max(task.replicas, 1);
}

}  // namespace fulcrum
