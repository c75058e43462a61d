#include "core/config.h"

#include <charconv>
#include <cmath>
#include <filesystem>
#include <unordered_map>

#include "core/yaml_reader.h"

namespace fulcrum {

namespace {

constexpr std::string_view kCpuFormat = "CPU cores such as 2, 0.5 or 500m";
constexpr std::string_view kMemoryFormat = "a memory size such as 8Gi, 512Mi or 1073741824";
constexpr std::string_view kDurationFormat = "a duration such as 1500ms, 90s, 30m or 2h";

struct Unit {
  std::string_view suffix;
  double scale;
};

// Parses "<number><unit>" with one of `units` ("" allowed when listed); fails on anything else.
Result<int64_t> parse_scaled(std::string_view text, std::initializer_list<Unit> units,
                             std::string_view what) {
  auto failure = [&] {
    return invalid_argument("expected " + std::string(what) + ", got \"" + std::string(text) +
                            "\"");
  };
  double number = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), number);
  if (error != std::errc() || !std::isfinite(number) || number < 0) return failure();
  std::string_view suffix(end, text.data() + text.size() - end);
  for (const Unit& unit : units) {
    if (unit.suffix == suffix) {
      double scaled = std::round(number * unit.scale);
      if (scaled > 9.0e18) return failure();
      return static_cast<int64_t>(scaled);
    }
  }
  return failure();
}

}  // namespace

Result<int64_t> parse_cpu_millis(std::string_view text) {
  return parse_scaled(text, {{"", 1000}, {"m", 1}}, kCpuFormat);
}

Result<int64_t> parse_memory_bytes(std::string_view text) {
  constexpr double kKi = 1024.0;
  return parse_scaled(text,
                      {{"", 1},
                       {"Ki", kKi},
                       {"Mi", kKi * kKi},
                       {"Gi", kKi * kKi * kKi},
                       {"Ti", kKi * kKi * kKi * kKi},
                       {"K", 1e3},
                       {"k", 1e3},
                       {"M", 1e6},
                       {"G", 1e9},
                       {"T", 1e12}},
                      kMemoryFormat);
}

Result<int64_t> parse_duration_ms(std::string_view text) {
  return parse_scaled(text, {{"ms", 1}, {"s", 1e3}, {"m", 60e3}, {"h", 3600e3}, {"d", 86400e3}},
                      kDurationFormat);
}

namespace {

// Reads a scalar through one of the quantity parsers, naming file, line and key on error.
Result<int64_t> read_quantity(const YamlValue& value, Result<int64_t> (*parse)(std::string_view),
                              std::string_view format) {
  if (!value.is_scalar() || value.is_null()) {
    return value.error("expected " + std::string(format) + ", got " +
                       (value.is_null() ? "nothing" : "a structure"));
  }
  auto text = value.as_string();
  if (!text.ok()) return text.status();
  auto parsed = parse(*text);
  if (!parsed.ok()) return value.error(parsed.error_message());
  return parsed;
}

}  // namespace

Result<int64_t> read_cpu_millis(const YamlValue& value) {
  return read_quantity(value, parse_cpu_millis, kCpuFormat);
}
Result<int64_t> read_memory_bytes(const YamlValue& value) {
  return read_quantity(value, parse_memory_bytes, kMemoryFormat);
}
Result<int64_t> read_duration_ms(const YamlValue& value) {
  return read_quantity(value, parse_duration_ms, kDurationFormat);
}

