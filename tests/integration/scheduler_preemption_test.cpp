// Preemption end to end: a higher-priority task evicts a lower-priority one through the REST API,
// with the simulated executor and with the local one (a real process receives SIGTERM).
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "scheduler_fixture.h"

namespace fulcrum::integration {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

std::string run_as_line() { return geteuid() == 0 ? "    run_as: nobody\n" : ""; }

// The events of the task's history whose kind is `kind`.
json::array events_of(const TestScheduler& scheduler, const std::string& task_id,
                      std::string_view kind) {
  json::array found;
  json::value detail = scheduler.call("GET", "/v1/tasks/" + task_id).json();
  for (const auto& event : detail.at("history").as_array()) {
    if (event.at("kind").as_string() == kind) found.push_back(event);
  }
  return found;
}

void submit(const TestScheduler& scheduler, const std::string& body) {
  ApiResponse submitted = scheduler.call("POST", "/v1/tasks", body);
  ASSERT_EQ(submitted.status, 201) << submitted.body;
}

void register_node(const TestScheduler& scheduler) {
  ApiResponse node =
      scheduler.call("POST", "/v1/nodes", R"({"id": "n1", "cpu": 4, "memory": "8Gi"})");
  ASSERT_EQ(node.status, 201) << node.body;
}

TEST(SchedulerPreemptionTest, HigherPriorityEvictsAndTheVictimRunsAgainWithTheSameAttempt) {
  TempDir dir;
  auto scheduler = TestScheduler::start(dir, "  store: {path: " + dir.path() +
                                                 "/s.db}\n"
                                                 "  monitor: {interval: 20ms}\n"
                                                 "  queue: {policy: fifo}\n"
                                                 "  preemption: {enabled: true}\n");
  ASSERT_TRUE(scheduler) << read_file(dir.path() + "/scheduler.log");
  register_node(*scheduler);
  submit(*scheduler, R"({"id": "low", "cpu": 4, "priority": 1, "duration_ms": 600000})");
  ASSERT_TRUE(scheduler->wait_task_state("low", "running", 10s));
  submit(*scheduler, R"({"id": "high", "cpu": 4, "priority": 9, "duration_ms": 50})");
  ASSERT_TRUE(scheduler->wait_task_state("high", "succeeded", 10s));
  ASSERT_TRUE(scheduler->wait_task_state("low", "running", 10s));

  json::array preempted = events_of(*scheduler, "low", "preempted");
  ASSERT_EQ(preempted.size(), 1u);
  EXPECT_EQ(preempted[0].at("reason").as_string(), "by high (priority 9 over 1)");
  EXPECT_EQ(preempted[0].at("node").as_string(), "n1");
  json::value low = scheduler->call("GET", "/v1/tasks/low").json();
  EXPECT_EQ(low.at("attempt").as_int64(), 1);
  bool requeued = false;
  for (const auto& event : low.at("history").as_array()) {
    requeued = requeued || (event.at("from").as_string() == "running" &&
                            event.at("to").as_string() == "queued" &&
                            event.at("reason").as_string() == "preempted by high");
  }
  EXPECT_TRUE(requeued);
  std::string metrics = scheduler->call("GET", "/metrics").body;
  EXPECT_NE(metrics.find("fulcrum_scheduler_preemptions_total 1\n"), std::string::npos);
  EXPECT_EQ(scheduler->call("DELETE", "/v1/tasks/low").status, 200);
}

TEST(SchedulerPreemptionTest, LocalVictimGetsSigtermAndThePreemptorStartsAfterItExits) {
  TempDir dir;
  std::filesystem::permissions(dir.path(), std::filesystem::perms::all);
  auto scheduler = TestScheduler::start(
      dir, "  store: {path: " + dir.path() + "/s.db}\n  executor:\n    type: local\n    log_dir: " +
               dir.path() + "/logs\n" + run_as_line() +
               "  monitor: {interval: 20ms}\n"
               "  preemption: {enabled: true, grace: 10s}\n");
  ASSERT_TRUE(scheduler) << read_file(dir.path() + "/scheduler.log");
  register_node(*scheduler);
  // The victim takes 200 ms to wind down after SIGTERM; the preemptor records whether it did.
  std::string marks = dir.path() + "/marks";
  std::filesystem::create_directories(marks);
  std::filesystem::permissions(marks, std::filesystem::perms::all);
  std::string victim = "trap 'sleep 0.2; echo term > " + marks +
                       "/victim-got-term; exit 0' TERM; while true; do sleep 0.05; done";
  std::string preemptor = "if test -f " + marks + "/victim-got-term; then echo after > " + marks +
                          "/preemptor; else echo during > " + marks + "/preemptor; fi";
  json::object low{{"id", "low"}, {"cpu", 4}, {"priority", 0}, {"command", victim}};
  submit(*scheduler, json::serialize(low));
  ASSERT_TRUE(scheduler->wait_task_state("low", "running", 10s));
  json::object high{{"id", "high"}, {"cpu", 2}, {"priority", 5}, {"command", preemptor}};
  submit(*scheduler, json::serialize(high));
  ASSERT_TRUE(scheduler->wait_task_state("high", "succeeded", 20s))
      << scheduler->call("GET", "/v1/tasks/high").body << "\n"
      << scheduler->call("GET", "/v1/tasks/low").body;

  EXPECT_EQ(read_file(marks + "/victim-got-term"), "term\n");
  EXPECT_EQ(read_file(marks + "/preemptor"), "after\n");
  ASSERT_EQ(events_of(*scheduler, "low", "preempted").size(), 1u);
  EXPECT_EQ(scheduler->call("GET", "/v1/tasks/low").json().at("attempt").as_int64(), 1);
  EXPECT_EQ(scheduler->call("DELETE", "/v1/tasks/low").status, 200);
}

}  // namespace
}  // namespace fulcrum::integration
