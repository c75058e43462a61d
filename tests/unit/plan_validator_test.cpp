#include "planning/plan_validator.h"

#include <gtest/gtest.h>

#include "placement_fixtures.h"

namespace fulcrum {
namespace {

using testing::cpu_node;
using testing::gpu_node;
using testing::make_task;

struct Fixture {
  Cluster cluster =
      testing::cluster_of({gpu_node("a100", 8, 64, 2, "A100"), cpu_node("cpu", 4, 16)});
  std::vector<Task> tasks;
  Fixture() {
    Task first = make_task("first", 2000, 8, 1000, "A100");
    first.estimated_duration_ms = 100;
    Task second = make_task("second", 2000, 8);
    second.estimated_duration_ms = 50;
    second.depends_on = {"first"};
    Task gang = make_task("gang", 1000, 1, 1000, "", 2);
    gang.estimated_duration_ms = 10;
    tasks = {first, second, gang};
  }
  Plan valid() const {
    return {{{0, 0, 0, 0, 100}, {1, 0, 1, 100, 150}, {2, 0, 0, 100, 110}, {2, 1, 0, 100, 110}}};
  }
};

std::string family_of(const Status& status) {
  return status.message().substr(0, status.message().find(':'));
}

TEST(PlanValidatorTest, AcceptsAValidPlan) {
  Fixture fixture;
  EXPECT_TRUE(validate_plan(fixture.cluster, fixture.tasks, fixture.valid()).ok());
}

TEST(PlanValidatorTest, NamesEachBrokenFamily) {
  Fixture fixture;
  Plan missing = fixture.valid();
  missing.replicas.pop_back();
  EXPECT_EQ(family_of(validate_plan(fixture.cluster, fixture.tasks, missing)), "gang");

  Plan apart = fixture.valid();
  apart.replicas[3].start_ms = 120;
  apart.replicas[3].end_ms = 130;
  EXPECT_EQ(family_of(validate_plan(fixture.cluster, fixture.tasks, apart)), "gang");

  Plan wrong_model = fixture.valid();
  wrong_model.replicas[0].node = 1;
  EXPECT_EQ(family_of(validate_plan(fixture.cluster, fixture.tasks, wrong_model)), "gpu model");

  Plan too_short = fixture.valid();
  too_short.replicas[0].end_ms = 99;
  EXPECT_EQ(family_of(validate_plan(fixture.cluster, fixture.tasks, too_short)), "duration");

  Plan early = fixture.valid();
  early.replicas[1].start_ms = 99;
  EXPECT_EQ(family_of(validate_plan(fixture.cluster, fixture.tasks, early)), "precedence");

  // The gang's two GPUs plus first's one at t=50 is three on a two-GPU node.
  Plan crowded = fixture.valid();
  crowded.replicas[2].start_ms = crowded.replicas[3].start_ms = 50;
  crowded.replicas[2].end_ms = crowded.replicas[3].end_ms = 60;
  Status status = validate_plan(fixture.cluster, fixture.tasks, crowded);
  EXPECT_EQ(family_of(status), "capacity");
  EXPECT_NE(status.message().find("node a100 at t=50ms"), std::string::npos) << status.message();
}

}  // namespace
}  // namespace fulcrum
