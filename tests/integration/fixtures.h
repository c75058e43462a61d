// The processes an integration test runs: test backends and a gateway in front of them.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "process.h"

namespace fulcrum::integration {

// A fulcrum_test_backend process on 127.0.0.1.
class TestBackend {
 public:
  struct Stats {
    uint64_t requests = 0;
    uint64_t connections = 0;
    uint64_t health_checks = 0;  // GET /health requests (not counted in `requests`)
    uint64_t idle_closes = 0;    // keep-alive connections it closed after --idle-timeout-ms
  };

  // Starts a backend answering as `name`; port 0 lets it pick one. `extra_arguments` go to its
  // command line (e.g. --idle-timeout-ms 200). nullptr when it failed.
  static std::unique_ptr<TestBackend> start(const std::string& name, uint16_t port = 0,
                                            std::vector<std::string> extra_arguments = {});
  TestBackend(std::string name, uint16_t port, std::vector<std::string> extra_arguments,
              std::unique_ptr<ChildProcess> process)
      : name_(std::move(name)),
        port_(port),
        extra_arguments_(std::move(extra_arguments)),
        process_(std::move(process)) {}

  const std::string& name() const { return name_; }
  uint16_t port() const { return port_; }
  pid_t pid() const { return process_->pid(); }
  // SIGKILL: the backend dies as a crashed server does, without closing anything gracefully.
  void kill();
  // Starts it again on the same port; false when that failed.
  bool restart();
  // What its /stats endpoint says (asked directly, not through the gateway).
  std::optional<Stats> stats() const;
  // Makes its /health answer `status` from now on; false when the backend did not answer.
  bool set_health(int status) const;

 private:
  static std::unique_ptr<ChildProcess> spawn(const std::string& name, uint16_t port,
                                             const std::vector<std::string>& extra_arguments,
                                             uint16_t& bound_port);

  std::string name_;
  uint16_t port_;
  std::vector<std::string> extra_arguments_;
  std::unique_ptr<ChildProcess> process_;
};

// Polls `condition` every 10 ms until it holds or `timeout` has passed; whether it held. Tests wait
// for timers (ejections, parking, idle closes) this way, never with a fixed sleep.
bool eventually(const std::function<bool()>& condition,
                std::chrono::milliseconds timeout = std::chrono::seconds(5));

// One entry of the gateway's backends: list.
struct BackendEntry {
  std::string name;
  uint16_t port = 0;
  uint32_t weight = 1;
  std::string labels;  // a YAML map such as "{model: qwen}", or empty
};

BackendEntry entry(const TestBackend& backend, uint32_t weight = 1);

// Which backend (X-Fulcrum-Backend) answered each of `requests` GETs of /, each on a new
// connection; "status N" for anything but 200, "no response" when none came.
std::map<std::string, int> tally_backends(uint16_t port, int requests);

// The value of one series (name with its labels, as printed) in a Prometheus exposition.
std::optional<double> metric_value(const std::string& exposition, const std::string& series);

// `fulcrum emulate` on a free port with tests/data/tiny-emulator.yaml, whose steps take well under
// a millisecond (block_size 4, so that short prompts are cacheable; model "tiny-model").
class TestEmulator {
 public:
  // Waits for it to listen; false when it did not start. `extra_arguments` go to its command line
  // (e.g. --speed 0.01 for steps a hundred times slower).
  bool start(const std::vector<std::string>& extra_arguments = {});
  uint16_t port() const { return port_; }
  std::string log() const { return read_file(log_path_); }
  ChildProcess& process() { return *process_; }

 private:
  TempDir dir_;
  std::string log_path_;
  uint16_t port_ = 0;
  std::unique_ptr<ChildProcess> process_;
};

// "POST path" with a JSON body and its Content-Length.
std::string post_request(std::string_view path, std::string_view body,
                         std::string_view extra_fields = {});

// The data: payloads of an event-stream body, in order.
std::vector<std::string> event_data(std::string_view body);

// `fulcrum gateway` with a config written to its own temp dir and a free listen port.
class TestGateway {
 public:
  // `settings` are the lines of the gateway: section after listen and backends, each indented
  // by two spaces (e.g. "  workers: 1\n"). nullptr when it did not start; log() says why.
  static std::unique_ptr<TestGateway> start(const std::vector<BackendEntry>& backends,
                                            const std::string& settings);

  uint16_t port() const { return port_; }
  ChildProcess& process() { return *process_; }
  const std::string& dir() const { return dir_.path(); }
  // Rewrites the config file (same listen port) and sends SIGHUP; returns the event the gateway
  // logged in answer ("reloaded" or "reload_rejected"), or "" when it logged none within 5 s.
  std::string reload(const std::vector<BackendEntry>& backends, const std::string& settings);
  std::string log() const;
  std::string config_text() const { return config_text_; }

 private:
  bool launch(const std::vector<BackendEntry>& backends, const std::string& settings);
  std::string write_config(const std::vector<BackendEntry>& backends, const std::string& settings);

  TempDir dir_;
  uint16_t port_ = 0;
  std::string config_text_;
  std::string log_path_;
  std::unique_ptr<ChildProcess> process_;
};

}  // namespace fulcrum::integration
