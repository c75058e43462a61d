#include "placement/best_fit.h"

#include <gtest/gtest.h>

#include "core/random.h"
#include "placement/candidates.h"
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

// best_fit as it was before its scan skipped nodes that cannot beat the best so far: the lowest
// leftover_share among all the nodes that can take the task.
class ReferenceBestFit final : public Placer {
 public:
  std::string_view name() const override { return "best_fit_reference"; }

 protected:
  std::optional<size_t> choose_node(const Cluster& cluster, const Task& task,
                                    NodePool pool) override {
    return lowest_scoring_node(cluster, task, pool, [&task](const Node& node) {
      return BestFitPlacer::leftover_share(node, task.demand);
    });
  }
};

// The pruned scan chooses exactly what the full scan chose, task after task, on random clusters
// that fill up and empty again (random nodes, GPU shares, gangs, models, extended resources).
TEST(BestFitTest, PrunedScanChoosesAsTheFullScan) {
  int placed = 0;
  for (uint64_t seed = 1; seed <= 30; ++seed) {
    Rng rng(seed);
    Cluster fast_cluster = testing::random_cluster(rng, 30);
    Cluster reference_cluster = fast_cluster;
    BestFitPlacer fast;
    ReferenceBestFit reference;
    std::vector<Assignment> running;
    for (const Task& task : testing::random_tasks(rng, 300)) {
      Placement chosen = fast.place(fast_cluster, std::span<const Task>(&task, 1));
      Placement expected = reference.place(reference_cluster, std::span<const Task>(&task, 1));
      ASSERT_EQ(chosen.assignments.size(), expected.assignments.size()) << task.id;
      for (size_t i = 0; i < chosen.assignments.size(); ++i) {
        EXPECT_EQ(chosen.assignments[i].node_index, expected.assignments[i].node_index) << task.id;
        EXPECT_EQ(chosen.assignments[i].gpu_devices, expected.assignments[i].gpu_devices);
        running.push_back(chosen.assignments[i]);
        ++placed;
      }
      // Now and then a running replica ends, on both clusters alike.
      if (!running.empty() && rng.uniform(3) == 0) {
        size_t ended = rng.uniform(running.size());
        fast_cluster.release(running[ended]);
        reference_cluster.release(running[ended]);
        running.erase(running.begin() + static_cast<std::ptrdiff_t>(ended));
      }
    }
  }
  EXPECT_GT(placed, 3000);
}

}  // namespace
}  // namespace fulcrum
