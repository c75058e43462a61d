// Helpers for picker tests: backend pools with names that outlive the test, and picking by name.
#pragma once

#include <gtest/gtest.h>

#include <cstddef>
#include <deque>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "core/random.h"
#include "policy/registry.h"

namespace fulcrum {

inline constexpr std::size_t kPickFailed = static_cast<std::size_t>(-1);

// "b0", "b1", ...: stored once, so the views stay valid for the whole run.
inline std::string_view backend_name(std::size_t index) {
  static std::deque<std::string> names;
  while (names.size() <= index) {
    // Appending rather than "b" + to_string(): GCC 12 gives a false -Wrestrict on the latter.
    std::string name = "b";
    name += std::to_string(names.size());
    names.push_back(std::move(name));
  }
  return names[index];
}

// `count` healthy backends of weight 1 with ids 0..count-1, named b0, b1, ...
inline std::vector<BackendView> make_backends(std::size_t count) {
  std::vector<BackendView> backends(count);
  for (std::size_t index = 0; index < count; ++index) {
    backends[index].id = static_cast<uint32_t>(index);
    backends[index].name = backend_name(index);
  }
  return backends;
}

// Healthy backends of weight 1 with ids 0.. and the given names (string literals).
inline std::vector<BackendView> make_named_backends(std::initializer_list<std::string_view> names) {
  std::vector<BackendView> backends;
  for (std::string_view name : names) {
    BackendView backend;
    backend.id = static_cast<uint32_t>(backends.size());
    backend.name = name;
    backends.push_back(backend);
  }
  return backends;
}

// Backends named a, b, c, ... (up to h), one per value, with `field` set to the values in order.
inline std::vector<BackendView> backends_with(uint32_t BackendView::*field,
                                              std::initializer_list<uint32_t> values) {
  std::vector<BackendView> backends = make_named_backends({"a", "b", "c", "d", "e", "f", "g", "h"});
  backends.resize(values.size());
  std::size_t index = 0;
  for (uint32_t value : values) backends[index++].*field = value;
  return backends;
}

// Chained prefix block hashes of a prompt made of the given blocks, as the gateway computes them:
// each hash covers every block before it, so prompts share hashes only over a common prefix.
inline std::vector<uint64_t> chained_blocks(const std::vector<uint64_t>& blocks) {
  std::vector<uint64_t> hashes;
  uint64_t chain = 0;
  for (uint64_t block : blocks) {
    chain = mix64(chain ^ mix64(block + 1));
    hashes.push_back(chain);
  }
  return hashes;
}
inline std::vector<uint64_t> chained_blocks(std::initializer_list<uint64_t> blocks) {
  return chained_blocks(std::vector<uint64_t>(blocks));
}

// The named picker from the registry; fails the test and returns nullptr on error.
inline std::unique_ptr<Picker> make_test_picker(const std::string& name,
                                                const PolicyParams& params = {}) {
  Result<std::unique_ptr<Picker>> picker = make_picker(name, params);
  if (!picker.ok()) {
    ADD_FAILURE() << picker.status().to_string();
    return nullptr;
  }
  return std::move(picker).value();
}

// The picked index; fails the test and returns kPickFailed on error.
inline std::size_t pick_index(Picker& picker, std::span<const BackendView> backends,
                              const RequestView& request = {}) {
  PickResult result = picker.pick(request, backends);
  if (!result.ok()) {
    ADD_FAILURE() << result.status().to_string();
    return kPickFailed;
  }
  return *result;
}

// The names of `count` successive picks, space-separated: "a b a c".
inline std::string pick_sequence(Picker& picker, std::span<const BackendView> backends, int count) {
  std::string sequence;
  for (int pick = 0; pick < count; ++pick) {
    const std::size_t index = pick_index(picker, backends);
    if (!sequence.empty()) sequence += ' ';
    sequence += index == kPickFailed ? std::string("?") : std::string(backends[index].name);
  }
  return sequence;
}

// How many of `count` picks went to each backend.
inline std::vector<int> pick_counts(Picker& picker, std::span<const BackendView> backends,
                                    int count) {
  std::vector<int> counts(backends.size(), 0);
  for (int pick = 0; pick < count; ++pick) {
    const std::size_t index = pick_index(picker, backends);
    if (index == kPickFailed) break;
    ++counts[index];
  }
  return counts;
}

}  // namespace fulcrum
