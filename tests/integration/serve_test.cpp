// `fulcrum serve` as a process: emulated replicas behind the gateway and the scheduler running
// the tasks file, all from one config file, stopped by SIGTERM and restarted on the same store.
#include <gtest/gtest.h>

#include <csignal>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <boost/json.hpp>

#include "http_client.h"
#include "process.h"

namespace fulcrum::integration {
namespace {

const std::string kProfile = std::string(FULCRUM_SOURCE_DIR) + "/tests/data/tiny-emulator.yaml";

constexpr std::string_view kCluster = R"(nodes:
  - {id: n1, cpu: 8, memory: 32Gi, gpus: 2, gpu_model: A100}
  - {id: n2, cpu: 8, memory: 32Gi}
)";

constexpr std::string_view kTasks = R"(tasks:
  - {id: prep, cpu: 2, memory: 4Gi, duration: 10m}
  - {id: train, cpu: 4, memory: 8Gi, gpus: 1, duration: 20m, depends_on: [prep]}
  - {id: report, cpu: 1, memory: 1Gi, duration: 5m, depends_on: [train]}
)";

struct Ports {
  uint16_t gateway = find_free_port();
  uint16_t admin = find_free_port();
  uint16_t scheduler = find_free_port();
};

std::string serve_config(const Ports& ports, std::string_view policy) {
  return "cluster: cluster.yaml\ntasks: tasks.yaml\n"
         "emulators: {profile: " + kProfile + ", replicas: 3, base_port: 0}\n"
         "gateway:\n"
         "  listen: {address: 127.0.0.1, port: " + std::to_string(ports.gateway) + "}\n"
         "  workers: 1\n"
         "  policy: {policy: " + std::string(policy) + "}\n"
         "  admin: {listen: {address: 127.0.0.1, port: " + std::to_string(ports.admin) + "}}\n"
         "scheduler:\n"
         "  listen: {address: 127.0.0.1, port: " + std::to_string(ports.scheduler) + "}\n"
         "  store: {path: scheduler.db}\n"
         "  executor: {type: simulated, speed_factor: 0.0001}\n";  // 20 min -> 120 ms
}

class ServeProcess {
 public:
  ServeProcess(const TempDir& dir, std::string config_path)
      : log_path_(dir.path() + "/serve.log"), config_path_(std::move(config_path)) {}

  // Starts `fulcrum serve` and collects its stdout until it reports running.
  bool start() {
    process_ = ChildProcess::start({FULCRUM_BINARY, "serve", "--config", config_path_}, log_path_);
    if (!process_) return false;
    while (auto line = process_->read_line(20s)) {
      output_ += *line + "\n";
      if (line->find("fulcrum serve: running") != std::string::npos) return true;
    }
    return false;
  }
  ChildProcess& process() { return *process_; }
  std::string output() const { return output_ + "--- stderr ---\n" + read_file(log_path_); }
  std::string log() const { return read_file(log_path_); }

 private:
  std::string log_path_;
  std::string config_path_;
  std::string output_;
  std::unique_ptr<ChildProcess> process_;
};

std::string post(std::string_view path, std::string_view body) {
  return "POST " + std::string(path) +
         " HTTP/1.1\r\nHost: gateway\r\nContent-Type: application/json\r\nContent-Length: " +
         std::to_string(body.size()) + "\r\n\r\n" + std::string(body);
}

std::optional<HttpResponse> one_token_completion(uint16_t port) {
  return fetch_once(port, post("/v1/completions",
                               R"({"model": "tiny-model", "prompt": "hi", "max_tokens": 1})"));
}

std::vector<std::string> event_data(std::string_view body) {
  std::vector<std::string> data;
  size_t at = 0;
  while ((at = body.find("data: ", at)) != std::string_view::npos) {
    size_t end = body.find('\n', at);
    data.emplace_back(body.substr(at + 6, end - at - 6));
    at = end;
  }
  return data;
}

// The state of every task, polled until all have one of the final states or 20 s pass.
std::map<std::string, std::string> wait_for_final_states(uint16_t port) {
  std::map<std::string, std::string> states;
  auto deadline = std::chrono::steady_clock::now() + 20s;
  while (std::chrono::steady_clock::now() < deadline) {
    auto response = fetch_once(port, get_request("/v1/tasks"));
    states.clear();
    bool all_final = response && response->status == 200;
    if (all_final) {
      boost::json::value listing = boost::json::parse(response->body);
      for (const auto& task : listing.at("tasks").as_array()) {
        std::string state(task.at("state").as_string());
        states[std::string(task.at("id").as_string())] = state;
        all_final = all_final && (state == "succeeded" || state == "failed" || state == "cancelled");
      }
    }
    if (all_final && !states.empty()) return states;
    std::this_thread::sleep_for(50ms);
  }
  return states;
}

class ServeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_.write_file("cluster.yaml", std::string(kCluster));
    dir_.write_file("tasks.yaml", std::string(kTasks));
    config_path_ = dir_.write_file("serve.yaml", serve_config(ports_, "least_connections"));
  }
  TempDir dir_;
  Ports ports_;
  std::string config_path_;
};

