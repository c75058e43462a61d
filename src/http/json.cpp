#include "http/json.h"

// The one translation unit that compiles Boost.JSON (header-only use, no library to link).
#include <boost/json/src.hpp>

#include <algorithm>
#include <cmath>

namespace fulcrum::http {

namespace {

std::string_view kind_name(const boost::json::value& value) {
  switch (value.kind()) {
    case boost::json::kind::null: return "null";
    case boost::json::kind::bool_: return "a boolean";
    case boost::json::kind::int64:
    case boost::json::kind::uint64:
    case boost::json::kind::double_: return "a number";
    case boost::json::kind::string: return "a string";
    case boost::json::kind::array: return "an array";
    case boost::json::kind::object: return "an object";
  }
  return "a value";
}

Status wrong_type(std::string_view field, std::string_view expected,
                  const boost::json::value& value) {
  return invalid_argument(std::string(field) + ": expected " + std::string(expected) + ", got " +
                          std::string(kind_name(value)) + " " + to_json_text(value));
}

std::optional<int64_t> exact_integer(const boost::json::value& value) {
  if (value.is_int64()) return value.get_int64();
  if (value.is_uint64()) {
    uint64_t number = value.get_uint64();
    if (number > static_cast<uint64_t>(INT64_MAX)) return std::nullopt;
    return static_cast<int64_t>(number);
  }
  if (value.is_double()) {
    double number = value.get_double();
    // 2^63 as a double; anything at or beyond it does not fit.
    if (std::trunc(number) != number || std::fabs(number) >= 9.2233720368547758e18) {
      return std::nullopt;
    }
    return static_cast<int64_t>(number);
  }
  return std::nullopt;
}

}  // namespace

std::string json_string(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 2);
  append_json_string(out, text);
  return out;
}

std::string json_error_body(std::string_view code, std::string_view message) {
  std::string body = R"({"error":{"code":)";
  append_json_string(body, code);
  body.append(R"(,"message":)");
  append_json_string(body, message);
  body.append("}}\n");
  return body;
}

std::string_view error_code_for_status(int status) {
  switch (status) {
    case 400: return "bad_request";
    case 401: return "unauthorized";
    case 403: return "forbidden";
    case 404: return "not_found";
    case 405: return "method_not_allowed";
    case 408: return "request_timeout";
    case 409: return "conflict";
    case 411: return "length_required";
    case 413: return "payload_too_large";
    case 415: return "unsupported_media_type";
    case 431: return "request_header_fields_too_large";
    case 500: return "internal";
    case 501: return "not_implemented";
    case 502: return "bad_gateway";
    case 503: return "unavailable";
    case 504: return "gateway_timeout";
    case 505: return "http_version_not_supported";
    default: return status >= 500 ? "internal" : "bad_request";
  }
}

int http_status_for(ErrorCode code) {
  switch (code) {
    case ErrorCode::kOk: return 200;
    case ErrorCode::kInvalidArgument: return 400;
    case ErrorCode::kNotFound: return 404;
    case ErrorCode::kAlreadyExists:
    case ErrorCode::kFailedPrecondition: return 409;
    case ErrorCode::kResourceExhausted: return 429;
    case ErrorCode::kUnavailable: return 503;
    case ErrorCode::kInternal: return 500;
  }
  return 500;
}

Result<boost::json::value> parse_json(std::string_view text) {
  if (text.empty()) return invalid_argument("the request body is empty; expected JSON");
  boost::json::parser parser;
  boost::system::error_code error;
  std::size_t consumed = parser.write(text.data(), text.size(), error);
  if (error) {
    return invalid_argument("the request body is not valid JSON: " + error.message() + " at byte " +
                            std::to_string(consumed));
  }
  return parser.release();
}

Result<boost::json::object> parse_json_object(std::string_view text) {
  auto value = parse_json(text);
  if (!value.ok()) return value.status();
  if (!value->is_object()) {
    return invalid_argument("the request body must be a JSON object, got " +
                            std::string(kind_name(*value)));
  }
  return std::move(value->get_object());
}

std::string to_json_text(const boost::json::value& value) { return boost::json::serialize(value); }

Result<std::optional<std::string>> optional_string_field(const boost::json::object& object,
                                                         std::string_view field) {
  const boost::json::value* value = object.if_contains(field);
  if (value == nullptr) return std::optional<std::string>();
  if (!value->is_string()) return wrong_type(field, "a string", *value);
  const boost::json::string& text = value->get_string();
  return std::optional<std::string>(std::string(text.data(), text.size()));
}

Result<std::optional<int64_t>> optional_int_field(const boost::json::object& object,
                                                  std::string_view field, int64_t minimum,
                                                  int64_t maximum) {
  const boost::json::value* value = object.if_contains(field);
  if (value == nullptr) return std::optional<int64_t>();
  std::string range =
      "an integer in [" + std::to_string(minimum) + ", " + std::to_string(maximum) + "]";
  std::optional<int64_t> number = exact_integer(*value);
  if (!number || *number < minimum || *number > maximum) return wrong_type(field, range, *value);
  return std::optional<int64_t>(*number);
}

Status reject_unknown_fields(const boost::json::object& object,
                             std::initializer_list<std::string_view> known) {
  for (const auto& field : object) {
    std::string_view key = field.key();
    if (std::find(known.begin(), known.end(), key) != known.end()) continue;
    std::string expected;
    for (std::string_view name : known) {
      if (!expected.empty()) expected += ", ";
      expected += name;
    }
    return invalid_argument("unknown field \"" + std::string(key) + "\"; expected one of " +
                            expected);
  }
  return Status::ok_status();
}

}  // namespace fulcrum::http
