// The shared lookup behind every "by name" registry (routing, placement, queues, planners,
// executors): a central, ordered list of entries per kind, each one line in its registry file.
#pragma once

#include <memory>
#include <span>
#include <string>
#include <type_traits>
#include <vector>

#include "core/params.h"
#include "core/status.h"

namespace fulcrum {

// An entry names a policy, describes it in one line, lists its parameters and creates it.
template <typename Product, typename Params = PolicyParams>
struct RegistryEntry {
  std::string name;
  std::string description;  // one line for `fulcrum policies`
  std::vector<ParamSpec> params;
  Result<std::unique_ptr<Product>> (*create)(const Params& params);
};

// The entry called `name`, or an error naming the kind ("routing policy") and the unknown name
// and listing the known ones.
template <typename Product, typename Params>
Result<const RegistryEntry<Product, Params>*> find_in_registry(
    const std::string& kind, std::span<const RegistryEntry<Product, Params>> entries,
    const std::string& name) {
  std::string known;
  for (const RegistryEntry<Product, Params>& entry : entries) {
    if (entry.name == name) return &entry;
    known += known.empty() ? entry.name : ", " + entry.name;
  }
  return not_found("unknown " + kind + " \"" + name + "\" (known: " + known + ")");
}

// Finds `name` among `entries` and creates it. Errors name the kind, the policy and the parameter
// at fault, or list the known names.
template <typename Product, typename Params = PolicyParams>
Result<std::unique_ptr<Product>> create_from_registry(
    const std::string& kind,
    std::type_identity_t<std::span<const RegistryEntry<Product, Params>>> entries,
    const std::string& name, const Params& params) {
  auto entry = find_in_registry<Product, Params>(kind, entries, name);
  if (!entry.ok()) return entry.status();
  if (Status status = params.check_known((*entry)->params); !status.ok()) {
    return invalid_argument(kind + " \"" + name + "\": " + status.message());
  }
  auto product = (*entry)->create(params);
  if (!product.ok()) {
    return invalid_argument(kind + " \"" + name + "\": " + product.error_message());
  }
  return product;
}

}  // namespace fulcrum
