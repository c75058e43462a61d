#include "core/cluster.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "placement_fixtures.h"

namespace fulcrum {
namespace {

using testing::cluster_of;
using testing::cpu_node;
using testing::gpu_node;
using testing::kGi;
using testing::make_task;

std::vector<uint32_t> changes_of(const Cluster& cluster, uint64_t sequence) {
  auto changes = cluster.changes_since(sequence);
  if (!changes) return {};
  return {changes->begin(), changes->end()};
}

TEST(ClusterTest, AddNodeRejectsDuplicateIds) {
  Cluster cluster;
  ASSERT_TRUE(cluster.add_node(cpu_node("n1", 8, 32)).ok());
  Status status = cluster.add_node(cpu_node("n1", 4, 16));
  EXPECT_EQ(status.code(), ErrorCode::kAlreadyExists);
  EXPECT_EQ(status.message(), "duplicate node id \"n1\"");
  EXPECT_EQ(cluster.size(), 1u);
}

TEST(ClusterTest, AddNodeRejectsGpuCapacityThatDisagreesWithDevices) {
  Node node = gpu_node("g1", 8, 32, 2, "A100");
  node.capacity.gpu_milli = 4000;
  Status status = Cluster().add_node(node);
  EXPECT_EQ(status.code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(status.message(), "node \"g1\": capacity gpu_milli 4000 does not match 2 GPU devices");
}

TEST(ClusterTest, AddNodeRejectsAllocationAboveCapacity) {
  Node node = cpu_node("c1", 8, 32);
  node.allocated.cpu_millis = 9000;
  Status status = Cluster().add_node(node);
  EXPECT_EQ(status.code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(status.message(), "node \"c1\": allocated cpu=9 exceeds capacity cpu=8 mem=32Gi");
}

TEST(ClusterTest, FindsNodesById) {
  Cluster cluster = cluster_of({cpu_node("a", 1, 1), cpu_node("b", 1, 1)});
  EXPECT_EQ(cluster.find("b"), 1u);
  EXPECT_FALSE(cluster.find("c").has_value());
}

TEST(ClusterTest, CanHostChecksStateModelAndRoom) {
  Cluster cluster = cluster_of({gpu_node("a100", 8, 64, 2, "A100"), cpu_node("cpu", 8, 64)});
  Task a100_task = make_task("t", 1000, 1, 1000, "A100");
  Task v100_task = make_task("t", 1000, 1, 1000, "V100");
  Task cpu_task = make_task("t", 1000, 1, 0, "V100");  // a model without GPUs does not constrain
  EXPECT_TRUE(cluster.can_host(0, a100_task));
  EXPECT_FALSE(cluster.can_host(0, v100_task));
  EXPECT_FALSE(cluster.can_host(1, a100_task));
  EXPECT_TRUE(cluster.can_host(0, cpu_task));
  EXPECT_FALSE(cluster.can_host(0, make_task("t", 9000, 1)));
  cluster.set_state(0, NodeState::kCordoned);
  EXPECT_FALSE(cluster.can_host(0, a100_task));
}

TEST(ClusterTest, AllocateRecordsDevicesAndDemand) {
  Cluster cluster = cluster_of({gpu_node("g1", 16, 64, 4, "A100")});
  auto share = cluster.allocate(0, make_task("share", 1000, 4, 500), 0);
  ASSERT_TRUE(share.has_value());
  EXPECT_EQ(share->gpu_devices, std::vector<int>{0});
  auto whole = cluster.allocate(0, make_task("whole", 2000, 8, 2000, "A100"), 3);
  ASSERT_TRUE(whole.has_value());
  EXPECT_EQ(whole->task_id, "whole");
  EXPECT_EQ(whole->replica, 3);
  EXPECT_EQ(whole->node_id, "g1");
  EXPECT_EQ(whole->node_index, 0u);
  EXPECT_EQ(whole->gpu_devices, (std::vector<int>{1, 2}));
  const Node& node = cluster.node(0);
  EXPECT_EQ(node.allocated.cpu_millis, 3000);
  EXPECT_EQ(node.allocated.memory_bytes, 12 * kGi);
  EXPECT_EQ(node.allocated.gpu_milli, 2500);
  EXPECT_EQ(node.gpus.used_milli(0), 500);
  EXPECT_EQ(node.gpus.used_milli(3), 0);
}

TEST(ClusterTest, AllocateRefusesAndChangesNothingWhenItCannotHost) {
  Cluster cluster = cluster_of({gpu_node("g1", 4, 16, 1, "A100")});
  uint64_t before = cluster.change_sequence();
  EXPECT_FALSE(cluster.allocate(0, make_task("big", 1000, 1, 2000)).has_value());
  EXPECT_TRUE(cluster.node(0).allocated.is_zero());
  EXPECT_EQ(cluster.change_sequence(), before);
}

TEST(ClusterTest, ReleaseRestoresTheNode) {
  Cluster cluster = cluster_of({gpu_node("g1", 4, 16, 2, "A100")});
  Task task = make_task("t", 1000, 2, 2000);
  task.demand.extended["rdma"] = 0;
  auto assignment = cluster.allocate(0, task);
  ASSERT_TRUE(assignment.has_value());
  EXPECT_FALSE(cluster.can_host(0, task));
  cluster.release(*assignment);
  EXPECT_EQ(cluster.node(0).allocated, ResourceVector{});
  EXPECT_EQ(cluster.node(0).gpus.whole_free_count(), 2);
  EXPECT_TRUE(cluster.can_host(0, task));
}

TEST(ClusterTest, JournalListsChangedNodesInOrder) {
  Cluster cluster = cluster_of({cpu_node("a", 8, 8), cpu_node("b", 8, 8), cpu_node("c", 8, 8)});
  EXPECT_EQ(changes_of(cluster, 0), (std::vector<uint32_t>{0, 1, 2}));
  uint64_t synced = cluster.change_sequence();
  EXPECT_EQ(synced, 3u);
  auto assignment = cluster.allocate(2, make_task("t", 1000, 1));
  ASSERT_TRUE(assignment.has_value());
  cluster.set_state(0, NodeState::kDown);
  cluster.release(*assignment);
  EXPECT_EQ(changes_of(cluster, synced), (std::vector<uint32_t>{2, 0, 2}));
  EXPECT_TRUE(cluster.changes_since(cluster.change_sequence())->empty());
  EXPECT_FALSE(cluster.changes_since(cluster.change_sequence() + 1).has_value());
}

TEST(ClusterTest, CopiesAreNewInstancesWhoseJournalStartsAtTheCopy) {
  Cluster original = cluster_of({cpu_node("a", 8, 8)});
  Cluster copy = original;
  EXPECT_NE(copy.instance_id(), original.instance_id());
  EXPECT_EQ(copy.change_sequence(), original.change_sequence());
  EXPECT_FALSE(copy.changes_since(0).has_value());
  EXPECT_TRUE(copy.changes_since(copy.change_sequence())->empty());
  Cluster assigned;
  uint64_t assigned_id = assigned.instance_id();
  assigned = original;
  EXPECT_NE(assigned.instance_id(), assigned_id);
  EXPECT_NE(assigned.instance_id(), original.instance_id());
  EXPECT_EQ(assigned.size(), 1u);
}

TEST(ClusterTest, JournalIsBoundedAndOldSequencesAskForARebuild) {
  Cluster cluster = cluster_of({cpu_node("a", 8, 8)});
  Task task = make_task("t", 1000, 1);
  for (int round = 0; round < 5000; ++round) {
    auto assignment = cluster.allocate(0, task);
    ASSERT_TRUE(assignment.has_value());
    cluster.release(*assignment);
  }
  EXPECT_EQ(cluster.change_sequence(), 10001u);
  EXPECT_FALSE(cluster.changes_since(0).has_value());
  auto recent = cluster.changes_since(cluster.change_sequence() - 10);
  ASSERT_TRUE(recent.has_value());
  EXPECT_EQ(recent->size(), 10u);
}

TEST(ClusterTest, AllocateOnTakesTheGivenDevicesOrNothing) {
  Cluster cluster = testing::cluster_of({testing::gpu_node("g", 8, 32, 3, "A100")});
  Task share = testing::make_task("share", 1000, 1, 300);
  auto assignment = cluster.allocate_on(0, share, {2});
  ASSERT_TRUE(assignment.has_value());
  EXPECT_EQ(assignment->gpu_devices, std::vector<int>{2});
  EXPECT_EQ(cluster.node(0).gpus.used_milli(2), 300);
  // Device 2 is partly used, so two whole GPUs cannot include it; nothing changes.
  uint64_t sequence = cluster.change_sequence();
  EXPECT_FALSE(cluster.allocate_on(0, testing::make_task("two", 0, 0, 2000), {1, 2}).has_value());
  EXPECT_EQ(cluster.change_sequence(), sequence);
  EXPECT_EQ(cluster.node(0).allocated.gpu_milli, 300);
}

}  // namespace
}  // namespace fulcrum
