// Why no node can take a task: the causes are checked from the coarsest (no node of the right kind,
// none up) to the finest (a dimension short on every node, then no node with all dimensions at
// once), and the first that applies is the reason. "Largest free" looks only at schedulable nodes
// of the right kind: GPU nodes of the asked model for GPU tasks, every node for CPU-only tasks.
#include <algorithm>
#include <functional>
#include <limits>
#include <set>

#include "placement/placer.h"

namespace fulcrum {

namespace {

std::string count_of(int64_t count, const std::string& noun) {
  return std::to_string(count) + " " + noun + (count == 1 ? "" : "s");
}

std::string join(const std::vector<std::string>& items, const std::string& separator) {
  std::string text;
  for (const std::string& item : items) text += (text.empty() ? "" : separator) + item;
  return text;
}

// " (2 down, 1 cordoned)" for the nodes that are not up.
std::string state_counts(const std::vector<const Node*>& nodes) {
  std::vector<std::string> parts;
  for (NodeState state : {NodeState::kDown, NodeState::kCordoned, NodeState::kDraining}) {
    auto count = std::count_if(nodes.begin(), nodes.end(),
                               [state](const Node* node) { return node->state == state; });
    if (count > 0) {
      parts.push_back(std::to_string(count) + " " + std::string(node_state_name(state)));
    }
  }
  return parts.empty() ? "" : " (" + join(parts, ", ") + ")";
}

// The node would take the task if it had room: a GPU node of the asked model for a GPU task.
bool is_right_kind(const Node& node, const Task& task) {
  if (!task.needs_gpu()) return true;
  if (!node.has_gpus()) return false;
  return task.accepts_gpu_model(node.gpu_model);
}

std::string kind_name(const Task& task) {
  if (!task.needs_gpu()) return "node";
  if (task.gpu_model.empty()) return "GPU node";
  return "node with GPU model " + task.gpu_model;
}

std::vector<const Node*> nodes_where(std::span<const Node> nodes,
                                     const std::function<bool(const Node&)>& keep) {
  std::vector<const Node*> kept;
  for (const Node& node : nodes) {
    if (keep(node)) kept.push_back(&node);
  }
  return kept;
}

enum class Measure { kCpu, kMemory, kWholeGpus, kGpuShare, kExtended };

// One dimension of the task's demand: how much it needs, and how much a node has free.
struct Dimension {
  Measure measure = Measure::kCpu;
  int64_t needed = 0;
  const std::string* extended_name = nullptr;  // for kExtended; borrowed from the task

  int64_t free_on(const Node& node) const {
    switch (measure) {
      case Measure::kCpu: return node.capacity.cpu_millis - node.allocated.cpu_millis;
      case Measure::kMemory: return node.capacity.memory_bytes - node.allocated.memory_bytes;
      case Measure::kWholeGpus: return node.gpus.whole_free_count();
      case Measure::kGpuShare: return node.gpus.largest_free_milli();
      case Measure::kExtended:
        return node.capacity.extended_amount(*extended_name) -
               node.allocated.extended_amount(*extended_name);
    }
    return 0;
  }
  // 8 -> "8" (cpu), "8Gi" (memory), "0.8" (GPU share).
  std::string amount_text(int64_t amount) const {
    switch (measure) {
      case Measure::kCpu: return format_cpu_millis(amount);
      case Measure::kMemory: return format_bytes(amount);
      case Measure::kGpuShare: return format_gpu_milli(amount);
      case Measure::kWholeGpus:
      case Measure::kExtended: return std::to_string(amount);
    }
    return "";
  }
  // 8 -> "cpu 8", "mem 8Gi", "8 GPUs", "0.8 of a GPU", "rdma 8".
  std::string describe(int64_t amount) const {
    switch (measure) {
      case Measure::kCpu: return "cpu " + amount_text(amount);
      case Measure::kMemory: return "mem " + amount_text(amount);
      case Measure::kWholeGpus: return count_of(amount, "GPU");
      case Measure::kGpuShare: return amount_text(amount) + " of a GPU";
      case Measure::kExtended: return *extended_name + " " + amount_text(amount);
    }
    return "";
  }
  // "cpu 16", "4 GPUs of model A100".
  std::string demand_text(const Task& task) const {
    bool gpu = measure == Measure::kWholeGpus || measure == Measure::kGpuShare;
    if (!gpu || task.gpu_model.empty()) return describe(needed);
    return describe(needed) + " of model " + task.gpu_model;
  }
  std::string best_label() const {
    return measure == Measure::kGpuShare ? "largest free share" : "largest free";
  }

