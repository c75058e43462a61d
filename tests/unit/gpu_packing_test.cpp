#include "placement/gpu_packing.h"

#include <gtest/gtest.h>

#include "placement_fixtures.h"

namespace fulcrum {
namespace {

using testing::cluster_of;
using testing::gpu_node;
using testing::make_task;

// idle: 2 free GPUs; busy: device 0 fully used; shared: device 0 holds a 0.3 share.
Cluster packing_cluster() {
  Cluster cluster =
      cluster_of({gpu_node("idle", 16, 64, 2, "T4"), gpu_node("busy", 16, 64, 2, "T4"),
                  gpu_node("shared", 16, 64, 2, "T4")});
  EXPECT_TRUE(cluster.allocate_on(1, make_task("w", 0, 0, 1000), {0}).has_value());
  EXPECT_TRUE(cluster.allocate_on(2, make_task("s", 0, 0, 300), {0}).has_value());
  return cluster;
}

Assignment place_one(Cluster& cluster, const Task& task) {
  GpuPackingPlacer placer;
  Placement placement = placer.place(cluster, std::span<const Task>(&task, 1));
  EXPECT_TRUE(placement.all_placed());
  return placement.assignments.at(0);
}

TEST(GpuPackingTest, ASharePacksOntoAPartlyUsedDevice) {
  Cluster cluster = packing_cluster();
  Assignment assignment = place_one(cluster, make_task("t", 1000, 1, 500));
  EXPECT_EQ(assignment.node_id, "shared");  // tier 0: device 0 has 700 free
  EXPECT_EQ(assignment.gpu_devices, std::vector<int>{0});
}

TEST(GpuPackingTest, WholeGpusGoToTheActiveNodeWithFewestFreeGpus) {
  Cluster cluster = packing_cluster();
  // busy (1000 free) and shared (1700 free) are both tier 1; idle is tier 2.
  Assignment assignment = place_one(cluster, make_task("t", 1000, 1, 1000));
  EXPECT_EQ(assignment.node_id, "busy");
  EXPECT_EQ(assignment.gpu_devices, std::vector<int>{1});
}

TEST(GpuPackingTest, AShareTooBigForPartlyUsedDevicesFallsBackToActiveNodes) {
  Cluster cluster = packing_cluster();
  // 800 fits no partly used device (shared's device 0 has 700): tier 1, busy has fewer free.
  Assignment assignment = place_one(cluster, make_task("t", 1000, 1, 800));
  EXPECT_EQ(assignment.node_id, "busy");
  EXPECT_EQ(assignment.gpu_devices, std::vector<int>{1});
}

TEST(GpuPackingTest, RankNamesTierFreeGpusAndFreeCpu) {
  Cluster cluster = packing_cluster();
  Task share = make_task("t", 1000, 1, 500);
  EXPECT_EQ(GpuPackingPlacer::rank(cluster.node(0), share), (std::array<double, 3>{2, 2000, 1}));
  EXPECT_EQ(GpuPackingPlacer::rank(cluster.node(2), share), (std::array<double, 3>{0, 1700, 1}));
}

}  // namespace
}  // namespace fulcrum
