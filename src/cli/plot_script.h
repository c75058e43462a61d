// Runs a plot script of tools/ (python3 with matplotlib) for the CLI's --plots options.
#pragma once

#include <string>
#include <vector>

#include "core/status.h"

namespace fulcrum {

// Finds tools/`script_name` (e.g. "sim_plots.py") under $FULCRUM_TOOLS_DIR when set, else in the
// project root beside the binary's build directory (build/fulcrum -> tools/), else under the
// working directory, and runs it with python3 and `args` (each passed as one argument). Python is
// $FULCRUM_PYTHON when set, else /usr/bin/python3 (where Debian's python3-matplotlib installs),
// else python3 on PATH. Errors name the script when it is missing, python3 or matplotlib when they
// are, and the command when the script fails.
Status run_plot_script(const std::string& script_name, const std::vector<std::string>& args);

}  // namespace fulcrum
