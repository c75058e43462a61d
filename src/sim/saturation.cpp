#include "sim/saturation.h"

#include <cmath>

#include "core/random.h"
#include "placement/gpu_fragmentation.h"

namespace fulcrum::sim {

namespace {

int64_t gpu_capacity_milli_of(const Cluster& cluster) {
  int64_t total = 0;
  for (const Node& node : cluster.nodes()) total += node.capacity.gpu_milli;
  return total;
}

int64_t gpu_allocated_milli_of(const Cluster& cluster) {
  int64_t total = 0;
  for (const Node& node : cluster.nodes()) total += node.allocated.gpu_milli;
  return total;
}

double fragmented_milli_of(const Cluster& cluster, FragmentationMeter& meter) {
  double total = 0;
  for (const Node& node : cluster.nodes()) {
    if (node.has_gpus()) total += meter.measure(node);
  }
  return total;
}

int64_t gpu_demand_milli(const Task& task) {
  return task.demand.gpu_milli * std::max(task.replicas, 1);
}

Status check_inputs(const Cluster& cluster, std::span<const Task> pods,
                    const SaturationOptions& options) {
  if (!(options.arrival_ratio > 0) || options.arrival_ratio > 100) {
    return invalid_argument("arrival_ratio must be in (0, 100], got " +
                            format_number(options.arrival_ratio));
  }
  if (!(options.curve_step > 0) || options.curve_step > 1) {
    return invalid_argument("curve_step must be in (0, 1], got " +
                            format_number(options.curve_step));
  }
  if (gpu_capacity_milli_of(cluster) <= 0) return invalid_argument("the cluster has no GPUs");
  for (const Task& pod : pods) {
    if (pod.needs_gpu()) return Status::ok_status();
  }
  return invalid_argument("no task of the pod list asks for a GPU (" + std::to_string(pods.size()) +
                          " tasks)");
}

// Everything one run carries along.
class SaturationRun {
 public:
  SaturationRun(const Cluster& cluster, std::span<const Task> pods, Placer& placer,
                const SaturationOptions& options)
      : cluster_(cluster),
        pods_(pods),
        placer_(placer),
        options_(options),
        rng_(options.seed),
        profile_(WorkloadProfile::of_tasks(pods)),
        shapes_(profile_.shapes()),
        meter_(shapes_),
        capacity_milli_(gpu_capacity_milli_of(cluster)) {}

  SaturationResult run() {
    result_.placer = std::string(placer_.name());
    result_.gpu_capacity_milli = capacity_milli_;
    placer_.set_target_workload(profile_);
    auto limit_milli = static_cast<int64_t>(
        std::floor(options_.arrival_ratio * static_cast<double>(capacity_milli_)));
    double next_point = options_.curve_step;
    while (true) {
      Task task = pods_[rng_.uniform(pods_.size())];
      if (arrived_milli_ + gpu_demand_milli(task) > limit_milli) break;
      arrive(std::move(task));
      while (arrived_share() + 1e-12 >= next_point) {
        result_.curve.push_back(point());
        next_point += options_.curve_step;
      }
    }
    result_.final_point = point();
    if (result_.curve.empty() || result_.curve.back().tasks_arrived != tasks_arrived_) {
      result_.curve.push_back(result_.final_point);
    }
    return std::move(result_);
  }

 private:
  void arrive(Task task) {
    task.id += "#" + std::to_string(tasks_arrived_);
    ++tasks_arrived_;
    arrived_milli_ += gpu_demand_milli(task);
    Placement placement = placer_.place(cluster_, std::span<const Task>(&task, 1));
    if (placement.all_placed()) return;
    // A task that does not fit leaves the cluster as it was: this is the state it met.
    if (!result_.at_first_failure) {
      result_.at_first_failure = point();
      result_.first_failed_task = task.id + ": " + placement.unplaced.front().reason;
    }
    ++tasks_failed_;
  }

  double arrived_share() const {
    return static_cast<double>(arrived_milli_) / static_cast<double>(capacity_milli_);
  }

  SaturationPoint point() {
    auto capacity = static_cast<double>(capacity_milli_);
    double allocated = static_cast<double>(gpu_allocated_milli_of(cluster_)) / capacity;
    return {arrived_share(), allocated,
            1.0 - allocated, fragmented_milli_of(cluster_, meter_) / capacity,
            tasks_arrived_,  tasks_failed_};
  }

  Cluster cluster_;
  std::span<const Task> pods_;
  Placer& placer_;
  SaturationOptions options_;
  Rng rng_;
  WorkloadProfile profile_;
  std::vector<TaskShape> shapes_;
  FragmentationMeter meter_;
  int64_t capacity_milli_ = 0;
  int64_t arrived_milli_ = 0;
  int64_t tasks_arrived_ = 0;
  int64_t tasks_failed_ = 0;
  SaturationResult result_;
};

}  // namespace

double fragmented_gpu_share(const Cluster& cluster, const WorkloadProfile& profile) {
  std::vector<TaskShape> shapes = profile.shapes();
  FragmentationMeter meter(shapes);
  int64_t capacity = gpu_capacity_milli_of(cluster);
  return capacity > 0 ? fragmented_milli_of(cluster, meter) / static_cast<double>(capacity) : 0.0;
}

Result<SaturationResult> run_saturation(const Cluster& cluster, std::span<const Task> pods,
                                        Placer& placer, const SaturationOptions& options) {
  if (Status status = check_inputs(cluster, pods, options); !status.ok()) return status;
  return SaturationRun(cluster, pods, placer, options).run();
}

}  // namespace fulcrum::sim
