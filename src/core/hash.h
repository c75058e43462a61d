// Stable 64-bit hashing for routing keys and hash rings: the same key hashes the same way on every
// machine and every run, unlike std::hash.
#pragma once

#include <cstdint>
#include <string_view>

#include "core/random.h"

namespace fulcrum {

// FNV-1a over the bytes, finished with mix64 so that similar keys spread over the whole range.
inline uint64_t hash_bytes(std::string_view bytes, uint64_t seed = 0) {
  uint64_t hash = 0xcbf29ce484222325ULL ^ seed;
  for (unsigned char byte : bytes) {
    hash ^= byte;
    hash *= 0x100000001b3ULL;
  }
  return mix64(hash);
}

}  // namespace fulcrum
