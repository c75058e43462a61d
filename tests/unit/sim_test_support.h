// Helpers for the simulator's tests: trace files written for one test, and the real traces.
#pragma once

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

namespace fulcrum::testing {

// A file with the given contents for the lifetime of the object.
class TempTraceFile {
 public:
  TempTraceFile(const std::string& name, const std::string& contents)
      : path_((std::filesystem::temp_directory_path() /
               ("fulcrum-sim-" + std::to_string(::getpid()) + "-" + name))
                  .string()) {
    std::ofstream(path_) << contents;
  }
  ~TempTraceFile() { std::filesystem::remove(path_); }
  TempTraceFile(const TempTraceFile&) = delete;
  TempTraceFile& operator=(const TempTraceFile&) = delete;

  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// A file of the real traces in ../shared/data (see its README.md).
inline std::string shared_data(const std::string& relative) {
  return std::string(FULCRUM_SOURCE_DIR) + "/../shared/data/" + relative;
}

}  // namespace fulcrum::testing
