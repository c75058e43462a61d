// The nodes a placer works on, with the allocations made so far. All changes go through Cluster
// so that it can keep a journal of changed nodes: placers keep their indexes (for example the
// least-loaded order) in sync from it in O(changes · log n) instead of rescanning every node.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/node.h"
#include "core/status.h"
#include "core/task.h"

namespace fulcrum {

// One replica of a task placed on a node, with the GPU devices it got.
struct Assignment {
  std::string task_id;
  int replica = 0;
  size_t node_index = 0;
  std::string node_id;
  std::vector<int> gpu_devices;
  ResourceVector demand;
};

class Cluster {
 public:
  Cluster();
  Cluster(const Cluster& other);
  Cluster& operator=(const Cluster& other);
  Cluster(Cluster&&) noexcept = default;
  Cluster& operator=(Cluster&&) noexcept = default;

  // Fails on a duplicate id, a capacity whose gpu_milli disagrees with the device count, or an
  // allocation above capacity.
  Status add_node(Node node);

  size_t size() const { return nodes_.size(); }
  const Node& node(size_t index) const { return nodes_[index]; }
  std::span<const Node> nodes() const { return nodes_; }
  std::optional<size_t> find(std::string_view node_id) const;

  // The node is up, has the GPU model the task asks for, and has room for one replica.
  bool can_host(size_t node_index, const Task& task) const;
  // Places one replica of `task` on the devices GpuDevices::choose picks; nullopt and no change
  // when can_host is false.
  std::optional<Assignment> allocate(size_t node_index, const Task& task, int replica = 0);
  // The same on the given GPU devices (a placer's own choice); nullopt and no change when
  // can_host is false or the devices are not a valid placement of the demand (fits_on).
  std::optional<Assignment> allocate_on(size_t node_index, const Task& task,
                                        std::vector<int> gpu_devices, int replica = 0);
  void release(const Assignment& assignment);
  void set_state(size_t node_index, NodeState state);

  // Identity of this cluster object (copies get a new one) and its change counter.
  uint64_t instance_id() const { return instance_id_; }
  uint64_t change_sequence() const { return journal_start_ + journal_.size(); }
  // Indices of nodes changed since `sequence` (may repeat), or nullopt when the journal no longer
  // reaches back that far and the caller must rebuild from scratch.
  std::optional<std::span<const uint32_t>> changes_since(uint64_t sequence) const;

 private:
  void record_change(size_t node_index);

  std::vector<Node> nodes_;
  std::unordered_map<std::string, size_t> index_by_id_;
  uint64_t instance_id_;
  uint64_t journal_start_ = 0;
  std::vector<uint32_t> journal_;
};

}  // namespace fulcrum
