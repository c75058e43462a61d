// Client commands for a running scheduler: `fulcrum submit FILE`, `fulcrum tasks [--state S]`,
// `fulcrum nodes`, `fulcrum cancel ID`, `fulcrum logs ID`. The address comes from --address or
// FULCRUM_ADDRESS (default 127.0.0.1:8470), the token from --token or FULCRUM_TOKEN.
#include <cstdlib>
#include <iostream>
#include <memory>
#include <string>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <boost/json/array.hpp>

#include "cli/commands.h"
#include "cli/table.h"
#include "core/config.h"
#include "http/json.h"
#include "scheduler/records_json.h"

namespace fulcrum {

namespace {

namespace json = boost::json;

constexpr const char* kDefaultAddress = "127.0.0.1:8470";

struct ClientOptions {
  std::string address;
  std::string token;
  bool as_json = false;
};

struct Reply {
  int status = 0;
  std::string body;
};

std::string env_or(const char* name, const std::string& fallback) {
  const char* value = std::getenv(name);
  return value != nullptr && *value != '\0' ? value : fallback;
}

// One request over a fresh connection that the server closes after answering.
Result<Reply> call(const ClientOptions& options, const std::string& method,
                   const std::string& target, const std::string& body = {}) {
  std::string address =
      options.address.empty() ? env_or("FULCRUM_ADDRESS", kDefaultAddress) : options.address;
  size_t colon = address.rfind(':');
  if (colon == std::string::npos) {
    return invalid_argument("--address: expected HOST:PORT, got \"" + address + "\"");
  }
  std::string token = options.token.empty() ? env_or("FULCRUM_TOKEN", "") : options.token;
  std::string request = method + " " + target + " HTTP/1.1\r\nHost: " + address +
                        "\r\nConnection: close\r\nContent-Type: application/json\r\n";
  if (!token.empty()) request += "Authorization: Bearer " + token + "\r\n";
  request += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  boost::asio::io_context context;
  boost::asio::ip::tcp::socket socket(context);
  boost::system::error_code error;
  boost::asio::ip::tcp::resolver resolver(context);
  auto endpoints = resolver.resolve(address.substr(0, colon), address.substr(colon + 1), error);
  if (!error) boost::asio::connect(socket, endpoints, error);
  if (!error) boost::asio::write(socket, boost::asio::buffer(request), error);
  if (error) return unavailable("scheduler at " + address + ": " + error.message());
  std::string response;
  boost::asio::read(socket, boost::asio::dynamic_buffer(response), error);
  size_t head_end = response.find("\r\n\r\n");
  if (response.size() < 12 || head_end == std::string::npos) {
    return unavailable("scheduler at " + address + ": no complete response");
  }
  return Reply{std::atoi(response.c_str() + 9), response.substr(head_end + 4)};
}

std::string text_of(const json::value& value) {
  if (value.is_string()) return std::string(value.get_string());
  if (value.is_null()) return "-";
  return http::to_json_text(value);
}

// Prints the body (or its error message) and returns the exit code for the reply.
int finish(const Result<Reply>& reply, const ClientOptions& options,
           void (*print_table)(const json::value&)) {
  if (!reply.ok()) {
    std::cerr << "error: " << reply.error_message() << '\n';
    return kExitError;
  }
  auto parsed = http::parse_json(reply->body);
  if (reply->status >= 400) {
    std::string message = reply->body;
    if (parsed.ok() && parsed->is_object() && parsed->as_object().contains("error")) {
      message = text_of(parsed->at("error").at("message"));
    }
    std::cerr << "error: " << reply->status << ": " << message << '\n';
    return reply->status < 500 ? kExitBadInput : kExitError;
  }
  if (options.as_json || print_table == nullptr || !parsed.ok()) {
    std::cout << reply->body << (reply->body.ends_with('\n') ? "" : "\n");
  } else {
    print_table(*parsed);
  }
  return kExitOk;
}

void print_tasks(const json::value& body) {
  TextTable table({"TASK", "STATE", "TYPE", "PRIO", "ATTEMPT", "NODE", "REASON"});
  for (const json::value& task : body.at("tasks").as_array()) {
    const json::array& assignments = task.at("assignments").as_array();
    table.add_row({text_of(task.at("id")), text_of(task.at("state")), text_of(task.at("type")),
                   text_of(task.at("priority")), text_of(task.at("attempt")),
                   assignments.empty() ? "-" : text_of(assignments.at(0).at("node")),
                   text_of(task.at("reason"))});
  }
  table.print(std::cout);
}

void print_nodes(const json::value& body) {
  TextTable table({"NODE", "STATE", "CPU", "MEMORY", "GPUS", "MODEL", "CPU USED", "GPU USED"});
  for (const json::value& node : body.at("nodes").as_array()) {
    const json::value& allocated = node.at("allocated");
    table.add_row({text_of(node.at("id")), text_of(node.at("state")), text_of(node.at("cpu")),
                   format_bytes(node.at("memory").to_number<int64_t>()), text_of(node.at("gpus")),
                   node.as_object().contains("gpu_model") ? text_of(node.at("gpu_model")) : "-",
                   text_of(allocated.at("cpu")),
                   format_gpu_milli(allocated.at("gpu_milli").to_number<int64_t>())});
  }
  table.print(std::cout);
}

void print_accepted(const json::value& body) {
  TextTable table({"TASK", "STATE"});
  for (const json::value& task : body.at("tasks").as_array()) {
    table.add_row({text_of(task.at("id")), text_of(task.at("state"))});
  }
  table.print(std::cout);
}

void print_task(const json::value& task) {
  std::cout << text_of(task.at("id")) << ": " << text_of(task.at("state")) << " ("
            << text_of(task.at("reason")) << ")\n";
}

int submit(const std::string& file, const ClientOptions& options) {
  auto tasks = load_tasks_file(file);
  if (!tasks.ok()) return report_bad_input(tasks.status());
  json::array list;
  for (const Task& task : *tasks) list.push_back(task_spec_json(task));
  std::string body = http::to_json_text(json::object{{"tasks", std::move(list)}});
  return finish(call(options, "POST", "/v1/tasks", body), options, print_accepted);
}

void add_client_options(CLI::App* command, ClientOptions& options) {
  command->add_option("--address", options.address,
                      "Scheduler HOST:PORT (default $FULCRUM_ADDRESS or 127.0.0.1:8470)");
  command->add_option("--token", options.token, "Bearer token (default $FULCRUM_TOKEN)");
  command->add_flag("--json", options.as_json, "Print the API's JSON instead of a table");
}

}  // namespace

void add_scheduler_client_commands(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<ClientOptions>();
  auto file = std::make_shared<std::string>();
  auto state = std::make_shared<std::string>();
  auto task_id = std::make_shared<std::string>();
  auto stream = std::make_shared<std::string>("stdout");

  auto* submit_command = app.add_subcommand("submit", "Submit a task file to a running scheduler");
  submit_command->add_option("file", *file, "Task YAML (the `tasks:` format)")->required();
  add_client_options(submit_command, *options);
  submit_command->callback([=, &exit_code] { exit_code = submit(*file, *options); });

  auto* tasks_command = app.add_subcommand("tasks", "List the tasks of a running scheduler");
  tasks_command->add_option("--state", *state, "Only tasks in this state (e.g. running)");
  add_client_options(tasks_command, *options);
  tasks_command->callback([=, &exit_code] {
    std::string target = "/v1/tasks?limit=1000000";
    if (!state->empty()) target += "&state=" + *state;
    exit_code = finish(call(*options, "GET", target), *options, print_tasks);
  });

  auto* nodes_command = app.add_subcommand("nodes", "List the nodes of a running scheduler");
  add_client_options(nodes_command, *options);
  nodes_command->callback([=, &exit_code] {
    exit_code = finish(call(*options, "GET", "/v1/nodes"), *options, print_nodes);
  });

  auto* cancel_command = app.add_subcommand("cancel", "Cancel a task (and its dependents)");
  cancel_command->add_option("id", *task_id, "Task id")->required();
  add_client_options(cancel_command, *options);
  cancel_command->callback([=, &exit_code] {
    exit_code =
        finish(call(*options, "POST", "/v1/tasks/" + *task_id + "/cancel"), *options, print_task);
  });

  auto* logs_command = app.add_subcommand("logs", "Print what a task wrote (local executor)");
  logs_command->add_option("id", *task_id, "Task id")->required();
  logs_command->add_option("--stream", *stream, "stdout or stderr")
      ->check(CLI::IsMember({"stdout", "stderr"}));
  add_client_options(logs_command, *options);
  logs_command->callback([=, &exit_code] {
    auto reply = call(*options, "GET", "/v1/tasks/" + *task_id + "/logs?stream=" + *stream);
    if (reply.ok() && reply->status == 200) {
      std::cout << reply->body;
      exit_code = kExitOk;
      return;
    }
    exit_code = finish(reply, *options, nullptr);
  });
}

}  // namespace fulcrum
