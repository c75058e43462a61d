// Queue policies of `fulcrum scheduler` end to end, with the simulated executor at real speed.
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "scheduler_fixture.h"

namespace fulcrum::integration {
namespace {

using namespace std::chrono_literals;

std::string state_of(const TestScheduler& scheduler, const std::string& task_id) {
  return std::string(scheduler.call("GET", "/v1/tasks/" + task_id).json().at("state").as_string());
}

// `fulcrum scheduler` with one node of `cores` cores, the simulated executor at real speed and
// `queue` as its queue section.
std::unique_ptr<TestScheduler> start_one_node(const TempDir& dir, int cores,
                                              const std::string& queue) {
  std::string cluster = dir.write_file(
      "cluster.yaml", "nodes:\n  - {id: n1, cpu: " + std::to_string(cores) + ", memory: 16Gi}\n");
  return TestScheduler::start(dir, "  cluster: " + cluster + "\n  store: {path: " + dir.path() +
                                       "/s.db}\n  executor: {type: simulated, speed_factor: 1}\n"
                                       "  monitor: {interval: 20ms}\n  queue: " +
                                       queue + "\n");
}

// Submits `body` and waits until task `task_id` runs.
void submit_until_running(const TestScheduler& scheduler, const std::string& body,
                          const std::string& task_id) {
  ApiResponse submitted = scheduler.call("POST", "/v1/tasks", body);
  ASSERT_EQ(submitted.status, 201) << submitted.body;
  ASSERT_TRUE(scheduler.wait_task_state(task_id, "running", 10s));
}

// One 8-core node; R holds 4 cores for an expected 10 minutes. H needs all 8, so it reserves R's
// end. S (2 cores, 200 ms) ends long before and backfills; L (2 cores, 20 minutes) fits now but
// would delay H, so it waits until H has run.
TEST(SchedulerQueueTest, EasyBackfillStartsOnlyWhatEndsByTheHeadsReservation) {
  TempDir dir;
  auto scheduler = start_one_node(dir, 8, "{policy: easy_backfill}");
  ASSERT_TRUE(scheduler) << read_file(dir.path() + "/scheduler.log");
  submit_until_running(*scheduler, R"({"id": "R", "cpu": 4, "duration": "600s"})", "R");
  ApiResponse rest = scheduler->call("POST", "/v1/tasks", R"({"tasks": [
      {"id": "H", "cpu": 8, "duration": "100ms"},
      {"id": "S", "cpu": 2, "duration": "200ms"},
      {"id": "L", "cpu": 2, "duration": "1200s"}]})");
  ASSERT_EQ(rest.status, 201) << rest.body;
  ASSERT_TRUE(scheduler->wait_task_state("S", "succeeded", 10s));
  EXPECT_EQ(state_of(*scheduler, "H"), "queued");
  EXPECT_EQ(state_of(*scheduler, "L"), "queued");
  ASSERT_EQ(scheduler->call("DELETE", "/v1/tasks/R").status, 200);
  ASSERT_TRUE(scheduler->wait_task_state("H", "succeeded", 10s));
  ASSERT_TRUE(scheduler->wait_task_state("L", "running", 10s));
  EXPECT_EQ(scheduler->call("DELETE", "/v1/tasks/L").status, 200);
}

// las: service in levels split at 1 GPU-second; a 16-core task counts as 1 GPU (16 cores per
// GPU). A takes the whole node for 10 minutes and reaches level 1 after 1 s of running; B (200 ms)
// arrives in level 0 and preempts A, runs, and A runs again.
TEST(SchedulerQueueTest, LasLetsANewTaskPreemptOneThatAttainedMoreService) {
  TempDir dir;
  auto scheduler = start_one_node(dir, 16, "{policy: las, params: {thresholds: \"1\"}}");
  ASSERT_TRUE(scheduler) << read_file(dir.path() + "/scheduler.log");
  submit_until_running(*scheduler, R"({"id": "A", "cpu": 16, "duration": "600s"})", "A");
  ApiResponse second =
      scheduler->call("POST", "/v1/tasks", R"({"id": "B", "cpu": 16, "duration": "200ms"})");
  ASSERT_EQ(second.status, 201) << second.body;
  ASSERT_TRUE(scheduler->wait_task_state("B", "succeeded", 10s));
  ASSERT_TRUE(scheduler->wait_task_state("A", "running", 10s));
  // The task's history names the preemption.
  std::string history = scheduler->call("GET", "/v1/tasks/A").body;
  EXPECT_NE(history.find("preempted by B"), std::string::npos) << history;
  EXPECT_EQ(scheduler->call("DELETE", "/v1/tasks/A").status, 200);
}

}  // namespace
}  // namespace fulcrum::integration
