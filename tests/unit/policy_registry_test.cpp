#include "policy/registry.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "picker_test_support.h"

namespace fulcrum {
namespace {

std::vector<std::string> registered_names() {
  std::vector<std::string> names;
  for (const PickerEntry& entry : picker_registry()) names.push_back(entry.name);
  return names;
}

TEST(PickerRegistryTest, ListsEveryRoutingPolicy) {
  EXPECT_EQ(registered_names(),
            (std::vector<std::string>{"round_robin", "weighted_round_robin", "least_connections",
                                      "least_load", "power_of_two_choices", "peak_ewma",
                                      "consistent_hash", "prefix_aware", "scored", "kv_cost",
                                      "prefill_cost", "session_affinity"}));
}

TEST(PickerRegistryTest, UnknownPolicyListsTheKnownOnes) {
  Result<std::unique_ptr<Picker>> picker = make_picker("fastest");
  ASSERT_FALSE(picker.ok());
  EXPECT_EQ(picker.status().code(), ErrorCode::kNotFound);
  EXPECT_EQ(picker.error_message(),
            "unknown routing policy \"fastest\" (known: round_robin, weighted_round_robin, "
            "least_connections, least_load, power_of_two_choices, peak_ewma, consistent_hash, "
            "prefix_aware, scored, kv_cost, prefill_cost, session_affinity)");
}

TEST(PickerRegistryTest, UnknownParameterIsNamed) {
  Result<std::unique_ptr<Picker>> none = make_picker("round_robin", {{"seed", "3"}});
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(none.error_message(),
            "routing policy \"round_robin\": unknown parameter \"seed\" (this policy takes none)");

  Result<std::unique_ptr<Picker>> typo = make_picker("least_connections", {{"tiebreak", "random"}});
  ASSERT_FALSE(typo.ok());
  EXPECT_EQ(typo.error_message(),
            "routing policy \"least_connections\": unknown parameter \"tiebreak\" (accepted: "
            "tie_break, seed)");
}

struct BadValueCase {
  std::string policy;
  std::string param;
  std::string value;
  std::string message;
};

TEST(PickerRegistryTest, BadValuesNameTheParameterAndValue) {
  const std::vector<BadValueCase> cases = {
      {"consistent_hash", "load_factor", "0.5",
       "routing policy \"consistent_hash\": parameter \"load_factor\": expected a number in "
       "[1, 100], got \"0.5\""},
      {"consistent_hash", "vnodes", "ten",
       "routing policy \"consistent_hash\": parameter \"vnodes\": expected an integer, got "
       "\"ten\""},
      {"consistent_hash", "vnodes", "0",
       "routing policy \"consistent_hash\": parameter \"vnodes\": expected an integer in "
       "[1, 1000], got \"0\""},
      {"least_connections", "tie_break", "coin",
       "routing policy \"least_connections\": parameter \"tie_break\": expected rotation or "
       "random, got \"coin\""},
      {"least_load", "queue_weight", "-1",
       "routing policy \"least_load\": parameter \"queue_weight\": expected a number in "
       "[0, 1000], got \"-1\""},
      {"peak_ewma", "decay_ms", "0",
       "routing policy \"peak_ewma\": parameter \"decay_ms\": expected a number in "
       "[1, 600000], got \"0\""},
      {"prefix_aware", "cache_threshold", "1.5",
       "routing policy \"prefix_aware\": parameter \"cache_threshold\": expected a number in "
       "[0, 1], got \"1.5\""},
      {"prefix_aware", "max_tree_bytes", "100",
       "routing policy \"prefix_aware\": parameter \"max_tree_bytes\": expected a number in "
       "[4096, 1000000000000], got \"100\""},
      {"scored", "prefix_weight", "-3",
       "routing policy \"scored\": parameter \"prefix_weight\": expected a number in "
       "[0, 1000], got \"-3\""},
      {"session_affinity", "load_factor", "0.9",
       "routing policy \"session_affinity\": parameter \"load_factor\": expected a number in "
       "[1, 100], got \"0.9\""},
      {"power_of_two_choices", "seed", "1.5",
       "routing policy \"power_of_two_choices\": parameter \"seed\": expected an integer, got "
       "\"1.5\""},
  };
  for (const BadValueCase& bad : cases) {
    Result<std::unique_ptr<Picker>> picker = make_picker(bad.policy, {{bad.param, bad.value}});
    ASSERT_FALSE(picker.ok()) << bad.policy << " " << bad.param;
    EXPECT_EQ(picker.status().code(), ErrorCode::kInvalidArgument);
    EXPECT_EQ(picker.error_message(), bad.message);
  }
}

// Every routing policy, through the registry: the contract all pickers share.
class EveryPickerTest : public ::testing::TestWithParam<std::string> {};

TEST_P(EveryPickerTest, HasADescriptionAndAcceptsItsOwnDefaults) {
  for (const PickerEntry& entry : picker_registry()) {
    if (entry.name != GetParam()) continue;
    EXPECT_FALSE(entry.description.empty());
    PolicyParams defaults;
    for (const ParamSpec& spec : entry.params) {
      EXPECT_FALSE(spec.description.empty()) << spec.name;
      defaults.set(spec.name, spec.default_value);
    }
    std::unique_ptr<Picker> picker = make_test_picker(entry.name, defaults);
    ASSERT_NE(picker, nullptr);
    EXPECT_EQ(picker->name(), entry.name);
  }
}

TEST_P(EveryPickerTest, NothingEligibleIsUnavailableWithCounts) {
  std::unique_ptr<Picker> picker = make_test_picker(GetParam());
  ASSERT_NE(picker, nullptr);
  std::vector<BackendView> backends = make_backends(3);
  backends[0].healthy = false;
  backends[1].draining = true;
  backends[2].weight = 0;
  picker->on_backends_changed(backends);
  PickResult result = picker->pick({}, backends);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), ErrorCode::kUnavailable);
  EXPECT_EQ(result.error_message(),
            "no eligible backend among 3: 1 unhealthy, 1 draining, 1 weight 0");

