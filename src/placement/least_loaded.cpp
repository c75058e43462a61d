// least_loaded: choose argmin over nodes i of the pool that can host of
//   (load(i), tie(i)),  load = max over dimensions d of allocated_d / capacity_d  (Node::load)
// where tie(i) is a random key (Rng seeded by `seed`) drawn whenever node i is re-indexed.
// Nodes sit in ordered sets (CPU-only, all GPU nodes, one per GPU model), kept in sync from the
// cluster's change journal, and the scan stops at the first node that can host: O(log n) per
// placement when the least loaded nodes fit, O(n) in the worst case (nothing near the front fits).
#include "placement/least_loaded.h"

#include <memory>

namespace fulcrum {

void LeastLoadedPlacer::sync(const Cluster& cluster) {
  auto changes = cluster.instance_id() == synced_instance_ ? cluster.changes_since(synced_sequence_)
                                                           : std::nullopt;
  if (changes) {
    for (uint32_t node_index : *changes) rekey(cluster, node_index);
  } else {
    rebuild(cluster);
  }
  synced_instance_ = cluster.instance_id();
  synced_sequence_ = cluster.change_sequence();
}

void LeastLoadedPlacer::rebuild(const Cluster& cluster) {
  cpu_only_.clear();
  all_gpu_.clear();
  by_gpu_model_.clear();
  key_of_node_.assign(cluster.size(), std::nullopt);
  for (size_t node_index = 0; node_index < cluster.size(); ++node_index) {
    rekey(cluster, node_index);
  }
}

void LeastLoadedPlacer::rekey(const Cluster& cluster, size_t node_index) {
  if (node_index >= key_of_node_.size()) key_of_node_.resize(cluster.size());
  const Node& node = cluster.node(node_index);
  std::vector<LoadIndex*> indexes = indexes_of(node);
  std::optional<IndexKey>& key = key_of_node_[node_index];
  if (key) {
    for (LoadIndex* index : indexes) index->erase(*key);
    key.reset();
  }
  if (!node.schedulable()) return;
  key = IndexKey{node.load(), rng_.next(), static_cast<uint32_t>(node_index)};
  for (LoadIndex* index : indexes) index->insert(*key);
}

std::vector<LeastLoadedPlacer::LoadIndex*> LeastLoadedPlacer::indexes_of(const Node& node) {
  if (!node.has_gpus()) return {&cpu_only_};
  return {&all_gpu_, &by_gpu_model_[node.gpu_model]};
}

const LeastLoadedPlacer::LoadIndex* LeastLoadedPlacer::index_for(const Task& task,
                                                                 NodePool pool) const {
  if (pool == NodePool::kCpuOnly) return &cpu_only_;
  if (!task.needs_gpu() || task.gpu_model.empty()) return &all_gpu_;
  // Alternatives ("A|B") scan all GPU nodes; can_host filters the models.
  if (task.gpu_model.find('|') != std::string::npos) return &all_gpu_;
  auto it = by_gpu_model_.find(task.gpu_model);
  return it == by_gpu_model_.end() ? nullptr : &it->second;
}

std::optional<size_t> LeastLoadedPlacer::choose_node(const Cluster& cluster, const Task& task,
                                                     NodePool pool) {
  sync(cluster);
  const LoadIndex* index = index_for(task, pool);
  if (index == nullptr) return std::nullopt;
  for (const IndexKey& key : *index) {
    if (cluster.can_host(key.node_index, task)) return key.node_index;
  }
  return std::nullopt;
}

PlacerEntry least_loaded_entry() {
  return {"least_loaded",
          "node with the lowest dominant share that can host; random tie-break",
          {{"seed", "1", "seed of the random tie-break between equally loaded nodes"}},
          [](const PolicyParams& params) -> Result<std::unique_ptr<Placer>> {
            auto seed = params.get_int("seed", 1);
            if (!seed.ok()) return seed.status();
            return std::unique_ptr<Placer>(
                std::make_unique<LeastLoadedPlacer>(static_cast<uint64_t>(*seed)));
          }};
}

}  // namespace fulcrum
