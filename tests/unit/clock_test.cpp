#include "core/clock.h"

#include <gtest/gtest.h>

namespace fulcrum {
namespace {

TEST(VirtualClockTest, MovesOnlyForwardWhenTold) {
  VirtualClock clock(Nanos{100});
  EXPECT_EQ(clock.now(), Nanos{100});
  clock.advance_by(Nanos{50});
  EXPECT_EQ(clock.now(), Nanos{150});
  clock.advance_to(Nanos{120});  // the past is ignored
  EXPECT_EQ(clock.now(), Nanos{150});
  clock.advance_to(std::chrono::milliseconds{2});
  EXPECT_EQ(to_millis(clock.now()), 2);
  clock.advance_by(Nanos{-5});
  EXPECT_EQ(clock.now(), Nanos{2000000});
}

TEST(RealClockTest, SteadyIsMonotonicAndSystemIsUnixTime) {
  SteadyClock steady;
  Nanos first = steady.now();
  EXPECT_LE(first, steady.now());
  SystemClock system;
  // Later than 2020-01-01 in Unix time.
  EXPECT_GT(to_millis(system.now()), 1577836800000LL);
}

}  // namespace
}  // namespace fulcrum
