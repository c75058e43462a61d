#include "scheduler/executor_registry.h"

#include "core/config.h"
#include "scheduler/local_executor.h"
#include "scheduler/simulated_executor.h"

namespace fulcrum {

namespace {

constexpr const char* kKind = "executor";

Status bad_value(const std::string& name, const std::string& value, const std::string& expected) {
  return invalid_argument("parameter \"" + name + "\": expected " + expected + ", got \"" + value +
                          "\"");
}

}  // namespace

const std::vector<ExecutorEntry>& executor_registry() {
  static const std::vector<ExecutorEntry> entries = {
      simulated_executor_entry(),
      local_executor_entry(),
  };
  return entries;
}

Result<const ExecutorEntry*> find_executor(const std::string& type) {
  return find_in_registry<Executor, ExecutorParams>(kKind, executor_registry(), type);
}

Result<std::unique_ptr<Executor>> make_executor(const std::string& type,
                                                const ExecutorParams& params) {
  return create_from_registry<Executor, ExecutorParams>(kKind, executor_registry(), type, params);
}

Result<std::string> ExecutorParams::get_path(const std::string& name,
                                             const std::string& fallback) const {
  std::string path;
  FULCRUM_ASSIGN_OR_RETURN(path, get_string(name, fallback));
  if (path.empty()) return bad_value(name, path, "a path");
  return resolve_config_path(path, config_file_);
}

Result<int64_t> ExecutorParams::get_duration_ms(const std::string& name, int64_t fallback) const {
  if (!has(name)) return fallback;
  const std::string& text = values().at(name);
  auto duration = parse_duration_ms(text);
  if (!duration.ok())
    return invalid_argument("parameter \"" + name + "\": " + duration.error_message());
  return duration;
}

Result<bool> ExecutorParams::get_bool(const std::string& name, bool fallback) const {
  if (!has(name)) return fallback;
  const std::string& text = values().at(name);
  if (text == "true") return true;
  if (text == "false") return false;
  return bad_value(name, text, "true or false");
}

}  // namespace fulcrum
