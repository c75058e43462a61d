#include "cli/plot_script.h"

#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <iostream>

namespace fulcrum {

namespace {

std::string env_or_empty(const char* name) {
  const char* value = std::getenv(name);
  return value == nullptr ? std::string() : std::string(value);
}

std::filesystem::path find_script(const std::string& script_name) {
  if (std::string dir = env_or_empty("FULCRUM_TOOLS_DIR"); !dir.empty()) {
    return std::filesystem::path(dir) / script_name;
  }
  std::error_code error;
  std::filesystem::path binary = std::filesystem::read_symlink("/proc/self/exe", error);
  std::vector<std::filesystem::path> bases;
  if (!error) bases.push_back(binary.parent_path().parent_path());
  bases.push_back(std::filesystem::current_path(error));
  for (const std::filesystem::path& base : bases) {
    std::filesystem::path script = base / "tools" / script_name;
    if (std::filesystem::exists(script, error)) return script;
  }
  return std::filesystem::path("tools") / script_name;
}

std::string python_command() {
  if (std::string python = env_or_empty("FULCRUM_PYTHON"); !python.empty()) return python;
  std::error_code error;
  return std::filesystem::exists("/usr/bin/python3", error) ? "/usr/bin/python3" : "python3";
}

// 'text' for /bin/sh, with embedded single quotes escaped.
std::string shell_quote(const std::string& text) {
  std::string quoted = "'";
  for (char c : text) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}

// The exit status of `command` run by /bin/sh with its output discarded; -1 when it did not run.
int quiet_status(const std::string& command) {
  int status = std::system((command + " >/dev/null 2>&1").c_str());
  if (status == -1 || !WIFEXITED(status)) return -1;
  return WEXITSTATUS(status);
}

}  // namespace

Status run_plot_script(const std::string& script_name, const std::vector<std::string>& args) {
  std::filesystem::path script = find_script(script_name);
  std::error_code error;
  if (!std::filesystem::exists(script, error)) {
    return not_found("plot script " + script.string() +
                     " not found (set FULCRUM_TOOLS_DIR to the project's tools/ directory)");
  }
  std::string python = shell_quote(python_command());
  if (quiet_status(python + " -c ''") != 0) {
    return Status(ErrorCode::kInternal,
                  "plots need python3, and " + python + " did not run (install python3 and "
                  "python3-matplotlib, or set FULCRUM_PYTHON)");
  }
  if (quiet_status(python + " -c 'import matplotlib'") != 0) {
    return Status(ErrorCode::kInternal,
                  "plots need matplotlib, which " + python + " cannot import (install "
                  "python3-matplotlib, or set FULCRUM_PYTHON to a python3 that has it)");
  }
  std::string command = python + " " + shell_quote(script.string());
  for (const std::string& arg : args) command += " " + shell_quote(arg);
  // What the command printed so far comes before the script's own lines, also through a pipe.
  std::cout.flush();
  std::cerr.flush();
  int status = std::system(command.c_str());
  if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return Status(ErrorCode::kInternal, "plotting failed: " + command);
  }
  return Status::ok_status();
}

}  // namespace fulcrum
