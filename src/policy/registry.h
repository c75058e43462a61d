// Routing policies by name. Adding a policy is one file plus one line in registry.cpp.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/registry.h"
#include "policy/picker.h"

namespace fulcrum {

using PickerEntry = RegistryEntry<Picker>;

const std::vector<PickerEntry>& picker_registry();

// Creates the named picker; unknown names and bad parameters give an error naming them.
Result<std::unique_ptr<Picker>> make_picker(const std::string& name,
                                            const PolicyParams& params = {});

}  // namespace fulcrum
