#include "gateway/failover.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace fulcrum {
namespace {

using Action = FailoverAction;
using Cause = FailureCause;

struct Row {
  std::string name;
  AttemptFacts facts;
  FailoverDecision expected;
};

AttemptFacts facts(bool connected, bool head, int status, bool replayable, int retries_left,
                   bool budget, bool pooled = false, bool stale_used = false,
                   AttemptDeadline expired = AttemptDeadline::kNone) {
  return {connected, head, status, replayable, retries_left, budget, pooled, stale_used, expired};
}

constexpr bool kBlamed = true;
constexpr bool kNotBlamed = false;

// Every row of the table in failover.h, and the cases that sit on its edges.
const std::vector<Row>& rows() {
  static const std::vector<Row> table = {
      {"503 with a retry left goes elsewhere",
       facts(true, true, 503, true, 1, true),
       {Action::kRetryElsewhere, 0, Cause::kNone, false, kBlamed}},
      {"502 with a retry left goes elsewhere",
       facts(true, true, 502, true, 1, true),
       {Action::kRetryElsewhere, 0, Cause::kNone, false, kBlamed}},
      {"503 of a body that cannot be replayed is relayed",
       facts(true, true, 503, false, 1, true),
       {Action::kRelay, 0, Cause::kNone, false, kBlamed}},
      {"503 with no retry left is relayed",
       facts(true, true, 503, true, 0, true),
       {Action::kRelay, 0, Cause::kNone, false, kBlamed}},
      {"503 over the retry budget is relayed",
       facts(true, true, 503, true, 1, false),
       {Action::kRelay, 0, Cause::kNone, false, kBlamed}},
      {"500 is relayed, not retried",
       facts(true, true, 500, true, 1, true),
       {Action::kRelay, 0, Cause::kNone, false, kBlamed}},
      {"200 is relayed",
       facts(true, true, 200, true, 1, true),
       {Action::kRelay, 0, Cause::kNone, false, kNotBlamed}},
      {"404 is relayed and no failure",
       facts(true, true, 404, true, 1, true),
       {Action::kRelay, 0, Cause::kNone, false, kNotBlamed}},
      {"timeouts.total passed",
       facts(true, false, 0, true, 1, true, false, false, AttemptDeadline::kTotal),
       {Action::kFail, 504, Cause::kTotalTimeout, false, kBlamed}},
      {"timeouts.first_byte passed",
       facts(true, false, 0, true, 1, true, true, false, AttemptDeadline::kFirstByte),
       {Action::kFail, 504, Cause::kFirstByteTimeout, false, kBlamed}},
      {"unreachable, body not replayable",
       facts(false, false, 0, false, 1, true),
       {Action::kFail, 503, Cause::kUnreachable, true, kBlamed}},
      {"failed after taking a body that cannot be replayed",
       facts(true, false, 0, false, 1, true),
       {Action::kFail, 502, Cause::kFailed, true, kBlamed}},
      {"stale pooled connection, body not replayable",
       facts(true, false, 0, false, 1, true, true),
       {Action::kFail, 502, Cause::kFailed, true, kNotBlamed}},
      {"stale pooled connection: a fresh one, no retry counted",
       facts(true, false, 0, true, 0, false, true, false),
       {Action::kRetryFreshConnection, 0, Cause::kNone, false, kNotBlamed}},
      {"stale twice, a retry left: elsewhere",
       facts(true, false, 0, true, 1, true, true, true),
       {Action::kRetryElsewhere, 0, Cause::kNone, false, kNotBlamed}},
      {"stale twice, no retry left",
       facts(true, false, 0, true, 0, true, true, true),
       {Action::kFail, 502, Cause::kFailed, false, kNotBlamed}},
      {"unreachable with no retry left",
       facts(false, false, 0, true, 0, true),
       {Action::kFail, 503, Cause::kUnreachable, false, kBlamed}},
      {"unreachable over the retry budget",
       facts(false, false, 0, true, 1, false),
       {Action::kFail, 503, Cause::kUnreachable, false, kBlamed}},
      {"unreachable with a retry left goes elsewhere",
       facts(false, false, 0, true, 1, true),
       {Action::kRetryElsewhere, 0, Cause::kNone, false, kBlamed}},
      {"failed on a fresh connection with a retry left goes elsewhere",
       facts(true, false, 0, true, 2, true),
       {Action::kRetryElsewhere, 0, Cause::kNone, false, kBlamed}},
      {"failed on a fresh connection with no retry left",
       facts(true, false, 0, true, 0, true),
       {Action::kFail, 502, Cause::kFailed, false, kBlamed}},
  };
  return table;
}

TEST(FailoverTest, DecidesEveryRowOfTheTable) {
  for (const Row& row : rows()) {
    const FailoverDecision decision = decide_failover(row.facts);
    EXPECT_EQ(static_cast<int>(decision.action), static_cast<int>(row.expected.action)) << row.name;
    EXPECT_EQ(decision.status, row.expected.status) << row.name;
    EXPECT_EQ(static_cast<int>(decision.cause), static_cast<int>(row.expected.cause)) << row.name;
    EXPECT_EQ(decision.not_replayable, row.expected.not_replayable) << row.name;
    EXPECT_EQ(decision.backend_failed, row.expected.backend_failed) << row.name;
  }
}

TEST(FailoverTest, MessagesNameTheBackendAndTheCause) {
  const FailoverDecision unreachable = decide_failover(facts(false, false, 0, false, 1, true));
  EXPECT_EQ(failure_message(unreachable, "gpu-a", 0),
            "backend \"gpu-a\" is unreachable and the request cannot be replayed");
  const FailoverDecision failed = decide_failover(facts(true, false, 0, true, 0, true));
  EXPECT_EQ(failure_message(failed, "gpu-a", 0), "backend \"gpu-a\" failed");
  const FailoverDecision slow = decide_failover(
      facts(true, false, 0, true, 1, true, false, false, AttemptDeadline::kFirstByte));
  EXPECT_EQ(failure_message(slow, "gpu-a", 0), "backend \"gpu-a\" did not answer in time");
  const FailoverDecision total =
      decide_failover(facts(true, false, 0, true, 1, true, false, false, AttemptDeadline::kTotal));
  EXPECT_EQ(failure_message(total, "gpu-a", 1500),
            "no complete response within timeouts.total (1500ms); last backend \"gpu-a\"");
}

TEST(FailoverTest, RetryStateCountsRetriesAndExcludesTheirBackends) {
  RetryState retries(2);
  retries.after({Action::kRetryFreshConnection, 0, Cause::kNone, false, false}, 7);
  EXPECT_EQ(retries.retries_left(), 2);  // a fresh connection is no retry
  EXPECT_TRUE(retries.stale_retry_used());
  EXPECT_TRUE(retries.excluded().empty());
  retries.after({Action::kRetryElsewhere, 0, Cause::kNone, false, true}, 7);
  retries.after({Action::kRetryElsewhere, 0, Cause::kNone, false, true}, 3);
  EXPECT_EQ(retries.retries_left(), 0);
  EXPECT_EQ(std::vector<uint32_t>(retries.excluded().begin(), retries.excluded().end()),
            (std::vector<uint32_t>{7, 3}));
}

// 20% of 100 requests plus the floor of 10: 30 retries.
TEST(FailoverTest, RetryBudgetIsARatioOfRequestsPlusAFloor) {
  EXPECT_TRUE(within_retry_budget(0, 9, 0.2));
  EXPECT_FALSE(within_retry_budget(0, 10, 0.2));
  EXPECT_TRUE(within_retry_budget(100, 29, 0.2));
  EXPECT_FALSE(within_retry_budget(100, 30, 0.2));
}

}  // namespace
}  // namespace fulcrum
