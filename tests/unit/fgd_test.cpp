#include "placement/fgd.h"

#include <gtest/gtest.h>

#include "placement_fixtures.h"

namespace fulcrum {
namespace {

using testing::cluster_of;
using testing::gpu_node;
using testing::make_task;
using testing::node_ids_of;

WorkloadProfile profile_of(std::vector<Task> tasks) { return WorkloadProfile::of_tasks(tasks); }

TEST(FgdTest, ChoosesTheDeviceThatStrandsNothingWhereBestFitWouldStrand) {
  Cluster cluster = cluster_of({gpu_node("g", 16, 64, 2, "T4")});
  ASSERT_TRUE(cluster.allocate_on(0, make_task("x", 0, 0, 650), {0}).has_value());
  ASSERT_TRUE(cluster.allocate_on(0, make_task("y", 0, 0, 400), {1}).has_value());
  // Free: device 0 350, device 1 600. The workload is 0.3 shares only.
  FgdPlacer placer;
  placer.set_target_workload(profile_of({make_task("s", 1000, 1, 300)}));
  std::vector<Task> task = {make_task("t", 1000, 1, 300)};
  Placement placement = placer.place(cluster, task);
  ASSERT_TRUE(placement.all_placed());
  // Device 0 would keep 50 (< 300, stranded: delta +50); device 1 keeps 300 (delta 0).
  // Best fit (GpuDevices::choose) would take device 0.
  EXPECT_EQ(placement.assignments.at(0).gpu_devices, std::vector<int>{1});
  EXPECT_EQ(cluster.node(0).gpus.used_milli(1), 700);
}

TEST(FgdTest, ChoosesTheNodeWhoseFragmentationGrowsLeast) {
  Cluster cluster = cluster_of({gpu_node("a", 16, 64, 2, "T4"), gpu_node("b", 16, 64, 2, "T4")});
  ASSERT_TRUE(cluster.allocate_on(1, make_task("x", 0, 0, 500), {0}).has_value());
  FgdPlacer placer;
  // Half the workload is 0.5 shares, half whole GPUs.
  placer.set_target_workload(
      profile_of({make_task("s", 1000, 1, 500), make_task("w", 1000, 1, 1000)}));
  std::vector<Task> task = {make_task("t", 1000, 1, 500)};
  Placement placement = placer.place(cluster, task);
  ASSERT_TRUE(placement.all_placed());
  // a: F 0 -> 0.5 * 500 (a whole GPU no longer fits device 0): +250.
  // b (free 500, 1000): F 0.5 * 500 = 250; device 0 -> (0, 1000): F 0, delta -250;
  //   device 1 -> (500, 500): whole GPUs fit nowhere, F 0.5 * 1000 = 500, delta +250.
  EXPECT_EQ(node_ids_of(placement), std::vector<std::string>{"b"});
  EXPECT_EQ(placement.assignments.at(0).gpu_devices, std::vector<int>{0});
}

TEST(FgdTest, WithoutATargetWorkloadLearnsFromTheTasksItSees) {
  Cluster cluster = cluster_of({gpu_node("a", 16, 64, 2, "T4"), gpu_node("b", 16, 64, 2, "T4")});
  ASSERT_TRUE(cluster.allocate_on(1, make_task("x", 0, 0, 500), {0}).has_value());
  FgdPlacer placer;
  std::vector<Task> task = {make_task("t", 1000, 1, 500)};
  // Learned workload: 0.5 shares only. Every choice strands nothing (delta 0): the earlier node.
  Placement placement = placer.place(cluster, task);
  EXPECT_EQ(node_ids_of(placement), std::vector<std::string>{"a"});
  EXPECT_EQ(placement.assignments.at(0).gpu_devices, std::vector<int>{0});
}

TEST(FgdTest, HonoursTheSharedPlacementRules) {
  Cluster cluster = cluster_of({testing::cpu_node("c", 8, 32), gpu_node("g", 8, 32, 2, "T4")});
  FgdPlacer placer;
  std::vector<Task> tasks = {make_task("cpu", 1000, 1), make_task("model", 1000, 1, 1000, "A100"),
                             make_task("gang", 1000, 1, 1000, "", 3)};
  Placement placement = placer.place(cluster, tasks);
  EXPECT_EQ(node_ids_of(placement), std::vector<std::string>{"c"});
  ASSERT_EQ(placement.unplaced.size(), 2u);
  EXPECT_EQ(placement.unplaced[0].task_id, "model");
  EXPECT_EQ(placement.unplaced[1].task_id, "gang");
  EXPECT_EQ(cluster.node(1).allocated.gpu_milli, 0);  // the partial gang was released
}

}  // namespace
}  // namespace fulcrum