namespace {

Result<std::map<std::string, int64_t>> read_extended(const YamlValue& value) {
  if (!value.is_map()) return value.error("expected a map of resource name to amount");
  std::map<std::string, int64_t> amounts;
  for (const auto& [name, amount] : value.entries()) {
    FULCRUM_ASSIGN_OR_RETURN(amounts[name], amount.as_non_negative_int());
  }
  return amounts;
}

Result<PowerProfile> read_power(const YamlValue& value) {
  FULCRUM_RETURN_IF_ERROR(value.expect_map({"idle_watts", "peak_watts"}));
  PowerProfile power;
  FULCRUM_ASSIGN_OR_RETURN(power.idle_watts, value["idle_watts"].as_double(0, 1e7));
  FULCRUM_ASSIGN_OR_RETURN(power.peak_watts, value["peak_watts"].as_double(0, 1e7));
  if (power.peak_watts < power.idle_watts) {
    return value["peak_watts"].error("must be at least idle_watts (" +
                                     format_number(power.idle_watts) + ")");
  }
  return power;
}

Result<Node> read_node(const YamlValue& value) {
  FULCRUM_RETURN_IF_ERROR(value.expect_map({"id", "cpu", "memory", "gpus", "gpu_model", "labels",
                                            "state", "weight", "power", "resources"}));
  Node node;
  FULCRUM_ASSIGN_OR_RETURN(node.id, value["id"].as_string());
  ResourceVector capacity;
  FULCRUM_ASSIGN_OR_RETURN(capacity.cpu_millis, read_cpu_millis(value["cpu"]));
  FULCRUM_ASSIGN_OR_RETURN(capacity.memory_bytes, read_memory_bytes(value["memory"]));
  if (value.has("resources")) {
    FULCRUM_ASSIGN_OR_RETURN(capacity.extended, read_extended(value["resources"]));
  }
  int64_t gpu_count = 0;
  if (value.has("gpus")) {
    FULCRUM_ASSIGN_OR_RETURN(gpu_count, value["gpus"].as_int(0, 1024));
  }
  std::string gpu_model;
  if (value.has("gpu_model")) FULCRUM_ASSIGN_OR_RETURN(gpu_model, value["gpu_model"].as_string());
  if (gpu_count > 0 && gpu_model.empty()) {
    return value.error("gpu_model is required when gpus > 0 (for example gpu_model: A100)");
  }
  if (gpu_count == 0 && !gpu_model.empty()) {
    return value["gpu_model"].error("set, but the node has no gpus");
  }
  Node built = Node::with_capacity(node.id, capacity, static_cast<int>(gpu_count), gpu_model);
  if (value.has("labels")) FULCRUM_ASSIGN_OR_RETURN(built.labels, value["labels"].as_string_map());
  if (value.has("weight")) {
    int64_t weight = 0;
    FULCRUM_ASSIGN_OR_RETURN(weight, value["weight"].as_int(0, 1000000));
    built.weight = static_cast<int>(weight);
  }
  if (value.has("state")) {
    std::string state_name;
    FULCRUM_ASSIGN_OR_RETURN(state_name, value["state"].as_string());
    auto state = parse_node_state(state_name);
    if (!state) {
      return value["state"].error("expected one of up, cordoned, draining, down, got \"" +
                                  state_name + "\"");
    }
    built.state = *state;
  }
  if (value.has("power")) FULCRUM_ASSIGN_OR_RETURN(built.power, read_power(value["power"]));
  return built;
}

Status read_gpu_demand(const YamlValue& value, Task& task) {
  if (value.has("gpus") && value.has("gpu_milli")) {
    return value["gpu_milli"].error(
        "give either gpus (whole devices) or gpu_milli (a share of one device), not both");
  }
  if (value.has("gpus")) {
    int64_t gpus = 0;
    FULCRUM_ASSIGN_OR_RETURN(gpus, value["gpus"].as_int(0, 1024));
    task.demand.gpu_milli = gpus * kGpuMilliPerDevice;
  }
  if (value.has("gpu_milli")) {
    FULCRUM_ASSIGN_OR_RETURN(task.demand.gpu_milli,
                             value["gpu_milli"].as_int(1, kGpuMilliPerDevice));
  }
  if (value.has("gpu_model")) {
    FULCRUM_ASSIGN_OR_RETURN(task.gpu_model, value["gpu_model"].as_string());
    if (!task.needs_gpu()) return value["gpu_model"].error("set, but the task asks for no GPU");
  }
  return Status::ok_status();
}

// `speed: {A100: 2, V100: 1, cpu: 0.1}`: node class -> relative speed, each above zero.
Result<std::map<std::string, double>> read_speed(const YamlValue& value) {
  if (!value.is_map())
    return value.error("expected a map of node class (GPU model or cpu) to speed");
  std::map<std::string, double> speed;
  for (const auto& [node_class, factor] : value.entries()) {
    FULCRUM_ASSIGN_OR_RETURN(speed[node_class], factor.as_double(1e-6, 1e6));
  }
  return speed;
}

Result<Task> read_task(const YamlValue& value) {
  FULCRUM_RETURN_IF_ERROR(
      value.expect_map({"id", "type", "priority", "duration", "cpu", "memory", "gpus", "gpu_milli",
                        "gpu_model", "depends_on", "replicas", "command", "resources", "speed"}));
  Task task;
  FULCRUM_ASSIGN_OR_RETURN(task.id, value["id"].as_string());
  if (value.has("type")) {
    std::string type_name;
    FULCRUM_ASSIGN_OR_RETURN(type_name, value["type"].as_string());
    auto type = parse_task_type(type_name);
    if (!type) {
      return value["type"].error("expected one of training, inference, data, got \"" + type_name +
                                 "\"");
    }
    task.type = *type;
  }
  if (value.has("priority")) {
    int64_t priority = 0;
    FULCRUM_ASSIGN_OR_RETURN(priority, value["priority"].as_int(-1000000, 1000000));
    task.priority = static_cast<int>(priority);
  }
  if (value.has("duration")) {
    FULCRUM_ASSIGN_OR_RETURN(task.estimated_duration_ms, read_duration_ms(value["duration"]));
  }
  if (value.has("cpu")) {
    FULCRUM_ASSIGN_OR_RETURN(task.demand.cpu_millis, read_cpu_millis(value["cpu"]));
  }
  if (value.has("memory")) {
    FULCRUM_ASSIGN_OR_RETURN(task.demand.memory_bytes, read_memory_bytes(value["memory"]));
  }
  if (value.has("resources")) {
    FULCRUM_ASSIGN_OR_RETURN(task.demand.extended, read_extended(value["resources"]));
  }
  FULCRUM_RETURN_IF_ERROR(read_gpu_demand(value, task));
  if (value.has("depends_on")) {
    FULCRUM_ASSIGN_OR_RETURN(task.depends_on, value["depends_on"].as_string_list());
  }
  if (value.has("replicas")) {
    int64_t replicas = 0;
    FULCRUM_ASSIGN_OR_RETURN(replicas, value["replicas"].as_int(1, 100000));
    task.replicas = static_cast<int>(replicas);
  }
  if (value.has("command")) FULCRUM_ASSIGN_OR_RETURN(task.command, value["command"].as_string());
  if (value.has("speed")) FULCRUM_ASSIGN_OR_RETURN(task.speed, read_speed(value["speed"]));
  return task;
}

// Checks the graph, pointing at the line of the task at fault.
Status check_task_graph(const std::vector<Task>& tasks, const std::vector<YamlValue>& items) {
  std::unordered_map<std::string_view, size_t> index;
  for (size_t i = 0; i < tasks.size(); ++i) {
    if (!index.emplace(tasks[i].id, i).second) {
      return items[i]["id"].error("duplicate task id \"" + tasks[i].id + "\"");
    }
  }
  for (size_t i = 0; i < tasks.size(); ++i) {
    for (const std::string& dependency : tasks[i].depends_on) {
      if (!index.contains(dependency)) {
        return items[i]["depends_on"].error("unknown task \"" + dependency + "\"");
      }
    }
  }
  Status graph = validate_task_graph(tasks);
  if (graph.ok()) return graph;
  std::vector<size_t> cycle = find_dependency_cycle(tasks);
  const YamlValue& at = cycle.empty() ? items.front() : items[cycle.front()];
  return at["depends_on"].error(graph.message());
}

}  // namespace

