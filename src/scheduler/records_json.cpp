#include "scheduler/records_json.h"

#include <cmath>
#include <initializer_list>
#include <string_view>

#include <boost/json/array.hpp>

#include "core/config.h"
#include "http/json.h"

namespace fulcrum {

namespace json = boost::json;

namespace {

constexpr int64_t kMaxGpus = 1024;
constexpr int64_t kMaxReplicas = 100000;
constexpr int64_t kMaxPriority = 1000000;
constexpr int64_t kMaxWeight = 1000000;
constexpr double kMinSpeed = 1e-6;  // the task file's bounds (core/config.cpp)
constexpr double kMaxSpeed = 1e6;
constexpr double kMaxWatts = 1e7;

std::string field_path(const std::string& path, std::string_view field) {
  return path.empty() ? std::string(field) : path + "." + std::string(field);
}

Status bad_field(const std::string& path, std::string_view field, const std::string& message) {
  return invalid_argument(field_path(path, field) + ": " + message);
}

Status bad_quantity(const std::string& path, std::string_view field, const std::string& message) {
  return {ErrorCode::kFailedPrecondition, field_path(path, field) + ": " + message};
}

Status reject_unknown(const json::object& object, const std::string& path,
                      std::initializer_list<std::string_view> known) {
  Status status = http::reject_unknown_fields(object, known);
  if (status.ok() || path.empty()) return status;
  return invalid_argument(path + "." + status.message());
}

Result<std::string> read_string(const json::object& object, std::string_view field,
                                const std::string& path, bool required) {
  const json::value* value = object.if_contains(field);
  if (value == nullptr) {
    if (required) return bad_field(path, field, "required");
    return std::string();
  }
  if (!value->is_string()) {
    return bad_field(path, field, "expected a string, got " + http::to_json_text(*value));
  }
  return std::string(value->get_string());
}

// An integer field; `quantity` fields (resource amounts) answer 422 when wrong, others 400.
Result<std::optional<int64_t>> read_integer(const json::object& object, std::string_view field,
                                            const std::string& path, int64_t minimum,
                                            int64_t maximum, bool quantity) {
  const json::value* value = object.if_contains(field);
  if (value == nullptr) return std::optional<int64_t>();
  std::optional<int64_t> number;
  if (value->is_int64()) number = value->get_int64();
  if (value->is_uint64() && value->get_uint64() <= static_cast<uint64_t>(maximum)) {
    number = static_cast<int64_t>(value->get_uint64());
  }
  if (value->is_double() && std::trunc(value->get_double()) == value->get_double() &&
      std::abs(value->get_double()) < 9.0e15) {
    number = static_cast<int64_t>(value->get_double());
  }
  if (!number || *number < minimum || *number > maximum) {
    std::string message = "expected an integer from " + std::to_string(minimum) + " to " +
                          std::to_string(maximum) + ", got " + http::to_json_text(*value);
    return quantity ? bad_quantity(path, field, message) : bad_field(path, field, message);
  }
  return number;
}

// A quantity given as a JSON number in `number_unit`s or as text such as "500m" or "8Gi".
Result<std::optional<int64_t>> read_quantity(const json::object& object, std::string_view field,
                                             const std::string& path, double number_scale,
                                             Result<int64_t> (*parse)(std::string_view)) {
  const json::value* value = object.if_contains(field);
  if (value == nullptr) return std::optional<int64_t>();
  if (value->is_number()) {
    double number = value->to_number<double>();
    if (!std::isfinite(number) || number < 0 || number * number_scale > 9.0e18) {
      return bad_quantity(path, field,
                          "expected a non-negative amount, got " + http::to_json_text(*value));
    }
    return std::optional<int64_t>(static_cast<int64_t>(std::llround(number * number_scale)));
  }
  if (value->is_string()) {
    auto parsed = parse(std::string_view(value->get_string()));
    if (!parsed.ok()) return bad_quantity(path, field, parsed.error_message());
    return std::optional<int64_t>(*parsed);
  }
  return bad_quantity(path, field,
                      "expected a number or a quantity string, got " + http::to_json_text(*value));
}

Result<std::map<std::string, int64_t>> read_extended(const json::object& object,
                                                     const std::string& path) {
  std::map<std::string, int64_t> amounts;
  const json::value* value = object.if_contains("resources");
  if (value == nullptr) return amounts;
  if (!value->is_object()) {
    return bad_quantity(path, "resources",
                        "expected an object of name to amount, got " + http::to_json_text(*value));
  }
  std::string resources_path = field_path(path, "resources");
  for (const auto& entry : value->get_object()) {
    std::optional<int64_t> amount;
    FULCRUM_ASSIGN_OR_RETURN(amount, read_integer(value->get_object(), entry.key(), resources_path,
                                                  0, INT64_MAX / 2, true));
    amounts[std::string(entry.key())] = *amount;
  }
  return amounts;
}

// A JSON number from `minimum` to `maximum`; 422 when it is not.
Result<double> read_number(const json::value& value, const std::string& path,
                           std::string_view field, double minimum, double maximum) {
  if (value.is_number() && value.to_number<double>() >= minimum &&
      value.to_number<double>() <= maximum) {
    return value.to_number<double>();
  }
  return bad_quantity(path, field,
                      "expected a number from " + format_number(minimum) + " to " +
                          format_number(maximum) + ", got " + http::to_json_text(value));
}

// `speed: {"A100": 2, "cpu": 0.1}`: node class (GPU model or cpu) -> relative speed.
Result<std::map<std::string, double>> read_speed(const json::object& object,
                                                 const std::string& path) {
  std::map<std::string, double> speed;
  const json::value* value = object.if_contains("speed");
  if (value == nullptr) return speed;
  if (!value->is_object()) {
    return bad_quantity(path, "speed",
                        "expected an object of node class (GPU model or cpu) to speed, got " +
                            http::to_json_text(*value));
  }
  std::string speed_path = field_path(path, "speed");
  for (const auto& entry : value->get_object()) {
    FULCRUM_ASSIGN_OR_RETURN(
        speed[std::string(entry.key())],
        read_number(entry.value(), speed_path, entry.key(), kMinSpeed, kMaxSpeed));
  }
  return speed;
}

// `power: {"idle_watts": 100, "peak_watts": 400}`, both required, peak at least idle.
Result<std::optional<PowerProfile>> read_power(const json::object& object) {
  const json::value* value = object.if_contains("power");
  if (value == nullptr) return std::optional<PowerProfile>();
  if (!value->is_object()) {
    return bad_quantity(
        "", "power",
        "expected {\"idle_watts\": W, \"peak_watts\": W}, got " + http::to_json_text(*value));
  }
  const json::object& watts = value->get_object();
  FULCRUM_RETURN_IF_ERROR(reject_unknown(watts, "power", {"idle_watts", "peak_watts"}));
  PowerProfile power;
  for (auto [field, target] :
       {std::pair{"idle_watts", &power.idle_watts}, std::pair{"peak_watts", &power.peak_watts}}) {
    const json::value* given = watts.if_contains(field);
    if (given == nullptr) return bad_field("power", field, "required");
    FULCRUM_ASSIGN_OR_RETURN(*target, read_number(*given, "power", field, 0, kMaxWatts));
  }
  if (power.peak_watts < power.idle_watts) {
    return bad_quantity("power", "peak_watts",
                        "must be at least idle_watts (" + format_number(power.idle_watts) + ")");
  }
  return std::optional<PowerProfile>(power);
}

Result<std::vector<std::string>> read_string_list(const json::object& object,
                                                  std::string_view field, const std::string& path) {
  std::vector<std::string> list;
  const json::value* value = object.if_contains(field);
  if (value == nullptr) return list;
  if (!value->is_array()) {
    return bad_field(path, field,
                     "expected an array of strings, got " + http::to_json_text(*value));
  }
  const json::array& items = value->get_array();
  for (size_t i = 0; i < items.size(); ++i) {
    if (!items[i].is_string()) {
      return bad_field(path, std::string(field) + "[" + std::to_string(i) + "]",
                       "expected a string, got " + http::to_json_text(items[i]));
    }
    list.emplace_back(items[i].get_string());
  }
  return list;
}

Result<std::map<std::string, std::string>> read_labels(const json::object& object,
                                                       const std::string& path) {
  std::map<std::string, std::string> labels;
  const json::value* value = object.if_contains("labels");
  if (value == nullptr) return labels;
  if (!value->is_object()) {
    return bad_field(path, "labels",
                     "expected an object of strings, got " + http::to_json_text(*value));
  }
  for (const auto& entry : value->get_object()) {
    if (!entry.value().is_string()) {
      return bad_field(path, "labels." + std::string(entry.key()),
                       "expected a string, got " + http::to_json_text(entry.value()));
    }
    labels[std::string(entry.key())] = std::string(entry.value().get_string());
  }
  return labels;
}

// cpu, memory and extended resources, shared by tasks (demand) and nodes (capacity).
Status read_resources(const json::object& object, const std::string& path,
                      ResourceVector& resources) {
  std::optional<int64_t> amount;
  FULCRUM_ASSIGN_OR_RETURN(amount, read_quantity(object, "cpu", path, 1000, parse_cpu_millis));
  resources.cpu_millis = amount.value_or(0);
  FULCRUM_ASSIGN_OR_RETURN(amount, read_quantity(object, "memory", path, 1, parse_memory_bytes));
  resources.memory_bytes = amount.value_or(0);
  FULCRUM_ASSIGN_OR_RETURN(resources.extended, read_extended(object, path));
  return {};
}

Status read_task_gpus(const json::object& object, const std::string& path, Task& task) {
  std::optional<int64_t> gpus;
  std::optional<int64_t> gpu_milli;
  FULCRUM_ASSIGN_OR_RETURN(gpus, read_integer(object, "gpus", path, 0, kMaxGpus, true));
  FULCRUM_ASSIGN_OR_RETURN(gpu_milli,
                           read_integer(object, "gpu_milli", path, 0, kMaxGpus * 1000, true));
  if (gpus && gpu_milli) {
    return bad_quantity(path, "gpu_milli", "give either gpus or gpu_milli, not both");
  }
  if (gpu_milli && !is_valid_gpu_demand(*gpu_milli)) {
    return bad_quantity(path, "gpu_milli",
                        "expected below 1000 (a share of one GPU) or a multiple of 1000, got " +
                            std::to_string(*gpu_milli));
  }
  task.demand.gpu_milli = gpus ? *gpus * kGpuMilliPerDevice : gpu_milli.value_or(0);
  FULCRUM_ASSIGN_OR_RETURN(task.gpu_model, read_string(object, "gpu_model", path, false));
  if (!task.gpu_model.empty() && !task.needs_gpu()) {
    return bad_quantity(path, "gpu_model", "set, but the task asks for no GPU");
  }
  return {};
}

Status read_task_duration(const json::object& object, const std::string& path, Task& task) {
  std::optional<int64_t> duration;
  FULCRUM_ASSIGN_OR_RETURN(duration, read_quantity(object, "duration", path, 1, parse_duration_ms));
  if (!duration) {
    FULCRUM_ASSIGN_OR_RETURN(duration,
                             read_integer(object, "duration_ms", path, 0, INT64_MAX / 2, true));
  }
  task.estimated_duration_ms = duration.value_or(0);
  return {};
}

Status read_task_scalars(const json::object& object, const std::string& path,
                         TaskSubmission& submission) {
  Task& task = submission.task;
  FULCRUM_ASSIGN_OR_RETURN(task.id, read_string(object, "id", path, true));
  std::string type_name;
  FULCRUM_ASSIGN_OR_RETURN(type_name, read_string(object, "type", path, false));
  if (!type_name.empty()) {
    auto type = parse_task_type(type_name);
    if (!type) {
      return bad_field(path, "type",
                       "expected one of training, inference, data, got \"" + type_name + "\"");
    }
    task.type = *type;
  }
  std::optional<int64_t> number;
  FULCRUM_ASSIGN_OR_RETURN(
      number, read_integer(object, "priority", path, -kMaxPriority, kMaxPriority, false));
  task.priority = static_cast<int>(number.value_or(0));
  FULCRUM_ASSIGN_OR_RETURN(number, read_integer(object, "replicas", path, 1, kMaxReplicas, true));
  task.replicas = static_cast<int>(number.value_or(1));
  FULCRUM_ASSIGN_OR_RETURN(number,
                           read_integer(object, "max_attempts", path, 1, kMaxAttemptsLimit, false));
  submission.max_attempts = static_cast<int>(number.value_or(0));
  FULCRUM_ASSIGN_OR_RETURN(task.command, read_string(object, "command", path, false));
  return {};
}

json::array int_array(const std::vector<int>& values) {
  json::array array;
  for (int value : values) array.push_back(value);
  return array;
}

json::value cpu_json(int64_t cpu_millis) {
  if (cpu_millis % 1000 == 0) return json::value(cpu_millis / 1000);
  return json::value(static_cast<double>(cpu_millis) / 1000.0);
}

void put_resources(json::object& object, const ResourceVector& resources) {
  object["cpu"] = cpu_json(resources.cpu_millis);
  object["memory"] = resources.memory_bytes;
  if (!resources.extended.empty()) {
    json::object extended;
    for (const auto& [name, amount] : resources.extended) extended[name] = amount;
    object["resources"] = std::move(extended);
  }
}

int64_t int_or(const json::object& object, std::string_view field, int64_t fallback) {
  const json::value* value = object.if_contains(field);
  return value != nullptr && value->is_int64() ? value->get_int64() : fallback;
}

std::string string_or_empty(const json::object& object, std::string_view field) {
  const json::value* value = object.if_contains(field);
  return value != nullptr && value->is_string() ? std::string(value->get_string()) : std::string();
}

}  // namespace

Result<TaskSubmission> task_from_json(const json::value& value, const std::string& path) {
  if (!value.is_object()) {
    return invalid_argument((path.empty() ? "body" : path) + ": expected a task object, got " +
                            http::to_json_text(value));
  }
  const json::object& object = value.get_object();
  FULCRUM_RETURN_IF_ERROR(reject_unknown(
      object, path,
      {"id", "type", "priority", "duration", "duration_ms", "cpu", "memory", "gpus", "gpu_milli",
       "gpu_model", "resources", "depends_on", "replicas", "command", "max_attempts", "speed"}));
  TaskSubmission submission;
  FULCRUM_RETURN_IF_ERROR(read_task_scalars(object, path, submission));
  FULCRUM_RETURN_IF_ERROR(read_task_duration(object, path, submission.task));
  FULCRUM_RETURN_IF_ERROR(read_resources(object, path, submission.task.demand));
  FULCRUM_RETURN_IF_ERROR(read_task_gpus(object, path, submission.task));
  FULCRUM_ASSIGN_OR_RETURN(submission.task.depends_on,
                           read_string_list(object, "depends_on", path));
  FULCRUM_ASSIGN_OR_RETURN(submission.task.speed, read_speed(object, path));
  return submission;
}

json::object task_spec_json(const Task& task) {
  json::object object;
  object["id"] = task.id;
  object["type"] = task_type_name(task.type);
  object["priority"] = task.priority;
  object["duration_ms"] = task.estimated_duration_ms;
  put_resources(object, task.demand);
  if (task.demand.gpu_milli > 0) object["gpu_milli"] = task.demand.gpu_milli;
  if (!task.gpu_model.empty()) object["gpu_model"] = task.gpu_model;
  json::array depends_on;
  for (const std::string& dependency : task.depends_on) depends_on.emplace_back(dependency);
  object["depends_on"] = std::move(depends_on);
  object["replicas"] = task.replicas;
  object["command"] = task.command;
  if (!task.speed.empty()) {
    json::object speed;
    for (const auto& [node_class, factor] : task.speed) speed[node_class] = factor;
    object["speed"] = std::move(speed);
  }
  return object;
}

json::object task_record_json(const TaskRecord& record) {
  json::object object = task_spec_json(record.spec);
  object["max_attempts"] = record.max_attempts;
  object["state"] = task_state_name(record.state);
  object["attempt"] = record.attempt;
  object["reason"] = record.reason;
  if (!record.waiting_reason.empty() && record.state == TaskState::kQueued) {
    object["waiting_reason"] = record.waiting_reason;
  }
  object["exit_code"] = record.exit_code ? json::value(*record.exit_code) : json::value(nullptr);
  object["submitted_ms"] = record.submitted_ms;
  object["updated_ms"] = record.updated_ms;
  object["started_ms"] = record.started_ms;
  object["finished_ms"] = record.finished_ms;
  json::array assignments;
  for (const Assignment& assignment : record.assignments) {
    assignments.push_back(json::object{{"node", assignment.node_id},
                                       {"replica", assignment.replica},
                                       {"gpus", int_array(assignment.gpu_devices)}});
  }
  object["assignments"] = std::move(assignments);
  return object;
}

Result<TaskRecord> task_record_from_json(const std::string& text) {
  auto parsed = http::parse_json_object(text);
  if (!parsed.ok()) return parsed.status();
  json::object& object = *parsed;
  TaskRecord record;
  std::string state_name = string_or_empty(object, "state");
  auto state = parse_task_state(state_name);
  if (!state) return invalid_argument("state: unknown \"" + state_name + "\"");
  record.state = *state;
  record.attempt = static_cast<int>(int_or(object, "attempt", 1));
  record.max_attempts = static_cast<int>(int_or(object, "max_attempts", 1));
  record.reason = string_or_empty(object, "reason");
  if (const json::value* exit_code = object.if_contains("exit_code");
      exit_code != nullptr && exit_code->is_int64()) {
    record.exit_code = static_cast<int>(exit_code->get_int64());
  }
  record.submitted_ms = int_or(object, "submitted_ms", 0);
  record.updated_ms = int_or(object, "updated_ms", 0);
  record.started_ms = int_or(object, "started_ms", 0);
  record.finished_ms = int_or(object, "finished_ms", 0);
  for (std::string_view field :
       {"state", "attempt", "reason", "waiting_reason", "exit_code", "submitted_ms", "updated_ms",
        "started_ms", "finished_ms", "assignments"}) {
    object.erase(field);
  }
  auto submission = task_from_json(object, "");
  if (!submission.ok()) return submission.status();
  record.spec = std::move(submission->task);
  return record;
}

Result<Node> node_from_json(const json::value& value) {
  if (!value.is_object()) {
    return invalid_argument("body: expected a node object, got " + http::to_json_text(value));
  }
  const json::object& object = value.get_object();
  FULCRUM_RETURN_IF_ERROR(reject_unknown(object, "",
                                         {"id", "cpu", "memory", "gpus", "gpu_model", "labels",
                                          "weight", "resources", "state", "power"}));
  std::string id;
  FULCRUM_ASSIGN_OR_RETURN(id, read_string(object, "id", "", true));
  ResourceVector capacity;
  FULCRUM_RETURN_IF_ERROR(read_resources(object, "", capacity));
  std::optional<int64_t> gpus;
  FULCRUM_ASSIGN_OR_RETURN(gpus, read_integer(object, "gpus", "", 0, kMaxGpus, true));
  std::string gpu_model;
  FULCRUM_ASSIGN_OR_RETURN(gpu_model, read_string(object, "gpu_model", "", false));
  if (gpus.value_or(0) > 0 && gpu_model.empty()) {
    return bad_field("", "gpu_model", "required when gpus > 0 (for example \"A100\")");
  }
  if (gpus.value_or(0) == 0 && !gpu_model.empty()) {
    return bad_field("", "gpu_model", "set, but the node has no gpus");
  }
  Node node = Node::with_capacity(id, capacity, static_cast<int>(gpus.value_or(0)), gpu_model);
  FULCRUM_ASSIGN_OR_RETURN(node.labels, read_labels(object, ""));
  std::optional<int64_t> weight;
  FULCRUM_ASSIGN_OR_RETURN(weight, read_integer(object, "weight", "", 0, kMaxWeight, false));
  node.weight = static_cast<int>(weight.value_or(1));
  FULCRUM_ASSIGN_OR_RETURN(node.power, read_power(object));
  std::string state_name;
  FULCRUM_ASSIGN_OR_RETURN(state_name, read_string(object, "state", "", false));
  if (!state_name.empty()) {
    auto state = parse_node_state(state_name);
    if (!state) {
      return bad_field("", "state",
                       "expected one of up, cordoned, draining, down, got \"" + state_name + "\"");
    }
    node.state = *state;
  }
  return node;
}

json::object node_json(const Node& node, const NodeRecord& record) {
  json::object object;
  object["id"] = node.id;
  object["state"] = node_state_name(node.state);
  put_resources(object, node.capacity);
  object["gpus"] = node.gpus.count();
  if (!node.gpu_model.empty()) object["gpu_model"] = node.gpu_model;
  json::object labels;
  for (const auto& [key, value] : node.labels) labels[key] = value;
  object["labels"] = std::move(labels);
  object["weight"] = node.weight;
  if (node.power) {
    object["power"] = json::object{{"idle_watts", node.power->idle_watts},
                                   {"peak_watts", node.power->peak_watts}};
  }
  json::object allocated;
  put_resources(allocated, node.allocated);
  allocated["gpu_milli"] = node.allocated.gpu_milli;
  object["allocated"] = std::move(allocated);
  object["registered_ms"] = record.registered_ms;
  object["last_heartbeat_ms"] =
      record.last_heartbeat_ms ? json::value(*record.last_heartbeat_ms) : json::value(nullptr);
  if (record.utilization) {
    object["utilization"] = json::object{{"cpu", record.utilization->cpu},
                                         {"memory", record.utilization->memory},
                                         {"gpu", record.utilization->gpu}};
  }
  return object;
}

Result<std::pair<Node, NodeRecord>> node_from_store_json(const std::string& text) {
  auto parsed = http::parse_json_object(text);
  if (!parsed.ok()) return parsed.status();
  json::object& object = *parsed;
  NodeRecord record;
  record.registered_ms = int_or(object, "registered_ms", 0);
  if (const json::value* beat = object.if_contains("last_heartbeat_ms");
      beat != nullptr && beat->is_int64()) {
    record.last_heartbeat_ms = beat->get_int64();
  }
  for (std::string_view field :
       {"allocated", "registered_ms", "last_heartbeat_ms", "utilization"}) {
    object.erase(field);
  }
  auto node = node_from_json(object);
  if (!node.ok()) return node.status();
  return std::make_pair(std::move(*node), record);
}

json::object event_json(const Event& event) {
  json::object object;
  object["seq"] = event.seq;
  object["time_ms"] = event.time_ms;
  object["kind"] = event.kind;
  if (!event.task_id.empty()) object["task"] = event.task_id;
  if (!event.node_id.empty()) object["node"] = event.node_id;
  object["from"] = event.from_state;
  object["to"] = event.to_state;
  object["reason"] = event.reason;
  if (event.kind == "task" || event.kind == "preempted") object["attempt"] = event.attempt;
  return object;
}

}  // namespace fulcrum
