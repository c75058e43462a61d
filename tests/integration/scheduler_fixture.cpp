#include "scheduler_fixture.h"

#include <charconv>
#include <thread>

namespace fulcrum::integration {

namespace {

using namespace std::chrono_literals;

constexpr std::string_view kListening = "listening on 127.0.0.1:";

bool is_final(std::string_view state) {
  return state == "succeeded" || state == "failed" || state == "cancelled";
}

}  // namespace

bool wait_until(const std::function<bool()>& done, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(10ms);
  }
  return done();
}

boost::json::value ApiResponse::json() const {
  boost::system::error_code error;
  boost::json::value value = boost::json::parse(body, error);
  return error ? boost::json::value() : value;
}

ApiResponse api_call(uint16_t port, std::string_view method, std::string_view path,
                     std::string_view body, std::string_view token) {
  std::string request =
      std::string(method) + " " + std::string(path) + " HTTP/1.1\r\nHost: scheduler\r\n";
  if (!token.empty()) request += "Authorization: Bearer " + std::string(token) + "\r\n";
  if (!body.empty() || method == "POST" || method == "PUT") {
    request +=
        "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
  }
  request += "\r\n";
  request += body;
  std::optional<HttpResponse> response = fetch_once(port, request, 30s);
  if (!response) return {};
  return {response->status, response->body, response->header("WWW-Authenticate")};
}

std::unique_ptr<TestScheduler> TestScheduler::start(const TempDir& dir,
                                                    const std::string& scheduler_section,
                                                    std::string* log) {
  std::string config =
      dir.write_file("scheduler.yaml",
                     "scheduler:\n  listen: {address: 127.0.0.1, port: 0}\n" + scheduler_section);
  std::string log_path = dir.path() + "/scheduler.log";
  auto process = ChildProcess::start({FULCRUM_BINARY, "scheduler", "--config", config}, log_path);
  if (!process) return nullptr;
  std::optional<std::string> line = process->read_line(10s);
  size_t at = line ? line->find(kListening) : std::string::npos;
  if (at == std::string::npos) {
    if (log != nullptr) *log = read_file(log_path);
    return nullptr;
  }
  auto scheduler = std::make_unique<TestScheduler>();
  std::string_view rest = std::string_view(*line).substr(at + kListening.size());
  std::from_chars(rest.data(), rest.data() + rest.size(), scheduler->port_);
  scheduler->process_ = std::move(process);
  return scheduler;
}

bool TestScheduler::wait_all_finished(std::chrono::milliseconds timeout,
                                      std::string_view token) const {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    ApiResponse response = call("GET", "/v1/tasks?limit=1000000", {}, token);
    if (response.status != 200) return false;
    bool all_final = true;
    boost::json::value listed = response.json();
    for (const auto& task : listed.at("tasks").as_array()) {
      all_final = all_final && is_final(task.at("state").as_string());
    }
    if (all_final) return true;
    std::this_thread::sleep_for(50ms);
  }
  return false;
}

bool TestScheduler::wait_task_state(const std::string& task_id, std::string_view state,
                                    std::chrono::milliseconds timeout) const {
  return wait_until(
      [&] {
        ApiResponse response = call("GET", "/v1/tasks/" + task_id);
        return response.status == 200 && response.json().at("state").as_string() == state;
      },
      timeout);
}

}  // namespace fulcrum::integration
