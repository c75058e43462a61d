#include "policy/picker_params.h"

#include <gtest/gtest.h>

namespace fulcrum {
namespace {

TEST(PickerParamsTest, SeedDefaultsToOneAndAcceptsAnyInteger) {
  EXPECT_EQ(*get_seed({}), 1u);
  EXPECT_EQ(*get_seed({{"seed", "12345"}}), 12345u);
  EXPECT_EQ(*get_seed({{"seed", "-1"}}), UINT64_MAX);
  Result<uint64_t> bad = get_seed({{"seed", "abc"}});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error_message(), "parameter \"seed\": expected an integer, got \"abc\"");
  EXPECT_EQ(seed_param_spec().name, "seed");
  EXPECT_EQ(seed_param_spec().default_value, "1");
}

struct ExampleConfig {
  double rate = 0.5;
  double limit = 10;
};

constexpr std::array<NumberParam<ExampleConfig>, 2> kExampleParams{{
    {"rate", &ExampleConfig::rate, 0, 1, "a fraction"},
    {"limit", &ExampleConfig::limit, 1, 100, "a count"},
}};

TEST(PickerParamsTest, NumberParamSpecsShowDefaults) {
  const std::vector<ParamSpec> specs = number_param_specs(kExampleParams);
  ASSERT_EQ(specs.size(), 2u);
  EXPECT_EQ(specs[0].name, "rate");
  EXPECT_EQ(specs[0].default_value, "0.5");
  EXPECT_EQ(specs[1].default_value, "10");
  EXPECT_EQ(specs[1].description, "a count");
}

TEST(PickerParamsTest, ReadNumberParamsUsesDefaultsAndValues) {
  Result<ExampleConfig> defaults = read_number_params({}, kExampleParams);
  ASSERT_TRUE(defaults.ok());
  EXPECT_EQ(defaults->rate, 0.5);
  EXPECT_EQ(defaults->limit, 10);
  Result<ExampleConfig> given = read_number_params({{"limit", "42"}}, kExampleParams);
  ASSERT_TRUE(given.ok());
  EXPECT_EQ(given->rate, 0.5);
  EXPECT_EQ(given->limit, 42);
}

TEST(PickerParamsTest, ReadNumberParamsNamesTheBadOne) {
  Result<ExampleConfig> bad = read_number_params({{"rate", "1.5"}}, kExampleParams);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error_message(), "parameter \"rate\": expected a number in [0, 1], got \"1.5\"");
}

}  // namespace
}  // namespace fulcrum
