// Character classes and list helpers shared by the HTTP codec (RFC 9110 §5.5, §5.6). Everything
// here is ASCII-only on purpose: HTTP field names and tokens are case-insensitive only in ASCII.
#pragma once

#include <array>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace fulcrum::http {

namespace detail {

constexpr std::array<bool, 256> make_tchar_table() {
  std::array<bool, 256> table{};
  for (int c = '0'; c <= '9'; ++c) table[c] = true;
  for (int c = 'a'; c <= 'z'; ++c) table[c] = true;
  for (int c = 'A'; c <= 'Z'; ++c) table[c] = true;
  for (char c : std::string_view("!#$%&'*+-.^_`|~")) table[static_cast<unsigned char>(c)] = true;
  return table;
}

inline constexpr std::array<bool, 256> kTcharTable = make_tchar_table();

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

// Word-at-a-time scanning: tests eight bytes per step for "any byte in a class". Each test is
// exact about whether such a byte exists (not which one), which is all the scanners need.
namespace swar {

using Word = std::uint64_t;
inline constexpr std::size_t kWordBytes = sizeof(Word);
inline constexpr Word kOnes = 0x0101010101010101ULL;
inline constexpr Word kHighBits = 0x8080808080808080ULL;

inline Word load(const char* bytes) {
  Word word;
  std::memcpy(&word, bytes, sizeof(word));
  return word;
}

// Nonzero when some byte of `word` is below `bound` (bound <= 128).
constexpr Word any_below(Word word, unsigned bound) {
  return (word - kOnes * bound) & ~word & kHighBits;
}

// Nonzero when some byte of `word` is above `bound` (bound <= 127).
constexpr Word any_above(Word word, unsigned bound) {
  return ((word + kOnes * (127 - bound)) | word) & kHighBits;
}

constexpr Word any_equal(Word word, unsigned char byte) {
  return any_below(word ^ (kOnes * byte), 1);
}

}  // namespace swar

}  // namespace fulcrum::http
