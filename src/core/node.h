// A machine that runs tasks: its capacity, what is allocated on it, its GPU devices and state.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "core/resources.h"

namespace fulcrum {

enum class NodeState { kUp, kCordoned, kDraining, kDown };

std::string_view node_state_name(NodeState state);
std::optional<NodeState> parse_node_state(std::string_view name);

struct PowerProfile {
  double idle_watts = 0;
  double peak_watts = 0;
};

struct Node {
  std::string id;
  ResourceVector capacity;   // capacity.gpu_milli == gpus.count() * 1000
  ResourceVector allocated;  // sum of the demands placed here
  GpuDevices gpus;
  std::string gpu_model;  // empty on CPU-only nodes
  std::map<std::string, std::string> labels;
  NodeState state = NodeState::kUp;
  std::optional<PowerProfile> power;
  int weight = 1;  // share under weighted_round_robin placement, where 0 takes no new work

  // A node with `capacity`, `gpu_count` devices of `gpu_model` and nothing allocated.
  static Node with_capacity(std::string id, ResourceVector capacity, int gpu_count = 0,
                            std::string gpu_model = "");

  bool schedulable() const { return state == NodeState::kUp; }
  bool has_gpus() const { return gpus.count() > 0; }
  ResourceVector free() const { return capacity - allocated; }
  // Resources and GPU devices have room for `demand` (state is not considered).
  bool has_room_for(const ResourceVector& demand) const;
  // Dominant share: the largest allocated/capacity ratio over the dimensions the node has.
  double load() const;
};

}  // namespace fulcrum
