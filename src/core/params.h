// Named parameters of a policy, as written in config (`params: {load_factor: 1.25}`), with typed
// getters whose errors name the parameter and the bad value.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/status.h"

namespace fulcrum {

struct ParamSpec {
  std::string name;
  std::string default_value;
  std::string description;
};

class PolicyParams {
 public:
  PolicyParams() = default;
  PolicyParams(std::initializer_list<std::pair<const std::string, std::string>> values)
      : values_(values) {}

  void set(const std::string& name, std::string value) { values_[name] = std::move(value); }
  bool has(const std::string& name) const { return values_.contains(name); }
  const std::map<std::string, std::string>& values() const { return values_; }

  Result<double> get_double(const std::string& name, double fallback) const;
  Result<int64_t> get_int(const std::string& name, int64_t fallback) const;
  Result<std::string> get_string(const std::string& name, const std::string& fallback) const;
  // A number >= minimum (and <= maximum); the error says which bound failed.
  Result<double> get_double_in(const std::string& name, double fallback, double minimum,
                               double maximum) const;
  Result<int64_t> get_int_in(const std::string& name, int64_t fallback, int64_t minimum,
                             int64_t maximum) const;

  // Fails naming the first parameter not in `accepted` (catches typos in config).
  Status check_known(const std::vector<ParamSpec>& accepted) const;

 private:
  std::map<std::string, std::string> values_;
};

}  // namespace fulcrum
