#include "core/params.h"

#include <charconv>
#include <cmath>

#include "core/resources.h"

namespace fulcrum {

namespace {

Status bad_value(const std::string& name, const std::string& value, const std::string& expected) {
  return invalid_argument("parameter \"" + name + "\": expected " + expected + ", got \"" + value +
                          "\"");
}

}  // namespace

Result<double> PolicyParams::get_double(const std::string& name, double fallback) const {
  auto it = values_.find(name);
  if (it == values_.end()) return fallback;
  const std::string& text = it->second;
  double value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || !std::isfinite(value)) {
    return bad_value(name, text, "a number");
  }
  return value;
}

Result<int64_t> PolicyParams::get_int(const std::string& name, int64_t fallback) const {
  auto it = values_.find(name);
  if (it == values_.end()) return fallback;
  const std::string& text = it->second;
  int64_t value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) {
    return bad_value(name, text, "an integer");
  }
  return value;
}

Result<std::string> PolicyParams::get_string(const std::string& name,
                                             const std::string& fallback) const {
  auto it = values_.find(name);
  return it == values_.end() ? fallback : it->second;
}

Result<double> PolicyParams::get_double_in(const std::string& name, double fallback, double minimum,
                                           double maximum) const {
  auto value = get_double(name, fallback);
  if (!value.ok()) return value;
  if (*value < minimum || *value > maximum) {
    return bad_value(
        name, values_.at(name),
        "a number in [" + format_number(minimum) + ", " + format_number(maximum) + "]");
  }
  return value;
}

Result<int64_t> PolicyParams::get_int_in(const std::string& name, int64_t fallback, int64_t minimum,
                                         int64_t maximum) const {
  auto value = get_int(name, fallback);
  if (!value.ok()) return value;
  if (*value < minimum || *value > maximum) {
    return bad_value(
        name, values_.at(name),
        "an integer in [" + std::to_string(minimum) + ", " + std::to_string(maximum) + "]");
  }
  return value;
}

Status PolicyParams::check_known(const std::vector<ParamSpec>& accepted) const {
  for (const auto& [name, value] : values_) {
    bool known = false;
    std::string names;
    for (const ParamSpec& spec : accepted) {
      known = known || spec.name == name;
      names += names.empty() ? spec.name : ", " + spec.name;
    }
    if (!known) {
      return invalid_argument(
          "unknown parameter \"" + name + "\"" +
          (names.empty() ? " (this policy takes none)" : " (accepted: " + names + ")"));
    }
  }
  return Status::ok_status();
}

}  // namespace fulcrum
