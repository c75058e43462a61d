// The list of subcommands: one explicit, ordered list, like the policy registries (a static
// library would drop commands that registered themselves from files nothing else references).
#include "cli/commands.h"

namespace fulcrum {

void add_commands(CLI::App& app, int& exit_code) {
  using CommandAdder = void (*)(CLI::App & app, int& exit_code);
  static constexpr CommandAdder kCommands[] = {
      add_policies_command,  add_place_command,     add_serve_command,
      add_gateway_command,   add_scheduler_command, add_scheduler_client_commands,
      add_plan_command,      add_emulate_command,   add_sim_command,
      add_sim_route_command,
  };
  for (CommandAdder add : kCommands) add(app, exit_code);
}

}  // namespace fulcrum
