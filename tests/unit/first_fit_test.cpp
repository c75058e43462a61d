#include "placement/first_fit.h"

#include <gtest/gtest.h>

#include "placement_fixtures.h"

namespace fulcrum {
namespace {

using testing::cluster_of;
using testing::cpu_node;
using testing::gpu_node;
using testing::make_task;
using testing::node_ids_of;

TEST(FirstFitTest, TakesTheFirstNodeInClusterOrderThatFits) {
  Cluster cluster =
      cluster_of({cpu_node("small", 2, 8), cpu_node("mid", 8, 32), cpu_node("big", 64, 256)});
  FirstFitPlacer placer;
  std::vector<Task> tasks = {make_task("a", 4000, 4), make_task("b", 1000, 1),
                             make_task("c", 4000, 4), make_task("d", 2000, 2),
                             make_task("e", 1000, 1)};
  Placement placement = placer.place(cluster, tasks);
  ASSERT_TRUE(placement.all_placed());
  EXPECT_EQ(node_ids_of(placement),
            (std::vector<std::string>{"mid", "small", "mid", "big", "small"}));
}

TEST(FirstFitTest, SkipsNodesThatAreNotUpOrOfAnotherModel) {
  Cluster cluster =
      cluster_of({gpu_node("v100", 8, 32, 4, "V100"), gpu_node("down", 8, 32, 4, "A100"),
                  gpu_node("a100", 8, 32, 4, "A100")});
  cluster.set_state(1, NodeState::kDown);
  FirstFitPlacer placer;
  std::vector<Task> tasks = {make_task("pinned", 1000, 1, 1000, "A100"),
                             make_task("any", 1000, 1, 1000)};
  Placement placement = placer.place(cluster, tasks);
  EXPECT_EQ(node_ids_of(placement), (std::vector<std::string>{"a100", "v100"}));
}

TEST(FirstFitTest, ReportsWhyNothingFits) {
  Cluster cluster = cluster_of({cpu_node("c1", 8, 32)});
  FirstFitPlacer placer;
  std::vector<Task> tasks = {make_task("huge", 16000, 1)};
  Placement placement = placer.place(cluster, tasks);
  ASSERT_EQ(placement.unplaced.size(), 1u);
  EXPECT_EQ(placement.unplaced[0].task_id, "huge");
  EXPECT_EQ(placement.unplaced[0].reason, "needs cpu 16; largest free: 8");
}

TEST(FirstFitTest, EntryCreatesIt) {
  PlacerEntry entry = first_fit_entry();
  EXPECT_EQ(entry.name, "first_fit");
  auto placer = entry.create({});
  ASSERT_TRUE(placer.ok());
  EXPECT_EQ((*placer)->name(), "first_fit");
}

}  // namespace
}  // namespace fulcrum
