#include "sim/fleet_autoscaler.h"

#include <gtest/gtest.h>

namespace fulcrum::sim {
namespace {

AutoscaleConfig test_config() {
  AutoscaleConfig config;
  config.interval_s = 10;
  config.window_s = 30;
  config.cooldown_s = 60;
  config.scale_out_above = 4;
  config.scale_in_below = 0.5;
  config.min_replicas = 1;
  config.max_replicas = 3;
  return config;
}

TEST(FleetAutoscalerTest, ScalesOutAfterAWindowOfHighLoadThenWaitsTheCooldown) {
  FleetAutoscaler autoscaler(test_config());
  EXPECT_EQ(autoscaler.tick(0, 5, 1), ScaleAction::kNone);   // high since 0
  EXPECT_EQ(autoscaler.tick(20, 5, 1), ScaleAction::kNone);  // 20 s < window
  EXPECT_EQ(autoscaler.tick(30, 5, 1), ScaleAction::kScaleOut);
  EXPECT_EQ(autoscaler.tick(40, 5, 2), ScaleAction::kNone);  // high again since 40
  EXPECT_EQ(autoscaler.tick(80, 5, 2), ScaleAction::kNone);  // cooldown until 90
  EXPECT_EQ(autoscaler.tick(90, 5, 2), ScaleAction::kScaleOut);
  EXPECT_EQ(autoscaler.tick(200, 5, 3), ScaleAction::kNone);  // at max_replicas
}

TEST(FleetAutoscalerTest, AnInterruptedSpellRestartsTheWindow) {
  FleetAutoscaler autoscaler(test_config());
  EXPECT_EQ(autoscaler.tick(0, 5, 1), ScaleAction::kNone);
  EXPECT_EQ(autoscaler.tick(10, 2, 1), ScaleAction::kNone);  // neither high nor low
  EXPECT_EQ(autoscaler.tick(20, 5, 1), ScaleAction::kNone);
  EXPECT_EQ(autoscaler.tick(40, 5, 1), ScaleAction::kNone);  // 20 s since the spell restarted
  EXPECT_EQ(autoscaler.tick(50, 5, 1), ScaleAction::kScaleOut);
}

TEST(FleetAutoscalerTest, ScalesInAfterAWindowOfLowLoadDownToTheMinimum) {
  FleetAutoscaler autoscaler(test_config());
  EXPECT_EQ(autoscaler.tick(0, 0.1, 2), ScaleAction::kNone);
  EXPECT_EQ(autoscaler.tick(30, 0.1, 2), ScaleAction::kScaleIn);
  EXPECT_EQ(autoscaler.tick(100, 0, 1), ScaleAction::kNone);  // at min_replicas
}

TEST(FleetAutoscalerTest, ParamsAreReadAndCheckedByName) {
  auto config = autoscale_config_from_params({{"signal", "kv"},
                                              {"scale_out_above", "0.8"},
                                              {"scale_in_below", "0.2"},
                                              {"max_replicas", "6"},
                                              {"startup_s", "90"}});
  ASSERT_TRUE(config.ok()) << config.error_message();
  EXPECT_EQ(config->signal, AutoscaleSignal::kKvCache);
  EXPECT_DOUBLE_EQ(config->scale_out_above, 0.8);
  EXPECT_EQ(config->max_replicas, 6);
  EXPECT_DOUBLE_EQ(config->startup_s, 90);
  EXPECT_DOUBLE_EQ(config->window_s, AutoscaleConfig{}.window_s);

  EXPECT_EQ(autoscale_config_from_params({{"windw_s", "1"}}).error_message(),
            "unknown parameter \"windw_s\" (accepted: interval_s, window_s, cooldown_s, "
            "scale_out_above, scale_in_below, startup_s, signal, min_replicas, max_replicas)");
  EXPECT_EQ(autoscale_config_from_params({{"signal", "cpu"}}).error_message(),
            "parameter \"signal\": expected queue or kv, got \"cpu\"");
  EXPECT_EQ(
      autoscale_config_from_params({{"min_replicas", "4"}, {"max_replicas", "2"}}).error_message(),
      "max_replicas: must be at least min_replicas (4), got 2");
  EXPECT_EQ(autoscale_config_from_params({{"scale_in_below", "5"}}).error_message(),
            "scale_in_below: must be below scale_out_above (4), got 5");
}

}  // namespace
}  // namespace fulcrum::sim
