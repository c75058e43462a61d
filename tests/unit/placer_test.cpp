#include "placement/placer.h"

#include <gtest/gtest.h>

#include "placement/first_fit.h"
#include "placement_fixtures.h"

namespace fulcrum {
namespace {

using testing::cluster_of;
using testing::cpu_node;
using testing::gpu_node;
using testing::kGi;
using testing::make_task;
using testing::node_ids_of;

std::string reason_for(Cluster cluster, const Task& task) {
  FirstFitPlacer placer;
  std::vector<Task> tasks = {task};
  Placement placement = placer.place(cluster, tasks);
  return placement.unplaced.empty() ? "" : placement.unplaced[0].reason;
}

TEST(PlacerTest, GangIsPlacedWhole) {
  Cluster cluster =
      cluster_of({gpu_node("g1", 32, 128, 2, "A100"), gpu_node("g2", 32, 128, 2, "A100")});
  FirstFitPlacer placer;
  std::vector<Task> tasks = {make_task("gang", 4000, 16, 1000, "A100", 3)};
  Placement placement = placer.place(cluster, tasks);
  ASSERT_TRUE(placement.all_placed());
  EXPECT_EQ(node_ids_of(placement), (std::vector<std::string>{"g1", "g1", "g2"}));
  for (int replica = 0; replica < 3; ++replica) {
    EXPECT_EQ(placement.assignments[replica].replica, replica);
    EXPECT_EQ(placement.assignments[replica].task_id, "gang");
  }
}

TEST(PlacerTest, GangThatDoesNotFitLeavesNothingBehind) {
  Cluster cluster =
      cluster_of({gpu_node("g1", 32, 128, 2, "A100"), gpu_node("g2", 32, 128, 1, "A100")});
  FirstFitPlacer placer;
  std::vector<Task> tasks = {make_task("gang", 4000, 16, 1000, "A100", 4),
                             make_task("after", 1000, 1, 1000, "A100")};
  Placement placement = placer.place(cluster, tasks);
  ASSERT_EQ(placement.unplaced.size(), 1u);
  EXPECT_EQ(placement.unplaced[0].task_id, "gang");
  EXPECT_EQ(placement.unplaced[0].reason,
            "gang of 4 replicas: only 3 fit; needs 1 GPU of model A100; largest free: 0");
  EXPECT_EQ(node_ids_of(placement), std::vector<std::string>{"g1"});
  EXPECT_EQ(cluster.node(0).allocated.gpu_milli, 1000);
  EXPECT_TRUE(cluster.node(1).allocated.is_zero());
}

TEST(PlacerTest, CpuTasksStayOffGpuNodesWhileCpuNodesHaveRoom) {
  Cluster cluster = cluster_of({gpu_node("gpu", 64, 256, 8, "A100"), cpu_node("cpu", 8, 32)});
  FirstFitPlacer placer;
  std::vector<Task> tasks = {make_task("a", 4000, 8), make_task("b", 4000, 8),
                             make_task("spill", 4000, 8)};
  Placement placement = placer.place(cluster, tasks);
  ASSERT_TRUE(placement.all_placed());
  EXPECT_EQ(node_ids_of(placement), (std::vector<std::string>{"cpu", "cpu", "gpu"}));
}

TEST(PlacerTest, CpuTasksUseGpuNodesWhenThereAreNoCpuNodes) {
  Cluster cluster = cluster_of({gpu_node("gpu", 64, 256, 8, "A100")});
  FirstFitPlacer placer;
  std::vector<Task> tasks = {make_task("a", 4000, 8)};
  EXPECT_EQ(node_ids_of(placer.place(cluster, tasks)), std::vector<std::string>{"gpu"});
}

TEST(PlacerTest, GpuTasksNeverLandOnCpuNodes) {
  Cluster cluster = cluster_of({cpu_node("cpu", 64, 256), gpu_node("v100", 8, 32, 1, "V100")});
  FirstFitPlacer placer;
  std::vector<Task> tasks = {make_task("a", 1000, 1, 500), make_task("b", 1000, 1, 500),
                             make_task("c", 1000, 1, 500)};
  Placement placement = placer.place(cluster, tasks);
  EXPECT_EQ(node_ids_of(placement), (std::vector<std::string>{"v100", "v100"}));
  ASSERT_EQ(placement.unplaced.size(), 1u);
  EXPECT_EQ(placement.unplaced[0].reason, "needs 0.5 of a GPU; largest free share: 0");
}

TEST(PlacerTest, GpuModelConstraintIsHonoured) {
  Cluster cluster =
      cluster_of({gpu_node("v100", 8, 32, 4, "V100"), gpu_node("a100", 8, 32, 4, "A100")});
  FirstFitPlacer placer;
  std::vector<Task> tasks = {make_task("a", 1000, 1, 2000, "A100"),
                             make_task("b", 1000, 1, 2000, "A100"),
                             make_task("c", 1000, 1, 1000, "A100")};
  Placement placement = placer.place(cluster, tasks);
  EXPECT_EQ(node_ids_of(placement), (std::vector<std::string>{"a100", "a100"}));
  ASSERT_EQ(placement.unplaced.size(), 1u);
  EXPECT_EQ(placement.unplaced[0].reason, "needs 1 GPU of model A100; largest free: 0");
}

TEST(ExplainUnplaceableTest, WholeGpusShort) {
  Cluster cluster =
      cluster_of({gpu_node("a1", 64, 256, 2, "A100"), gpu_node("v1", 64, 256, 8, "V100")});
  EXPECT_EQ(reason_for(cluster, make_task("t", 1000, 1, 4000, "A100")),
            "needs 4 GPUs of model A100; largest free: 2");
  EXPECT_EQ(reason_for(cluster, make_task("t", 1000, 1, 16000)), "needs 16 GPUs; largest free: 8");
}

TEST(ExplainUnplaceableTest, GpuShareShort) {
  Cluster cluster = cluster_of({gpu_node("g", 8, 32, 2, "A100")});
  ASSERT_TRUE(cluster.allocate(0, make_task("w0", 0, 0, 800)).has_value());
  ASSERT_TRUE(cluster.allocate(0, make_task("w1", 0, 0, 900)).has_value());
  EXPECT_EQ(reason_for(cluster, make_task("t", 0, 0, 300)),
            "needs 0.3 of a GPU; largest free share: 0.2");
  EXPECT_EQ(reason_for(cluster, make_task("t", 0, 0, 300, "A100")),
            "needs 0.3 of a GPU of model A100; largest free share: 0.2");
}

TEST(ExplainUnplaceableTest, CpuAndMemoryShort) {
  Cluster cluster = cluster_of({cpu_node("c1", 8, 32), cpu_node("c2", 4, 16)});
  EXPECT_EQ(reason_for(cluster, make_task("t", 16000, 1)), "needs cpu 16; largest free: 8");
  EXPECT_EQ(reason_for(cluster, make_task("t", 1000, 64)), "needs mem 64Gi; largest free: 32Gi");
  EXPECT_EQ(reason_for(cluster, make_task("t", 16000, 64)),
            "needs cpu 16; largest free: 8; needs mem 64Gi; largest free: 32Gi");
}

TEST(ExplainUnplaceableTest, LargestFreeCountsOnlySchedulableNodesOfTheModel) {
  Cluster cluster =
      cluster_of({gpu_node("a-up", 8, 32, 4, "A100"), gpu_node("a-down", 64, 256, 8, "A100"),
                  gpu_node("v-up", 64, 256, 8, "V100")});
  cluster.set_state(1, NodeState::kDown);
  EXPECT_EQ(reason_for(cluster, make_task("t", 16000, 1, 1000, "A100")),
            "needs cpu 16; largest free: 8");
  EXPECT_EQ(reason_for(cluster, make_task("t", 1000, 1, 8000, "A100")),
            "needs 8 GPUs of model A100; largest free: 4");
}

TEST(ExplainUnplaceableTest, ExtendedResourceShort) {
  Node node = cpu_node("c1", 8, 32);
  node.capacity.extended["rdma"] = 1;
  Cluster cluster = cluster_of({node});
  Task task = make_task("t", 1000, 1);
  task.demand.extended["rdma"] = 2;
  EXPECT_EQ(reason_for(cluster, task), "needs rdma 2; largest free: 1");
  task.demand.extended = {{"nvme_gb", 100}};
  EXPECT_EQ(reason_for(cluster, task), "needs nvme_gb 100; largest free: 0");
}

TEST(ExplainUnplaceableTest, UnknownGpuModel) {
  Cluster cluster = cluster_of(
      {gpu_node("v1", 8, 32, 4, "V100"), gpu_node("a1", 8, 32, 4, "A100"), cpu_node("c1", 8, 32)});
  EXPECT_EQ(reason_for(cluster, make_task("t", 1000, 1, 1000, "H100")),
            "no node has GPU model H100 (models: A100, V100)");
  EXPECT_EQ(reason_for(cluster_of({cpu_node("c1", 8, 32)}), make_task("t", 1000, 1, 1000, "H100")),
            "no node has GPU model H100 (no GPU nodes)");
  EXPECT_EQ(reason_for(cluster_of({cpu_node("c1", 8, 32)}), make_task("t", 1000, 1, 2000)),
            "needs 2 GPUs; no node has GPUs");
}

TEST(ExplainUnplaceableTest, NoSchedulableNode) {
  Cluster cluster = cluster_of({cpu_node("c1", 8, 32), cpu_node("c2", 8, 32),
                                gpu_node("g1", 8, 32, 1, "A100"), cpu_node("c3", 8, 32)});
  cluster.set_state(0, NodeState::kDown);
  cluster.set_state(1, NodeState::kCordoned);
  cluster.set_state(2, NodeState::kDown);
  cluster.set_state(3, NodeState::kDraining);
  EXPECT_EQ(reason_for(cluster, make_task("t", 1000, 1)),
            "no schedulable node (2 down, 1 cordoned, 1 draining)");
  EXPECT_EQ(reason_for(cluster, make_task("t", 1000, 1, 1000)), "no schedulable GPU node (1 down)");
  EXPECT_EQ(reason_for(cluster, make_task("t", 1000, 1, 1000, "A100")),
            "no schedulable node with GPU model A100 (1 down)");
  EXPECT_EQ(reason_for(Cluster(), make_task("t", 1000, 1)),
            "no schedulable node (the cluster has no nodes)");
}

TEST(ExplainUnplaceableTest, NoNodeHasEverythingAtOnce) {
  Cluster cluster = cluster_of(
      {cpu_node("cpu-rich", 32, 16), cpu_node("mem-rich", 10, 128), cpu_node("small", 12, 20)});
  // Every dimension fits somewhere; the closest node is short in the fewest dimensions, then by
  // the smallest relative shortfall: mem-rich misses 6 of 16 cores, cpu-rich 48 of 64Gi.
  EXPECT_EQ(reason_for(cluster, make_task("t", 16000, 64)),
            "no node has cpu 16, mem 64Gi free at once; closest: mem-rich with cpu 10 free");
  EXPECT_EQ(reason_for(cluster, make_task("t", 16000, 24)),
            "no node has cpu 16, mem 24Gi free at once; closest: cpu-rich with mem 16Gi free");
}

Task task_with_rdma(int64_t cpu_millis, int64_t memory_gi, int64_t rdma) {
  Task task = make_task("t", cpu_millis, memory_gi);
  task.demand.extended["rdma"] = rdma;
  return task;
}

TEST(ExplainUnplaceableTest, ClosestNodeIsShortInTheFewestDimensions) {
  Node rdma_node = cpu_node("rdma", 4, 8);
  rdma_node.capacity.extended["rdma"] = 2;
  Cluster cluster = cluster_of({rdma_node, cpu_node("big", 32, 128)});
  EXPECT_EQ(reason_for(cluster, task_with_rdma(16000, 64, 1)),
            "no node has cpu 16, mem 64Gi, rdma 1 free at once; closest: big with rdma 0 free");
}

TEST(ExplainUnplaceableTest, ClosestNodeListsEveryDimensionItLacks) {
  Node rdma_node = cpu_node("rdma", 4, 8);
  rdma_node.capacity.extended["rdma"] = 2;
  // Shortfalls: cpu-rich 0.75 + 1, mem-rich 0.5 + 1, rdma 0.75 + 0.875.
  Cluster cluster =
      cluster_of({cpu_node("cpu-rich", 32, 16), cpu_node("mem-rich", 8, 128), rdma_node});
  EXPECT_EQ(reason_for(cluster, task_with_rdma(16000, 64, 1)),
            "no node has cpu 16, mem 64Gi, rdma 1 free at once; closest: mem-rich with cpu 8, "
            "rdma 0 free");
}

TEST(ExplainUnplaceableTest, InvalidGpuDemand) {
  Cluster cluster = cluster_of({gpu_node("g", 8, 32, 4, "A100")});
  EXPECT_EQ(reason_for(cluster, make_task("t", 1000, 1, 1500)),
            "needs 1.5 GPUs: a GPU demand is a share below 1 or a whole number of GPUs");
}

TEST(ExplainUnplaceableTest, MemoryInReadableUnits) {
  Cluster cluster = cluster_of({cpu_node("c", 8, 1)});
  Task task = make_task("t", 1000, 0);
  task.demand.memory_bytes = 3 * kGi / 2;
  EXPECT_EQ(reason_for(cluster, task), "needs mem 1.5Gi; largest free: 1Gi");
}

}  // namespace
}  // namespace fulcrum
