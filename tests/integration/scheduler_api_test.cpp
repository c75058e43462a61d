// The scheduler end to end: `fulcrum scheduler` driven over its REST API, with the simulated and
// the local executor, checked through the task histories (the event log).
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "core/config.h"
#include "scheduler_fixture.h"

namespace fulcrum::integration {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

const std::string kExamples = std::string(FULCRUM_SOURCE_DIR) + "/examples";

std::string run_as_line() { return geteuid() == 0 ? "    run_as: nobody\n" : ""; }

// The seed task file as a batch submission (the test binary compiles its own Boost.JSON, so it
// builds the body itself rather than through the scheduler's JSON code).
std::string seed_batch() {
  auto tasks = load_tasks_file(kExamples + "/seed-tasks.yaml");
  EXPECT_TRUE(tasks.ok());
  json::array list;
  for (const Task& task : *tasks) {
    json::array depends_on;
    for (const std::string& dependency : task.depends_on) depends_on.emplace_back(dependency);
    list.push_back(json::object{{"id", task.id},
                                {"type", task_type_name(task.type)},
                                {"priority", task.priority},
                                {"duration_ms", task.estimated_duration_ms},
                                {"cpu", format_cpu_millis(task.demand.cpu_millis)},
                                {"memory", task.demand.memory_bytes},
                                {"gpu_milli", task.demand.gpu_milli},
                                {"depends_on", std::move(depends_on)},
                                {"command", task.command}});
  }
  return json::serialize(json::object{{"tasks", std::move(list)}});
}

struct LoggedEvent {
  int64_t seq = 0;
  std::string task;
  std::string node;
  std::string from;
  std::string to;
  std::string reason;
  int64_t attempt = 0;
};

// Every task event from the histories of all tasks, in seq order: the scheduler's event log.
std::vector<LoggedEvent> event_log(const TestScheduler& scheduler) {
  std::vector<LoggedEvent> events;
  json::value tasks = scheduler.call("GET", "/v1/tasks?limit=1000000").json();
  for (const auto& task : tasks.at("tasks").as_array()) {
    std::string id(task.at("id").as_string());
    json::value detail = scheduler.call("GET", "/v1/tasks/" + id).json();
    for (const auto& entry : detail.at("history").as_array()) {
      const json::object& event = entry.as_object();
      LoggedEvent logged;
      logged.seq = event.at("seq").as_int64();
      logged.task = id;
      if (event.contains("node")) logged.node = event.at("node").as_string();
      logged.from = event.at("from").as_string();
      logged.to = event.at("to").as_string();
      logged.reason = event.at("reason").as_string();
      logged.attempt = event.at("attempt").as_int64();
      events.push_back(std::move(logged));
    }
  }
  std::sort(events.begin(), events.end(),
            [](const LoggedEvent& a, const LoggedEvent& b) { return a.seq < b.seq; });
  return events;
}

// A scheduler on the seed cluster with its store in `dir` and the default (simulated) executor.
std::unique_ptr<TestScheduler> start_on_seed(const TempDir& dir, const std::string& extra = {}) {
  return TestScheduler::start(dir, "  cluster: " + kExamples +
                                       "/seed-cluster.yaml\n  store: {path: " + dir.path() +
                                       "/s.db}\n" + extra);
}

std::string error_message(const ApiResponse& response) {
  json::value body = response.json();
  if (!body.is_object() || !body.as_object().contains("error")) return "(no error body)";
  return std::string(body.at("error").at("message").as_string());
}

TEST(SchedulerApiTest, SeedExampleRunsInDependencyOrderAndNeverOverCapacity) {
  TempDir dir;
  auto scheduler = start_on_seed(dir,
                                 "  executor: {type: simulated, speed_factor: 0.0003}\n"
                                 "  monitor: {interval: 20ms}\n");
  ASSERT_TRUE(scheduler) << read_file(dir.path() + "/scheduler.log");
  ApiResponse submitted = scheduler->call("POST", "/v1/tasks", seed_batch());
  ASSERT_EQ(submitted.status, 201) << submitted.body;
  EXPECT_EQ(submitted.json().at("count").as_int64(), 5);
  ASSERT_TRUE(scheduler->wait_all_finished(60s));

  auto seed = load_tasks_file(kExamples + "/seed-tasks.yaml");
  auto cluster = load_cluster_file(kExamples + "/seed-cluster.yaml");
  std::map<std::string, Task> tasks;
  for (const Task& task : *seed) tasks[task.id] = task;
  std::map<std::string, ResourceVector> in_use;
  std::map<std::string, int64_t> started_at;
  std::map<std::string, int64_t> succeeded_at;
  for (const LoggedEvent& event : event_log(*scheduler)) {
    const Task& task = tasks.at(event.task);
    if (event.to == "placed") {
      ResourceVector& node = in_use[event.node];
      node += task.demand;
      const Node& capacity = cluster->node(*cluster->find(event.node));
      EXPECT_TRUE(node.fits_in(capacity.capacity))
          << event.node << " over capacity at seq " << event.seq << ": " << node.to_string();
    }
    bool held = event.from == "placed" || event.from == "running";
    bool holds = event.to == "placed" || event.to == "running";
    if (held && !holds) in_use[event.node] -= task.demand;
    if (event.to == "running") started_at[event.task] = event.seq;
    if (event.to == "succeeded") succeeded_at[event.task] = event.seq;
  }
  ASSERT_EQ(succeeded_at.size(), 5u);
  for (const auto& [id, task] : tasks) {
    for (const std::string& dependency : task.depends_on) {
      EXPECT_LT(succeeded_at.at(dependency), started_at.at(id))
          << id << " started before its dependency " << dependency << " succeeded";
    }
  }
  for (const auto& [node, resources] : in_use) EXPECT_TRUE(resources.is_zero()) << node;
}

TEST(SchedulerApiTest, EventsStreamReplaysTheLogAsServerSentEvents) {
  TempDir dir;
  auto scheduler = start_on_seed(dir);
  ASSERT_TRUE(scheduler);
  ASSERT_EQ(scheduler->call("POST", "/v1/tasks", R"({"id": "solo", "cpu": 1})").status, 201);
  auto stream = RawConnection::open(scheduler->port());
  ASSERT_TRUE(stream);
  ASSERT_TRUE(stream->send(get_request("/v1/events?after=0")));
  ASSERT_TRUE(stream->read_until_contains(R"("task":"solo")"));
  EXPECT_NE(stream->received().find("text/event-stream"), std::string::npos);
  EXPECT_NE(stream->received().find("event: node\n"), std::string::npos);
  EXPECT_NE(stream->received().find("id: 1\n"), std::string::npos);
  EXPECT_NE(stream->received().find(R"("to":"pending","reason":"submitted")"), std::string::npos);
  // A new event arrives on the open stream.
  ASSERT_EQ(scheduler->call("POST", "/v1/tasks/solo/cancel").status, 200);
  EXPECT_TRUE(stream->read_until_contains(R"("reason":"cancelled through the API")"));
}

TEST(SchedulerApiTest, TasksOnAFailedNodeRerunElsewhereAndFinish) {
  TempDir dir;
  std::string cluster = dir.write_file("cluster.yaml", R"(nodes:
  - {id: n1, cpu: 4, memory: 8Gi}
  - {id: n2, cpu: 4, memory: 8Gi}
)");
  auto scheduler =
      TestScheduler::start(dir, "  cluster: " + cluster + "\n  store: {path: " + dir.path() +
                                    "/s.db}\n  executor: {type: simulated, speed_factor: 1}\n"
                                    "  monitor: {interval: 20ms}\n");
  ASSERT_TRUE(scheduler);
  // Each task takes a whole node; "long" runs long enough to be caught by the failure.
  ApiResponse submitted = scheduler->call("POST", "/v1/tasks",
                                          R"({"tasks": [{"id": "long", "cpu": 4, "duration": "3s"},
                    {"id": "short", "cpu": 4, "duration": "100ms"}]})");
  ASSERT_EQ(submitted.status, 201) << submitted.body;
  ASSERT_TRUE(scheduler->wait_task_state("long", "running", 10s));
  std::string node = std::string(scheduler->call("GET", "/v1/tasks/long")
                                     .json()
                                     .at("assignments")
                                     .at(0)
                                     .at("node")
                                     .as_string());
  ApiResponse failed = scheduler->call("POST", "/v1/nodes/" + node + "/fail");
  ASSERT_EQ(failed.status, 200) << failed.body;
  EXPECT_EQ(failed.json().at("state").as_string(), "down");
  ASSERT_TRUE(scheduler->wait_all_finished(30s));
  json::value detail = scheduler->call("GET", "/v1/tasks/long").json();
  EXPECT_EQ(detail.at("state").as_string(), "succeeded");
  EXPECT_EQ(detail.at("attempt").as_int64(), 2);
  std::string requeue_reason = "node " + node + " down: marked failed through the API";
  std::string rerun_node;
  bool requeued = false;
  for (const auto& event : detail.at("history").as_array()) {
    if (event.at("reason").as_string() == requeue_reason) requeued = true;
    if (event.at("to").as_string() == "placed") rerun_node = event.at("node").as_string();
  }
  EXPECT_TRUE(requeued);
  EXPECT_NE(rerun_node, node);
  EXPECT_EQ(scheduler->call("GET", "/v1/tasks/short").json().at("state").as_string(), "succeeded");
}

