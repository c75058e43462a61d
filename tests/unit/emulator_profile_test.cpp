#include "emulator/profile.h"

#include <string>

#include <gtest/gtest.h>

namespace fulcrum::emulator {
namespace {

constexpr std::string_view kProfile = R"(model: m
engine:
  block_size: 32
  num_gpu_blocks: 100
timing:
  step_overhead_ms: 2
  prefill_us_per_token: 50
  decode_us_per_sequence: 25
  attention_ns_per_context_token: 4
)";

TEST(EmulatorProfileTest, ReadsFieldsInTheirUnitsAsSeconds) {
  auto profile = parse_profile(kProfile, "p.yaml");
  ASSERT_TRUE(profile.ok()) << profile.error_message();
  EXPECT_EQ(profile->model, "m");
  EXPECT_EQ(profile->block_size, 32);
  EXPECT_EQ(profile->num_gpu_blocks, 100);
  EXPECT_EQ(profile->max_num_seqs, 256);  // vLLM's default
  EXPECT_DOUBLE_EQ(profile->step_overhead_s, 0.002);
  EXPECT_DOUBLE_EQ(profile->prefill_per_token_s, 50e-6);
  EXPECT_DOUBLE_EQ(profile->decode_per_sequence_s, 25e-6);
  EXPECT_DOUBLE_EQ(profile->attention_per_context_token_s, 4e-9);
}

TEST(EmulatorProfileTest, ErrorsNameFileLineAndKey) {
  std::string bad_blocks(kProfile);
  bad_blocks.replace(bad_blocks.find("100"), 3, "lots");
  EXPECT_EQ(parse_profile(bad_blocks, "p.yaml").error_message(),
            "p.yaml:4: engine.num_gpu_blocks: expected an integer in [1, 1099511627776], got "
            "\"lots\"");
  std::string missing(kProfile);
  missing.erase(missing.find("  decode_us"), std::string("  decode_us_per_sequence: 25\n").size());
  EXPECT_EQ(parse_profile(missing, "p.yaml").error_message(),
            "p.yaml:6: timing: missing required key decode_us_per_sequence");
  std::string unknown = std::string(kProfile) + "colour: blue\n";
  EXPECT_NE(parse_profile(unknown, "p.yaml").error_message().find("colour"), std::string::npos);
}

TEST(EmulatorProfileTest, ShippedProfilesLoad) {
  for (std::string name : {"llama-3.1-8b-h100.yaml", "llama-3.1-70b-4xh100.yaml"}) {
    auto profile = load_profile(std::string(FULCRUM_SOURCE_DIR) + "/examples/emulator/" + name);
    EXPECT_TRUE(profile.ok()) << name << ": " << profile.error_message();
  }
}

}  // namespace
}  // namespace fulcrum::emulator
