// The shared lookup behind every "policy by name" registry (routing, placement, ...).
#pragma once

#include <memory>
#include <span>
#include <string>
#include <vector>

#include "core/params.h"
#include "core/status.h"

namespace fulcrum {

// An entry names a policy, describes it in one line, lists its parameters and creates it.
template <typename Product>
struct RegistryEntry {
  std::string name;
  std::string description;  // one line for `fulcrum policies`
  std::vector<ParamSpec> params;
  Result<std::unique_ptr<Product>> (*create)(const PolicyParams& params);
};

// Finds `name` among `entries` and creates it. Errors name the kind ("routing policy"), the
// policy and the parameter at fault, or list the known names.
template <typename Product>
Result<std::unique_ptr<Product>> create_from_registry(
    const std::string& kind, std::span<const RegistryEntry<Product>> entries,
    const std::string& name, const PolicyParams& params) {
  std::string known;
  for (const RegistryEntry<Product>& entry : entries) {
    if (entry.name == name) {
      if (Status status = params.check_known(entry.params); !status.ok()) {
        return invalid_argument(kind + " \"" + name + "\": " + status.message());
      }
      auto product = entry.create(params);
      if (!product.ok()) {
        return invalid_argument(kind + " \"" + name + "\": " + product.error_message());
      }
      return product;
    }
    known += known.empty() ? entry.name : ", " + entry.name;
  }
  return not_found("unknown " + kind + " \"" + name + "\" (known: " + known + ")");
}

}  // namespace fulcrum
