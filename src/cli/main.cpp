// fulcrum: load balancing and scheduling for AI-model data centers.
#include <iostream>
#include <string>

#include "cli/commands.h"
#include "core/heap.h"

namespace {

// CLI11 reports an unknown first word only as "a subcommand is required"; name it instead.
bool reject_unknown_command(const CLI::App& app, int argc, char** argv) {
  if (argc < 2 || argv[1][0] == '-') return false;
  std::string names;
  for (const CLI::App* command : app.get_subcommands({})) {
    if (command->get_name() == argv[1]) return false;
    names += (names.empty() ? "" : ", ") + command->get_name();
  }
  std::cerr << "error: unknown command \"" << argv[1] << "\" (commands: " << names << ")\n";
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Fulcrum: load balancer and scheduler for AI-model data centers"};
  app.set_version_flag("--version", std::string("fulcrum ") + FULCRUM_VERSION + " (allocator " +
                                        fulcrum::heap_allocator_name() + ")");
  app.require_subcommand(1);
  int exit_code = fulcrum::kExitOk;
  fulcrum::add_commands(app, exit_code);
  if (reject_unknown_command(app, argc, argv)) return fulcrum::kExitBadInput;
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    int code = app.exit(error);
    return code == 0 ? fulcrum::kExitOk : fulcrum::kExitBadInput;
  }
  return exit_code;
}
