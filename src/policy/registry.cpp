#include "policy/registry.h"

#include "policy/consistent_hash.h"
#include "policy/kv_cost.h"
#include "policy/least_connections.h"
#include "policy/least_load.h"
#include "policy/peak_ewma.h"
#include "policy/power_of_two_choices.h"
#include "policy/prefix_aware.h"
#include "policy/round_robin.h"
#include "policy/scored.h"
#include "policy/session_affinity.h"
#include "policy/weighted_round_robin.h"

namespace fulcrum {

const std::vector<PickerEntry>& picker_registry() {
  static const std::vector<PickerEntry> entries = {
      round_robin_entry(),     weighted_round_robin_entry(), least_connections_entry(),
      least_load_entry(),      power_of_two_choices_entry(), peak_ewma_entry(),
      consistent_hash_entry(), prefix_aware_entry(),         scored_entry(),
      kv_cost_entry(),         prefill_cost_entry(),         session_affinity_entry(),
  };
  return entries;
}

Result<std::unique_ptr<Picker>> make_picker(const std::string& name, const PolicyParams& params) {
  return create_from_registry<Picker>("routing policy", picker_registry(), name, params);
}

}  // namespace fulcrum
