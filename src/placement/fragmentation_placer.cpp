#include "placement/fragmentation_placer.h"

#include "placement/candidates.h"

namespace fulcrum {

void FragmentationPlacer::set_target_workload(const WorkloadProfile& profile) {
  std::vector<TaskShape> shapes = profile.shapes();
  meter_ = FragmentationMeter(shapes);
  workload_given_ = !profile.empty();
  meter_changed_ = true;
}

void FragmentationPlacer::prepare(const Cluster& cluster, const Task& task) {
  if (!workload_given_ && task.id != last_learned_task_) {
    learned_.add(task);
    last_learned_task_ = task.id;
    std::vector<TaskShape> shapes = learned_.shapes();
    meter_ = FragmentationMeter(shapes);
    meter_changed_ = true;
  }
  cache_.sync(cluster, meter_, meter_changed_);
  meter_changed_ = false;
}

std::optional<FragmentationPlacer::Best> FragmentationPlacer::best_on(const Cluster& cluster,
                                                                      size_t node_index,
                                                                      const Task& task) {
  const Node& node = cluster.node(node_index);
  std::optional<Best> best;
  for (DeviceChoice& choice : device_choices(node, task, meter_, cache_.of(node_index))) {
    Score candidate = score(node, task, choice);
    if (!best || candidate < best->score) best = Best{std::move(choice), candidate};
  }
  return best;
}

std::optional<size_t> FragmentationPlacer::choose_node(const Cluster& cluster, const Task& task,
                                                       NodePool pool) {
  prepare(cluster, task);
  std::optional<size_t> chosen;
  Score chosen_score{};
  for (size_t node_index = 0; node_index < cluster.size(); ++node_index) {
    if (!can_take(cluster, node_index, task, pool)) continue;
    auto best = best_on(cluster, node_index, task);
    if (best && (!chosen || best->score < chosen_score)) {
      chosen = node_index;
      chosen_score = best->score;
    }
  }
  return chosen;
}

std::optional<std::vector<int>> FragmentationPlacer::choose_gpu_devices(const Cluster& cluster,
                                                                        size_t node_index,
                                                                        const Task& task) {
  prepare(cluster, task);
  auto best = best_on(cluster, node_index, task);
  if (!best) return std::nullopt;
  return std::move(best->choice.devices);
}

}  // namespace fulcrum
