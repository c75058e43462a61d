// Comparing secrets (bearer tokens) without leaking through timing how much of one matched.
#pragma once

#include <cstddef>
#include <string_view>

namespace fulcrum::http {

// Constant-time for equal lengths; different lengths are unequal at once (length is not secret).
inline bool same_secret(std::string_view given, std::string_view expected) {
  if (given.size() != expected.size()) return false;
  unsigned char difference = 0;
  for (std::size_t i = 0; i < given.size(); ++i) {
    difference |= static_cast<unsigned char>(given[i] ^ expected[i]);
  }
  return difference == 0;
}

}  // namespace fulcrum::http
