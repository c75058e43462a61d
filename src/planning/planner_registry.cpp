// The planners by name; adding one is a file plus a line here.
#include "planning/anneal_planner.h"
#include "planning/greedy_planner.h"
#include "planning/heft_planner.h"
#include "planning/milp_planner.h"
#include "planning/planner.h"

namespace fulcrum {

const std::vector<PlannerEntry>& planner_registry() {
  static const std::vector<PlannerEntry> entries = {
      greedy_planner_entry(),
      heft_planner_entry(),
      anneal_planner_entry(),
      milp_planner_entry(),
  };
  return entries;
}

Result<std::unique_ptr<Planner>> make_planner(const std::string& name, const PolicyParams& params) {
  return create_from_registry<Planner>("planner", planner_registry(), name, params);
}

}  // namespace fulcrum
