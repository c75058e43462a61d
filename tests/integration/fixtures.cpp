#include "fixtures.h"

#include <signal.h>

#include <charconv>
#include <chrono>
#include <iostream>
#include <thread>

#include "http_client.h"

namespace fulcrum::integration {

namespace {

using namespace std::chrono_literals;

constexpr auto kStartTimeout = 5s;
constexpr int kGatewayStartAttempts = 3;
constexpr std::string_view kListeningPrefix = "listening on ";

uint64_t number_after(std::string_view text, std::string_view label) {
  size_t at = text.find(label);
  if (at == std::string_view::npos) return 0;
  text.remove_prefix(at + label.size());
  uint64_t value = 0;
  std::from_chars(text.data(), text.data() + text.size(), value);
  return value;
}

}  // namespace

bool eventually(const std::function<bool()>& condition, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(10ms);
  }
  return condition();
}

bool TestEmulator::start(const std::vector<std::string>& extra_arguments) {
  const std::string profile = std::string(FULCRUM_SOURCE_DIR) + "/tests/data/tiny-emulator.yaml";
  log_path_ = dir_.write_file("emulate.log", "");
  port_ = find_free_port();
  std::vector<std::string> arguments = {FULCRUM_BINARY,        "emulate",   "--port",
                                        std::to_string(port_), "--profile", profile};
  arguments.insert(arguments.end(), extra_arguments.begin(), extra_arguments.end());
  process_ = ChildProcess::start(arguments, log_path_);
  if (!process_) return false;
  auto deadline = std::chrono::steady_clock::now() + 10s;
  while (std::chrono::steady_clock::now() < deadline) {
    if (read_file(log_path_).find("listening on") != std::string::npos) return true;
    if (!process_->running()) return false;
    std::this_thread::sleep_for(5ms);
  }
  return false;
}

std::string post_request(std::string_view path, std::string_view body,
                         std::string_view extra_fields) {
  return "POST " + std::string(path) +
         " HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n" +
         std::string(extra_fields) + "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" +
         std::string(body);
}

std::vector<std::string> event_data(std::string_view body) {
  std::vector<std::string> data;
  std::size_t at = 0;
  while ((at = body.find("data: ", at)) != std::string_view::npos) {
    std::size_t end = body.find('\n', at);
    data.emplace_back(body.substr(at + 6, end - at - 6));
    at = end;
  }
  return data;
}

std::unique_ptr<ChildProcess> TestBackend::spawn(const std::string& name, uint16_t port,
                                                 const std::vector<std::string>& extra_arguments,
                                                 uint16_t& bound_port) {
  std::vector<std::string> arguments = {FULCRUM_TEST_BACKEND_BINARY, "--port", std::to_string(port),
                                        "--name", name};
  arguments.insert(arguments.end(), extra_arguments.begin(), extra_arguments.end());
  auto process = ChildProcess::start(arguments);
  if (!process) return nullptr;
  std::optional<std::string> line = process->read_line(kStartTimeout);
  if (!line || !line->starts_with(kListeningPrefix)) return nullptr;
  bound_port = static_cast<uint16_t>(number_after(*line, kListeningPrefix));
  return process;
}

std::unique_ptr<TestBackend> TestBackend::start(const std::string& name, uint16_t port,
                                                std::vector<std::string> extra_arguments) {
  uint16_t bound_port = 0;
  auto process = spawn(name, port, extra_arguments, bound_port);
  if (!process || bound_port == 0) return nullptr;
  return std::make_unique<TestBackend>(name, bound_port, std::move(extra_arguments),
                                       std::move(process));
}

void TestBackend::kill() { process_->kill_now(); }

bool TestBackend::restart() {
  process_->kill_now();
  uint16_t bound_port = 0;
  auto process = spawn(name_, port_, extra_arguments_, bound_port);
  if (!process || bound_port != port_) return false;
  process_ = std::move(process);
  return true;
}

std::optional<TestBackend::Stats> TestBackend::stats() const {
  auto response = fetch_once(port_, get_request("/stats"));
  if (!response || response->status != 200) return std::nullopt;
  return Stats{
      number_after(response->body, "requests "), number_after(response->body, "connections "),
      number_after(response->body, "health_checks "), number_after(response->body, "idle_closes ")};
}

