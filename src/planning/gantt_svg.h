// A Gantt chart of a plan as a standalone SVG document: one row per node, one bar per replica
// labelled with its task id, a time axis in minutes. Pure text output, no dependencies.
#pragma once

#include <string>

#include "planning/plan.h"

namespace fulcrum {

std::string gantt_svg(const PlanProblem& problem, const Plan& plan, const std::string& title);

}  // namespace fulcrum
