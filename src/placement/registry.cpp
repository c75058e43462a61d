#include "placement/registry.h"

namespace fulcrum {

const std::vector<PlacerEntry>& placer_registry() {
  static const std::vector<PlacerEntry> entries = {
      // One line per policy, e.g. first_fit_entry(),
  };
  return entries;
}

Result<std::unique_ptr<Placer>> make_placer(const std::string& name, const PolicyParams& params) {
  return create_from_registry<Placer>("placement policy", placer_registry(), name, params);
}

}  // namespace fulcrum
