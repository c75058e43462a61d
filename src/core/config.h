// Loading clusters and tasks from YAML files, and the pieces other config readers share. Every
// error names the file, the line and the key, e.g. `cluster.yaml:12: nodes[2].gpus: expected a
// non-negative integer, got "two"`. Formats are described in docs/config.md.
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

// A file path from config, resolved relative to the folder of the file it was read from; the
// error names the key when the value is not a non-empty string.
Result<std::string> read_config_path(const YamlValue& value);
// `path` as read from `config_file`: absolute as is, relative against the file's folder.
std::string resolve_config_path(const std::string& path, const std::string& config_file);

}  // namespace fulcrum
