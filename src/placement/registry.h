// Placement policies by name. Adding a policy is one file plus one line in registry.cpp.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/registry.h"
#include "placement/placer.h"

namespace fulcrum {

using PlacerEntry = RegistryEntry<Placer>;

const std::vector<PlacerEntry>& placer_registry();

// Creates the named placer; unknown names and bad parameters give an error naming them.
Result<std::unique_ptr<Placer>> make_placer(const std::string& name,
                                            const PolicyParams& params = {});

}  // namespace fulcrum
