#include "placement/weighted_rr_placer.h"

#include <gtest/gtest.h>

#include <map>

#include "placement_fixtures.h"

namespace fulcrum {
namespace {

using testing::cluster_of;
using testing::cpu_node;
using testing::make_task;
using testing::node_ids_of;

Node weighted(Node node, int weight) {
  node.weight = weight;
  return node;
}

std::vector<Task> small_tasks(int count) {
  std::vector<Task> tasks;
  for (int number = 0; number < count; ++number) {
    tasks.push_back(make_task("t" + std::to_string(number), 100, 0));
  }
  return tasks;
}

TEST(WeightedRoundRobinPlacerTest, InterleavesByWeightAsNginxDoes) {
  Cluster cluster =
      cluster_of({weighted(cpu_node("a", 64, 64), 5), weighted(cpu_node("b", 64, 64), 1),
                  weighted(cpu_node("c", 64, 64), 1)});
  WeightedRoundRobinPlacer placer;
  EXPECT_EQ(node_ids_of(placer.place(cluster, small_tasks(14))),
            (std::vector<std::string>{"a", "a", "b", "a", "c", "a", "a",  //
                                      "a", "a", "b", "a", "c", "a", "a"}));
}

TEST(WeightedRoundRobinPlacerTest, EqualWeightsRotate) {
  Cluster cluster =
      cluster_of({cpu_node("a", 64, 64), cpu_node("b", 64, 64), cpu_node("c", 64, 64)});
  WeightedRoundRobinPlacer placer;
  EXPECT_EQ(node_ids_of(placer.place(cluster, small_tasks(4))),
            (std::vector<std::string>{"a", "b", "c", "a"}));
}

TEST(WeightedRoundRobinPlacerTest, WeightZeroNeverTakesWork) {
  Cluster cluster =
      cluster_of({weighted(cpu_node("off", 64, 64), 0), weighted(cpu_node("on", 64, 64), 2)});
  WeightedRoundRobinPlacer placer;
  EXPECT_EQ(node_ids_of(placer.place(cluster, small_tasks(3))),
            (std::vector<std::string>{"on", "on", "on"}));
}

TEST(WeightedRoundRobinPlacerTest, WeightZeroOnlyLeavesAReasonNamingTheNodeWithRoom) {
  Cluster cluster = cluster_of({weighted(cpu_node("off", 64, 64), 0)});
  WeightedRoundRobinPlacer placer;
  Placement placement = placer.place(cluster, small_tasks(1));
  ASSERT_EQ(placement.unplaced.size(), 1u);
  EXPECT_EQ(placement.unplaced[0].reason,
            "node off has room, but the placement policy did not choose it");
}

TEST(WeightedRoundRobinPlacerTest, SkipsNodesThatCannotHostAndKeepsProportionsAmongTheRest) {
  Cluster cluster =
      cluster_of({weighted(cpu_node("big", 64, 64), 3), weighted(cpu_node("tiny", 1, 64), 1),
                  weighted(cpu_node("mid", 64, 64), 1)});
  WeightedRoundRobinPlacer placer;
  std::vector<Task> tasks;
  for (int number = 0; number < 8; ++number)
    tasks.push_back(make_task("t" + std::to_string(number), 2000, 0));
  std::map<std::string, int> per_node;
  for (const std::string& id : node_ids_of(placer.place(cluster, tasks))) ++per_node[id];
  EXPECT_EQ(per_node, (std::map<std::string, int>{{"big", 6}, {"mid", 2}}));
}

TEST(WeightedRoundRobinPlacerTest, EntryCreatesIt) {
  auto placer = weighted_rr_placer_entry().create({});
  ASSERT_TRUE(placer.ok());
  EXPECT_EQ((*placer)->name(), "weighted_round_robin");
}

}  // namespace
}  // namespace fulcrum
