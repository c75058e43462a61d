// Running the built `fulcrum` binary the way a user does, for the CLI tests.
#pragma once

#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

namespace fulcrum::testing {

struct CommandResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr together
};

// Runs from the project root, as a user does: defaults such as ../shared/data resolve from there.
inline CommandResult run_fulcrum(const std::string& arguments) {
  std::string command = "cd '" + std::string(FULCRUM_SOURCE_DIR) + "' && " +
                        std::string(FULCRUM_BINARY) + " " + arguments + " 2>&1";
  CommandResult result;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return result;
  std::array<char, 4096> buffer{};
  size_t count = 0;
  while ((count = fread(buffer.data(), 1, buffer.size(), pipe)) > 0) {
    result.output.append(buffer.data(), count);
  }
  int status = pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

inline std::string example(const std::string& name) {
  return std::string(FULCRUM_SOURCE_DIR) + "/examples/" + name;
}

// A file in a fresh temporary folder, removed with the test.
class TempFile {
 public:
  TempFile(const std::string& name, const std::string& content) {
    folder_ = std::filesystem::temp_directory_path() /
              ("fulcrum-cli-" + std::to_string(::getpid()) + "-" + name);
    std::filesystem::create_directories(folder_);
    path_ = (folder_ / name).string();
    std::ofstream(path_) << content;
  }
  ~TempFile() { std::filesystem::remove_all(folder_); }
  const std::string& path() const { return path_; }

 private:
  std::filesystem::path folder_;
  std::string path_;
};

// The whole text of a file; empty when it cannot be read.
inline std::string read_text_file(const std::filesystem::path& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// An empty temporary folder path, unique to this process and `name`; the test removes it.
inline std::filesystem::path fresh_temp_dir(const std::string& name) {
  auto dir = std::filesystem::temp_directory_path() /
             ("fulcrum-cli-" + std::to_string(::getpid()) + "-" + name);
  std::filesystem::remove_all(dir);
  return dir;
}

inline bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace fulcrum::testing
