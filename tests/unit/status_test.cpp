#include "core/status.h"

#include <gtest/gtest.h>

namespace fulcrum {
namespace {

TEST(StatusTest, OkByDefault) {
  Status status;
  EXPECT_TRUE(status.ok());
  EXPECT_EQ(status.to_string(), "ok");
}

TEST(StatusTest, ErrorCarriesCodeAndMessage) {
  Status status = invalid_argument("nodes[2].gpus: expected a non-negative integer");
  EXPECT_FALSE(status.ok());
  EXPECT_EQ(status.code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(status.to_string(), "invalid_argument: nodes[2].gpus: expected a non-negative integer");
}

TEST(ResultTest, HoldsValueOrError) {
  Result<int> value = 42;
  ASSERT_TRUE(value.ok());
  EXPECT_EQ(*value, 42);
  EXPECT_TRUE(value.status().ok());

  Result<int> error = not_found("no such node \"n9\"");
  ASSERT_FALSE(error.ok());
  EXPECT_EQ(error.status().code(), ErrorCode::kNotFound);
  EXPECT_EQ(error.error_message(), "no such node \"n9\"");
}

}  // namespace
}  // namespace fulcrum
