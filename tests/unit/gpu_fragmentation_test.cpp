#include "placement/gpu_fragmentation.h"

#include <gtest/gtest.h>

#include "placement_fixtures.h"

namespace fulcrum {
namespace {

using testing::gpu_node;
using testing::kGi;
using testing::make_task;

TaskShape shape_of(int64_t cpu_millis, int64_t gpu_milli, double weight, std::string model = "") {
  return {cpu_millis, kGi, gpu_milli, std::move(model), weight};
}

// 4 devices with 1000, 700, 250 and 0 free; 4 cores and 28Gi free.
Node hand_node() {
  Node node = gpu_node("n", 8, 32, 4, "T4");
  Cluster cluster = testing::cluster_of({node});
  EXPECT_TRUE(cluster.allocate_on(0, make_task("a", 2000, 2, 300), {1}).has_value());
  EXPECT_TRUE(cluster.allocate_on(0, make_task("b", 1000, 1, 750), {2}).has_value());
  EXPECT_TRUE(cluster.allocate_on(0, make_task("c", 1000, 1, 1000), {3}).has_value());
  return cluster.node(0);
}

TEST(GpuFragmentationTest, ShapeFragmentationFollowsThePaperCases) {
  Node node = hand_node();
  FreeResources free = FreeResources::of(node);
  EXPECT_EQ(free.gpu_free_milli, (std::vector<int64_t>{1000, 700, 250, 0}));
  EXPECT_EQ(free.total_gpu_free_milli(), 1950);
  // No GPU asked: every free milli-unit is fragment.
  EXPECT_EQ(shape_fragmentation_milli(free, "T4", shape_of(1000, 0, 1)), 1950);
  // A 0.5 share fits on devices 0 and 1; devices 2 (250) and 3 (0) strand 250.
  EXPECT_EQ(shape_fragmentation_milli(free, "T4", shape_of(2000, 500, 1)), 250);
  // One whole GPU fits on device 0; 700 + 250 stranded.
  EXPECT_EQ(shape_fragmentation_milli(free, "T4", shape_of(2000, 1000, 1)), 950);
  // Two whole GPUs: only one device is free, so nothing is usable.
  EXPECT_EQ(shape_fragmentation_milli(free, "T4", shape_of(2000, 2000, 1)), 1950);
  // Enough GPU but not enough CPU (8 cores asked, 4 free), or the wrong model: all of it.
  EXPECT_EQ(shape_fragmentation_milli(free, "T4", shape_of(8000, 500, 1)), 1950);
  EXPECT_EQ(shape_fragmentation_milli(free, "T4", shape_of(1000, 500, 1, "V100|A100")), 1950);
  EXPECT_EQ(shape_fragmentation_milli(free, "T4", shape_of(1000, 500, 1, "V100|T4")), 250);
}

TEST(GpuFragmentationTest, NodeFragmentationIsTheWeightedSumOverShapes) {
  std::vector<TaskShape> shapes = {shape_of(1000, 0, 0.2), shape_of(2000, 500, 0.3),
                                   shape_of(8000, 2000, 0.1), shape_of(2000, 1000, 0.4)};
  FragmentationMeter meter(shapes);
  // 0.2 * 1950 (CPU-only) + 0.3 * 250 (share) + 0.1 * 1950 (8 cores do not fit)
  //   + 0.4 * 950 (one GPU) = 390 + 75 + 195 + 380.
  EXPECT_DOUBLE_EQ(meter.measure(hand_node()), 1040.0);
  // The meter agrees with the per-shape definition on the same node.
  FreeResources free = FreeResources::of(hand_node());
  double by_shape = 0;
  for (const TaskShape& shape : shapes) {
    by_shape += shape.weight * static_cast<double>(shape_fragmentation_milli(free, "T4", shape));
  }
  EXPECT_DOUBLE_EQ(meter.measure(free, "T4"), by_shape);
}

TEST(GpuFragmentationTest, DeviceChoicesAreDistinctAndCarryTheirDelta) {
  Node node = hand_node();
  std::vector<TaskShape> shapes = {shape_of(1000, 200, 1.0)};
  FragmentationMeter meter(shapes);
  double before = meter.measure(node);  // only device 3 (0 free) is below 200: 0
  EXPECT_DOUBLE_EQ(before, 0.0);
  std::vector<DeviceChoice> choices =
      device_choices(node, make_task("t", 1000, 1, 200), meter, before);
  ASSERT_EQ(choices.size(), 3u);
  // Device 0 -> 800 free: nothing stranded. Device 1 -> 500: nothing. Device 2 -> 50: 50.
  EXPECT_EQ(choices[0].devices, std::vector<int>{0});
  EXPECT_DOUBLE_EQ(choices[0].fragmentation_delta, 0.0);
  EXPECT_EQ(choices[1].devices, std::vector<int>{1});
  EXPECT_DOUBLE_EQ(choices[1].fragmentation_delta, 0.0);
  EXPECT_EQ(choices[2].devices, std::vector<int>{2});
  EXPECT_DOUBLE_EQ(choices[2].fragmentation_delta, 50.0);
  // Whole GPUs have one choice: the free devices.
  std::vector<DeviceChoice> whole =
      device_choices(node, make_task("w", 1000, 1, 1000), meter, before);
  ASSERT_EQ(whole.size(), 1u);
  EXPECT_EQ(whole[0].devices, std::vector<int>{0});
}

TEST(GpuFragmentationTest, CacheFollowsTheClusterJournal) {
  Cluster cluster =
      testing::cluster_of({gpu_node("a", 8, 32, 2, "T4"), gpu_node("b", 8, 32, 2, "T4")});
  std::vector<TaskShape> shapes = {shape_of(1000, 1000, 1.0)};
  FragmentationMeter meter(shapes);
  NodeFragmentationCache cache;
  cache.sync(cluster, meter, true);
  EXPECT_DOUBLE_EQ(cache.of(1), 0.0);
  ASSERT_TRUE(cluster.allocate_on(1, make_task("t", 0, 0, 400), {0}).has_value());
  cache.sync(cluster, meter, false);
  EXPECT_DOUBLE_EQ(cache.of(0), 0.0);
  EXPECT_DOUBLE_EQ(cache.of(1), 600.0);  // device 0 keeps 600, too little for a whole GPU
}

}  // namespace
}  // namespace fulcrum
