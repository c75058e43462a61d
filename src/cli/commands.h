// The subcommands of `fulcrum`. Each adds itself to the app and sets `exit_code` when it runs;
// add_commands adds them all from one list (command_registry.cpp).
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "core/cluster.h"
#include "core/params.h"
#include "core/status.h"
#include "placement/placer.h"

namespace fulcrum {

// Exit codes shared by all subcommands.
inline constexpr int kExitOk = 0;
inline constexpr int kExitError = 1;     // runtime failure
inline constexpr int kExitBadInput = 2;  // invalid config, task file or arguments
inline constexpr int kExitUnplaced = 3;  // `place`: some tasks could not be placed

void print_policy_catalogue(bool with_params, std::ostream& out);
// The table `fulcrum place` prints: task, node, GPU devices, what is left free on the node.
void print_placement(const Cluster& cluster, const Placement& placement, std::ostream& out);
// "key=value" pairs from the command line; the error names the malformed one.
Result<PolicyParams> parse_param_flags(const std::vector<std::string>& flags);
// Prints "error: <message>" to stderr and returns kExitBadInput.
int report_bad_input(const Status& status);

// Adding a subcommand is one file with its add_ function, declared here, plus one line in the
// list of command_registry.cpp (which also gives its place in `fulcrum --help`).
void add_policies_command(CLI::App& app, int& exit_code);
void add_place_command(CLI::App& app, int& exit_code);
void add_serve_command(CLI::App& app, int& exit_code);
void add_gateway_command(CLI::App& app, int& exit_code);
void add_scheduler_command(CLI::App& app, int& exit_code);
void add_scheduler_client_commands(CLI::App& app, int& exit_code);
void add_plan_command(CLI::App& app, int& exit_code);
void add_emulate_command(CLI::App& app, int& exit_code);
void add_sim_command(CLI::App& app, int& exit_code);
void add_sim_route_command(CLI::App& app, int& exit_code);

// Every subcommand, in the order `fulcrum --help` lists them.
void add_commands(CLI::App& app, int& exit_code);

}  // namespace fulcrum
