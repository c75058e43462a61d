// fgd_packing: fgd whose near-equal choices go to the node left with the fewest free GPUs.
#pragma once

#include "placement/fragmentation_placer.h"
#include "placement/registry.h"

namespace fulcrum {

class FgdPackingPlacer final : public FragmentationPlacer {
 public:
  static constexpr double kDefaultToleranceMilli = 100;

  explicit FgdPackingPlacer(double tolerance_milli = kDefaultToleranceMilli)
      : tolerance_milli_(tolerance_milli) {}
  std::string_view name() const override { return "fgd_packing"; }

 protected:
  Score score(const Node& node, const Task& task, const DeviceChoice& choice) override;

 private:
  double tolerance_milli_;
};

PlacerEntry fgd_packing_entry();

}  // namespace fulcrum
