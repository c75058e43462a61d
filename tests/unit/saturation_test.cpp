#include "sim/saturation.h"

#include <gtest/gtest.h>

#include "placement/registry.h"
#include "placement_fixtures.h"

namespace fulcrum {
namespace {

using testing::cluster_of;
using testing::gpu_node;
using testing::make_task;

TEST(SaturationTest, SharesThatStrandDevicesFailWithCapacityLeft) {
  // Two GPUs; every task asks for 0.6 of one. Arrivals stop at 1.2 x 2000 = 4 tasks.
  Cluster cluster = cluster_of({gpu_node("g", 16, 64, 2, "T4")});
  std::vector<Task> pods = {make_task("p", 1000, 1, 600)};
  auto placer = make_placer("best_fit");
  ASSERT_TRUE(placer.ok());
  sim::SaturationOptions options;
  options.arrival_ratio = 1.2;
  options.curve_step = 0.3;
  auto result = sim::run_saturation(cluster, pods, **placer, options);
  ASSERT_TRUE(result.ok()) << result.status().to_string();
  EXPECT_EQ(result->placer, "best_fit");
  EXPECT_EQ(result->gpu_capacity_milli, 2000);
  // Tasks 1 and 2 take 0.6 of each device; 3 and 4 fail, 0.4 + 0.4 stay free and unusable.
  const sim::SaturationPoint& end = result->final_point;
  EXPECT_EQ(end.tasks_arrived, 4);
  EXPECT_EQ(end.tasks_failed, 2);
  EXPECT_DOUBLE_EQ(end.arrived_share, 1.2);
  EXPECT_DOUBLE_EQ(end.allocated_share, 0.6);
  EXPECT_DOUBLE_EQ(end.unallocated_share, 0.4);
  EXPECT_DOUBLE_EQ(end.fragmented_share, 0.4);
  ASSERT_TRUE(result->at_first_failure.has_value());
  EXPECT_EQ(result->at_first_failure->tasks_arrived, 3);
  EXPECT_EQ(result->at_first_failure->tasks_failed, 0);
  EXPECT_DOUBLE_EQ(result->at_first_failure->unallocated_share, 0.4);
  EXPECT_EQ(result->first_failed_task.rfind("p#2: ", 0), 0u) << result->first_failed_task;
  // One point per 0.3 of arrivals: 0.3 (task 1), 0.6 (task 2), 0.9 (task 3), 1.2 (task 4).
  ASSERT_EQ(result->curve.size(), 4u);
  EXPECT_DOUBLE_EQ(result->curve[0].arrived_share, 0.3);
  EXPECT_DOUBLE_EQ(result->curve[0].allocated_share, 0.3);
  EXPECT_DOUBLE_EQ(result->curve[3].arrived_share, 1.2);
}

std::vector<double> unallocated_curve(uint64_t seed) {
  Rng rng(7);
  Cluster cluster = testing::random_cluster(rng, 40);
  std::vector<Task> pods = testing::random_tasks(rng, 60);
  auto placer = make_placer("fgd");
  EXPECT_TRUE(placer.ok());
  sim::SaturationOptions options;
  options.seed = seed;
  auto result = sim::run_saturation(cluster, pods, **placer, options);
  EXPECT_TRUE(result.ok());
  std::vector<double> curve;
  for (const sim::SaturationPoint& point : result->curve) {
    curve.push_back(point.unallocated_share);
    curve.push_back(point.fragmented_share);
    curve.push_back(static_cast<double>(point.tasks_failed));
  }
  return curve;
}

TEST(SaturationTest, TheSameSeedGivesTheSameCurve) {
  std::vector<double> first = unallocated_curve(3);
  EXPECT_FALSE(first.empty());
  EXPECT_EQ(first, unallocated_curve(3));
  EXPECT_NE(first, unallocated_curve(4));
}

TEST(SaturationTest, RejectsInputsItCannotMeasure) {
  auto placer = make_placer("first_fit");
  ASSERT_TRUE(placer.ok());
  Cluster cpu_only = cluster_of({testing::cpu_node("c", 8, 32)});
  std::vector<Task> pods = {make_task("p", 1000, 1, 500)};
  auto no_gpus = sim::run_saturation(cpu_only, pods, **placer, {});
  ASSERT_FALSE(no_gpus.ok());
  EXPECT_EQ(no_gpus.error_message(), "the cluster has no GPUs");
  Cluster gpus = cluster_of({gpu_node("g", 8, 32, 1, "T4")});
  std::vector<Task> cpu_pods = {make_task("p", 1000, 1)};
  auto no_gpu_pods = sim::run_saturation(gpus, cpu_pods, **placer, {});
  ASSERT_FALSE(no_gpu_pods.ok());
  EXPECT_EQ(no_gpu_pods.error_message(), "no task of the pod list asks for a GPU (1 tasks)");
  sim::SaturationOptions bad;
  bad.arrival_ratio = 0;
  auto bad_ratio = sim::run_saturation(gpus, pods, **placer, bad);
  ASSERT_FALSE(bad_ratio.ok());
  EXPECT_EQ(bad_ratio.error_message(), "arrival_ratio must be in (0, 100], got 0");
}

}  // namespace
}  // namespace fulcrum
