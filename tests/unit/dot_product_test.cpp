#include "placement/dot_product.h"

#include <gtest/gtest.h>

#include "placement_fixtures.h"

namespace fulcrum {
namespace {

using testing::cluster_of;
using testing::gpu_node;
using testing::make_task;
using testing::node_ids_of;

TEST(DotProductTest, AlignmentIsTheNormalisedDotProductOfDemandAndFree) {
  Cluster cluster =
      cluster_of({gpu_node("small", 8, 32, 2, "T4"), gpu_node("big", 32, 128, 2, "T4")});
  ASSERT_TRUE(cluster.allocate(1, make_task("x", 0, 0, 1000)).has_value());
  Task task = make_task("t", 4000, 8, 1000);
  // small: (4/8)(8/8) + (8/32)(32/32) + (1000/2000)(2000/2000) = 0.5 + 0.25 + 0.5
  EXPECT_DOUBLE_EQ(DotProductPlacer::alignment(cluster.node(0), task.demand), 1.25);
  // big: (4/32)(1) + (8/128)(1) + (1000/2000)(1000/2000) = 0.125 + 0.0625 + 0.25
  EXPECT_DOUBLE_EQ(DotProductPlacer::alignment(cluster.node(1), task.demand), 0.4375);
  DotProductPlacer placer;
  std::vector<Task> tasks = {task};
  EXPECT_EQ(node_ids_of(placer.place(cluster, tasks)), std::vector<std::string>{"small"});
}

TEST(DotProductTest, ACpuHeavyTaskGoesWhereCpuIsPlentiful) {
  Cluster cluster =
      cluster_of({testing::cpu_node("cpu-poor", 16, 64), testing::cpu_node("cpu-rich", 16, 64)});
  ASSERT_TRUE(cluster.allocate(0, make_task("x", 12000, 0)).has_value());
  ASSERT_TRUE(cluster.allocate(1, make_task("y", 0, 48)).has_value());
  DotProductPlacer placer;
  // cpu-poor: (8/16)(4/16) + (4/64)(64/64) = 0.1875; cpu-rich: (8/16)(16/16) + (4/64)(16/64) =
  // 0.515625
  std::vector<Task> tasks = {make_task("t", 8000, 4)};
  EXPECT_EQ(node_ids_of(placer.place(cluster, tasks)), std::vector<std::string>{"cpu-rich"});
}

}  // namespace
}  // namespace fulcrum
