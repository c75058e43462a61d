// Loading clusters, tasks and the `fulcrum serve` config from YAML files. Every error names the
// file, the line and the key, e.g. `cluster.yaml:12: nodes[2].gpus: expected a non-negative
// integer, got "two"`. Formats are described in docs/config.md.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/cluster.h"
#include "core/params.h"
#include "core/status.h"
#include "core/task.h"
#include "core/yaml_reader.h"

namespace fulcrum {

// Quantities as operators write them (Kubernetes style).
Result<int64_t> parse_cpu_millis(std::string_view text);    // "2", "0.5", "500m"
Result<int64_t> parse_memory_bytes(std::string_view text);  // "8Gi", "512Mi", "1G", "1048576"
Result<int64_t> parse_duration_ms(std::string_view text);   // "1500ms", "90s", "30m", "2h", "1d"

// The same, read from a YAML value; errors name file, line and key.
Result<int64_t> read_cpu_millis(const YamlValue& value);
Result<int64_t> read_memory_bytes(const YamlValue& value);
Result<int64_t> read_duration_ms(const YamlValue& value);

Result<Cluster> parse_cluster(std::string_view yaml_text, const std::string& file_name);
Result<Cluster> load_cluster_file(const std::string& path);

// Tasks are checked as a graph too: unique ids, known dependencies, no cycles.
Result<std::vector<Task>> parse_tasks(std::string_view yaml_text, const std::string& file_name);
Result<std::vector<Task>> load_tasks_file(const std::string& path);

// A policy chosen in config: `{policy: least_loaded, params: {seed: 7}}`.
struct PolicyChoice {
  std::string name;
  PolicyParams params;
  std::string origin;  // "quickstart.yaml:7: placement", to prefix errors found later
};

// `{policy: NAME, params: {...}}`; `fallback` when the value is absent.
Result<PolicyChoice> read_policy_choice(const YamlValue& value, PolicyChoice fallback);

// `fulcrum serve` config. Paths are resolved relative to the config file's folder.
struct ServeConfig {
  std::string cluster_file;
  std::string tasks_file;
  PolicyChoice placement{"least_loaded", {}, ""};
  PolicyChoice routing{"round_robin", {}, ""};
};

Result<ServeConfig> parse_serve_config(std::string_view yaml_text, const std::string& file_name);
Result<ServeConfig> load_serve_config(const std::string& path);

}  // namespace fulcrum