TEST(SchedulerApiTest, LocalExecutorRunsCommandsWithEnvLogsAndExitCodes) {
  TempDir dir;
  std::filesystem::permissions(dir.path(), std::filesystem::perms::all);
  auto scheduler = start_on_seed(dir, "  executor:\n    type: local\n    log_dir: " + dir.path() +
                                          "/logs\n    kill_grace: 200ms\n" + run_as_line() +
                                          "  monitor: {interval: 20ms}\n");
  ASSERT_TRUE(scheduler);
  ApiResponse submitted = scheduler->call("POST", "/v1/tasks", R"({"tasks": [
      {"id": "env", "cpu": 1, "memory": "1Gi", "gpus": 2, "gpu_model": "A100",
       "command": "echo task=$FULCRUM_TASK_ID node=$FULCRUM_NODE gpus=$CUDA_VISIBLE_DEVICES; echo warn >&2"},
      {"id": "exit3", "cpu": 1, "memory": "1Gi", "command": "exit 3", "max_attempts": 2},
      {"id": "after", "cpu": 1, "memory": "1Gi", "command": "true", "depends_on": ["exit3"]},
      {"id": "sleeper", "cpu": 1, "memory": "1Gi", "command": "sleep 60"}]})");
  ASSERT_EQ(submitted.status, 201) << submitted.body;
  ASSERT_TRUE(scheduler->wait_task_state("sleeper", "running", 10s));
  ApiResponse cancelled = scheduler->call("DELETE", "/v1/tasks/sleeper");
  EXPECT_EQ(cancelled.status, 200);
  ASSERT_TRUE(scheduler->wait_all_finished(30s));

  json::value env = scheduler->call("GET", "/v1/tasks/env").json();
  EXPECT_EQ(env.at("state").as_string(), "succeeded");
  EXPECT_EQ(env.at("exit_code").as_int64(), 0);
  ApiResponse out = scheduler->call("GET", "/v1/tasks/env/logs");
  EXPECT_EQ(out.status, 200);
  EXPECT_EQ(out.body, "task=env node=gpu-a100 gpus=0,1\n");
  EXPECT_EQ(scheduler->call("GET", "/v1/tasks/env/logs?stream=stderr").body, "warn\n");

  json::value failed = scheduler->call("GET", "/v1/tasks/exit3").json();
  EXPECT_EQ(failed.at("state").as_string(), "failed");
  EXPECT_EQ(failed.at("exit_code").as_int64(), 3);
  EXPECT_EQ(failed.at("attempt").as_int64(), 2);
  EXPECT_EQ(failed.at("reason").as_string(), "exit code 3; no attempts left (2)");
  json::value after = scheduler->call("GET", "/v1/tasks/after").json();
  EXPECT_EQ(after.at("state").as_string(), "cancelled");
  EXPECT_EQ(after.at("reason").as_string(), "dependency exit3 failed");
  EXPECT_EQ(scheduler->call("GET", "/v1/tasks/sleeper").json().at("state").as_string(),
            "cancelled");
}

