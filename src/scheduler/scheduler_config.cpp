#include "scheduler/scheduler_config.h"

#include "scheduler/executor_registry.h"
#include "scheduler/records_json.h"

namespace fulcrum {

namespace {

Status read_listen(const YamlValue& value, SchedulerConfig& config) {
  FULCRUM_RETURN_IF_ERROR(value.expect_map({"address", "port"}));
  if (value.has("address")) FULCRUM_ASSIGN_OR_RETURN(config.address, value["address"].as_string());
  if (value.has("port")) {
    int64_t port = 0;
    FULCRUM_ASSIGN_OR_RETURN(port, value["port"].as_int(0, 65535));
    config.port = static_cast<uint16_t>(port);
  }
  return {};
}

Status read_store(const YamlValue& value, SchedulerConfig& config) {
  FULCRUM_RETURN_IF_ERROR(value.expect_map({"path", "synchronous"}));
  if (value.has("path"))
    FULCRUM_ASSIGN_OR_RETURN(config.store_path, read_config_path(value["path"]));
  if (value.has("synchronous")) {
    std::string mode;
    FULCRUM_ASSIGN_OR_RETURN(mode, value["synchronous"].as_string());
    if (mode != "full" && mode != "normal") {
      return value["synchronous"].error("expected full or normal, got \"" + mode + "\"");
    }
    config.durability = mode == "full" ? Store::Durability::kFull : Store::Durability::kNormal;
  }
  return {};
}

// The type is checked here, with the parameter names; their values when the executor is made.
Status read_executor(const YamlValue& value, SchedulerConfig& config) {
  ExecutorChoice& choice = config.executor;
  choice.origin = value.file_name() + ":" + std::to_string(value.line()) + ": " + value.path();
  if (!value.is_map()) return value.error("expected a map such as {type: local, log_dir: logs}");
  std::map<std::string, std::string> entries;
  FULCRUM_ASSIGN_OR_RETURN(entries, value.as_string_map());
  if (auto type = entries.extract("type")) choice.type = std::move(type.mapped());
  auto entry = find_executor(choice.type);
  if (!entry.ok()) return value["type"].error(entry.error_message());
  for (auto& [name, text] : entries) choice.params.set(name, std::move(text));
  choice.params.set_config_file(value.file_name());
  if (Status known = choice.params.check_known((*entry)->params); !known.ok()) {
    return value.error("executor \"" + choice.type + "\": " + known.message());
  }
  return {};
}

Status read_monitor(const YamlValue& value, SchedulerConfig& config) {
  FULCRUM_RETURN_IF_ERROR(value.expect_map({"interval", "heartbeat_timeout"}));
  if (value.has("interval")) {
    FULCRUM_ASSIGN_OR_RETURN(config.monitor_interval_ms, read_duration_ms(value["interval"]));
    if (config.monitor_interval_ms < 1) return value["interval"].error("must be at least 1ms");
  }
  if (value.has("heartbeat_timeout")) {
    FULCRUM_ASSIGN_OR_RETURN(config.heartbeat_timeout_ms,
                             read_duration_ms(value["heartbeat_timeout"]));
  }
  return {};
}

Status read_auth(const YamlValue& value, SchedulerConfig& config) {
  FULCRUM_RETURN_IF_ERROR(value.expect_map({"token", "read_token"}));
  if (value.has("token")) FULCRUM_ASSIGN_OR_RETURN(config.token, value["token"].as_string());
  if (value.has("read_token")) {
    FULCRUM_ASSIGN_OR_RETURN(config.read_token, value["read_token"].as_string());
  }
  if (!config.read_token.empty() && config.read_token == config.token) {
    return value["read_token"].error("must differ from token");
  }
  return {};
}

Status read_scale(const YamlValue& value, SchedulerConfig& config) {
  FULCRUM_RETURN_IF_ERROR(value.expect_map({"window", "low_utilization", "hook"}));
  if (value.has("window")) {
    FULCRUM_ASSIGN_OR_RETURN(config.scale_window_ms, read_duration_ms(value["window"]));
  }
  if (value.has("low_utilization")) {
    FULCRUM_ASSIGN_OR_RETURN(config.scale_low_utilization,
                             value["low_utilization"].as_double(0, 1));
  }
  if (value.has("hook")) FULCRUM_ASSIGN_OR_RETURN(config.scale_hook, value["hook"].as_string());
  return {};
}

Status read_preemption(const YamlValue& value, SchedulerConfig& config) {
  FULCRUM_RETURN_IF_ERROR(value.expect_map({"enabled", "grace"}));
  if (value.has("enabled")) FULCRUM_ASSIGN_OR_RETURN(config.preemption, value["enabled"].as_bool());
  if (value.has("grace")) {
    FULCRUM_ASSIGN_OR_RETURN(config.preemption_grace_ms, read_duration_ms(value["grace"]));
  }
  return {};
}

}  // namespace

Result<SchedulerConfig> read_scheduler_section(const YamlValue& section) {
  FULCRUM_RETURN_IF_ERROR(
      section.expect_map({"listen", "cluster", "store", "placement", "queue", "executor", "monitor",
                          "tasks", "auth", "scale", "preemption"}));
  SchedulerConfig config;
  if (section.has("listen")) FULCRUM_RETURN_IF_ERROR(read_listen(section["listen"], config));
  if (section.has("cluster")) {
    FULCRUM_ASSIGN_OR_RETURN(config.cluster_file, read_config_path(section["cluster"]));
  }
  if (section.has("store")) FULCRUM_RETURN_IF_ERROR(read_store(section["store"], config));
  FULCRUM_ASSIGN_OR_RETURN(config.placement,
                           read_policy_choice(section["placement"], config.placement));
  FULCRUM_ASSIGN_OR_RETURN(config.queue, read_policy_choice(section["queue"], config.queue));
  if (config.placement.name == "milp") {
    auto milp = read_milp_placement(config.placement.params);
    if (!milp.ok()) {
      return invalid_argument(config.placement.origin +
                              ": placement policy \"milp\": " + milp.error_message());
    }
    config.milp = std::move(*milp);
  }
  if (section.has("executor")) FULCRUM_RETURN_IF_ERROR(read_executor(section["executor"], config));
  if (section.has("monitor")) FULCRUM_RETURN_IF_ERROR(read_monitor(section["monitor"], config));
  if (section.has("tasks")) {
    YamlValue tasks = section["tasks"];
    FULCRUM_RETURN_IF_ERROR(tasks.expect_map({"max_attempts"}));
    if (tasks.has("max_attempts")) {
      int64_t attempts = 0;
      FULCRUM_ASSIGN_OR_RETURN(attempts, tasks["max_attempts"].as_int(1, kMaxAttemptsLimit));
      config.max_attempts = static_cast<int>(attempts);
    }
  }
  if (section.has("auth")) FULCRUM_RETURN_IF_ERROR(read_auth(section["auth"], config));
  if (section.has("scale")) FULCRUM_RETURN_IF_ERROR(read_scale(section["scale"], config));
  if (section.has("preemption")) {
    FULCRUM_RETURN_IF_ERROR(read_preemption(section["preemption"], config));
  }
  return config;
}

Result<SchedulerConfig> parse_scheduler_config(std::string_view yaml_text,
                                               const std::string& file_name) {
  auto document = YamlValue::parse(yaml_text, file_name);
  if (!document.ok()) return document.status();
  FULCRUM_RETURN_IF_ERROR(document->expect_map({"scheduler"}));
  if (!document->has("scheduler")) return document->error("missing required key scheduler");
  return read_scheduler_section((*document)["scheduler"]);
}

Result<SchedulerConfig> load_scheduler_config(const std::string& path) {
  auto text = read_text_file(path);
  if (!text.ok()) return text.status();
  return parse_scheduler_config(*text, path);
}

}  // namespace fulcrum
