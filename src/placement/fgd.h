// fgd: Fragmentation Gradient Descent (Weng et al., USENIX ATC'23).
#pragma once

#include "placement/fragmentation_placer.h"
#include "placement/registry.h"

namespace fulcrum {

class FgdPlacer final : public FragmentationPlacer {
 public:
  std::string_view name() const override { return "fgd"; }

 protected:
  Score score(const Node& node, const Task& task, const DeviceChoice& choice) override;
};

PlacerEntry fgd_entry();

}  // namespace fulcrum
