#include "placement/least_loaded.h"

#include <gtest/gtest.h>

#include <limits>
#include <set>

#include "placement_fixtures.h"

namespace fulcrum {
namespace {

using testing::cluster_of;
using testing::cpu_node;
using testing::gpu_node;
using testing::make_task;
using testing::node_ids_of;

std::string place_one(Placer& placer, Cluster& cluster, const Task& task) {
  std::vector<Task> tasks = {task};
  Placement placement = placer.place(cluster, tasks);
  return placement.assignments.empty() ? "" : placement.assignments[0].node_id;
}

TEST(LeastLoadedTest, TakesTheLeastLoadedNodeThatFits) {
  Cluster cluster = cluster_of({cpu_node("a", 8, 32), cpu_node("b", 8, 32), cpu_node("c", 16, 32)});
  ASSERT_TRUE(cluster.allocate(0, make_task("warm-a", 4000, 0)).has_value());  // a: 0.5
  ASSERT_TRUE(cluster.allocate(1, make_task("warm-b", 2000, 0)).has_value());  // b: 0.25
  ASSERT_TRUE(cluster.allocate(2, make_task("warm-c", 6000, 0)).has_value());  // c: 0.375
  LeastLoadedPlacer placer;
  EXPECT_EQ(place_one(placer, cluster, make_task("t1", 2000, 0)), "b");  // b -> 0.5
  EXPECT_EQ(place_one(placer, cluster, make_task("t2", 2000, 0)), "c");  // c -> 0.5
  // Only c has 8 cores free although a and b are as loaded.
  EXPECT_EQ(place_one(placer, cluster, make_task("t3", 8000, 0)), "c");
}

TEST(LeastLoadedTest, LoadIsTheDominantShare) {
  Cluster cluster = cluster_of({cpu_node("cpu-heavy", 8, 64), cpu_node("mem-heavy", 8, 64)});
  ASSERT_TRUE(cluster.allocate(0, make_task("w0", 6000, 0)).has_value());  // 0.75 cpu
  ASSERT_TRUE(cluster.allocate(1, make_task("w1", 0, 32)).has_value());    // 0.5 memory
  LeastLoadedPlacer placer;
  EXPECT_EQ(place_one(placer, cluster, make_task("t", 500, 1)), "mem-heavy");
}

TEST(LeastLoadedTest, UsesTheIndexOfTheAskedGpuModel) {
  Cluster cluster =
      cluster_of({gpu_node("v100", 8, 32, 4, "V100"), gpu_node("a100", 8, 32, 4, "A100")});
  ASSERT_TRUE(cluster.allocate(1, make_task("busy", 0, 0, 3000)).has_value());
  LeastLoadedPlacer placer;
  EXPECT_EQ(place_one(placer, cluster, make_task("any", 0, 0, 1000)), "v100");
  EXPECT_EQ(place_one(placer, cluster, make_task("pinned", 0, 0, 1000, "A100")), "a100");
  EXPECT_EQ(place_one(placer, cluster, make_task("absent", 0, 0, 1000, "H100")), "");
}

TEST(LeastLoadedTest, ModelAlternativesConsiderEveryListedModel) {
  Cluster cluster =
      cluster_of({gpu_node("v100", 8, 32, 4, "V100"), gpu_node("a100", 8, 32, 4, "A100"),
                  gpu_node("t4", 8, 32, 4, "T4")});
  ASSERT_TRUE(cluster.allocate(1, make_task("busy", 0, 0, 3000)).has_value());
  ASSERT_TRUE(cluster.allocate(0, make_task("busier", 0, 0, 1000)).has_value());
  LeastLoadedPlacer placer;
  EXPECT_EQ(place_one(placer, cluster, make_task("either", 0, 0, 1000, "A100|V100")), "v100");
  EXPECT_EQ(place_one(placer, cluster, make_task("none", 0, 0, 1000, "H100|L4")), "");
}

TEST(LeastLoadedTest, FollowsChangesMadeBetweenPlacements) {
  Cluster cluster = cluster_of({cpu_node("a", 8, 32), cpu_node("b", 8, 32)});
  LeastLoadedPlacer placer;
  Task task = make_task("t", 1000, 1);
  std::string first = place_one(placer, cluster, task);
  std::string second = place_one(placer, cluster, task);
  EXPECT_NE(first, second);
  size_t b = *cluster.find("b");
  cluster.set_state(b, NodeState::kCordoned);
  EXPECT_EQ(place_one(placer, cluster, task), "a");
  EXPECT_EQ(place_one(placer, cluster, task), "a");
  cluster.set_state(b, NodeState::kUp);
  EXPECT_EQ(place_one(placer, cluster, task), "b");
  ASSERT_TRUE(cluster.add_node(cpu_node("fresh", 8, 32)).ok());
  EXPECT_EQ(place_one(placer, cluster, task), "fresh");
}

TEST(LeastLoadedTest, RebuildsForAnotherClusterObject) {
  Cluster original = cluster_of({cpu_node("a", 8, 32), cpu_node("b", 8, 32)});
  LeastLoadedPlacer placer;
  Task task = make_task("t", 1000, 1);
  ASSERT_FALSE(place_one(placer, original, task).empty());
  Cluster copy = original;
  // Both now have made one change since the copy, so only the instance id tells them apart.
  ASSERT_TRUE(original.allocate(0, make_task("w", 6000, 0)).has_value());
  ASSERT_TRUE(copy.allocate(1, make_task("w", 6000, 0)).has_value());
  EXPECT_EQ(place_one(placer, original, task), "b");
  EXPECT_EQ(place_one(placer, copy, task), "a");
}

TEST(LeastLoadedTest, RebuildsWhenTheJournalNoLongerReachesBack) {
  Cluster cluster = cluster_of({cpu_node("a", 8, 32), cpu_node("b", 8, 32)});
  LeastLoadedPlacer placer;
  Task task = make_task("t", 1000, 1);
  ASSERT_FALSE(place_one(placer, cluster, task).empty());
  for (int round = 0; round < 5000; ++round) {
    auto assignment = cluster.allocate(0, task);
    ASSERT_TRUE(assignment.has_value());
    cluster.release(*assignment);
  }
  ASSERT_TRUE(cluster.allocate(0, make_task("w", 6000, 0)).has_value());
  ASSERT_FALSE(cluster.changes_since(0).has_value());
  EXPECT_EQ(place_one(placer, cluster, task), "b");
}

// Brute force: the lowest load among nodes that can host, in the pool the base class would use.
double min_hosting_load(const Cluster& cluster, const Task& task) {
  double lowest = std::numeric_limits<double>::infinity();
  for (bool want_gpu_pool : {false, true}) {
    bool pool_allowed = want_gpu_pool || !task.needs_gpu();
    for (size_t index = 0; index < cluster.size() && pool_allowed; ++index) {
      const Node& node = cluster.node(index);
      if (node.has_gpus() == want_gpu_pool && cluster.can_host(index, task)) {
        lowest = std::min(lowest, node.load());
      }
    }
    if (lowest < std::numeric_limits<double>::infinity()) return lowest;
  }
  return lowest;
}

// Changes the cluster behind the placer's back: releases a task or flips a node's state.
void disturb(Rng& rng, Cluster& cluster, std::vector<Assignment>& live) {
  if (!live.empty() && rng.uniform(3) == 0) {
    size_t victim = rng.uniform(live.size());
    cluster.release(live[victim]);
    live.erase(live.begin() + static_cast<std::ptrdiff_t>(victim));
  }
  if (rng.uniform(8) == 0) {
    size_t node_index = rng.uniform(cluster.size());
    bool up = cluster.node(node_index).schedulable();
    cluster.set_state(node_index, up ? NodeState::kDraining : NodeState::kUp);
  }
}

TEST(LeastLoadedPropertyTest, ChoosesAMinimumLoadNodeAmongThoseThatCanHost) {
  for (uint64_t seed = 1; seed <= 100; ++seed) {
    Rng rng(seed);
    Cluster cluster = testing::random_cluster(rng, 12);
    LeastLoadedPlacer placer(seed);
    std::vector<Assignment> live;
    for (int number = 0; number < 25; ++number) {
      disturb(rng, cluster, live);
      Task task = testing::random_task(rng, number);
      task.replicas = 1;
      double expected = min_hosting_load(cluster, task);
      std::vector<double> loads_before;
      for (const Node& node : cluster.nodes()) loads_before.push_back(node.load());
      std::vector<Task> tasks = {task};
      Placement placement = placer.place(cluster, tasks);
      if (expected == std::numeric_limits<double>::infinity()) {
        EXPECT_FALSE(placement.all_placed()) << "seed " << seed << " task " << number;
        continue;
      }
      ASSERT_EQ(placement.assignments.size(), 1u) << "seed " << seed << " task " << number;
      const Assignment& assignment = placement.assignments[0];
      EXPECT_EQ(loads_before[assignment.node_index], expected)
          << "seed " << seed << " task " << number << " went to " << assignment.node_id;
      live.push_back(assignment);
    }
  }
}

std::vector<std::string> tie_break_order(uint64_t seed) {
  std::vector<Node> nodes;
  for (int number = 0; number < 8; ++number)
    nodes.push_back(cpu_node("n" + std::to_string(number), 8, 8));
  Cluster cluster = cluster_of(std::move(nodes));
  LeastLoadedPlacer placer(seed);
  std::vector<Task> tasks;
  for (int number = 0; number < 8; ++number)
    tasks.push_back(make_task("t" + std::to_string(number), 1000, 1));
  return node_ids_of(placer.place(cluster, tasks));
}

TEST(LeastLoadedPropertyTest, TiesAreBrokenBySeed) {
  std::set<std::vector<std::string>> orders;
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    std::vector<std::string> order = tie_break_order(seed);
    EXPECT_EQ(order, tie_break_order(seed)) << "seed " << seed;
    // All nodes are tied at every step, so each takes exactly one task.
    EXPECT_EQ(std::set<std::string>(order.begin(), order.end()).size(), 8u);
    orders.insert(order);
  }
  EXPECT_GE(orders.size(), 15u);
}

TEST(LeastLoadedTest, EntryReadsTheSeed) {
  PlacerEntry entry = least_loaded_entry();
  ASSERT_EQ(entry.params.size(), 1u);
  EXPECT_EQ(entry.params[0].name, "seed");
  EXPECT_EQ(entry.params[0].default_value, "1");
  auto placer = entry.create({{"seed", "7"}});
  ASSERT_TRUE(placer.ok());
  EXPECT_EQ((*placer)->name(), "least_loaded");
  auto bad = entry.create({{"seed", "seven"}});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error_message(), "parameter \"seed\": expected an integer, got \"seven\"");
}

}  // namespace
}  // namespace fulcrum
