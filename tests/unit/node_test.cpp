#include "core/node.h"

#include <gtest/gtest.h>

#include "placement_fixtures.h"

namespace fulcrum {
namespace {

using testing::cpu_node;
using testing::gpu_node;
using testing::kGi;

TEST(NodeStateTest, NamesRoundTrip) {
  for (NodeState state :
       {NodeState::kUp, NodeState::kCordoned, NodeState::kDraining, NodeState::kDown}) {
    EXPECT_EQ(parse_node_state(node_state_name(state)), state);
  }
  EXPECT_EQ(node_state_name(NodeState::kDraining), "draining");
  EXPECT_FALSE(parse_node_state("Up").has_value());
}

TEST(NodeTest, WithCapacitySetsGpuMilliFromDeviceCount) {
  Node node = gpu_node("g1", 32, 256, 4, "A100");
  EXPECT_EQ(node.capacity.gpu_milli, 4000);
  EXPECT_EQ(node.gpus.count(), 4);
  EXPECT_EQ(node.gpu_model, "A100");
  EXPECT_TRUE(node.has_gpus());
  EXPECT_TRUE(node.allocated.is_zero());
  EXPECT_FALSE(cpu_node("c1", 8, 32).has_gpus());
}

TEST(NodeTest, OnlyUpIsSchedulable) {
  Node node = cpu_node("c1", 8, 32);
  EXPECT_TRUE(node.schedulable());
  for (NodeState state : {NodeState::kCordoned, NodeState::kDraining, NodeState::kDown}) {
    node.state = state;
    EXPECT_FALSE(node.schedulable());
  }
}

TEST(NodeTest, RoomNeedsEveryDimensionAndAFittingDevice) {
  Node node = gpu_node("g1", 8, 32, 2, "A100");
  node.allocated.cpu_millis = 6000;
  ResourceVector demand;
  demand.cpu_millis = 2000;
  EXPECT_TRUE(node.has_room_for(demand));
  demand.cpu_millis = 2001;
  EXPECT_FALSE(node.has_room_for(demand));

  demand = ResourceVector{};
  demand.gpu_milli = 2000;
  EXPECT_TRUE(node.has_room_for(demand));
  ASSERT_TRUE(node.gpus.allocate({0}, 100));
  node.allocated.gpu_milli += 100;
  EXPECT_FALSE(node.has_room_for(demand));
  demand.gpu_milli = 900;
  EXPECT_TRUE(node.has_room_for(demand));
}

TEST(NodeTest, FreeIsCapacityMinusAllocated) {
  Node node = cpu_node("c1", 8, 32);
  node.allocated.cpu_millis = 3000;
  node.allocated.memory_bytes = 8 * kGi;
  EXPECT_EQ(node.free().cpu_millis, 5000);
  EXPECT_EQ(node.free().memory_bytes, 24 * kGi);
}

TEST(NodeTest, LoadIsTheDominantShare) {
  Node node = gpu_node("g1", 8, 32, 4, "A100");
  EXPECT_DOUBLE_EQ(node.load(), 0.0);
  node.allocated.cpu_millis = 2000;        // 0.25
  node.allocated.memory_bytes = 16 * kGi;  // 0.5
  node.allocated.gpu_milli = 1000;         // 0.25
  EXPECT_DOUBLE_EQ(node.load(), 0.5);
  node.capacity.extended["rdma"] = 4;
  node.allocated.extended["rdma"] = 3;
  EXPECT_DOUBLE_EQ(node.load(), 0.75);
}

TEST(NodeTest, LoadIgnoresDimensionsTheNodeLacks) {
  Node node = cpu_node("c1", 4, 0);
  node.allocated.cpu_millis = 1000;
  EXPECT_DOUBLE_EQ(node.load(), 0.25);
}

}  // namespace
}  // namespace fulcrum
