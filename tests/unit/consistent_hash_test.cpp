#include "policy/consistent_hash.h"

#include <gtest/gtest.h>

#include "core/resources.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "picker_test_support.h"
#include "policy/picker_params.h"

namespace fulcrum {
namespace {

constexpr uint64_t kKeyCount = 10'000;

RequestView request_for(uint64_t key) {
  RequestView request;
  request.hash_key = key;
  return request;
}

// The backend name each of keys 0..kKeyCount-1 maps to, with no load anywhere.
std::vector<std::string_view> owners_of_keys(Picker& picker,
                                             std::span<const BackendView> backends) {
  std::vector<std::string_view> owners;
  for (uint64_t key = 0; key < kKeyCount; ++key) {
    const std::size_t index = pick_index(picker, backends, request_for(key));
    owners.push_back(index == kPickFailed ? "?" : backends[index].name);
  }
  return owners;
}

std::unique_ptr<Picker> picker_for(std::span<const BackendView> backends,
                                   const PolicyParams& params = {}) {
  std::unique_ptr<Picker> picker = make_test_picker("consistent_hash", params);
  if (picker != nullptr) picker->on_backends_changed(backends);
  return picker;
}

TEST(ConsistentHashTest, TheSameKeyMapsToTheSameBackend) {
  const std::vector<BackendView> backends = make_backends(10);
  std::unique_ptr<Picker> picker = picker_for(backends);
  ASSERT_NE(picker, nullptr);
  const std::vector<std::string_view> first = owners_of_keys(*picker, backends);
  EXPECT_EQ(owners_of_keys(*picker, backends), first);
  std::unique_ptr<Picker> other = picker_for(backends);
  ASSERT_NE(other, nullptr);
  EXPECT_EQ(owners_of_keys(*other, backends), first);
}

TEST(ConsistentHashTest, KeysSpreadOverAllBackends) {
  const std::vector<BackendView> backends = make_backends(10);
  std::unique_ptr<Picker> picker = picker_for(backends);
  ASSERT_NE(picker, nullptr);
  const std::vector<std::string_view> owners = owners_of_keys(*picker, backends);
  for (const BackendView& backend : backends) {
    const auto keys = std::count(owners.begin(), owners.end(), backend.name);
    EXPECT_GT(keys, 700) << backend.name;
    EXPECT_LT(keys, 1300) << backend.name;
  }
}

std::size_t count_moved(const std::vector<std::string_view>& before,
                        const std::vector<std::string_view>& after) {
  std::size_t moved = 0;
  for (std::size_t key = 0; key < before.size(); ++key) moved += before[key] != after[key] ? 1 : 0;
  return moved;
}

TEST(ConsistentHashTest, AddingABackendMovesOnlyItsShareOfKeys) {
  const std::vector<BackendView> ten = make_backends(10);
  const std::vector<BackendView> eleven = make_backends(11);
  std::unique_ptr<Picker> picker = picker_for(ten);
  ASSERT_NE(picker, nullptr);
  const std::vector<std::string_view> before = owners_of_keys(*picker, ten);
  picker->on_backends_changed(eleven);
  const std::vector<std::string_view> after = owners_of_keys(*picker, eleven);
  // Ideal: 1/11 of the keys (909); measured 948. Modulo hashing would move about 10/11.
  const std::size_t moved = count_moved(before, after);
  EXPECT_GT(moved, 0u);
  EXPECT_LE(moved, static_cast<std::size_t>(1.5 * kKeyCount / 11));
  for (std::size_t key = 0; key < kKeyCount; ++key) {
    if (before[key] != after[key]) {
      ASSERT_EQ(after[key], backend_name(10)) << "key " << key;
    }
  }
}

TEST(ConsistentHashTest, RemovingABackendMovesOnlyItsKeys) {
  const std::vector<BackendView> ten = make_backends(10);
  std::vector<BackendView> nine = ten;
  nine.erase(nine.begin() + 4);
  std::unique_ptr<Picker> picker = picker_for(ten);
  ASSERT_NE(picker, nullptr);
  const std::vector<std::string_view> before = owners_of_keys(*picker, ten);
  picker->on_backends_changed(nine);
  const std::vector<std::string_view> after = owners_of_keys(*picker, nine);
  std::size_t moved = 0;
  for (std::size_t key = 0; key < kKeyCount; ++key) {
    if (before[key] == backend_name(4)) {
      ++moved;
      EXPECT_NE(after[key], backend_name(4));
    } else {
      ASSERT_EQ(after[key], before[key]) << "key " << key;
    }
  }
  EXPECT_GT(moved, 700u);
}

TEST(ConsistentHashTest, AnUnhealthyBackendPassesOnlyItsOwnKeys) {
  std::vector<BackendView> backends = make_backends(10);
  std::unique_ptr<Picker> picker = picker_for(backends);
  ASSERT_NE(picker, nullptr);
  const std::vector<std::string_view> before = owners_of_keys(*picker, backends);
  backends[7].healthy = false;
  const std::vector<std::string_view> after = owners_of_keys(*picker, backends);
  for (std::size_t key = 0; key < kKeyCount; ++key) {
    if (before[key] != backend_name(7)) {
      ASSERT_EQ(after[key], before[key]) << "key " << key;
    }
  }
  EXPECT_EQ(std::count(after.begin(), after.end(), backend_name(7)), 0);
}

TEST(ConsistentHashTest, RebuildsTheRingWhenThePoolSizeChangesUnannounced) {
  const std::vector<BackendView> ten = make_backends(10);
  const std::vector<BackendView> eleven = make_backends(11);
  std::unique_ptr<Picker> picker = picker_for(ten);
  ASSERT_NE(picker, nullptr);
  std::unique_ptr<Picker> told = picker_for(eleven);
  ASSERT_NE(told, nullptr);
  EXPECT_EQ(owners_of_keys(*picker, eleven), owners_of_keys(*told, eleven));
}

// Keys drawn from a few hot ones; every request stays in flight. After each pick no backend may
// hold more than ceil(c * total / n).
void expect_load_bounded(double load_factor, uint64_t distinct_keys) {
  std::vector<BackendView> backends = make_backends(10);
  std::unique_ptr<Picker> picker =
      picker_for(backends, {{"load_factor", format_number(load_factor)}});
  ASSERT_NE(picker, nullptr);
  Rng rng(17);
  uint64_t total = 0;
  for (int request = 0; request < 5000; ++request) {
    const std::size_t chosen =
        pick_index(*picker, backends, request_for(rng.uniform(distinct_keys)));
    ASSERT_NE(chosen, kPickFailed);
    ++backends[chosen].in_flight;
    ++total;
    const double bound = std::ceil(load_factor * static_cast<double>(total) / 10.0);
    for (const BackendView& backend : backends) {
      ASSERT_LE(backend.in_flight, bound) << "after " << total << " requests";
    }
  }
}

TEST(ConsistentHashTest, LoadStaysBoundedWithHotKeys) { expect_load_bounded(1.25, 20); }
TEST(ConsistentHashTest, LoadStaysBoundedWithOneKey) { expect_load_bounded(1.25, 1); }
TEST(ConsistentHashTest, LoadStaysBoundedWithTightFactor) { expect_load_bounded(1.0, 3); }

TEST(ConsistentHashTest, AFullBackendPassesTheKeyClockwiseOnly) {
  std::vector<BackendView> backends = make_backends(10);
  std::unique_ptr<Picker> picker = picker_for(backends);
  ASSERT_NE(picker, nullptr);
  const std::size_t home = pick_index(*picker, backends, request_for(42));
  ASSERT_NE(home, kPickFailed);
  // 8 in flight on the home backend: the cap is ceil(1.25 * 9 / 10) = 2.
  backends[home].in_flight = 8;
  const std::size_t overflow = pick_index(*picker, backends, request_for(42));
  EXPECT_NE(overflow, home);
  EXPECT_EQ(pick_index(*picker, backends, request_for(42)), overflow);
  backends[home].in_flight = 0;
  EXPECT_EQ(pick_index(*picker, backends, request_for(42)), home);
}

}  // namespace
}  // namespace fulcrum
