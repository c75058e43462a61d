// Typed, position-aware reading of YAML config. Every error names the file, the line and the key
// path, e.g. `cluster.yaml:12: nodes[2].gpus: expected a non-negative integer, got "two"`.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "core/status.h"

namespace fulcrum {

// The whole content of a regular file; the error names the path.
Result<std::string> read_text_file(const std::string& path);

class YamlValue {
 public:
  // Parses `text`; a syntax error names file and line.
  static Result<YamlValue> parse(std::string_view text, std::string file_name);

  const std::string& file_name() const { return *file_name_; }
  const std::string& path() const { return path_; }
  int line() const;  // 1-based; the parent's line for a key that is absent

  bool is_map() const { return node_.IsMap(); }
  bool is_sequence() const { return node_.IsSequence(); }
  bool is_scalar() const { return node_.IsScalar(); }
  bool is_null() const { return !node_ || node_.IsNull(); }
  bool has(std::string_view key) const;

  YamlValue operator[](std::string_view key) const;                // absent keys give a null value
  std::vector<YamlValue> items() const;                            // elements of a sequence
  std::vector<std::pair<std::string, YamlValue>> entries() const;  // key/value pairs of a map

  // "file:line: path: message"
  Status error(std::string_view message) const;

  // Checks this is a map whose keys are all in `allowed`; names the first unknown key.
  Status expect_map(std::initializer_list<std::string_view> allowed) const;
  Status expect_sequence() const;

  Result<std::string> as_string() const;
  Result<int64_t> as_int(int64_t minimum, int64_t maximum) const;
  Result<int64_t> as_non_negative_int() const;
  Result<double> as_double(double minimum, double maximum) const;
  Result<bool> as_bool() const;
  Result<std::vector<std::string>> as_string_list() const;
  Result<std::map<std::string, std::string>> as_string_map() const;

  // Reads `key` with `read` when present, else returns `fallback`.
  template <typename T, typename Read>
  Result<T> get_or(std::string_view key, T fallback, Read read) const {
    if (!has(key)) return fallback;
    return read((*this)[key]);
  }

 private:
  YamlValue(YAML::Node node, std::shared_ptr<const std::string> file_name, std::string path,
            int fallback_line);
  std::string scalar_text() const;
  Status expected(std::string_view what) const;

  YAML::Node node_;
  std::shared_ptr<const std::string> file_name_;
  std::string path_;
  int fallback_line_;
};

}  // namespace fulcrum
