// `fulcrum emulate --port P --profile FILE [--speed X] [--model NAME] [--request-log FILE]`: an
// OpenAI-compatible model-server stand-in whose timing follows the profile's engine model
// (docs/emulator.md).
#include <csignal>
#include <iostream>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include "cli/commands.h"
#include "emulator/server.h"

namespace fulcrum {

namespace {

struct EmulateFlags {
  std::string profile_file;
  std::string address = "127.0.0.1";
  uint16_t port = 8000;
  double speed = 1.0;
  std::string model;
  std::string request_log;
};

int run_emulate(const EmulateFlags& flags) {
  auto profile = emulator::load_profile(flags.profile_file);
  if (!profile.ok()) return report_bad_input(profile.status());
  if (!(flags.speed > 0)) {
    return report_bad_input(
        invalid_argument("--speed: must be a positive number, got " + std::to_string(flags.speed)));
  }
  boost::asio::io_context context;
  emulator::EmulatorOptions options{flags.address, flags.port, flags.speed, flags.model,
                                    flags.request_log};
  emulator::EmulatorServer server(context, *profile, options);
  if (Status started = server.start(); !started.ok()) {
    std::cerr << "error: " << started.message() << '\n';
    return kExitError;
  }
  boost::asio::signal_set signals(context, SIGINT, SIGTERM);
  signals.async_wait([&server](const boost::system::error_code& error, int) {
    if (!error) server.stop();
  });
  std::cerr << "fulcrum emulate listening on " << flags.address << ":" << server.port() << " ("
            << server.model_name() << ", " << flags.profile_file << ", speed " << flags.speed
            << ")\n";
  context.run();
  return kExitOk;
}

}  // namespace

void add_emulate_command(CLI::App& app, int& exit_code) {
  auto flags = std::make_shared<EmulateFlags>();
  auto* command = app.add_subcommand(
      "emulate", "Run an OpenAI-compatible model-server emulator (vLLM-like timing, no GPU)");
  command->add_option("--profile", flags->profile_file, "Engine profile YAML (examples/emulator/)")
      ->required();
  command->add_option("--port", flags->port, "Listen port (0: any free port)")
      ->capture_default_str();
  command->add_option("--host", flags->address, "Listen address")->capture_default_str();
  command
      ->add_option("--speed", flags->speed,
                   "Modeled seconds per real second (10: ten times faster than the model)")
      ->capture_default_str();
  command->add_option("--model", flags->model, "Served model name (default: the profile's)");
  command->add_option(
      "--request-log", flags->request_log,
      "Append a JSON line per queued request here (model time, ids, prompt tokens)");
  command->callback([flags, &exit_code] { exit_code = run_emulate(*flags); });
}

}  // namespace fulcrum
