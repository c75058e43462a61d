#include "placement/registry.h"

#include <gtest/gtest.h>

#include <map>
#include <set>

#include "placement_fixtures.h"

namespace fulcrum {
namespace {

using testing::any_node_can_host;

TEST(PlacementRegistryTest, ListsEveryPlacerOnce) {
  std::vector<std::string> names;
  for (const PlacerEntry& entry : placer_registry()) {
    names.push_back(entry.name);
    EXPECT_FALSE(entry.description.empty()) << entry.name;
  }
  EXPECT_EQ(names, (std::vector<std::string>{"first_fit", "best_fit", "least_loaded",
                                             "weighted_round_robin", "dot_product", "gpu_packing",
                                             "fgd", "fgd_packing"}));
}

TEST(PlacementRegistryTest, CreatesEachPlacerUnderItsName) {
  for (const PlacerEntry& entry : placer_registry()) {
    auto placer = make_placer(entry.name);
    ASSERT_TRUE(placer.ok()) << placer.status().to_string();
    EXPECT_EQ((*placer)->name(), entry.name);
  }
}

TEST(PlacementRegistryTest, UnknownNameListsTheKnownOnes) {
  auto placer = make_placer("worst_fit");
  ASSERT_FALSE(placer.ok());
  EXPECT_EQ(placer.status().code(), ErrorCode::kNotFound);
  EXPECT_EQ(placer.error_message(),
            "unknown placement policy \"worst_fit\" (known: first_fit, best_fit, least_loaded, "
            "weighted_round_robin, dot_product, gpu_packing, fgd, fgd_packing)");
}

TEST(PlacementRegistryTest, ParameterErrorsNameThePolicyAndTheParameter) {
  auto typo = make_placer("first_fit", {{"seed", "3"}});
  ASSERT_FALSE(typo.ok());
  EXPECT_EQ(typo.error_message(),
            "placement policy \"first_fit\": unknown parameter \"seed\" (this policy takes none)");
  auto bad = make_placer("least_loaded", {{"seed", "x"}});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(
      bad.error_message(),
      "placement policy \"least_loaded\": parameter \"seed\": expected an integer, got \"x\"");
}

// GPU milli-units each device should hold according to the live assignments.
std::vector<std::vector<int64_t>> device_use_of(const Cluster& cluster,
                                                const std::vector<Assignment>& live) {
  std::vector<std::vector<int64_t>> device_milli(cluster.size());
  for (size_t index = 0; index < cluster.size(); ++index) {
    device_milli[index].assign(static_cast<size_t>(cluster.node(index).gpus.count()), 0);
  }
  for (const Assignment& assignment : live) {
    GpuShape shape = GpuShape::of(assignment.demand.gpu_milli);
    int64_t per_device = shape.whole > 0 ? kGpuMilliPerDevice : shape.share_milli;
    for (int device : assignment.gpu_devices) {
      device_milli[assignment.node_index][static_cast<size_t>(device)] += per_device;
    }
  }
  return device_milli;
}

// The first broken resource invariant, or "": allocation within capacity, per-device use within
// one GPU, and both equal to what the live assignments add up to.
std::string resource_violation(const Cluster& cluster, const std::vector<Assignment>& live) {
  std::vector<ResourceVector> summed(cluster.size());
  for (const Assignment& assignment : live) summed[assignment.node_index] += assignment.demand;
  std::vector<std::vector<int64_t>> device_milli = device_use_of(cluster, live);
  for (size_t index = 0; index < cluster.size(); ++index) {
    const Node& node = cluster.node(index);
    if (!node.allocated.fits_in(node.capacity)) return node.id + " over capacity";
    if (!(summed[index] == node.allocated)) {
      return node.id + " allocated " + node.allocated.to_string() + " but assignments sum to " +
             summed[index].to_string();
    }
    for (int device = 0; device < node.gpus.count(); ++device) {
      int64_t used = node.gpus.used_milli(device);
      if (used > kGpuMilliPerDevice || used != device_milli[index][static_cast<size_t>(device)]) {
        return node.id + " device " + std::to_string(device) + " uses " + std::to_string(used);
      }
    }
  }
  return "";
}

std::set<int> replicas_zero_to(int count) {
  std::set<int> replicas;
  for (int replica = 0; replica < count; ++replica) replicas.insert(replica);
  return replicas;
}

// The first task not placed whole (all replicas 0..n-1, once each) nor listed unplaced with a
// reason, or "".
std::string gang_violation(std::span<const Task> tasks, const Placement& placement) {
  std::map<std::string, std::set<int>> replicas_of;
  for (const Assignment& assignment : placement.assignments) {
    if (!replicas_of[assignment.task_id].insert(assignment.replica).second) {
      return assignment.task_id + " replica " + std::to_string(assignment.replica) + " twice";
    }
  }
  std::map<std::string, std::string> reason_of;
  for (const UnplacedTask& task : placement.unplaced) reason_of[task.task_id] = task.reason;
  for (const Task& task : tasks) {
    auto placed = replicas_of.find(task.id);
    auto unplaced = reason_of.find(task.id);
    if ((placed == replicas_of.end()) == (unplaced == reason_of.end())) {
      return task.id + " is both or neither placed and unplaced";
    }
    if (unplaced != reason_of.end() && unplaced->second.empty()) return task.id + " has no reason";
    if (placed != replicas_of.end() && placed->second != replicas_zero_to(task.replicas)) {
      return task.id + " placed " + std::to_string(placed->second.size()) + " of " +
             std::to_string(task.replicas) + " replicas";
    }
  }
  return "";
}

// Releases the assignments of about half the placed tasks, as finished work would.
void finish_some(Rng& rng, Cluster& cluster, std::vector<Assignment>& live) {
  std::set<std::string> finished;
  for (const Assignment& assignment : live) {
    if (rng.uniform(2) == 0) finished.insert(assignment.task_id);
  }
  std::erase_if(live, [&](const Assignment& assignment) {
    if (!finished.contains(assignment.task_id)) return false;
    cluster.release(assignment);
    return true;
  });
}

class EveryPlacerTest : public ::testing::TestWithParam<std::string> {};

TEST_P(EveryPlacerTest, RandomClustersKeepEveryInvariant) {
  for (uint64_t seed = 1; seed <= 150; ++seed) {
    Rng rng(seed);
    Cluster cluster = testing::random_cluster(rng, 3 + static_cast<int>(rng.uniform(14)));
    auto placer = make_placer(GetParam(), {});
    ASSERT_TRUE(placer.ok());
    std::vector<Assignment> live;
    for (int batch = 0; batch < 3; ++batch) {
      std::vector<Task> tasks = testing::random_tasks(rng, 4 + static_cast<int>(rng.uniform(15)));
      for (Task& task : tasks) task.id += "-" + std::to_string(batch);
      Placement placement = (*placer)->place(cluster, tasks);
      live.insert(live.end(), placement.assignments.begin(), placement.assignments.end());
      EXPECT_EQ(gang_violation(tasks, placement), "") << "seed " << seed << " batch " << batch;
      EXPECT_EQ(resource_violation(cluster, live), "") << "seed " << seed << " batch " << batch;
      finish_some(rng, cluster, live);
    }
  }
}

TEST_P(EveryPlacerTest, ASingleTaskIsUnplacedOnlyWhenNoNodeCanHostIt) {
  int unplaced_count = 0;
  for (uint64_t seed = 1; seed <= 400; ++seed) {
    Rng rng(seed);
    Cluster cluster = testing::random_cluster(rng, 1 + static_cast<int>(rng.uniform(8)));
    Task task = testing::random_task(rng, 0);
    task.replicas = 1;
    auto placer = make_placer(GetParam(), {});
    ASSERT_TRUE(placer.ok());
    bool hostable = any_node_can_host(cluster, task);
    std::vector<Task> tasks = {task};
    Placement placement = (*placer)->place(cluster, tasks);
    EXPECT_EQ(placement.all_placed(), hostable) << GetParam() << " seed " << seed;
    if (placement.all_placed()) continue;
    ++unplaced_count;
    EXPECT_EQ(placement.unplaced[0].reason.find("has room"), std::string::npos)
        << GetParam() << " seed " << seed << ": " << placement.unplaced[0].reason;
  }
  // The generator must exercise both outcomes for the check to mean anything.
  EXPECT_GT(unplaced_count, 20);
  EXPECT_LT(unplaced_count, 380);
}

std::vector<std::string> registered_names() {
  std::vector<std::string> names;
  for (const PlacerEntry& entry : placer_registry()) names.push_back(entry.name);
  return names;
}

INSTANTIATE_TEST_SUITE_P(Registry, EveryPlacerTest, ::testing::ValuesIn(registered_names()),
                         [](const auto& param_info) { return param_info.param; });

}  // namespace
}  // namespace fulcrum
