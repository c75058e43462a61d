#include "placement/registry.h"

#include "placement/best_fit.h"
#include "placement/dot_product.h"
#include "placement/fgd.h"
#include "placement/fgd_packing.h"
#include "placement/first_fit.h"
#include "placement/gpu_packing.h"
#include "placement/least_loaded.h"
#include "placement/weighted_rr_placer.h"

namespace fulcrum {

const std::vector<PlacerEntry>& placer_registry() {
  static const std::vector<PlacerEntry> entries = {
      first_fit_entry(),
      best_fit_entry(),
      least_loaded_entry(),
      weighted_rr_placer_entry(),
      dot_product_entry(),
      gpu_packing_entry(),
      fgd_entry(),
      fgd_packing_entry(),
  };
  return entries;
}

Result<std::unique_ptr<Placer>> make_placer(const std::string& name, const PolicyParams& params) {
  return create_from_registry<Placer>("placement policy", placer_registry(), name, params);
}

}  // namespace fulcrum