// The map form `{policy: NAME, params: {...}}`, or the shorthand `NAME` (no params).
Result<PolicyChoice> read_policy_choice(const YamlValue& value, PolicyChoice fallback) {
  if (value.is_null()) return fallback;
  PolicyChoice choice;
  choice.origin = value.file_name() + ":" + std::to_string(value.line()) + ": " + value.path();
  if (value.is_scalar()) {  // the shorthand `placement: best_fit`
    FULCRUM_ASSIGN_OR_RETURN(choice.name, value.as_string());
    return choice;
  }
  FULCRUM_RETURN_IF_ERROR(value.expect_map({"policy", "params"}));
  FULCRUM_ASSIGN_OR_RETURN(choice.name, value["policy"].as_string());
  if (value.has("params")) {
    std::map<std::string, std::string> params;
    FULCRUM_ASSIGN_OR_RETURN(params, value["params"].as_string_map());
    for (auto& [name, text] : params) choice.params.set(name, std::move(text));
  }
  return choice;
}

Result<Cluster> parse_cluster(std::string_view yaml_text, const std::string& file_name) {
  auto document = YamlValue::parse(yaml_text, file_name);
  if (!document.ok()) return document.status();
  const YamlValue& root = *document;
  FULCRUM_RETURN_IF_ERROR(root.expect_map({"nodes"}));
  YamlValue nodes = root["nodes"];
  FULCRUM_RETURN_IF_ERROR(nodes.expect_sequence());
  Cluster cluster;
  for (const YamlValue& item : nodes.items()) {
    Node node;
    FULCRUM_ASSIGN_OR_RETURN(node, read_node(item));
    if (Status added = cluster.add_node(std::move(node)); !added.ok()) {
      return item["id"].error(added.message());
    }
  }
  if (cluster.size() == 0) return nodes.error("expected at least one node");
  return cluster;
}

