#include "policy/picker_params.h"

namespace fulcrum {

namespace {
constexpr int64_t kDefaultSeed = 1;
}  // namespace

ParamSpec seed_param_spec() {
  return {"seed", std::to_string(kDefaultSeed), "seed of the picker's random generator"};
}

Result<uint64_t> get_seed(const PolicyParams& params) {
  Result<int64_t> seed = params.get_int("seed", kDefaultSeed);
  if (!seed.ok()) return seed.status();
  return static_cast<uint64_t>(*seed);
}

}  // namespace fulcrum
