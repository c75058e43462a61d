// Reads the gateway's error bodies: {"error": {"code": "...", "message": "..."}}.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace fulcrum::integration {

struct JsonError {
  std::string code;
  std::string message;
};

// The code and message of a JSON error body; nullopt when the body has another shape.
std::optional<JsonError> parse_json_error(std::string_view body);

}  // namespace fulcrum::integration