TEST(SchedulerApiTest, BadInputGetsTheRightStatusAndNamesTheProblem) {
  TempDir dir;
  auto scheduler = start_on_seed(dir);
  ASSERT_TRUE(scheduler);
  ASSERT_EQ(scheduler->call("POST", "/v1/tasks", R"({"id": "T1", "cpu": 1})").status, 201);
  struct Case {
    std::string body;
    int status;
    std::string message;
  };
  std::vector<Case> cases = {
      {R"({"tasks": [{"id": "a", "cpu": 1},)", 400,
       "the request body is not valid JSON: incomplete JSON at byte 33"},
      {R"({"tasks": [{"id": "a"}, {"id": 7}]})", 400, "tasks[1].id: expected a string, got 7"},
      {R"({"id": "a", "cpu": -2})", 422, "cpu: expected a non-negative amount, got -2"},
      {R"({"id": "a", "memory": "many"})", 422,
       "memory: expected a memory size such as 8Gi, 512Mi or 1073741824, got \"many\""},
      {R"({"id": "a", "gpus": 8, "gpu_model": "H100"})", 422,
       "tasks[0]: unschedulable: needs 8 GPUs of model H100, largest node has 2 A100"},
      {R"({"tasks": [{"id": "a", "depends_on": ["c"]}, {"id": "b", "depends_on": ["a"]},
                     {"id": "c", "depends_on": ["b"]}]})",
       422, "dependency cycle: a -> c -> b -> a"},
      {R"({"id": "a", "depends_on": ["ghost"]})", 422,
       "tasks[0].depends_on: unknown task \"ghost\""},
      {R"({"id": "T1"})", 409, "tasks[0].id: task \"T1\" exists already"},
  };
  for (const Case& c : cases) {
    ApiResponse response = scheduler->call("POST", "/v1/tasks", c.body);
    EXPECT_EQ(response.status, c.status) << c.body << " -> " << response.body;
    EXPECT_EQ(error_message(response), c.message) << c.body;
  }
  std::string huge =
      R"({"id": "big", "command": ")" + std::string(std::size_t{1} << 20, 'x') + "\"}";
  EXPECT_EQ(scheduler->call("POST", "/v1/tasks", huge).status, 413);
  ApiResponse unknown = scheduler->call("GET", "/v1/tasks/nope");
  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(error_message(unknown), "no task named \"nope\"");
  EXPECT_EQ(scheduler->call("POST", "/v1/tasks/nope/cancel").status, 404);
  EXPECT_EQ(scheduler->call("GET", "/v1/tasks/nope/logs").status, 404);
  EXPECT_EQ(scheduler->call("POST", "/v1/nodes/nope/cordon").status, 404);
  EXPECT_EQ(scheduler->call("GET", "/v1/tasks?state=sleeping").status, 400);
  // Nothing refused was stored.
  EXPECT_EQ(scheduler->call("GET", "/v1/tasks").json().at("count").as_int64(), 1);
}

