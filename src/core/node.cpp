#include "core/node.h"

#include <algorithm>
#include <utility>

namespace fulcrum {

std::string_view node_state_name(NodeState state) {
  switch (state) {
    case NodeState::kUp: return "up";
    case NodeState::kCordoned: return "cordoned";
    case NodeState::kDraining: return "draining";
    case NodeState::kDown: return "down";
  }
  return "unknown";
}

std::optional<NodeState> parse_node_state(std::string_view name) {
  for (NodeState state :
       {NodeState::kUp, NodeState::kCordoned, NodeState::kDraining, NodeState::kDown}) {
    if (node_state_name(state) == name) return state;
  }
  return std::nullopt;
}

Node Node::with_capacity(std::string id, ResourceVector capacity, int gpu_count,
                         std::string gpu_model) {
  Node node;
  node.id = std::move(id);
  capacity.gpu_milli = static_cast<int64_t>(gpu_count) * kGpuMilliPerDevice;
  node.capacity = std::move(capacity);
  node.gpus = GpuDevices(gpu_count);
  node.gpu_model = std::move(gpu_model);
  return node;
}

bool Node::has_room_for(const ResourceVector& demand) const {
  return allocated.fits_in_with(demand, capacity) && gpus.can_fit(demand.gpu_milli);
}

double Node::load() const {
  auto share = [](int64_t used, int64_t total) {
    return total > 0 ? static_cast<double>(used) / static_cast<double>(total) : 0.0;
  };
  double dominant = std::max({share(allocated.cpu_millis, capacity.cpu_millis),
                              share(allocated.memory_bytes, capacity.memory_bytes),
                              share(allocated.gpu_milli, capacity.gpu_milli)});
  for (const auto& [name, total] : capacity.extended) {
    dominant = std::max(dominant, share(allocated.extended_amount(name), total));
  }
  return dominant;
}

}  // namespace fulcrum
