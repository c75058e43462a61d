#include "core/json_text.h"

namespace fulcrum {

namespace {

constexpr char kHexDigits[] = "0123456789abcdef";

std::string_view escape_for(char c) {
  switch (c) {
    case '"': return "\\\"";
    case '\\': return "\\\\";
    case '\n': return "\\n";
    case '\r': return "\\r";
    case '\t': return "\\t";
    case '\b': return "\\b";
    case '\f': return "\\f";
    default: return {};
  }
}

}  // namespace

void append_json_string(std::string& out, std::string_view text) {
  out.push_back('"');
  for (char c : text) {
    std::string_view escape = escape_for(c);
    if (!escape.empty()) {
      out.append(escape);
    } else if (static_cast<unsigned char>(c) < 0x20) {
      auto byte = static_cast<unsigned char>(c);
      out.append("\\u00");
      out.push_back(kHexDigits[byte >> 4]);
      out.push_back(kHexDigits[byte & 0xF]);
    } else {
      out.push_back(c);
    }
  }
  out.push_back('"');
}

}  // namespace fulcrum
