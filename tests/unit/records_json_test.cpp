#include "scheduler/records_json.h"

#include <gtest/gtest.h>

#include "http/json.h"

namespace fulcrum {
namespace {

Result<TaskSubmission> parse(std::string_view text, const std::string& path = "tasks[0]") {
  auto value = http::parse_json(text);
  EXPECT_TRUE(value.ok());
  return task_from_json(*value, path);
}

TEST(RecordsJsonTest, ReadsEveryTaskField) {
  auto parsed = parse(R"({"id": "T1", "type": "training", "priority": 5, "duration": "40m",
      "cpu": 2, "memory": "16Gi", "gpus": 1, "gpu_model": "A100", "depends_on": ["T2"],
      "replicas": 2, "command": "sleep 2", "max_attempts": 4, "resources": {"rdma": 1}})");
  ASSERT_TRUE(parsed.ok()) << parsed.status().to_string();
  const Task& task = parsed->task;
  EXPECT_EQ(task.id, "T1");
  EXPECT_EQ(task.type, TaskType::kTraining);
  EXPECT_EQ(task.priority, 5);
  EXPECT_EQ(task.estimated_duration_ms, 40 * 60 * 1000);
  EXPECT_EQ(task.demand.cpu_millis, 2000);
  EXPECT_EQ(task.demand.memory_bytes, int64_t{16} << 30);
  EXPECT_EQ(task.demand.gpu_milli, 1000);
  EXPECT_EQ(task.demand.extended_amount("rdma"), 1);
  EXPECT_EQ(task.gpu_model, "A100");
  EXPECT_EQ(task.depends_on, std::vector<std::string>{"T2"});
  EXPECT_EQ(task.replicas, 2);
  EXPECT_EQ(task.command, "sleep 2");
  EXPECT_EQ(parsed->max_attempts, 4);
}

TEST(RecordsJsonTest, BadResourceValuesAreUnprocessableAndNameTheField) {
  auto negative = parse(R"({"id": "T1", "cpu": -1})");
  EXPECT_EQ(negative.status().code(), ErrorCode::kFailedPrecondition);
  EXPECT_EQ(negative.error_message(), "tasks[0].cpu: expected a non-negative amount, got -1");
  auto text = parse(R"({"id": "T1", "memory": "lots"})");
  EXPECT_EQ(text.status().code(), ErrorCode::kFailedPrecondition);
  EXPECT_EQ(text.error_message(),
            "tasks[0].memory: expected a memory size such as 8Gi, 512Mi or 1073741824, got "
            "\"lots\"");
  auto gpus = parse(R"({"id": "T1", "gpus": "two"})");
  EXPECT_EQ(gpus.status().code(), ErrorCode::kFailedPrecondition);
  EXPECT_EQ(gpus.error_message(), "tasks[0].gpus: expected an integer from 0 to 1024, got \"two\"");
}

TEST(RecordsJsonTest, MalformedTasksAreBadRequestsNamingTheField) {
  auto missing = parse(R"({"priority": 1})", "tasks[3]");
  EXPECT_EQ(missing.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(missing.error_message(), "tasks[3].id: required");
  auto wrong = parse(R"({"id": "T", "depends_on": ["a", 7]})");
  EXPECT_EQ(wrong.error_message(), "tasks[0].depends_on[1]: expected a string, got 7");
  auto unknown = parse(R"({"id": "T", "colour": "red"})");
  EXPECT_EQ(unknown.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(unknown.error_message().find("tasks[0].unknown field \"colour\""), std::string::npos)
      << unknown.error_message();
}

TEST(RecordsJsonTest, TaskRecordRoundTripsThroughTheStoreForm) {
  TaskRecord record;
  record.spec.id = "T7";
  record.spec.type = TaskType::kInference;
  record.spec.priority = -3;
  record.spec.estimated_duration_ms = 1500;
  record.spec.demand.cpu_millis = 500;
  record.spec.demand.memory_bytes = 1 << 20;
  record.spec.demand.gpu_milli = 300;
  record.spec.depends_on = {"T1", "T2"};
  record.spec.command = "echo hi";
  record.state = TaskState::kFailed;
  record.attempt = 3;
  record.max_attempts = 3;
  record.reason = "exit code 2";
  record.exit_code = 2;
  record.submitted_ms = 111;
  record.finished_ms = 333;
  auto back = task_record_from_json(http::to_json_text(task_record_json(record)));
  ASSERT_TRUE(back.ok()) << back.status().to_string();
  EXPECT_EQ(back->spec.id, "T7");
  EXPECT_EQ(back->spec.type, TaskType::kInference);
  EXPECT_EQ(back->spec.priority, -3);
  EXPECT_EQ(back->spec.estimated_duration_ms, 1500);
  EXPECT_EQ(back->spec.demand, record.spec.demand);
  EXPECT_EQ(back->spec.depends_on, record.spec.depends_on);
  EXPECT_EQ(back->spec.command, "echo hi");
  EXPECT_EQ(back->state, TaskState::kFailed);
  EXPECT_EQ(back->attempt, 3);
  EXPECT_EQ(back->reason, "exit code 2");
  EXPECT_EQ(*back->exit_code, 2);
  EXPECT_EQ(back->submitted_ms, 111);
  EXPECT_EQ(back->finished_ms, 333);
}

TEST(RecordsJsonTest, NodeRoundTripsThroughTheStoreForm) {
  auto value = http::parse_json(
      R"({"id": "g1", "cpu": 32, "memory": "256Gi", "gpus": 4, "gpu_model": "A100",
          "labels": {"zone": "a"}, "weight": 2})");
  auto node = node_from_json(*value);
  ASSERT_TRUE(node.ok()) << node.status().to_string();
  NodeRecord record;
  record.registered_ms = 5;
  record.last_heartbeat_ms = 9;
  auto back = node_from_store_json(http::to_json_text(node_json(*node, record)));
  ASSERT_TRUE(back.ok()) << back.status().to_string();
  EXPECT_EQ(back->first.capacity, node->capacity);
  EXPECT_EQ(back->first.gpus.count(), 4);
  EXPECT_EQ(back->first.gpu_model, "A100");
  EXPECT_EQ(back->first.labels.at("zone"), "a");
  EXPECT_EQ(back->first.weight, 2);
  EXPECT_EQ(back->second.registered_ms, 5);
  EXPECT_EQ(*back->second.last_heartbeat_ms, 9);
}

TEST(RecordsJsonTest, TaskSpeedIsReadAndKeptInTheStoreForm) {
  auto parsed = parse(R"({"id": "T1", "gpus": 1, "speed": {"A100": 2, "V100": 0.5}})");
  ASSERT_TRUE(parsed.ok()) << parsed.status().to_string();
  std::map<std::string, double> expected = {{"A100", 2.0}, {"V100", 0.5}};
  EXPECT_EQ(parsed->task.speed, expected);
  TaskRecord record;
  record.spec = parsed->task;
  auto back = task_record_from_json(http::to_json_text(task_record_json(record)));
  ASSERT_TRUE(back.ok()) << back.status().to_string();
  EXPECT_EQ(back->spec.speed, expected);
  auto zero = parse(R"({"id": "T1", "speed": {"cpu": 0}})");
  EXPECT_EQ(zero.status().code(), ErrorCode::kFailedPrecondition);
  EXPECT_EQ(zero.error_message(),
            "tasks[0].speed.cpu: expected a number from 1e-06 to 1000000, got 0");
  auto list = parse(R"({"id": "T1", "speed": [2]})");
  EXPECT_EQ(
      list.error_message(),
      "tasks[0].speed: expected an object of node class (GPU model or cpu) to speed, got [2]");
}

TEST(RecordsJsonTest, NodePowerIsReadAndKeptInTheStoreForm) {
  auto value = http::parse_json(
      R"({"id": "c1", "cpu": 8, "memory": "1Gi", "power": {"idle_watts": 90, "peak_watts": 350}})");
  auto node = node_from_json(*value);
  ASSERT_TRUE(node.ok()) << node.status().to_string();
  ASSERT_TRUE(node->power.has_value());
  EXPECT_EQ(node->power->idle_watts, 90);
  EXPECT_EQ(node->power->peak_watts, 350);
  auto back = node_from_store_json(http::to_json_text(node_json(*node, NodeRecord{})));
  ASSERT_TRUE(back.ok()) << back.status().to_string();
  ASSERT_TRUE(back->first.power.has_value());
  EXPECT_EQ(back->first.power->peak_watts, 350);
  auto inverted = http::parse_json(
      R"({"id": "c1", "cpu": 8, "power": {"idle_watts": 400, "peak_watts": 350}})");
  auto refused = node_from_json(*inverted);
  EXPECT_EQ(refused.status().code(), ErrorCode::kFailedPrecondition);
  EXPECT_EQ(refused.error_message(), "power.peak_watts: must be at least idle_watts (400)");
  auto missing = http::parse_json(R"({"id": "c1", "cpu": 8, "power": {"idle_watts": 1}})");
  EXPECT_EQ(node_from_json(*missing).error_message(), "power.peak_watts: required");
}

TEST(RecordsJsonTest, NodeWithGpusNeedsAModel) {
  auto value = http::parse_json(R"({"id": "g1", "cpu": 8, "memory": "1Gi", "gpus": 2})");
  auto node = node_from_json(*value);
  ASSERT_FALSE(node.ok());
  EXPECT_EQ(node.error_message(), "gpu_model: required when gpus > 0 (for example \"A100\")");
}

}  // namespace
}  // namespace fulcrum
