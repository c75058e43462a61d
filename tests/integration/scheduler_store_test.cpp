// A store that stops writing loses nothing: the scheduler answers 503 naming the store's error,
// holds the changes and their launches and stops, and carries them out once the store writes
// again. The fault is injected from a second connection to the same SQLite file: a trigger that
// aborts every event insert, as a full disk would, dropped to heal the store.
#include <gtest/gtest.h>
#include <signal.h>
#include <sqlite3.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "scheduler_fixture.h"

namespace fulcrum::integration {
namespace {

using namespace std::chrono_literals;

constexpr const char* kInjectedError = "disk full (injected by the test)";

// Runs one statement on the database file; the error text when it failed.
std::string execute_sql(const std::string& path, const std::string& sql) {
  sqlite3* database = nullptr;
  sqlite3_open(path.c_str(), &database);
  sqlite3_busy_timeout(database, 5000);
  char* message = nullptr;
  int result = sqlite3_exec(database, sql.c_str(), nullptr, nullptr, &message);
  std::string error = result == SQLITE_OK ? "" : (message != nullptr ? message : "failed");
  sqlite3_free(message);
  sqlite3_close(database);
  return error;
}

void break_store(const std::string& path) {
  ASSERT_EQ(execute_sql(path, std::string("CREATE TRIGGER refuse_writes BEFORE INSERT ON events "
                                          "BEGIN SELECT RAISE(ABORT, '") +
                                  kInjectedError + "'); END"),
            "");
}

void heal_store(const std::string& path) {
  ASSERT_EQ(execute_sql(path, "DROP TRIGGER refuse_writes"), "");
}

std::string message_of(const ApiResponse& response) {
  boost::json::value body = response.json();
  if (!body.is_object() || !body.as_object().contains("error")) return "(no error body)";
  return std::string(body.at("error").at("message").as_string());
}

std::string state_of(const TestScheduler& scheduler, const std::string& task_id) {
  return std::string(scheduler.call("GET", "/v1/tasks/" + task_id).json().at("state").as_string());
}

TEST(SchedulerStoreTest, AFailedWriteIsHeldAndCarriedOutOnceTheStoreWritesAgain) {
  TempDir dir;
  std::filesystem::permissions(dir.path(), std::filesystem::perms::all);
  std::string store = dir.path() + "/s.db";
  std::string section =
      "  cluster: " +
      dir.write_file("cluster.yaml", "nodes:\n  - {id: n1, cpu: 1, memory: 1Gi}\n") +
      "\n  store: {path: " + store + "}\n  executor:\n    type: local\n    log_dir: " + dir.path() +
      "/logs\n    kill_grace: 5s\n" + (geteuid() == 0 ? "    run_as: nobody\n" : "") +
      "  monitor: {interval: 20ms}\n";
  auto scheduler = TestScheduler::start(dir, section);
  ASSERT_TRUE(scheduler) << read_file(dir.path() + "/scheduler.log");
  // `holder` fills the only node until it is stopped; `waiter` can run only after that.
  ApiResponse submitted = scheduler->call("POST", "/v1/tasks", R"({"tasks": [
      {"id": "holder", "cpu": 1,
       "command": "trap 'echo stopped; exit 0' TERM; echo started; while :; do sleep 0.05; done"},
      {"id": "waiter", "cpu": 1, "command": "echo ran"}]})");
  ASSERT_EQ(submitted.status, 201) << submitted.body;
  ASSERT_TRUE(wait_until(
      [&] { return scheduler->call("GET", "/v1/tasks/holder/logs").body == "started\n"; }, 10s));

  break_store(store);
  ApiResponse cancel = scheduler->call("POST", "/v1/tasks/holder/cancel");
  EXPECT_EQ(cancel.status, 503) << cancel.body;
  EXPECT_NE(message_of(cancel).find(kInjectedError), std::string::npos) << cancel.body;
  ApiResponse refused = scheduler->call("POST", "/v1/tasks", R"({"id": "late", "cpu": 1})");
  EXPECT_EQ(refused.status, 503) << refused.body;
  EXPECT_NE(message_of(refused).find(kInjectedError), std::string::npos) << refused.body;
  EXPECT_EQ(scheduler->call("GET", "/v1/tasks/late").status, 404);
  // The stop is held with the write: the holder still runs, so the waiter cannot start.
  EXPECT_EQ(scheduler->call("GET", "/v1/tasks/holder/logs").body, "started\n");
  EXPECT_EQ(scheduler->call("GET", "/v1/tasks/waiter/logs").body, "");

  heal_store(store);
  EXPECT_TRUE(wait_until(
      [&] { return scheduler->call("GET", "/v1/tasks/holder/logs").body == "started\nstopped\n"; },
      10s));
  EXPECT_TRUE(scheduler->wait_task_state("waiter", "succeeded", 10s));
  EXPECT_EQ(scheduler->call("GET", "/v1/tasks/waiter/logs").body, "ran\n");
  EXPECT_EQ(scheduler->call("POST", "/v1/tasks", R"({"id": "after", "cpu": 1})").status, 201);

  // What memory held is on disk: a restart on the same store finds every change.
  scheduler->process().send_signal(SIGTERM);
  scheduler->process().wait_exit(10s);
  auto restarted = TestScheduler::start(dir, section);
  ASSERT_TRUE(restarted) << read_file(dir.path() + "/scheduler.log");
  EXPECT_EQ(state_of(*restarted, "holder"), "cancelled");
  EXPECT_EQ(state_of(*restarted, "waiter"), "succeeded");
  EXPECT_EQ(restarted->call("GET", "/v1/tasks/after").status, 200);
}

}  // namespace
}  // namespace fulcrum::integration
