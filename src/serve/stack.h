// What `fulcrum serve` runs: emulated model-server replicas, the gateway in front of them and
// the scheduler, each on threads of its own, started in that order and stopped in the reverse.
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <ostream>
#include <thread>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "core/status.h"
#include "serve/serve_config.h"

namespace fulcrum {

class Gateway;
class SchedulerService;
namespace emulator {
class EmulatorServer;
}

class ServeStack {
 public:
  explicit ServeStack(ServeConfig config);
  ~ServeStack();
  ServeStack(const ServeStack&) = delete;
  ServeStack& operator=(const ServeStack&) = delete;

  // Starts the emulators, then the gateway with the emulators added to its backends (named
  // emulator-0, emulator-1, ... and labelled with their model), then the scheduler, to which the
  // tasks file is submitted (tasks its store already holds are skipped). One line per body goes to
  // `out`. On error, what was started is stopped again.
  Status start(std::ostream& out);
  // Blocks until stop(), then shuts down: the gateway stops accepting and lets requests in flight
  // finish (up to `grace`), then the scheduler and the emulators stop.
  void run(std::chrono::milliseconds grace);
  // Thread-safe and callable from a signal handler's thread.
  void stop();
  // Reads the config file again and applies its gateway: section (the emulators stay backends);
  // logs what changed, or why nothing did.
  void reload();

 private:
  void start_threads();
  void shut_down(std::chrono::milliseconds grace);
  GatewayConfig gateway_config_with_emulators(GatewayConfig gateway) const;
  Result<GatewayConfig> read_gateway_again() const;

  ServeConfig config_;
  struct Replica;
  std::vector<std::unique_ptr<Replica>> replicas_;
  std::unique_ptr<Gateway> gateway_;
  boost::asio::io_context scheduler_context_;
  std::unique_ptr<SchedulerService> scheduler_;
  std::vector<std::thread> threads_;
  std::thread gateway_thread_;

  std::mutex mutex_;
  std::condition_variable changed_;
  bool stop_requested_ = false;
  bool gateway_done_ = false;
};

}  // namespace fulcrum