  PickResult empty = picker->pick({}, {});
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.error_message(), "no eligible backend: the pool is empty");
}

TEST_P(EveryPickerTest, NeverPicksAnIneligibleBackend) {
  std::unique_ptr<Picker> picker = make_test_picker(GetParam());
  ASSERT_NE(picker, nullptr);
  std::vector<BackendView> backends = make_backends(9);
  for (std::size_t index = 0; index < backends.size(); ++index) {
    backends[index].in_flight = static_cast<uint32_t>((index * 7) % 5);
    backends[index].weight = static_cast<uint32_t>(1 + index % 3);
    backends[index].load = {true, static_cast<double>(index % 4), 1,
                            0.1 * static_cast<double>(index % 3)};
  }
  // The least loaded ones are the ineligible ones, to tempt load-aware policies.
  for (std::size_t index : {0u, 3u, 6u}) {
    backends[index].in_flight = 0;
    backends[index].load = {true, 0, 0, 0};
  }
  backends[0].healthy = false;
  backends[3].draining = true;
  backends[6].weight = 0;
  picker->on_backends_changed(backends);
  for (uint64_t key = 0; key < 1000; ++key) {
    RequestView request;
    request.hash_key = key;
    PickResult result = picker->pick(request, backends);
    ASSERT_TRUE(result.ok()) << result.status().to_string();
    ASSERT_LT(*result, backends.size());
    ASSERT_TRUE(backends[*result].eligible()) << "picked " << backends[*result].name;
    picker->observe(
        {backends[*result].id, Nanos{1'000'000}, Nanos{static_cast<int64_t>(key)}, true});
  }
}

TEST_P(EveryPickerTest, TheOnlyEligibleBackendTakesEveryPick) {
  std::unique_ptr<Picker> picker = make_test_picker(GetParam());
  ASSERT_NE(picker, nullptr);
  std::vector<BackendView> backends = make_backends(4);
  backends[0].healthy = false;
  backends[1].draining = true;
  backends[3].weight = 0;
  backends[2].in_flight = 50;
  picker->on_backends_changed(backends);
  for (uint64_t key = 0; key < 100; ++key) {
    RequestView request;
    request.hash_key = key;
    EXPECT_EQ(pick_index(*picker, backends, request), 2u);
  }
}

INSTANTIATE_TEST_SUITE_P(RoutingPolicies, EveryPickerTest, ::testing::ValuesIn(registered_names()),
                         [](const ::testing::TestParamInfo<std::string>& param_info) {
                           return param_info.param;
                         });

}  // namespace
}  // namespace fulcrum
