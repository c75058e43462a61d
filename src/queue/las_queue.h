// Tiresias-style discretized two-dimensional least-attained-service (Gu et al., NSDI'19). A job's
// attained service is its size times the time it has run (GPU-seconds); queues 0..K-1 are split at
// ascending thresholds and a job sits in the first queue whose threshold exceeds its service. Lower
// queues run first, first-come first-served inside a queue, and a waiting job preempts running
// jobs of later queues when that makes room for it. New jobs start in queue 0, so short jobs finish
// fast without knowing durations in advance.
#pragma once

#include <memory>
#include <set>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/params.h"
#include "core/status.h"
#include "core/task.h"
#include "queue/keyed_order.h"
#include "queue/ready_queue.h"

namespace fulcrum {

class LasLevels {
 public:
  static constexpr const char* kDefaultThresholds = "3600:36000";

  explicit LasLevels(std::vector<double> thresholds_gpu_s);
  // Reads `thresholds` (ascending GPU-seconds separated by ':', e.g. "3600:36000").
  static Result<LasLevels> from_params(const PolicyParams& params);
  static std::vector<ParamSpec> param_specs();

  int levels() const { return static_cast<int>(thresholds_.size()) + 1; }
  int level_of(double attained_gpu_s) const;
  // Service still to attain before leaving the level `attained_gpu_s` is in (infinite on the last).
  double service_to_next_level(double attained_gpu_s) const;

  // The size service is counted in: GPUs (gpu_milli / 1000 per replica), or for a CPU-only task its
  // cores / 16 (a GPU's share of the host on a 128-core, 8-GPU node).
  static double size_of(const Task& task);

 private:
  std::vector<double> thresholds_;
};

// The ready queue `las`: queued tasks by (level, enqueue order). It follows each task's runs to
// count its service, and tells when a running task will reach its next level, since a waiting
// task of an earlier level may then preempt it.
class LasQueue final : public ReadyQueue {
 public:
  explicit LasQueue(LasLevels levels) : levels_(std::move(levels)) {}
  static Result<std::unique_ptr<ReadyQueue>> create(const PolicyParams& params);

  std::string_view name() const override { return "las"; }
  void push(const Task& task, QueueHandle handle, Nanos enqueued_at) override;
  bool remove(QueueHandle handle) override { return order_.remove(handle); }
  size_t size() const override { return order_.size(); }
  std::vector<QueueHandle> ordered(Nanos /*now*/) const override { return order_.ordered(); }

  void run_started(const Task& task, QueueHandle handle, Nanos now) override;
  void run_stopped(QueueHandle handle, Nanos now) override;
  std::optional<Nanos> next_reorder() const override;
  bool reorder(Nanos now) override;
  std::optional<int> preemption_level(QueueHandle handle) const override;

 private:
  struct Service {
    double attained_gpu_s = 0;  // counted up to `since`
    Nanos since{0};             // start of the running time not yet counted
    double size = 0;
    int level = 0;
    std::optional<Nanos> level_up_at;  // while running: when it reaches the next level
  };
  // Counts the service run since `service.since` up to `now`.
  void count_service(Service& service, Nanos now) const;
  void plan_level_up(QueueHandle handle, Nanos now);
  Service& service_of(QueueHandle handle);

  LasLevels levels_;
  KeyedOrder order_;
  std::vector<Service> service_;  // by handle
  std::set<std::pair<Nanos, QueueHandle>> level_ups_;
};

}  // namespace fulcrum