TEST(SchedulerApiTest, NodesCanBeRegisteredListedCordonedDrainedAndRemoved) {
  TempDir dir;
  auto scheduler = TestScheduler::start(dir, "  store: {path: " + dir.path() + "/s.db}\n");
  ASSERT_TRUE(scheduler);
  ApiResponse registered =
      scheduler->call("POST", "/v1/nodes",
                      R"({"id": "g1", "cpu": 16, "memory": "64Gi", "gpus": 2, "gpu_model": "L4"})");
  ASSERT_EQ(registered.status, 201) << registered.body;
  EXPECT_EQ(registered.json().at("state").as_string(), "up");
  EXPECT_EQ(scheduler->call("POST", "/v1/nodes", R"({"id": "g1", "cpu": 1})").status, 409);
  EXPECT_EQ(scheduler->call("POST", "/v1/nodes", R"({"id": "x", "cpu": -1})").status, 422);
  EXPECT_EQ(scheduler->call("POST", "/v1/nodes/g1/cordon").json().at("state").as_string(),
            "cordoned");
  EXPECT_EQ(scheduler->call("POST", "/v1/nodes/g1/uncordon").json().at("state").as_string(), "up");
  ApiResponse beat = scheduler->call("POST", "/v1/nodes/g1/heartbeat",
                                     R"({"utilization": {"cpu": 0.5, "gpu": 1}})");
  ASSERT_EQ(beat.status, 200) << beat.body;
  EXPECT_EQ(beat.json().at("utilization").at("cpu").as_double(), 0.5);
  EXPECT_EQ(
      scheduler->call("POST", "/v1/nodes/g1/heartbeat", R"({"utilization": {"cpu": 2}})").status,
      422);
  EXPECT_EQ(scheduler->call("POST", "/v1/nodes/g1/drain").json().at("state").as_string(),
            "draining");
  EXPECT_EQ(scheduler->call("GET", "/v1/nodes").json().at("nodes").as_array().size(), 1u);
  EXPECT_EQ(scheduler->call("DELETE", "/v1/nodes/g1").status, 200);
  EXPECT_EQ(scheduler->call("GET", "/v1/nodes/g1").status, 404);
  std::string metrics = scheduler->call("GET", "/metrics").body;
  EXPECT_NE(metrics.find("fulcrum_scheduler_nodes{state=\"up\"} 0\n"), std::string::npos);
}

