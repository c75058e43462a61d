// Nothing acknowledged is lost: concurrent clients submit batches with dependencies, the scheduler
// is killed with SIGKILL half-way, and after a restart on the same store every task that got a
// 201 is there with its dependencies and its history.
#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include "scheduler_fixture.h"

namespace fulcrum::integration {
namespace {

using namespace std::chrono_literals;
namespace json = boost::json;

constexpr int kClients = 4;
constexpr int kBatchesPerClient = 50;
constexpr int kTasksPerBatch = 50;  // 4 x 50 x 50 = 10,000 tasks offered
constexpr int kKillAfterTasks = kClients * kBatchesPerClient * kTasksPerBatch / 2;

std::string task_id(int client, int batch, int index) {
  return "c" + std::to_string(client) + "-b" + std::to_string(batch) + "-t" + std::to_string(index);
}

// Task i of a batch depends on task i-1, so a batch is a chain.
std::string batch_body(int client, int batch) {
  json::array tasks;
  for (int i = 0; i < kTasksPerBatch; ++i) {
    json::array depends_on;
    if (i > 0) depends_on.emplace_back(task_id(client, batch, i - 1));
    tasks.push_back(json::object{{"id", task_id(client, batch, i)},
                                 {"cpu", 1},
                                 {"duration", "1h"},
                                 {"depends_on", std::move(depends_on)}});
  }
  return json::serialize(json::object{{"tasks", std::move(tasks)}});
}

TEST(SchedulerCrashTest, EveryAcknowledgedTaskSurvivesKillDashNine) {
  TempDir dir;
  std::string section = "  cluster: " +
                        dir.write_file("cluster.yaml",
                                       "nodes:\n  - {id: n1, cpu: 8, memory: 8Gi}\n"
                                       "  - {id: n2, cpu: 8, memory: 8Gi}\n") +
                        "\n  store: {path: " + dir.path() +
                        "/s.db, synchronous: full}\n  monitor: {interval: 20ms}\n";
  auto scheduler = TestScheduler::start(dir, section);
  ASSERT_TRUE(scheduler);
  uint16_t port = scheduler->port();

  std::atomic<int> acknowledged_tasks{0};
  std::mutex acknowledged_mutex;
  std::vector<std::pair<int, int>> acknowledged_batches;
  std::vector<std::thread> clients;
  for (int client = 0; client < kClients; ++client) {
    clients.emplace_back([&, client] {
      for (int batch = 0; batch < kBatchesPerClient; ++batch) {
        ApiResponse response = api_call(port, "POST", "/v1/tasks", batch_body(client, batch));
        if (response.status == 0) return;  // the scheduler is gone
        if (response.status != 201) continue;
        std::lock_guard lock(acknowledged_mutex);
        acknowledged_batches.emplace_back(client, batch);
        acknowledged_tasks += kTasksPerBatch;
      }
    });
  }
  bool half_acknowledged = wait_until([&] { return acknowledged_tasks >= kKillAfterTasks; }, 120s);
  scheduler->process().send_signal(SIGKILL);
  for (std::thread& client : clients) client.join();
  ASSERT_TRUE(half_acknowledged) << "only " << acknowledged_tasks << " tasks acknowledged";
  EXPECT_EQ(scheduler->process().wait_exit(10s), 128 + SIGKILL);
  std::cout << "acknowledged before the kill: " << acknowledged_tasks << " tasks\n";

  auto restarted = TestScheduler::start(dir, section);
  ASSERT_TRUE(restarted);
  json::value listed = restarted->call("GET", "/v1/tasks?limit=1000000").json();
  std::map<std::string, std::vector<std::string>> stored;
  for (const auto& task : listed.at("tasks").as_array()) {
    std::vector<std::string> depends_on;
    for (const auto& dependency : task.at("depends_on").as_array()) {
      depends_on.emplace_back(dependency.as_string());
    }
    stored[std::string(task.at("id").as_string())] = std::move(depends_on);
  }
  int missing = 0;
  for (const auto& [client, batch] : acknowledged_batches) {
    for (int i = 0; i < kTasksPerBatch; ++i) {
      auto found = stored.find(task_id(client, batch, i));
      if (found == stored.end()) {
        ++missing;
        continue;
      }
      std::vector<std::string> expected;
      if (i > 0) expected.push_back(task_id(client, batch, i - 1));
      EXPECT_EQ(found->second, expected) << found->first;
    }
  }
  EXPECT_EQ(missing, 0);
  EXPECT_GE(stored.size(), static_cast<size_t>(acknowledged_tasks.load()));
  // The history from before the crash is intact.
  json::value first = restarted
                          ->call("GET", "/v1/tasks/" + task_id(acknowledged_batches[0].first,
                                                               acknowledged_batches[0].second, 0))
                          .json();
  const json::object& submitted = first.at("history").at(0).as_object();
  EXPECT_EQ(submitted.at("to").as_string(), "pending");
  EXPECT_EQ(submitted.at("reason").as_string(), "submitted");
}

}  // namespace
}  // namespace fulcrum::integration
