// JSON for the HTTP APIs: escaping for hand-written bodies, the shared error body, and Boost.JSON
// parsing with errors that say where the text went wrong. Boost.JSON's implementation is compiled
// once, in json.cpp; no other file may include <boost/json/src.hpp>.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include "core/json_text.h"
#include "core/status.h"

namespace fulcrum::http {

using ::fulcrum::append_json_string;  // core/json_text.h
std::string json_string(std::string_view text);

// {"error": {"code": CODE, "message": MESSAGE}}, the body of every API error.
std::string json_error_body(std::string_view code, std::string_view message);

// The error code a status answers with when nothing more specific is known, e.g. "not_found",
// "unavailable" for 503. The one table every API and the gateway's own answers use.
std::string_view error_code_for_status(int status);

// The HTTP status that reports a Status error, e.g. 404 for kNotFound, 409 for kAlreadyExists.
int http_status_for(ErrorCode code);

// Parses a whole request body; the error names the byte offset and what was wrong there.
Result<boost::json::value> parse_json(std::string_view text);

// Parses a body that must be a JSON object.
Result<boost::json::object> parse_json_object(std::string_view text);

std::string to_json_text(const boost::json::value& value);

// Reads optional fields of a request object with messages that name the field. Each returns
// nullopt when the field is absent and an invalid_argument error when it has the wrong type.
Result<std::optional<std::string>> optional_string_field(const boost::json::object& object,
                                                         std::string_view field);
Result<std::optional<int64_t>> optional_int_field(const boost::json::object& object,
                                                  std::string_view field, int64_t minimum,
                                                  int64_t maximum);

// An error naming the first field of `object` that is not in `known`, and the known ones.
Status reject_unknown_fields(const boost::json::object& object,
                             std::initializer_list<std::string_view> known);

}  // namespace fulcrum::http
