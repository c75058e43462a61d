// least_loaded: the node with the lowest dominant share that can host, ties broken at random.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "core/random.h"
#include "placement/placer.h"
#include "placement/registry.h"

namespace fulcrum {

class LeastLoadedPlacer final : public Placer {
 public:
  explicit LeastLoadedPlacer(uint64_t seed = 1) : rng_(seed) {}
  std::string_view name() const override { return "least_loaded"; }

 protected:
  std::optional<size_t> choose_node(const Cluster& cluster, const Task& task,
                                    NodePool pool) override;

 private:
  // Nodes ordered by load; `tie` is drawn at random each time a node is (re)inserted.
  struct IndexKey {
    double load = 0;
    uint64_t tie = 0;
    uint32_t node_index = 0;
    friend bool operator<(const IndexKey& a, const IndexKey& b) {
      return std::tie(a.load, a.tie, a.node_index) < std::tie(b.load, b.tie, b.node_index);
    }
  };
  using LoadIndex = std::set<IndexKey>;

  // Brings the indexes up to date with `cluster`: replays its journal, or rebuilds when the
  // cluster is another object or the journal no longer reaches back.
  void sync(const Cluster& cluster);
  void rebuild(const Cluster& cluster);
  void rekey(const Cluster& cluster, size_t node_index);
  // The indexes a node belongs to: CPU-only, or all-GPU plus its model's.
  std::vector<LoadIndex*> indexes_of(const Node& node);
  // The index to scan for `task` in `pool`; nullptr when no node of the pool can match.
  const LoadIndex* index_for(const Task& task, NodePool pool) const;

  Rng rng_;
  uint64_t synced_instance_ = 0;  // 0: never synced (cluster instance ids start at 1)
  uint64_t synced_sequence_ = 0;
  std::vector<std::optional<IndexKey>> key_of_node_;
  LoadIndex cpu_only_;
  LoadIndex all_gpu_;
  std::map<std::string, LoadIndex, std::less<>> by_gpu_model_;
};

PlacerEntry least_loaded_entry();

}  // namespace fulcrum
