#include "placement/workload_profile.h"

#include <gtest/gtest.h>

#include "placement_fixtures.h"

namespace fulcrum {
namespace {

using testing::kGi;
using testing::make_task;

TEST(WorkloadProfileTest, CountsEachDistinctShapeByFrequency) {
  std::vector<Task> tasks = {make_task("a", 4000, 8, 500), make_task("b", 4000, 8, 500),
                             make_task("c", 1000, 2),
                             make_task("d", 8000, 16, 1000, "A100|V100", 2)};
  WorkloadProfile profile = WorkloadProfile::of_tasks(tasks);
  EXPECT_EQ(profile.task_count(), 5);  // the gang counts once per replica
  std::vector<TaskShape> shapes = profile.shapes();
  ASSERT_EQ(shapes.size(), 3u);
  // Ordered by GPU demand: CPU-only, the share, the whole GPU.
  EXPECT_EQ(shapes[0].gpu_milli, 0);
  EXPECT_EQ(shapes[0].cpu_millis, 1000);
  EXPECT_DOUBLE_EQ(shapes[0].weight, 0.2);
  EXPECT_EQ(shapes[1].gpu_milli, 500);
  EXPECT_EQ(shapes[1].memory_bytes, 8 * kGi);
  EXPECT_DOUBLE_EQ(shapes[1].weight, 0.4);
  EXPECT_EQ(shapes[2].gpu_model, "A100|V100");
  EXPECT_DOUBLE_EQ(shapes[2].weight, 0.4);
}

TEST(WorkloadProfileTest, EmptyUntilATaskIsAdded) {
  WorkloadProfile profile;
  EXPECT_TRUE(profile.empty());
  EXPECT_TRUE(profile.shapes().empty());
  profile.add(make_task("a", 1000, 1, 1000));
  EXPECT_FALSE(profile.empty());
  EXPECT_DOUBLE_EQ(profile.shapes().at(0).weight, 1.0);
}

}  // namespace
}  // namespace fulcrum