TEST(SchedulerApiTest, ListFiltersByStateTypePriorityAndNode) {
  TempDir dir;
  auto scheduler = start_on_seed(dir, "  monitor: {interval: 20ms}\n");
  ASSERT_TRUE(scheduler);
  ASSERT_EQ(scheduler
                ->call("POST", "/v1/tasks", R"({"tasks": [
      {"id": "train", "type": "training", "priority": 7, "cpu": 1, "gpus": 1, "duration": "1h"},
      {"id": "infer", "type": "inference", "priority": 2, "cpu": 1, "duration": "1h"},
      {"id": "later", "type": "data", "priority": 2, "cpu": 1, "depends_on": ["train"]}]})")
                .status,
            201);
  ASSERT_TRUE(scheduler->wait_task_state("train", "running", 10s));
  auto ids = [&](const std::string& query) {
    std::vector<std::string> found;
    json::value listed = scheduler->call("GET", "/v1/tasks?" + query).json();
    for (const auto& task : listed.at("tasks").as_array()) {
      found.emplace_back(task.at("id").as_string());
    }
    return found;
  };
  EXPECT_EQ(ids("state=waiting"), std::vector<std::string>{"later"});
  EXPECT_EQ(ids("type=inference"), std::vector<std::string>{"infer"});
  EXPECT_EQ(ids("priority=2"), (std::vector<std::string>{"infer", "later"}));
  std::string node(scheduler->call("GET", "/v1/tasks/train")
                       .json()
                       .at("assignments")
                       .at(0)
                       .at("node")
                       .as_string());
  EXPECT_EQ(ids("node=" + node), std::vector<std::string>{"train"});
}