bool TestBackend::set_health(int status) const {
  auto response = fetch_once(port_, get_request("/set-health/" + std::to_string(status)));
  return response && response->status == 200;
}

BackendEntry entry(const TestBackend& backend, uint32_t weight) {
  return {backend.name(), backend.port(), weight, ""};
}

std::map<std::string, int> tally_backends(uint16_t port, int requests) {
  std::map<std::string, int> counts;
  for (int i = 0; i < requests; ++i) {
    std::optional<HttpResponse> response = fetch_once(port, get_request("/"));
    std::string key = !response                 ? "no response"
                      : response->status == 200 ? response->header("X-Fulcrum-Backend")
                                                : "status " + std::to_string(response->status);
    ++counts[key];
  }
  return counts;
}

std::optional<double> metric_value(const std::string& exposition, const std::string& series) {
  size_t at = 0;
  for (;;) {
    at = exposition.find(series + " ", at);
    if (at == std::string::npos) return std::nullopt;
    if (at == 0 || exposition[at - 1] == '\n') break;
    at += series.size();
  }
  size_t value_start = at + series.size() + 1;
  return std::stod(exposition.substr(value_start, exposition.find('\n', value_start)));
}

std::unique_ptr<TestGateway> TestGateway::start(const std::vector<BackendEntry>& backends,
                                                const std::string& settings) {
  auto gateway = std::make_unique<TestGateway>();
  // A port found free may be taken by another test before the gateway binds it: try again.
  for (int attempt = 0; attempt < kGatewayStartAttempts; ++attempt) {
    if (gateway->launch(backends, settings)) return gateway;
    if (gateway->log().find("cannot listen") == std::string::npos) break;
  }
  std::cerr << "the gateway did not start; config:\n"
            << gateway->config_text() << "log:\n"
            << gateway->log();
  return nullptr;
}

bool TestGateway::launch(const std::vector<BackendEntry>& backends, const std::string& settings) {
  port_ = find_free_port();
  std::string config_path = write_config(backends, settings);
  log_path_ = dir_.path() + "/gateway.log";
  dir_.write_file("gateway.log", "");
  process_ = ChildProcess::start({FULCRUM_BINARY, "gateway", "--config", config_path}, log_path_);
  if (!process_) return false;
  const auto deadline = std::chrono::steady_clock::now() + kStartTimeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (log().find("gateway listening on") != std::string::npos) return true;
    if (!process_->running()) return false;
    std::this_thread::sleep_for(5ms);
  }
  return false;
}

std::string TestGateway::write_config(const std::vector<BackendEntry>& backends,
                                      const std::string& settings) {
  config_text_ = "gateway:\n  listen: 127.0.0.1:" + std::to_string(port_) + "\n  backends:";
  config_text_ += backends.empty() ? " []\n" : "\n";
  for (const BackendEntry& backend : backends) {
    config_text_ += "    - {name: " + backend.name +
                    ", url: http://127.0.0.1:" + std::to_string(backend.port) +
                    ", weight: " + std::to_string(backend.weight) +
                    (backend.labels.empty() ? "" : ", labels: " + backend.labels) + "}\n";
  }
  config_text_ += settings;
  return dir_.write_file("gateway.yaml", config_text_);
}

std::string TestGateway::reload(const std::vector<BackendEntry>& backends,
                                const std::string& settings) {
  auto count = [this](std::string_view event) {
    const std::string text = log();
    const std::string needle = "\"event\":\"" + std::string(event) + "\"";
    size_t found = 0;
    for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) {
      ++found;
    }
    return found;
  };
  const size_t reloaded_before = count("reloaded");
  const size_t rejected_before = count("reload_rejected");
  write_config(backends, settings);
  process_->send_signal(SIGHUP);
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (std::chrono::steady_clock::now() < deadline) {
    if (count("reloaded") > reloaded_before) return "reloaded";
    if (count("reload_rejected") > rejected_before) return "reload_rejected";
    std::this_thread::sleep_for(5ms);
  }
  return "";
}

std::string TestGateway::log() const { return read_file(log_path_); }

}  // namespace fulcrum::integration
