// fulcrum: load balancing and scheduling for AI-model data centers.
#include <iostream>

#include "cli/commands.h"

int main(int argc, char** argv) {
  CLI::App app{"Fulcrum: load balancer and scheduler for AI-model data centers"};
  app.set_version_flag("--version", std::string("fulcrum ") + FULCRUM_VERSION);
  app.require_subcommand(1);
  int exit_code = fulcrum::kExitOk;
  fulcrum::add_policies_command(app, exit_code);
  fulcrum::add_place_command(app, exit_code);
  fulcrum::add_serve_command(app, exit_code);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    int code = app.exit(error);
    return code == 0 ? fulcrum::kExitOk : fulcrum::kExitBadInput;
  }
  return exit_code;
}