TEST(SchedulerApiTest, ClientCommandsSubmitListAndCancel) {
  TempDir dir;
  auto scheduler = start_on_seed(dir);
  ASSERT_TRUE(scheduler);
  std::string address = "127.0.0.1:" + std::to_string(scheduler->port());
  auto run = [&](std::vector<std::string> arguments, std::vector<std::string>& lines) {
    arguments.insert(arguments.begin(), FULCRUM_BINARY);
    arguments.insert(arguments.end(), {"--address", address});
    auto process = ChildProcess::start(arguments, dir.path() + "/client.log");
    while (auto line = process->read_line(10s)) lines.push_back(*line);
    return process->wait_exit(10s);
  };
  std::vector<std::string> submitted;
  EXPECT_EQ(run({"submit", kExamples + "/seed-tasks.yaml"}, submitted), 0);
  ASSERT_EQ(submitted.size(), 6u);
  EXPECT_EQ(submitted[0], "TASK  STATE");
  EXPECT_EQ(submitted[1], "T1    waiting");
  EXPECT_EQ(submitted[2], "T2    queued");
  std::vector<std::string> listed;
  EXPECT_EQ(run({"tasks", "--state", "waiting"}, listed), 0);
  ASSERT_EQ(listed.size(), 4u);  // header, T1, T3, T5
  EXPECT_EQ(listed[1].substr(0, 2), "T1");
  std::vector<std::string> cancelled;
  EXPECT_EQ(run({"cancel", "T5"}, cancelled), 0);
  EXPECT_EQ(cancelled, std::vector<std::string>{"T5: cancelled (cancelled through the API)"});
  std::vector<std::string> unknown;
  EXPECT_EQ(run({"cancel", "ghost"}, unknown), 2);
  EXPECT_NE(read_file(dir.path() + "/client.log").find("error: 404: no task named \"ghost\""),
            std::string::npos);
}

// A node's power and a task's speed come in through the API and through `fulcrum submit`, and a
// restart on the same store still has them.
TEST(SchedulerApiTest, NodePowerAndTaskSpeedAreAcceptedAndSurviveARestart) {
  TempDir dir;
  std::string section = "  store: {path: " + dir.path() + "/s.db}\n";
  auto scheduler = TestScheduler::start(dir, section);
  ASSERT_TRUE(scheduler);
  ApiResponse node = scheduler->call("POST", "/v1/nodes", R"({"id": "g1", "cpu": 8,
      "memory": "16Gi", "gpus": 2, "gpu_model": "A100",
      "power": {"idle_watts": 100, "peak_watts": 700}})");
  ASSERT_EQ(node.status, 201) << node.body;
  ApiResponse task = scheduler->call("POST", "/v1/tasks", R"({"id": "by-api", "cpu": 1,
      "gpus": 1, "duration": "1h", "speed": {"A100": 2}})");
  ASSERT_EQ(task.status, 201) << task.body;
  std::string file = dir.write_file(
      "tasks.yaml",
      "tasks:\n  - {id: by-file, cpu: 1, duration: 1h, speed: {A100: 3, cpu: 0.5}}\n");
  auto client = ChildProcess::start({FULCRUM_BINARY, "submit", file, "--address",
                                     "127.0.0.1:" + std::to_string(scheduler->port())},
                                    dir.path() + "/client.log");
  ASSERT_EQ(client->wait_exit(10s), 0) << read_file(dir.path() + "/client.log");

  scheduler->process().send_signal(SIGTERM);
  scheduler->process().wait_exit(10s);
  auto restarted = TestScheduler::start(dir, section);
  ASSERT_TRUE(restarted);
  json::value power = restarted->call("GET", "/v1/nodes/g1").json().at("power");
  EXPECT_EQ(power.at("idle_watts").to_number<double>(), 100);
  EXPECT_EQ(power.at("peak_watts").to_number<double>(), 700);
  json::value api_speed = restarted->call("GET", "/v1/tasks/by-api").json().at("speed");
  EXPECT_EQ(api_speed.at("A100").to_number<double>(), 2);
  json::value file_speed = restarted->call("GET", "/v1/tasks/by-file").json().at("speed");
  EXPECT_EQ(file_speed.at("A100").to_number<double>(), 3);
  EXPECT_EQ(file_speed.at("cpu").to_number<double>(), 0.5);
}

}  // namespace
}  // namespace fulcrum::integration
