// Character classes and list helpers shared by the HTTP codec (RFC 9110 §5.5, §5.6). Everything
// here is ASCII-only on purpose: HTTP field names and tokens are case-insensitive only in ASCII.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

namespace fulcrum::http {

namespace detail {

using CharTable = std::array<bool, 256>;

// A membership table for ALPHA, DIGIT and the given punctuation.
constexpr CharTable make_alnum_table(std::string_view punctuation) {
  CharTable table{};
  for (int c = '0'; c <= '9'; ++c) table[c] = true;
  for (int c = 'a'; c <= 'z'; ++c) table[c] = true;
  for (int c = 'A'; c <= 'Z'; ++c) table[c] = true;
  for (char c : punctuation) table[static_cast<unsigned char>(c)] = true;
  return table;
}

inline constexpr CharTable kTcharTable = make_alnum_table("!#$%&'*+-.^_`|~");

}  // namespace detail

// tchar of RFC 9110 §5.6.2: the characters of methods, field names and tokens.
constexpr bool is_tchar(char c) { return detail::kTcharTable[static_cast<unsigned char>(c)]; }

constexpr bool is_ows(char c) { return c == ' ' || c == '\t'; }

constexpr bool is_digit(char c) { return c >= '0' && c <= '9'; }

// CTL of RFC 5234 (0x00-0x1F and DEL); HTAB is one, callers that allow it check it first.
constexpr bool is_control(char c) {
  const auto byte = static_cast<unsigned char>(c);
  return byte < 0x20 || byte == 0x7F;
}

// Text allowed in field values, reason phrases and quoted strings: HTAB, SP, VCHAR, obs-text.
constexpr bool is_field_text(char c) { return c == '\t' || !is_control(c); }

constexpr char to_lower_ascii(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

// Case-insensitive ASCII equality, as field names and tokens compare.
constexpr bool equals_ignore_case(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (to_lower_ascii(a[i]) != to_lower_ascii(b[i])) return false;
  }
  return true;
}

// Whether `text` equals one of `candidates` (case-insensitive). Keep candidates in a constexpr
// array of string_view: a braced list of literals would measure each literal on every call.
template <std::size_t N>
constexpr bool equals_any_ignore_case(std::string_view text,
                                      const std::array<std::string_view, N>& candidates) {
  for (std::string_view candidate : candidates) {
    if (equals_ignore_case(text, candidate)) return true;
  }
  return false;
}

constexpr bool is_token(std::string_view text) {
  if (text.empty()) return false;
  for (char c : text) {
    if (!is_tchar(c)) return false;
  }
  return true;
}

constexpr std::string_view trim_ows(std::string_view text) {
  while (!text.empty() && is_ows(text.front())) text.remove_prefix(1);
  while (!text.empty() && is_ows(text.back())) text.remove_suffix(1);
  return text;
}

// Calls visit(element) for each element of a comma-separated list (RFC 9110 §5.6.1), OWS trimmed
// and empty elements skipped as the RFC asks of recipients. Stops when visit returns false and
// then returns false itself.
template <typename Visit>
constexpr bool for_each_list_element(std::string_view list, Visit&& visit) {
  while (!list.empty()) {
    const std::size_t comma = list.find(',');
    const std::string_view element = trim_ows(list.substr(0, comma));
    if (!element.empty() && !visit(element)) return false;
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  return true;
}

// Whether a comma-separated list of tokens names `token` (case-insensitive).
constexpr bool list_contains(std::string_view list, std::string_view token) {
  return !for_each_list_element(
      list, [token](std::string_view element) { return !equals_ignore_case(element, token); });
}

}  // namespace fulcrum::http
