#include "core/params.h"

#include <gtest/gtest.h>

namespace fulcrum {
namespace {

TEST(PolicyParamsTest, TypedGettersUseDefaultsWhenAbsent) {
  PolicyParams params{{"load_factor", "1.5"}, {"seed", "42"}, {"tie_break", "random"}};
  EXPECT_EQ(*params.get_double("load_factor", 1.25), 1.5);
  EXPECT_EQ(*params.get_double("missing", 1.25), 1.25);
  EXPECT_EQ(*params.get_int("seed", 1), 42);
  EXPECT_EQ(*params.get_string("tie_break", "rotation"), "random");
}

TEST(PolicyParamsTest, ErrorsNameParameterAndValue) {
  PolicyParams params{{"seed", "abc"}, {"load_factor", "0.5"}, {"vnodes", "7.5"}};
  EXPECT_EQ(params.get_int("seed", 1).error_message(),
            "parameter \"seed\": expected an integer, got \"abc\"");
  EXPECT_EQ(params.get_double_in("load_factor", 1.25, 1, 100).error_message(),
            "parameter \"load_factor\": expected a number in [1, 100], got \"0.5\"");
  EXPECT_EQ(params.get_int_in("vnodes", 100, 1, 1000).error_message(),
            "parameter \"vnodes\": expected an integer, got \"7.5\"");
}

TEST(PolicyParamsTest, CheckKnownNamesTheTypo) {
  PolicyParams params{{"sed", "1"}};
  std::vector<ParamSpec> accepted = {{"seed", "1", "random seed"}, {"decay_ms", "10000", ""}};
  EXPECT_EQ(params.check_known(accepted).message(),
            "unknown parameter \"sed\" (accepted: seed, decay_ms)");
  EXPECT_EQ(params.check_known({}).message(), "unknown parameter \"sed\" (this policy takes none)");
  PolicyParams good{{"seed", "3"}};
  EXPECT_TRUE(good.check_known(accepted).ok());
}

}  // namespace
}  // namespace fulcrum
