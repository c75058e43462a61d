// `fulcrum scheduler` for integration tests: a config in its own temp dir, a free port, and a
// small JSON client for its API.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <boost/json.hpp>

#include "http_client.h"
#include "process.h"

namespace fulcrum::integration {

struct ApiResponse {
  int status = 0;  // 0 when no response came
  std::string body;
  std::string www_authenticate;  // the WWW-Authenticate field, "" when absent
  boost::json::value json() const;
};

// One request on a new connection; `token` empty sends no Authorization field.
ApiResponse api_call(uint16_t port, std::string_view method, std::string_view path,
                     std::string_view body = {}, std::string_view token = {});

// Polls `done` until it returns true or `timeout` passes; returns its last answer.
bool wait_until(const std::function<bool()>& done, std::chrono::milliseconds timeout);

class TestScheduler {
 public:
  // Writes `scheduler_section` (the lines under `scheduler:`, indented by two spaces, without
  // listen:) to a config in `dir` and starts the scheduler on a free port. nullptr when it did
  // not start; `log` then says why.
  static std::unique_ptr<TestScheduler> start(const TempDir& dir,
                                              const std::string& scheduler_section,
                                              std::string* log = nullptr);

  uint16_t port() const { return port_; }
  ChildProcess& process() { return *process_; }
  ApiResponse call(std::string_view method, std::string_view path, std::string_view body = {},
                   std::string_view token = {}) const {
    return api_call(port_, method, path, body, token);
  }
  // Polls GET /v1/tasks until every task is in a final state; false after `timeout`.
  bool wait_all_finished(std::chrono::milliseconds timeout, std::string_view token = {}) const;
  // Polls until the task reaches `state`; false after `timeout`.
  bool wait_task_state(const std::string& task_id, std::string_view state,
                       std::chrono::milliseconds timeout) const;

 private:
  uint16_t port_ = 0;
  std::unique_ptr<ChildProcess> process_;
};

}  // namespace fulcrum::integration
