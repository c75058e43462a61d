// Solving a written model with GLPK's glpsol (Debian glpk-utils), the independent solver the
// MILP models are cross-checked against.
#pragma once

#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

namespace fulcrum::testing {

inline std::string temp_model_path(const std::string& name) {
  return (std::filesystem::temp_directory_path() /
          ("fulcrum-" + std::to_string(::getpid()) + "-" + name))
      .string();
}

// glpsol's optimal objective for the model at `path` (.lp: CPLEX-LP, else free MPS), or NaN.
inline double glpsol_objective(const std::string& path) {
  std::string report = temp_model_path("glpsol.out");
  std::string format = path.ends_with(".lp") ? "--lp " : "--freemps ";
  std::string command =
      "glpsol --tmlim 120 " + format + path + " -o " + report + " > /dev/null 2>&1";
  if (std::system(command.c_str()) != 0) return std::nan("");
  std::ifstream in(report);
  std::string line;
  double objective = std::nan("");
  bool optimal = false;
  while (std::getline(in, line)) {
    if (line.find("Status:") != std::string::npos)
      optimal = line.find("OPTIMAL") != std::string::npos;
    if (line.find("Objective:") != std::string::npos) {
      objective = std::stod(line.substr(line.find('=') + 1));
    }
  }
  std::filesystem::remove(report);
  return optimal ? objective : std::nan("");
}

}  // namespace fulcrum::testing
