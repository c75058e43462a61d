#include "policy/peak_ewma.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "picker_test_support.h"

namespace fulcrum {
namespace {

using std::chrono::milliseconds;

Outcome outcome_of(uint32_t backend_id, int64_t latency_ms, int64_t finished_at_ms,
                   bool success = true) {
  return {backend_id, milliseconds(latency_ms), milliseconds(finished_at_ms), success};
}

TEST(PeakEwmaTest, AvoidsABackendObservedToBeSlow) {
  std::unique_ptr<Picker> picker = make_test_picker("peak_ewma");
  ASSERT_NE(picker, nullptr);
  const std::vector<BackendView> backends = make_named_backends({"a", "b", "c"});
  picker->observe(outcome_of(0, 500, 1000));
  picker->observe(outcome_of(1, 20, 1000));
  picker->observe(outcome_of(2, 25, 1000));
  EXPECT_EQ(pick_sequence(*picker, backends, 3), "b b b");
}

TEST(PeakEwmaTest, UnobservedBackendsUseTheDefaultLatency) {
  PeakEwmaPicker picker(PeakEwmaConfig{});
  EXPECT_DOUBLE_EQ(picker.ewma_ms(3), 30);
  PeakEwmaPicker configured(PeakEwmaConfig{.default_latency_ms = 5});
  EXPECT_DOUBLE_EQ(configured.ewma_ms(3), 5);
  // 40 ms observed on a; the unobserved b counts as 30 ms.
  picker.observe(outcome_of(0, 40, 0));
  EXPECT_EQ(pick_sequence(picker, make_named_backends({"a", "b"}), 2), "b b");
}

TEST(PeakEwmaTest, CostGrowsWithInFlight) {
  PeakEwmaPicker picker(PeakEwmaConfig{});
  std::vector<BackendView> backends = make_named_backends({"a", "b"});
  picker.observe(outcome_of(0, 10, 0));
  picker.observe(outcome_of(1, 40, 0));
  backends[0].in_flight = 5;  // 10 x 6 = 60 against 40 x 1
  EXPECT_EQ(pick_sequence(picker, backends, 2), "b b");
  backends[0].in_flight = 2;  // 10 x 3 = 30 against 40
  EXPECT_EQ(pick_sequence(picker, backends, 2), "a a");
}

TEST(PeakEwmaTest, PeakIsFollowedAtOnce) {
  PeakEwmaPicker picker(PeakEwmaConfig{});
  picker.observe(outcome_of(0, 10, 0));
  EXPECT_DOUBLE_EQ(picker.ewma_ms(0), 10);
  picker.observe(outcome_of(0, 100, 1));
  EXPECT_DOUBLE_EQ(picker.ewma_ms(0), 100);
}

TEST(PeakEwmaTest, DecaysByOneOverEPerTimeConstant) {
  PeakEwmaPicker picker(PeakEwmaConfig{.decay_ms = 10000});
  picker.observe(outcome_of(0, 100, 5000));
  picker.observe(outcome_of(0, 10, 15000));
  // Moved (1 - 1/e) of the way from 100 to 10: 10 + 90/e.
  EXPECT_NEAR(picker.ewma_ms(0), 10 + 90 / std::exp(1.0), 1e-9);
  EXPECT_NEAR(picker.ewma_ms(0), 43.109149, 1e-6);
}

TEST(PeakEwmaTest, DecayTimeIsPerBackendAndConfigurable) {
  std::unique_ptr<Picker> picker = make_test_picker("peak_ewma", {{"decay_ms", "1000"}});
  ASSERT_NE(picker, nullptr);
  auto& peak_ewma = dynamic_cast<PeakEwmaPicker&>(*picker);
  peak_ewma.observe(outcome_of(0, 100, 0));
  peak_ewma.observe(outcome_of(1, 50, 1500));  // another backend does not advance a's clock
  peak_ewma.observe(outcome_of(0, 10, 2000));  // two time constants: 1/e^2 of the old value left
  EXPECT_NEAR(peak_ewma.ewma_ms(0), 10 + 90 / std::exp(2.0), 1e-9);
  EXPECT_DOUBLE_EQ(peak_ewma.ewma_ms(1), 50);
}

TEST(PeakEwmaTest, NoTimeElapsedMeansNoDecay) {
  PeakEwmaPicker picker(PeakEwmaConfig{});
  picker.observe(outcome_of(0, 100, 7000));
  picker.observe(outcome_of(0, 10, 7000));
  picker.observe(outcome_of(0, 10, 6000));  // reported out of order: treated as no time elapsed
  EXPECT_DOUBLE_EQ(picker.ewma_ms(0), 100);
}

TEST(PeakEwmaTest, FailuresCanCountAsSlow) {
  PeakEwmaPicker lenient(PeakEwmaConfig{});
  lenient.observe(outcome_of(0, 1, 0, false));
  EXPECT_DOUBLE_EQ(lenient.ewma_ms(0), 1);
  PeakEwmaPicker strict(PeakEwmaConfig{.failure_penalty_ms = 500});
  strict.observe(outcome_of(0, 1, 0, false));
  EXPECT_DOUBLE_EQ(strict.ewma_ms(0), 500);
  strict.observe(outcome_of(1, 1, 0, true));
  EXPECT_DOUBLE_EQ(strict.ewma_ms(1), 1);
}

TEST(PeakEwmaTest, EqualCostsRotate) {
  std::unique_ptr<Picker> picker = make_test_picker("peak_ewma");
  ASSERT_NE(picker, nullptr);
  EXPECT_EQ(pick_sequence(*picker, make_named_backends({"a", "b", "c"}), 4), "a b c a");
}

}  // namespace
}  // namespace fulcrum
