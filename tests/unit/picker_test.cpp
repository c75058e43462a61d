#include "policy/picker.h"

#include <gtest/gtest.h>

#include <vector>

#include "picker_test_support.h"

namespace fulcrum {
namespace {

TEST(NoEligibleBackendTest, EmptyPool) {
  Status status = no_eligible_backend({});
  EXPECT_EQ(status.code(), ErrorCode::kUnavailable);
  EXPECT_EQ(status.message(), "no eligible backend: the pool is empty");
}

TEST(NoEligibleBackendTest, CountsEachReason) {
  std::vector<BackendView> backends = make_backends(4);
  backends[0].healthy = false;
  backends[1].healthy = false;
  backends[2].draining = true;
  backends[3].weight = 0;
  Status status = no_eligible_backend(backends);
  EXPECT_EQ(status.code(), ErrorCode::kUnavailable);
  EXPECT_EQ(status.message(), "no eligible backend among 4: 2 unhealthy, 1 draining, 1 weight 0");
}

TEST(NoEligibleBackendTest, EachBackendCountsOnceUnderItsFirstReason) {
  std::vector<BackendView> backends = make_backends(2);
  backends[0].healthy = false;
  backends[0].draining = true;
  backends[1].draining = true;
  backends[1].weight = 0;
  EXPECT_EQ(no_eligible_backend(backends).message(),
            "no eligible backend among 2: 1 unhealthy, 1 draining");
}

TEST(BackendViewTest, EligibleOnlyWhenHealthyNotDrainingAndWeighted) {
  BackendView backend;
  EXPECT_TRUE(backend.eligible());
  backend.weight = 0;
  EXPECT_FALSE(backend.eligible());
  backend.weight = 3;
  backend.draining = true;
  EXPECT_FALSE(backend.eligible());
  backend.draining = false;
  backend.healthy = false;
  EXPECT_FALSE(backend.eligible());
}

}  // namespace
}  // namespace fulcrum
