#include "serve/serve_config.h"

#include "emulator/profile.h"

namespace fulcrum {

namespace {

constexpr int kMaxReplicas = 64;

Result<EmulatorFleetConfig> read_emulators(const YamlValue& value) {
  FULCRUM_RETURN_IF_ERROR(
      value.expect_map({"profile", "replicas", "address", "base_port", "speed", "model"}));
  EmulatorFleetConfig fleet;
  if (!value.has("profile")) return value.error("missing required key profile");
  FULCRUM_ASSIGN_OR_RETURN(fleet.profile_file, read_config_path(value["profile"]));
  if (value.has("replicas")) {
    int64_t replicas = 0;
    FULCRUM_ASSIGN_OR_RETURN(replicas, value["replicas"].as_int(1, kMaxReplicas));
    fleet.replicas = static_cast<int>(replicas);
  }
  if (value.has("address")) FULCRUM_ASSIGN_OR_RETURN(fleet.address, value["address"].as_string());
  if (value.has("base_port")) {
    int64_t port = 0;
    FULCRUM_ASSIGN_OR_RETURN(port, value["base_port"].as_int(0, 65535 - (fleet.replicas - 1)));
    fleet.base_port = static_cast<uint16_t>(port);
  }
  if (value.has("speed")) FULCRUM_ASSIGN_OR_RETURN(fleet.speed, value["speed"].as_double(1e-3, 1e6));
  if (value.has("model")) FULCRUM_ASSIGN_OR_RETURN(fleet.model, value["model"].as_string());
  // The profile is read now so that a bad one is reported with the config, not at start.
  if (auto profile = emulator::load_profile(fleet.profile_file); !profile.ok()) {
    return value["profile"].error(profile.error_message());
  }
  return fleet;
}

}  // namespace

Result<ServeConfig> parse_serve_config(std::string_view yaml_text, const std::string& file_name) {
  auto document = YamlValue::parse(yaml_text, file_name);
  if (!document.ok()) return document.status();
  const YamlValue& root = *document;
  FULCRUM_RETURN_IF_ERROR(root.expect_map(
      {"cluster", "tasks", "placement", "routing", "emulators", "gateway", "scheduler"}));
  ServeConfig config;
  config.file = file_name;
  if (root.has("cluster")) {
    FULCRUM_ASSIGN_OR_RETURN(config.cluster_file, read_config_path(root["cluster"]));
  }
  if (root.has("tasks")) {
    FULCRUM_ASSIGN_OR_RETURN(config.tasks_file, read_config_path(root["tasks"]));
  }
  FULCRUM_ASSIGN_OR_RETURN(config.placement,
                           read_policy_choice(root["placement"], config.placement));
  FULCRUM_ASSIGN_OR_RETURN(config.routing, read_policy_choice(root["routing"], config.routing));
  if (root.has("emulators")) {
    FULCRUM_ASSIGN_OR_RETURN(config.emulators, read_emulators(root["emulators"]));
  }
  if (root.has("gateway")) {
    FULCRUM_ASSIGN_OR_RETURN(config.gateway, read_gateway_section(root["gateway"]));
    if (root.has("routing")) {
      return root["routing"].error("the gateway: section chooses its own policy (gateway.policy)");
    }
  }
  if (root.has("scheduler")) {
    FULCRUM_ASSIGN_OR_RETURN(config.scheduler, read_scheduler_section(root["scheduler"]));
    if (root.has("placement")) {
      return root["placement"].error(
          "the scheduler: section chooses its own policy (scheduler.placement)");
    }
    if (config.scheduler->cluster_file.empty()) config.scheduler->cluster_file = config.cluster_file;
  }
  if (!config.tasks_file.empty() && !config.scheduler && config.cluster_file.empty()) {
    return root["tasks"].error("tasks need a scheduler: section, or a cluster: file to plan on");
  }
  if (!config.starts_services() && config.cluster_file.empty()) {
    return root.error(
        "nothing to start: expected an emulators:, gateway: or scheduler: section, or a cluster: "
        "file to plan on");
  }
  return config;
}

Result<ServeConfig> load_serve_config(const std::string& path) {
  auto text = read_text_file(path);
  if (!text.ok()) return text.status();
  return parse_serve_config(*text, path);
}

}  // namespace fulcrum
