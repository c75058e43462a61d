// The `create` function of a registry entry for a placer that takes no parameters.
#pragma once

#include <memory>

#include "core/params.h"
#include "core/status.h"
#include "placement/placer.h"

namespace fulcrum {

template <typename ConcretePlacer>
Result<std::unique_ptr<Placer>> create_placer(const PolicyParams& /*params*/) {
  return std::unique_ptr<Placer>(std::make_unique<ConcretePlacer>());
}

}  // namespace fulcrum
