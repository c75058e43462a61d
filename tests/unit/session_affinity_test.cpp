#include "policy/session_affinity.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/hash.h"
#include "picker_test_support.h"

namespace fulcrum {
namespace {

RequestView request_for(std::string_view key) {
  RequestView request;
  request.affinity_key = key;
  return request;
}

std::unique_ptr<Picker> picker_for(std::span<const BackendView> backends,
                                   const std::string& name = "session_affinity") {
  std::unique_ptr<Picker> picker = make_test_picker(name);
  if (picker != nullptr) picker->on_backends_changed(backends);
  return picker;
}

TEST(SessionAffinityTest, ASessionKeepsItsBackendAsConsistentHashingPlacesIt) {
  std::vector<BackendView> backends = make_backends(5);
  std::unique_ptr<Picker> picker = picker_for(backends);
  std::unique_ptr<Picker> ring = picker_for(backends, "consistent_hash");
  ASSERT_NE(picker, nullptr);
  ASSERT_NE(ring, nullptr);
  std::vector<int> per_backend(backends.size(), 0);
  for (int user = 0; user < 1000; ++user) {
    const std::string key = "user-" + std::to_string(user);
    RequestView hashed;
    hashed.hash_key = hash_bytes(key);
    const std::size_t home = pick_index(*ring, backends, hashed);
    ASSERT_EQ(pick_index(*picker, backends, request_for(key)), home) << key;
    ASSERT_EQ(pick_index(*picker, backends, request_for(key)), home) << key;
    ++per_backend[home];
  }
  for (int count : per_backend) EXPECT_GT(count, 120);
}

TEST(SessionAffinityTest, ABusyHomeSendsTheSessionOnward) {
  std::vector<BackendView> backends = make_backends(4);
  std::unique_ptr<Picker> picker = picker_for(backends);
  ASSERT_NE(picker, nullptr);
  const std::size_t home = pick_index(*picker, backends, request_for("alice"));
  ASSERT_NE(home, kPickFailed);
  backends[home].in_flight = 4;  // cap ceil(1.25 * 5 / 4) = 2
  const std::size_t away = pick_index(*picker, backends, request_for("alice"));
  EXPECT_NE(away, home);
  EXPECT_EQ(pick_index(*picker, backends, request_for("alice")), away);
  backends[home].in_flight = 1;  // cap 1.25 * 2 / 4 -> 1: still full
  EXPECT_EQ(pick_index(*picker, backends, request_for("alice")), away);
  backends[home].in_flight = 0;
  EXPECT_EQ(pick_index(*picker, backends, request_for("alice")), home);
}

TEST(SessionAffinityTest, NoKeyMeansLeastInFlight) {
  std::vector<BackendView> backends = backends_with(&BackendView::in_flight, {3, 1, 2});
  std::unique_ptr<Picker> picker = picker_for(backends);
  ASSERT_NE(picker, nullptr);
  EXPECT_EQ(pick_sequence(*picker, backends, 3), "b b b");
  backends[1].in_flight = 2;
  backends[2].weight = 2;  // 2/2 beats 2/1 and 3/1
  EXPECT_EQ(pick_sequence(*picker, backends, 3), "c c c");
  EXPECT_TRUE(picker->needs_request_body());
}

}  // namespace
}  // namespace fulcrum
