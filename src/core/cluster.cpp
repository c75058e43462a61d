#include "core/cluster.h"

#include "core/node_fit.h"

#include <algorithm>
#include <atomic>
#include <utility>

namespace fulcrum {

namespace {

uint64_t next_instance_id() {
  // Identity only, never an input to a decision.
  static std::atomic<uint64_t> counter{1};
  return counter.fetch_add(1, std::memory_order_relaxed);
}

constexpr size_t kMinJournalLength = 4096;

}  // namespace

Cluster::Cluster() : instance_id_(next_instance_id()) {}

Cluster::Cluster(const Cluster& other)
    : nodes_(other.nodes_),
      index_by_id_(other.index_by_id_),
      instance_id_(next_instance_id()),
      journal_start_(other.change_sequence()) {}

Cluster& Cluster::operator=(const Cluster& other) {
  if (this != &other) {
    nodes_ = other.nodes_;
    index_by_id_ = other.index_by_id_;
    instance_id_ = next_instance_id();
    journal_start_ = other.change_sequence();
    journal_.clear();
  }
  return *this;
}

Status Cluster::add_node(Node node) {
  if (index_by_id_.contains(node.id)) {
    return Status(ErrorCode::kAlreadyExists, "duplicate node id \"" + node.id + "\"");
  }
  if (node.capacity.gpu_milli != static_cast<int64_t>(node.gpus.count()) * kGpuMilliPerDevice) {
    return invalid_argument("node \"" + node.id + "\": capacity gpu_milli " +
                            std::to_string(node.capacity.gpu_milli) + " does not match " +
                            std::to_string(node.gpus.count()) + " GPU devices");
  }
  if (!node.allocated.fits_in(node.capacity)) {
    return invalid_argument("node \"" + node.id + "\": allocated " + node.allocated.to_string() +
                            " exceeds capacity " + node.capacity.to_string());
  }
  index_by_id_.emplace(node.id, nodes_.size());
  nodes_.push_back(std::move(node));
  record_change(nodes_.size() - 1);
  return Status::ok_status();
}

std::optional<size_t> Cluster::find(std::string_view node_id) const {
  auto it = index_by_id_.find(std::string(node_id));
  if (it == index_by_id_.end()) return std::nullopt;
  return it->second;
}

bool node_can_host(const Node& node, const Task& task) {
  if (!node.schedulable()) return false;
  if (task.needs_gpu() && !task.accepts_gpu_model(node.gpu_model)) {
    return false;
  }
  return node.has_room_for(task.demand);
}

bool Cluster::can_host(size_t node_index, const Task& task) const {
  return node_can_host(nodes_[node_index], task);
}

std::optional<Assignment> Cluster::allocate(size_t node_index, const Task& task, int replica) {
  if (!can_host(node_index, task)) return std::nullopt;
  auto devices = nodes_[node_index].gpus.choose(task.demand.gpu_milli);
  if (!devices) return std::nullopt;
  return allocate_on(node_index, task, std::move(*devices), replica);
}

std::optional<Assignment> Cluster::allocate_on(size_t node_index, const Task& task,
                                               std::vector<int> gpu_devices, int replica) {
  if (!can_host(node_index, task)) return std::nullopt;
  Node& node = nodes_[node_index];
  if (!node.gpus.fits_on(gpu_devices, task.demand.gpu_milli) ||
      !node.gpus.allocate(gpu_devices, task.demand.gpu_milli)) {
    return std::nullopt;
  }
  node.allocated += task.demand;
  record_change(node_index);
  return Assignment{task.id, replica, node_index, node.id, std::move(gpu_devices), task.demand};
}

void Cluster::release(const Assignment& assignment) {
  Node& node = nodes_[assignment.node_index];
  node.gpus.release(assignment.gpu_devices, assignment.demand.gpu_milli);
  node.allocated -= assignment.demand;
  record_change(assignment.node_index);
}

void Cluster::set_state(size_t node_index, NodeState state) {
  nodes_[node_index].state = state;
  record_change(node_index);
}

std::optional<std::span<const uint32_t>> Cluster::changes_since(uint64_t sequence) const {
  if (sequence < journal_start_ || sequence > change_sequence()) return std::nullopt;
  return std::span<const uint32_t>(journal_).subspan(sequence - journal_start_);
}

void Cluster::record_change(size_t node_index) {
  // Keep the journal bounded: past a few times the node count, a rebuild is as cheap as replaying.
  if (journal_.size() >= std::max(kMinJournalLength, 4 * nodes_.size())) {
    journal_start_ += journal_.size();
    journal_.clear();
  }
  journal_.push_back(static_cast<uint32_t>(node_index));
}

}  // namespace fulcrum
