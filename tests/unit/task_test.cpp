#include "core/task.h"

#include <gtest/gtest.h>

#include <utility>

namespace fulcrum {
namespace {

Task task_with_dependencies(std::string id, std::vector<std::string> depends_on = {}) {
  Task task;
  task.id = std::move(id);
  task.depends_on = std::move(depends_on);
  return task;
}

TEST(TaskTypeTest, NamesRoundTrip) {
  for (TaskType type : {TaskType::kTraining, TaskType::kInference, TaskType::kData}) {
    EXPECT_EQ(parse_task_type(task_type_name(type)), type);
  }
  EXPECT_EQ(task_type_name(TaskType::kInference), "inference");
  EXPECT_FALSE(parse_task_type("batch").has_value());
}

TEST(TaskTest, GpuModelConstraintAcceptsAnyOfItsAlternatives) {
  EXPECT_TRUE(gpu_model_accepts("", "T4"));
  EXPECT_TRUE(gpu_model_accepts("T4", "T4"));
  EXPECT_FALSE(gpu_model_accepts("T4", "T40"));
  EXPECT_TRUE(gpu_model_accepts("V100M16|V100M32", "V100M32"));
  EXPECT_TRUE(gpu_model_accepts("V100M16|V100M32", "V100M16"));
  EXPECT_FALSE(gpu_model_accepts("V100M16|V100M32", "V100M"));
  EXPECT_FALSE(gpu_model_accepts("V100M16|V100M32", ""));
  Task task;
  task.gpu_model = "G2|P100|T4";
  EXPECT_TRUE(task.accepts_gpu_model("P100"));
  EXPECT_FALSE(task.accepts_gpu_model("A10"));
}

TEST(TaskTest, NeedsGpuWhenItAsksForGpuUnits) {
  Task task;
  EXPECT_FALSE(task.needs_gpu());
  task.demand.gpu_milli = 250;
  EXPECT_TRUE(task.needs_gpu());
}

TEST(ValidateTaskGraphTest, AcceptsADag) {
  std::vector<Task> tasks = {task_with_dependencies("prep"),
                             task_with_dependencies("train", {"prep"}),
                             task_with_dependencies("eval", {"train", "prep"})};
  EXPECT_TRUE(validate_task_graph(tasks).ok());
  EXPECT_TRUE(validate_task_graph({}).ok());
}

TEST(ValidateTaskGraphTest, RejectsDuplicateIds) {
  std::vector<Task> tasks = {task_with_dependencies("a"), task_with_dependencies("a")};
  Status status = validate_task_graph(tasks);
  EXPECT_EQ(status.code(), ErrorCode::kAlreadyExists);
  EXPECT_EQ(status.message(), "duplicate task id \"a\"");
}

TEST(ValidateTaskGraphTest, RejectsUnknownDependency) {
  std::vector<Task> tasks = {task_with_dependencies("train", {"prep"})};
  Status status = validate_task_graph(tasks);
  EXPECT_EQ(status.code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(status.message(), "task \"train\" depends on unknown task \"prep\"");
}

TEST(ValidateTaskGraphTest, NamesATwoTaskCycle) {
  std::vector<Task> tasks = {task_with_dependencies("A", {"B"}),
                             task_with_dependencies("B", {"A"})};
  Status status = validate_task_graph(tasks);
  EXPECT_EQ(status.code(), ErrorCode::kFailedPrecondition);
  EXPECT_EQ(status.message(), "dependency cycle: A -> B -> A");
}

TEST(ValidateTaskGraphTest, NamesOnlyTheTasksOnTheCycle) {
  std::vector<Task> tasks = {
      task_with_dependencies("T0", {"T1"}), task_with_dependencies("T1", {"T5"}),
      task_with_dependencies("T5", {"T9"}), task_with_dependencies("T9", {"T1"})};
  EXPECT_EQ(validate_task_graph(tasks).message(), "dependency cycle: T1 -> T5 -> T9 -> T1");
}

TEST(ValidateTaskGraphTest, NamesASelfDependency) {
  std::vector<Task> tasks = {task_with_dependencies("A", {"A"})};
  EXPECT_EQ(validate_task_graph(tasks).message(), "dependency cycle: A -> A");
}

TEST(DependencyWavesTest, GroupsByLongestDependencyChain) {
  std::vector<Task> tasks = {task_with_dependencies("eval", {"train", "prep"}),
                             task_with_dependencies("prep"), task_with_dependencies("fetch"),
                             task_with_dependencies("train", {"prep"})};
  auto waves = dependency_waves(tasks);
  ASSERT_TRUE(waves.ok()) << waves.status().to_string();
  std::vector<std::vector<size_t>> expected = {{1, 2}, {3}, {0}};
  EXPECT_EQ(*waves, expected);
}

TEST(DependencyWavesTest, EmptyInputHasNoWaves) {
  auto waves = dependency_waves({});
  ASSERT_TRUE(waves.ok());
  EXPECT_TRUE(waves->empty());
}

TEST(DependencyWavesTest, FailsOnACycle) {
  std::vector<Task> tasks = {task_with_dependencies("A", {"B"}),
                             task_with_dependencies("B", {"A"})};
  auto waves = dependency_waves(tasks);
  ASSERT_FALSE(waves.ok());
  EXPECT_EQ(waves.error_message(), "dependency cycle: A -> B -> A");
}

}  // namespace
}  // namespace fulcrum
