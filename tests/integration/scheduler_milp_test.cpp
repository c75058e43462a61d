// placement: milp end to end: batches solved by the batch MILP off the loop, the fallback
// heuristic when the model is not solved, and the metrics that count both.
#include <gtest/gtest.h>

#include <string>

#include "scheduler_fixture.h"

namespace fulcrum::integration {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

std::unique_ptr<TestScheduler> start_milp(const TempDir& dir, const std::string& params) {
  auto scheduler =
      TestScheduler::start(dir, "  store: {path: " + dir.path() +
                                    "/s.db}\n"
                                    "  monitor: {interval: 20ms}\n"
                                    "  queue: fifo\n"
                                    "  executor: {type: simulated, speed_factor: 0.005}\n"
                                    "  placement: {policy: milp, params: {" +
                                    params + "}}\n");
  if (!scheduler) return nullptr;
  for (const char* node : {R"({"id": "n1", "cpu": 8, "memory": "32Gi"})",
                           R"({"id": "n2", "cpu": 4, "memory": "32Gi"})"}) {
    EXPECT_EQ(scheduler->call("POST", "/v1/nodes", node).status, 201);
  }
  return scheduler;
}

// A (4 cores, weight 1), B (8 cores, weight 5), C (4 cores, weight 2), one minute each.
const char* const kBatch = R"({"tasks": [
    {"id": "A", "cpu": 4, "priority": 1, "duration_ms": 60000},
    {"id": "B", "cpu": 8, "priority": 5, "duration_ms": 60000},
    {"id": "C", "cpu": 4, "priority": 2, "duration_ms": 60000}]})";

// The reason of the task's transition to placed.
std::string placed_reason(const TestScheduler& scheduler, const std::string& task_id) {
  json::value detail = scheduler.call("GET", "/v1/tasks/" + task_id).json();
  for (const auto& event : detail.at("history").as_array()) {
    if (event.at("to").as_string() == "placed") return std::string(event.at("reason").as_string());
  }
  return "(never placed)";
}

bool has_line(const std::string& text, const std::string& line) {
  return text.find(line + "\n") != std::string::npos;
}

TEST(SchedulerMilpTest, ABatchIsPlacedByTheModelThenTheRestWhenRoomFrees) {
  TempDir dir;
  auto scheduler = start_milp(dir, "window: 50ms, window_count: 3, time_limit: 10, gap: 0");
  ASSERT_TRUE(scheduler) << read_file(dir.path() + "/scheduler.log");
  ASSERT_EQ(scheduler->call("POST", "/v1/tasks", kBatch).status, 201);
  ASSERT_TRUE(scheduler->wait_all_finished(30s));
  // first_fit in queue order would put A and C on n1 (work 3); the model puts B and C (work 7).
  EXPECT_EQ(placed_reason(*scheduler, "B"), "placed by milp on n1");
  EXPECT_EQ(placed_reason(*scheduler, "C"), "placed by milp on n2");
  EXPECT_EQ(placed_reason(*scheduler, "A").rfind("placed by milp on ", 0), 0u);
  std::string metrics = scheduler->call("GET", "/metrics").body;
  EXPECT_TRUE(has_line(metrics, "fulcrum_scheduler_milp_fallbacks_total 0")) << metrics;
  EXPECT_TRUE(has_line(metrics, "fulcrum_scheduler_milp_solve_seconds_count 2")) << metrics;
  EXPECT_TRUE(has_line(metrics, "fulcrum_scheduler_milp_batches_total{status=\"optimal\"} 2"))
      << metrics;
}

TEST(SchedulerMilpTest, TheFallbackPlacesABatchTheModelCannotTake) {
  TempDir dir;
  auto scheduler =
      start_milp(dir, "window: 50ms, window_count: 3, max_variables: 1, fallback: first_fit");
  ASSERT_TRUE(scheduler) << read_file(dir.path() + "/scheduler.log");
  ASSERT_EQ(scheduler->call("POST", "/v1/tasks", kBatch).status, 201);
  ASSERT_TRUE(scheduler->wait_all_finished(30s));
  EXPECT_EQ(placed_reason(*scheduler, "A"), "placed by first_fit (milp fallback) on n1");
  EXPECT_EQ(placed_reason(*scheduler, "C"), "placed by first_fit (milp fallback) on n1");
  // Once A and C are done, B alone is one variable (only n1 holds 8 cores): the model takes it.
  EXPECT_EQ(placed_reason(*scheduler, "B"), "placed by milp on n1");
  std::string metrics = scheduler->call("GET", "/metrics").body;
  EXPECT_TRUE(has_line(metrics, "fulcrum_scheduler_milp_fallbacks_total 1")) << metrics;
  std::string log = read_file(dir.path() + "/scheduler.log");
  EXPECT_NE(log.find("batch of 3 tasks placed by first_fit: milp: model too large (5 assignment "
                     "variables)"),
            std::string::npos)
      << log;
}

}  // namespace
}  // namespace fulcrum::integration
