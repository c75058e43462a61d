#include "json_error.h"

#include <boost/json/src.hpp>  // header-only Boost.JSON, compiled once here

namespace fulcrum::integration {

std::optional<JsonError> parse_json_error(std::string_view body) {
  boost::system::error_code error;
  boost::json::value document = boost::json::parse(body, error);
  if (error || !document.is_object()) return std::nullopt;
  const boost::json::object& root = document.get_object();
  if (root.size() != 1 || !root.contains("error") || !root.at("error").is_object()) {
    return std::nullopt;
  }
  const boost::json::object& details = root.at("error").get_object();
  const boost::json::value* code = details.if_contains("code");
  const boost::json::value* message = details.if_contains("message");
  if (code == nullptr || message == nullptr || !code->is_string() || !message->is_string()) {
    return std::nullopt;
  }
  return JsonError{std::string(code->get_string()), std::string(message->get_string())};
}

}  // namespace fulcrum::integration