  bool short_on(const Node& node) const { return free_on(node) < needed; }
  // How far short, as a fraction of the demand (0 when it fits).
  double shortfall_on(const Node& node) const {
    if (!short_on(node)) return 0.0;
    return static_cast<double>(needed - free_on(node)) / static_cast<double>(needed);
  }
};

Dimension gpu_dimension(const Task& task) {
  GpuShape shape = GpuShape::of(task.demand.gpu_milli);
  if (shape.whole > 0) return {Measure::kWholeGpus, shape.whole};
  return {Measure::kGpuShare, shape.share_milli};
}

std::vector<Dimension> dimensions_of(const Task& task) {
  const ResourceVector& demand = task.demand;
  std::vector<Dimension> dimensions;
  if (demand.cpu_millis > 0) dimensions.push_back({Measure::kCpu, demand.cpu_millis});
  if (demand.memory_bytes > 0) dimensions.push_back({Measure::kMemory, demand.memory_bytes});
  if (demand.gpu_milli > 0) dimensions.push_back(gpu_dimension(task));
  for (const auto& [name, amount] : demand.extended) {
    if (amount > 0) dimensions.push_back({Measure::kExtended, amount, &name});
  }
  return dimensions;
}

// No node in the cluster is of the kind the task needs, whatever its state.
std::string no_node_of_kind(const Cluster& cluster, const Task& task) {
  if (!task.needs_gpu()) return "no schedulable node (the cluster has no nodes)";
  if (task.gpu_model.empty()) {
    return "needs " + gpu_dimension(task).demand_text(task) + "; no node has GPUs";
  }
  std::set<std::string> models;
  for (const Node& node : cluster.nodes()) {
    if (node.has_gpus()) models.insert(node.gpu_model);
  }
  std::string known =
      models.empty() ? "no GPU nodes" : "models: " + join({models.begin(), models.end()}, ", ");
  return "no node has GPU model " + task.gpu_model + " (" + known + ")";
}

int64_t largest_free(const Dimension& dimension, const std::vector<const Node*>& nodes) {
  int64_t largest = std::numeric_limits<int64_t>::min();
  for (const Node* node : nodes) largest = std::max(largest, dimension.free_on(*node));
  return largest;
}

// "needs cpu 16; largest free: 8" for every dimension that is short on all `nodes`.
std::string short_everywhere(const Task& task, const std::vector<Dimension>& dimensions,
                             const std::vector<const Node*>& nodes) {
  std::vector<std::string> reasons;
  for (const Dimension& dimension : dimensions) {
    int64_t largest = largest_free(dimension, nodes);
    if (largest >= dimension.needed) continue;
    reasons.push_back("needs " + dimension.demand_text(task) + "; " + dimension.best_label() +
                      ": " + dimension.amount_text(largest));
  }
  return join(reasons, "; ");
}

// The node short in the fewest dimensions, then by the smallest total relative shortfall.
const Node* closest_node(const std::vector<Dimension>& dimensions,
                         const std::vector<const Node*>& nodes) {
  auto distance = [&dimensions](const Node* node) {
    int short_count = 0;
    double shortfall = 0;
    for (const Dimension& dimension : dimensions) {
      short_count += dimension.short_on(*node) ? 1 : 0;
      shortfall += dimension.shortfall_on(*node);
    }
    return std::pair{short_count, shortfall};
  };
  return *std::min_element(nodes.begin(), nodes.end(), [&distance](const Node* a, const Node* b) {
    return distance(a) < distance(b);
  });
}

// Every dimension fits somewhere, but never all on one node.
std::string short_in_combination(const Task& task, const std::vector<Dimension>& dimensions,
                                 const Node& closest) {
  std::vector<std::string> demanded;
  std::vector<std::string> offered;
  for (const Dimension& dimension : dimensions) {
    demanded.push_back(dimension.demand_text(task));
    if (dimension.short_on(closest)) {
      offered.push_back(dimension.describe(dimension.free_on(closest)));
    }
  }
  if (offered.empty()) {
    return "node " + closest.id + " has room, but the placement policy did not choose it";
  }
  return "no node has " + join(demanded, ", ") + " free at once; closest: " + closest.id +
         " with " + join(offered, ", ") + " free";
}

}  // namespace

std::string explain_unplaceable(const Cluster& cluster, const Task& task) {
  if (!is_valid_gpu_demand(task.demand.gpu_milli)) {
    return "needs " + format_gpu_milli(task.demand.gpu_milli) +
           " GPUs: a GPU demand is a share below 1 or a whole number of GPUs";
  }
  auto right_kind =
      nodes_where(cluster.nodes(), [&task](const Node& node) { return is_right_kind(node, task); });
  if (right_kind.empty()) return no_node_of_kind(cluster, task);
  auto schedulable = nodes_where(cluster.nodes(), [&task](const Node& node) {
    return node.schedulable() && is_right_kind(node, task);
  });
  if (schedulable.empty()) return "no schedulable " + kind_name(task) + state_counts(right_kind);
  std::vector<Dimension> dimensions = dimensions_of(task);
  std::string reason = short_everywhere(task, dimensions, schedulable);
  if (!reason.empty()) return reason;
  return short_in_combination(task, dimensions, *closest_node(dimensions, schedulable));
}

}  // namespace fulcrum
