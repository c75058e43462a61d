#include "policy/registry.h"

namespace fulcrum {

const std::vector<PickerEntry>& picker_registry() {
  static const std::vector<PickerEntry> entries = {
      // One line per policy, e.g. round_robin_entry(),
  };
  return entries;
}

Result<std::unique_ptr<Picker>> make_picker(const std::string& name, const PolicyParams& params) {
  return create_from_registry<Picker>("routing policy", picker_registry(), name, params);
}

}  // namespace fulcrum
