#include "core/yaml_reader.h"

#include <charconv>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/resources.h"

namespace fulcrum {

namespace {

std::string quoted(const std::string& text) { return "\"" + text + "\""; }

}  // namespace

YamlValue::YamlValue(YAML::Node node, std::shared_ptr<const std::string> file_name,
                     std::string path, int fallback_line)
    : node_(std::move(node)),
      file_name_(std::move(file_name)),
      path_(std::move(path)),
      fallback_line_(fallback_line) {}

Result<YamlValue> YamlValue::parse(std::string_view text, std::string file_name) {
  auto name = std::make_shared<const std::string>(std::move(file_name));
  try {
    YAML::Node root = YAML::Load(std::string(text));
    return YamlValue(root, name, "", 1);
  } catch (const YAML::Exception& error) {
    return invalid_argument(*name + ":" + std::to_string(error.mark.line + 1) +
                            ": invalid YAML: " + error.msg);
  }
}

Result<std::string> read_text_file(const std::string& path) {
  std::error_code error;
  if (!std::filesystem::is_regular_file(path, error)) return not_found(path + ": no such file");
  std::ifstream file(path);
  if (!file) return not_found(path + ": cannot open file");
  std::stringstream text;
  text << file.rdbuf();
  return text.str();
}

int YamlValue::line() const {
  if (node_ && !node_.Mark().is_null()) return node_.Mark().line + 1;
  return fallback_line_;
}

bool YamlValue::has(std::string_view key) const {
  return node_.IsMap() && node_[std::string(key)].IsDefined();
}

YamlValue YamlValue::operator[](std::string_view key) const {
  std::string child_path = path_.empty() ? std::string(key) : path_ + "." + std::string(key);
  // yaml-cpp returns an invalid node for a missing key, and assigning to one throws.
  if (!has(key)) {
    return YamlValue(YAML::Node(YAML::NodeType::Null), file_name_, std::move(child_path), line());
  }
  return YamlValue(node_[std::string(key)], file_name_, std::move(child_path), line());
}

std::vector<YamlValue> YamlValue::items() const {
  std::vector<YamlValue> result;
  if (!node_.IsSequence()) return result;
  for (size_t i = 0; i < node_.size(); ++i) {
    result.push_back(
        YamlValue(node_[i], file_name_, path_ + "[" + std::to_string(i) + "]", line()));
  }
  return result;
}

std::vector<std::pair<std::string, YamlValue>> YamlValue::entries() const {
  std::vector<std::pair<std::string, YamlValue>> result;
  if (!node_.IsMap()) return result;
  for (const auto& entry : node_) {
    std::string key = entry.first.Scalar();
    std::string child_path = path_.empty() ? key : path_ + "." + key;
    result.emplace_back(key, YamlValue(entry.second, file_name_, child_path, line()));
  }
  return result;
}

Status YamlValue::error(std::string_view message) const {
  std::string text = *file_name_ + ":" + std::to_string(line()) + ": ";
  if (!path_.empty()) text += path_ + ": ";
  text += message;
  return invalid_argument(std::move(text));
}

std::string YamlValue::scalar_text() const {
  if (is_null()) return "nothing";
  if (node_.IsScalar()) return quoted(node_.Scalar());
  return node_.IsMap() ? "a map" : "a list";
}

Status YamlValue::expected(std::string_view what) const {
  return error("expected " + std::string(what) + ", got " + scalar_text());
}

Status YamlValue::expect_map(std::initializer_list<std::string_view> allowed) const {
  if (!node_.IsMap()) return expected("a map");
  for (const auto& entry : node_) {
    std::string key = entry.first.Scalar();
    bool known = false;
    std::string names;
    for (std::string_view name : allowed) {
      known = known || name == key;
      names += (names.empty() ? "" : ", ") + std::string(name);
    }
    if (!known) {
      std::string child_path = path_.empty() ? key : path_ + "." + key;
      YamlValue child(entry.second, file_name_, child_path, entry.first.Mark().line + 1);
      return child.error("unknown key (expected one of: " + names + ")");
    }
  }
  return Status::ok_status();
}

Status YamlValue::expect_sequence() const {
  if (!node_.IsSequence()) return expected("a list");
  return Status::ok_status();
}

Result<std::string> YamlValue::as_string() const {
  if (!node_.IsScalar()) return expected("a string");
  return node_.Scalar();
}

Result<int64_t> YamlValue::as_int(int64_t minimum, int64_t maximum) const {
  std::string what = minimum == 0 && maximum == INT64_MAX
                         ? "a non-negative integer"
                         : "an integer in [" + std::to_string(minimum) + ", " +
                               (maximum == INT64_MAX ? "inf" : std::to_string(maximum)) + "]";
  if (!node_.IsScalar()) return expected(what);
  const std::string& text = node_.Scalar();
  int64_t value = 0;
  auto [end, error_code] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error_code != std::errc() || end != text.data() + text.size() || value < minimum ||
      value > maximum) {
    return expected(what);
  }
  return value;
}

Result<int64_t> YamlValue::as_non_negative_int() const { return as_int(0, INT64_MAX); }

Result<double> YamlValue::as_double(double minimum, double maximum) const {
  if (!node_.IsScalar()) return expected("a number");
  const std::string& text = node_.Scalar();
  double value = 0;
  auto [end, error_code] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error_code != std::errc() || end != text.data() + text.size() || !std::isfinite(value)) {
    return expected("a number");
  }
  if (value < minimum || value > maximum) {
    return expected("a number in [" + format_number(minimum) + ", " + format_number(maximum) + "]");
  }
  return value;
}

Result<bool> YamlValue::as_bool() const {
  if (node_.IsScalar()) {
    const std::string& text = node_.Scalar();
    if (text == "true" || text == "yes" || text == "on") return true;
    if (text == "false" || text == "no" || text == "off") return false;
  }
  return expected("true or false");
}

Result<std::vector<std::string>> YamlValue::as_string_list() const {
  if (node_.IsScalar()) return std::vector<std::string>{node_.Scalar()};
  if (!node_.IsSequence()) return expected("a list of strings");
  std::vector<std::string> values;
  for (const YamlValue& item : items()) {
    auto text = item.as_string();
    if (!text.ok()) return text.status();
    values.push_back(std::move(*text));
  }
  return values;
}

Result<std::map<std::string, std::string>> YamlValue::as_string_map() const {
  if (!node_.IsMap()) return expected("a map of strings");
  std::map<std::string, std::string> values;
  for (auto& [key, value] : entries()) {
    auto text = value.as_string();
    if (!text.ok()) return text.status();
    values[key] = std::move(*text);
  }
  return values;
}

}  // namespace fulcrum
