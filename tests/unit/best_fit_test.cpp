#include "placement/best_fit.h"

#include <gtest/gtest.h>

#include "placement_fixtures.h"

namespace fulcrum {
namespace {

using testing::cluster_of;
using testing::cpu_node;
using testing::gpu_node;
using testing::make_task;
using testing::node_ids_of;

TEST(BestFitTest, LeftoverShareIsTheLargestRemainingShareOfTheUsedDimensions) {
  Node node = gpu_node("g", 8, 64, 4, "A100");
  node.allocated.cpu_millis = 4000;
  // cpu: (8 - 4 - 2) / 8 = 0.25, memory: (64 - 16) / 64 = 0.75, GPU unused by the task.
  EXPECT_DOUBLE_EQ(BestFitPlacer::leftover_share(node, make_task("t", 2000, 16).demand), 0.75);
  // Without memory only cpu counts: 0.25; a GPU share adds (4000 - 500) / 4000.
  EXPECT_DOUBLE_EQ(BestFitPlacer::leftover_share(node, make_task("t", 2000, 0).demand), 0.25);
  EXPECT_DOUBLE_EQ(BestFitPlacer::leftover_share(node, make_task("t", 2000, 0, 500).demand), 0.875);
}

TEST(BestFitTest, PacksOntoTheNodeLeftFullest) {
  Cluster cluster =
      cluster_of({cpu_node("roomy", 32, 128), cpu_node("snug", 8, 32), cpu_node("mid", 16, 64)});
  BestFitPlacer placer;
  std::vector<Task> tasks = {make_task("a", 6000, 24), make_task("b", 2000, 8),
                             make_task("c", 2000, 8)};
  Placement placement = placer.place(cluster, tasks);
  ASSERT_TRUE(placement.all_placed());
  // a: snug leftover 0.25 beats mid 0.625 and roomy 0.8125; b: snug fills exactly (0);
  // c: mid (0.875) beats roomy (0.9375).
  EXPECT_EQ(node_ids_of(placement), (std::vector<std::string>{"snug", "snug", "mid"}));
}

TEST(BestFitTest, TiesGoToTheEarlierNode) {
  Cluster cluster = cluster_of({cpu_node("first", 8, 32), cpu_node("second", 8, 32)});
  BestFitPlacer placer;
  std::vector<Task> tasks = {make_task("a", 1000, 4)};
  EXPECT_EQ(node_ids_of(placer.place(cluster, tasks)), std::vector<std::string>{"first"});
}

TEST(BestFitTest, GpuSharesPackOntoTheBusiestGpuNode) {
  Cluster cluster =
      cluster_of({gpu_node("idle", 32, 128, 2, "A100"), gpu_node("busy", 32, 128, 2, "A100")});
  ASSERT_TRUE(cluster.allocate(1, make_task("warm", 0, 0, 1000)).has_value());
  BestFitPlacer placer;
  std::vector<Task> share = {make_task("share", 0, 0, 300)};
  // busy holds 1 of 2 GPUs: (2000 - 1000 - 300) / 2000 = 0.35 beats idle's 0.85.
  Placement placement = placer.place(cluster, share);
  EXPECT_EQ(node_ids_of(placement), std::vector<std::string>{"busy"});
  EXPECT_EQ(placement.assignments.at(0).gpu_devices, std::vector<int>{1});
}

TEST(BestFitTest, EntryCreatesIt) {
  auto placer = best_fit_entry().create({});
  ASSERT_TRUE(placer.ok());
  EXPECT_EQ((*placer)->name(), "best_fit");
}

}  // namespace
}  // namespace fulcrum
