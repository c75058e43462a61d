// Round robin. Each pick starts one past the previous choice and takes the first eligible
// backend in circular span order:
//   chosen = first eligible at or after (previous + 1) mod n
// O(1) while backends are eligible; ineligible ones are stepped over, so each eligible backend
// still gets exactly one pick per turn.
#include "policy/round_robin.h"

#include <memory>

namespace fulcrum {

PickResult RoundRobinPicker::pick(const RequestView& /*request*/,
                                  std::span<const BackendView> backends) {
  std::optional<std::size_t> chosen =
      first_eligible_from(backends, rotation_.start(backends.size()));
  rotation_.advance_past(chosen);
  return pick_result(chosen, backends);
}

PickerEntry round_robin_entry() {
  return {std::string(RoundRobinPicker::kName),
          "each eligible backend in turn",
          {},
          [](const PolicyParams& /*params*/) -> Result<std::unique_ptr<Picker>> {
            return std::unique_ptr<Picker>(std::make_unique<RoundRobinPicker>());
          }};
}

}  // namespace fulcrum
