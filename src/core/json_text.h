// JSON string literals for text written by hand (log lines, API bodies), below the HTTP layer so
// that the log can use it.
#pragma once

#include <string>
#include <string_view>

namespace fulcrum {

// Appends `text` as a JSON string literal, quotes included. Control characters are escaped; other
// bytes pass through unchanged (the text is expected to be UTF-8).
void append_json_string(std::string& out, std::string_view text);

}  // namespace fulcrum