TEST_F(ServeTest, StreamsTokensThroughTheGatewayAndRunsTheTasks) {
  ServeProcess serve(dir_, config_path_);
  ASSERT_TRUE(serve.start()) << serve.output();
  EXPECT_NE(serve.output().find("scheduler: submitted 3 tasks from"), std::string::npos)
      << serve.output();
  EXPECT_NE(serve.output().find("gateway: listening on 127.0.0.1:" + std::to_string(ports_.gateway) +
                                " (least_connections, 3 backends)"),
            std::string::npos)
      << serve.output();

  // The same prompt whole and streamed: the stream carries the same text, token by token, in
  // order, then [DONE]; the replica that answered is one of the emulators.
  std::string prompt = R"("model": "tiny-model", "prompt": "Tell me about lighthouses", "max_tokens": 7)";
  auto whole = fetch_once(ports_.gateway, post("/v1/completions", "{" + prompt + "}"));
  auto streamed =
      fetch_once(ports_.gateway, post("/v1/completions", "{" + prompt + R"(, "stream": true})"));
  ASSERT_TRUE(whole && streamed) << serve.output();
  ASSERT_EQ(whole->status, 200) << whole->body;
  ASSERT_EQ(streamed->status, 200) << streamed->body;
  EXPECT_EQ(streamed->header("Content-Type"), "text/event-stream");
  EXPECT_EQ(streamed->header("X-Fulcrum-Backend").rfind("emulator-", 0), 0U);
  std::vector<std::string> events = event_data(streamed->body);
  ASSERT_EQ(events.size(), 8U) << streamed->body;
  EXPECT_EQ(events.back(), "[DONE]");
  std::string text;
  for (size_t index = 0; index + 1 < events.size(); ++index) {
    text += boost::json::parse(events[index]).at("choices").at(0).at("text").as_string();
  }
  EXPECT_EQ(text, boost::json::parse(whole->body).at("choices").at(0).at("text").as_string());

  // Requests spread over the three replicas; an unknown model is refused by the gateway itself.
  std::set<std::string> backends;
  for (int i = 0; i < 6; ++i) {
    auto response = one_token_completion(ports_.gateway);
    ASSERT_TRUE(response);
    backends.insert(response->header("X-Fulcrum-Backend"));
  }
  EXPECT_EQ(backends, (std::set<std::string>{"emulator-0", "emulator-1", "emulator-2"}));
  auto unknown = fetch_once(ports_.gateway, post("/v1/completions",
                                                 R"({"model": "other", "prompt": "hi"})"));
  ASSERT_TRUE(unknown);
  EXPECT_EQ(unknown->status, 404);

  // The tasks ran in dependency order on the simulated executor.
  auto states = wait_for_final_states(ports_.scheduler);
  EXPECT_EQ(states, (std::map<std::string, std::string>{
                        {"prep", "succeeded"}, {"report", "succeeded"}, {"train", "succeeded"}}));

  serve.process().send_signal(SIGTERM);
  EXPECT_EQ(serve.process().wait_exit(20s), 0) << serve.output();

  // Restarted on the same store, nothing is submitted twice.
  ServeProcess again(dir_, config_path_);
  ASSERT_TRUE(again.start()) << again.output();
  EXPECT_NE(again.output().find("scheduler: submitted 0 tasks from " + dir_.path() +
                                "/tasks.yaml (3 already in the store)"),
            std::string::npos)
      << again.output();
}

TEST_F(ServeTest, SighupReloadsTheGatewayPolicyAndKeepsTheEmulators) {
  ServeProcess serve(dir_, config_path_);
  ASSERT_TRUE(serve.start()) << serve.output();
  dir_.write_file("serve.yaml", serve_config(ports_, "round_robin"));
  serve.process().send_signal(SIGHUP);
  auto deadline = std::chrono::steady_clock::now() + 10s;
  while (serve.log().find("\"reloaded\"") == std::string::npos &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(20ms);
  }
  EXPECT_NE(serve.log().find("policy least_connections -> round_robin"), std::string::npos)
      << serve.output();
  // Round robin over the same three emulators: three requests, three replicas.
  std::set<std::string> backends;
  for (int i = 0; i < 3; ++i) {
    auto response = one_token_completion(ports_.gateway);
    ASSERT_TRUE(response);
    EXPECT_EQ(response->status, 200);
    backends.insert(response->header("X-Fulcrum-Backend"));
  }
  EXPECT_EQ(backends.size(), 3U);
}

TEST_F(ServeTest, AnEmulatorPortInUseIsReportedAndNothingKeepsRunning) {
  // A second serve on the same file finds the emulator's port taken by the first.
  uint16_t taken = find_free_port();
  TempDir other;
  std::string busy_config = "emulators: {profile: " + kProfile +
                            ", replicas: 1, base_port: " + std::to_string(taken) + "}\n";
  std::string path = other.write_file("a.yaml", busy_config);
  ServeProcess first(other, path);
  ASSERT_TRUE(first.start()) << first.output();
  ServeProcess second(other, path);
  EXPECT_FALSE(second.start());
  EXPECT_EQ(second.process().wait_exit(10s), 1) << second.output();
  EXPECT_NE(second.output().find("error: emulator-0: "), std::string::npos) << second.output();
}

}  // namespace
}  // namespace fulcrum::integration
