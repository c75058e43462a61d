// `fulcrum gateway --config FILE`: the HTTP reverse proxy in front of model-server replicas.
#include <csignal>
#include <functional>
#include <iostream>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include "cli/commands.h"
#include "gateway/gateway.h"

namespace fulcrum {

namespace {

constexpr auto kShutdownGrace = std::chrono::seconds(10);

int run_gateway(const std::string& config_file) {
  auto config = load_gateway_config(config_file);
  if (!config.ok()) return report_bad_input(config.status());
  Gateway gateway(std::move(*config));
  if (Status started = gateway.start(); !started.ok()) {
    std::cerr << "error: " << started.message() << '\n';
    return kExitError;
  }
  // Signals are handled on a thread of their own so that workers never block on them.
  boost::asio::io_context signal_context;
  boost::asio::signal_set stop_signals(signal_context, SIGINT, SIGTERM);
  boost::asio::signal_set reload_signals(signal_context, SIGHUP);
  boost::asio::steady_timer grace_timer(signal_context);
  stop_signals.async_wait([&](const boost::system::error_code& error, int) {
    if (error) return;
    reload_signals.cancel();
    gateway.shutdown();
    grace_timer.expires_after(kShutdownGrace);
    grace_timer.async_wait([&](const boost::system::error_code&) { gateway.stop(); });
  });
  std::function<void(const boost::system::error_code&, int)> on_reload =
      [&](const boost::system::error_code& error, int) {
        if (error) return;
        reload_and_log(gateway, load_gateway_config(config_file), config_file);
        reload_signals.async_wait(on_reload);
      };
  reload_signals.async_wait(on_reload);
  std::thread signal_thread([&signal_context] { signal_context.run(); });
  const std::shared_ptr<const GatewayConfig> running = gateway.config();
  for (const ListenAddress& listen : running->listeners) {
    std::cerr << "fulcrum gateway listening on " << listen.address << ":" << listen.port << " ("
              << running->policy.name << ", " << running->backends.size() << " backends)\n";
  }
  if (const AdminConfig& admin = running->admin; admin.enabled) {
    std::cerr << "fulcrum gateway admin API on " << admin.listen.address << ":" << admin.listen.port
              << (admin.token.empty() ? " (no token)" : "") << "\n";
  }
  gateway.run();
  signal_context.stop();
  signal_thread.join();
  return kExitOk;
}

}  // namespace

void add_gateway_command(CLI::App& app, int& exit_code) {
  auto config_file = std::make_shared<std::string>();
  auto* command = app.add_subcommand("gateway", "Run the HTTP reverse proxy for model servers");
  command->add_option("--config", *config_file, "Config YAML with a gateway: section")->required();
  command->callback([config_file, &exit_code] { exit_code = run_gateway(*config_file); });
}

}  // namespace fulcrum
