// `fulcrum sim cluster --mode saturation`: the FGD paper's saturation experiment (sim/saturation.h)
// for several placers and seeds on an Alibaba node list and pod list, with a table, CSV files and
// PNG plots.
#pragma once

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

namespace fulcrum {

struct SaturationCommandOptions {
  std::string nodes_file;               // Alibaba node list (sn,cpu_milli,memory_mib,gpu,model)
  std::string pods_file;                // Alibaba pod list
  std::vector<std::string> placements;  // placers to compare: "name" or "name:key=value,..."
  uint64_t seed = 1;                    // first seed; runs use seed .. seed + seeds - 1
  int seeds = 1;
  double arrival_ratio = 1.3;
  std::string csv_dir;    // writes saturation_curve.csv and saturation_summary.csv when set
  std::string plots_dir;  // draws PNGs with tools/plot_saturation.py when set
};


// Runs every policy for every seed; prints the table to `out` and progress to `progress`.
// Returns an exit code (kExitOk, kExitBadInput, kExitError).
int run_saturation_command(const SaturationCommandOptions& options, std::ostream& out,
                           std::ostream& progress);

}  // namespace fulcrum
