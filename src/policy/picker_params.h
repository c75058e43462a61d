// Parameters of pickers, declared and read in one place: the shared `seed`, and tables of numeric
// parameters that give both the ParamSpec list and the validated config.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <memory>

#include "core/params.h"
#include "core/resources.h"
#include "policy/picker.h"

namespace fulcrum {

// `seed`: the seed of the picker's own random generator, so runs are reproducible.
ParamSpec seed_param_spec();
Result<uint64_t> get_seed(const PolicyParams& params);

// A numeric parameter stored in a field of Config, accepted within [minimum, maximum]. Its default
// is the field's value in a default-constructed Config.
template <typename Config>
struct NumberParam {
  const char* name;
  double Config::*field;
  double minimum;
  double maximum;
  const char* description;
};

template <typename Config, std::size_t Count>
std::vector<ParamSpec> number_param_specs(const std::array<NumberParam<Config>, Count>& table) {
  Config defaults{};
  std::vector<ParamSpec> specs;
  specs.reserve(Count);
  for (const NumberParam<Config>& param : table) {
    specs.push_back({param.name, format_number(defaults.*param.field), param.description});
  }
  return specs;
}

// The config with every parameter of `table` read from `params`; the first bad one is the error.
template <typename Config, std::size_t Count>
Result<Config> read_number_params(const PolicyParams& params,
                                  const std::array<NumberParam<Config>, Count>& table) {
  Config config{};
  for (const NumberParam<Config>& param : table) {
    Result<double> value =
        params.get_double_in(param.name, config.*param.field, param.minimum, param.maximum);
    if (!value.ok()) return value.status();
    config.*param.field = *value;
  }
  return config;
}

// A PickerType built from `config`, or the config's error.
template <typename PickerType, typename Config>
Result<std::unique_ptr<Picker>> picker_from_config(const Result<Config>& config) {
  if (!config.ok()) return config.status();
  return std::unique_ptr<Picker>(std::make_unique<PickerType>(*config));
}

}  // namespace fulcrum
