// Session affinity with bounded load. With a non-empty affinity key k:
//   chosen = consistent_hash(hash_bytes(k)): the first backend clockwise from the key's ring point
//            with in_flight < ceil(load_factor * (total in_flight + 1) / eligible count)
// Without a key: least in_flight / weight, ties by rotation.
#include "policy/session_affinity.h"

#include <memory>

#include "core/hash.h"
#include "policy/picker_params.h"

namespace fulcrum {

PickResult SessionAffinityPicker::pick(const RequestView& request,
                                       std::span<const BackendView> backends) {
  if (!request.affinity_key.empty()) {
    RequestView keyed = request;
    keyed.hash_key = hash_bytes(request.affinity_key);
    return ring_.pick(keyed, backends);
  }
  std::optional<std::size_t> chosen =
      lowest_eligible(backends, rotation_.start(backends.size()),
                      [backends](std::size_t index) { return load_per_weight(backends[index]); });
  rotation_.advance_past(chosen);
  return pick_result(chosen, backends);
}

PickerEntry session_affinity_entry() {
  return {std::string(SessionAffinityPicker::kName),
          "same session key, same backend (consistent hashing, bounded load); else least loaded",
          consistent_hash_entry().params,
          [](const PolicyParams& params) -> Result<std::unique_ptr<Picker>> {
            return picker_from_config<SessionAffinityPicker>(consistent_hash_config(params));
          }};
}

}  // namespace fulcrum
