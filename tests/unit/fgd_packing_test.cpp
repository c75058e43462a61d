#include "placement/fgd_packing.h"

#include <gtest/gtest.h>

#include "placement/fgd.h"
#include "placement_fixtures.h"

namespace fulcrum {
namespace {

using testing::cluster_of;
using testing::gpu_node;
using testing::make_task;

// a: 2 idle GPUs; b: 4 GPUs of which 3 are taken whole. The workload: half whole GPUs, half
// 0.9 shares.
Cluster two_nodes() {
  Cluster cluster = cluster_of({gpu_node("a", 32, 128, 2, "G2"), gpu_node("b", 32, 128, 4, "G2")});
  EXPECT_TRUE(cluster.allocate_on(1, make_task("w", 0, 0, 3000), {0, 1, 2}).has_value());
  return cluster;
}

WorkloadProfile half_whole_half_share() {
  std::vector<Task> tasks = {make_task("w", 1000, 1, 1000), make_task("s", 1000, 1, 900)};
  return WorkloadProfile::of_tasks(tasks);
}

Assignment place_share(Placer& placer, Cluster& cluster) {
  placer.set_target_workload(half_whole_half_share());
  std::vector<Task> task = {make_task("t", 1000, 1, 900)};
  Placement placement = placer.place(cluster, task);
  EXPECT_TRUE(placement.all_placed());
  return placement.assignments.at(0);
}

TEST(FgdPackingTest, EqualFragmentationGoesToTheNodeWithFewestFreeGpus) {
  // a -> (100, 1000): whole GPUs strand 100, shares 100: delta 0.5 * 100 + 0.5 * 100 = 100.
  // b -> (0, 0, 0, 100): nothing fits any more, all 100 free is fragment: delta 100 as well.
  // fgd keeps the earlier node; fgd_packing fills b (100 free after, against a's 1100).
  Cluster for_fgd = two_nodes();
  FgdPlacer fgd;
  EXPECT_EQ(place_share(fgd, for_fgd).node_id, "a");
  Cluster for_packing = two_nodes();
  FgdPackingPlacer packing;
  Assignment assignment = place_share(packing, for_packing);
  EXPECT_EQ(assignment.node_id, "b");
  EXPECT_EQ(assignment.gpu_devices, std::vector<int>{3});
}

TEST(FgdPackingTest, DeltasInDifferentBucketsStillDecide) {
  Cluster cluster = cluster_of({gpu_node("a", 32, 128, 2, "G2"), gpu_node("b", 32, 128, 2, "G2")});
  ASSERT_TRUE(cluster.allocate_on(1, make_task("x", 0, 0, 500), {0}).has_value());
  // As in FgdTest: a grows by +250, b's device 0 by -250; b wins on the bucket, device 0.
  FgdPackingPlacer placer;
  std::vector<Task> profile_tasks = {make_task("s", 1000, 1, 500), make_task("w", 1000, 1, 1000)};
  placer.set_target_workload(WorkloadProfile::of_tasks(profile_tasks));
  std::vector<Task> task = {make_task("t", 1000, 1, 500)};
  Placement placement = placer.place(cluster, task);
  ASSERT_TRUE(placement.all_placed());
  EXPECT_EQ(placement.assignments.at(0).node_id, "b");
  EXPECT_EQ(placement.assignments.at(0).gpu_devices, std::vector<int>{0});
}

TEST(FgdPackingTest, ToleranceIsValidated) {
  auto fine = fgd_packing_entry().create({{"tolerance_milli", "20"}});
  ASSERT_TRUE(fine.ok());
  EXPECT_EQ((*fine)->name(), "fgd_packing");
  auto zero = fgd_packing_entry().create({{"tolerance_milli", "0"}});
  ASSERT_FALSE(zero.ok());
  EXPECT_EQ(zero.error_message(),
            "parameter \"tolerance_milli\": expected a number in [1, 1000000], got \"0\"");
}

}  // namespace
}  // namespace fulcrum