Result<std::vector<Task>> parse_tasks(std::string_view yaml_text, const std::string& file_name) {
  auto document = YamlValue::parse(yaml_text, file_name);
  if (!document.ok()) return document.status();
  const YamlValue& root = *document;
  FULCRUM_RETURN_IF_ERROR(root.expect_map({"tasks"}));
  YamlValue list = root["tasks"];
  FULCRUM_RETURN_IF_ERROR(list.expect_sequence());
  std::vector<YamlValue> items = list.items();
  std::vector<Task> tasks;
  for (const YamlValue& item : items) {
    Task task;
    FULCRUM_ASSIGN_OR_RETURN(task, read_task(item));
    tasks.push_back(std::move(task));
  }
  if (tasks.empty()) return list.error("expected at least one task");
  FULCRUM_RETURN_IF_ERROR(check_task_graph(tasks, items));
  return tasks;
}

Result<std::string> read_config_path(const YamlValue& value) {
  std::string path;
  FULCRUM_ASSIGN_OR_RETURN(path, value.as_string());
  if (path.empty()) return value.error("expected a path, got nothing");
  return resolve_config_path(path, value.file_name());
}

std::string resolve_config_path(const std::string& path, const std::string& config_file) {
  std::filesystem::path candidate(path);
  if (candidate.is_absolute()) return path;
  return (std::filesystem::path(config_file).parent_path() / candidate).lexically_normal().string();
}

namespace {

template <typename T>
Result<T> load_with(const std::string& path,
                    Result<T> (*parse)(std::string_view, const std::string&)) {
  auto text = read_text_file(path);
  if (!text.ok()) return text.status();
  return parse(*text, path);
}

}  // namespace

Result<Cluster> load_cluster_file(const std::string& path) {
  return load_with(path, parse_cluster);
}
Result<std::vector<Task>> load_tasks_file(const std::string& path) {
  return load_with(path, parse_tasks);
}

}  // namespace fulcrum
