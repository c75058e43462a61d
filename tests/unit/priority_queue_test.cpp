#include "queue/priority_queue.h"

#include <gtest/gtest.h>

#include <chrono>

namespace fulcrum {
namespace {

using std::chrono::minutes;
using std::chrono::seconds;

std::vector<std::string> pop_all(AgingPriorityQueue& queue) {
  std::vector<std::string> ids;
  while (auto task = queue.pop()) ids.push_back(task->task_id);
  return ids;
}

TEST(AgingPriorityQueueTest, HigherPriorityFirstThenFifoThenId) {
  AgingPriorityQueue queue(0.0);
  ASSERT_TRUE(queue.push("low", 1, seconds(0)).ok());
  ASSERT_TRUE(queue.push("high", 5, seconds(1)).ok());
  ASSERT_TRUE(queue.push("mid-late", 3, seconds(3)).ok());
  ASSERT_TRUE(queue.push("mid-b", 3, seconds(2)).ok());
  ASSERT_TRUE(queue.push("mid-a", 3, seconds(2)).ok());
  EXPECT_EQ(queue.size(), 5u);
  EXPECT_EQ(queue.top()->task_id, "high");
  EXPECT_EQ(pop_all(queue),
            (std::vector<std::string>{"high", "mid-a", "mid-b", "mid-late", "low"}));
  EXPECT_TRUE(queue.empty());
  EXPECT_FALSE(queue.pop().has_value());
  EXPECT_FALSE(queue.top().has_value());
}

TEST(AgingPriorityQueueTest, EffectivePriorityGrowsWithWaiting) {
  AgingPriorityQueue queue(2.0);
  ASSERT_TRUE(queue.push("t", 10, minutes(5)).ok());
  EXPECT_DOUBLE_EQ(*queue.effective_priority("t", minutes(5)), 10.0);
  EXPECT_DOUBLE_EQ(*queue.effective_priority("t", minutes(8)), 16.0);
  EXPECT_DOUBLE_EQ(*queue.effective_priority("t", minutes(5) + seconds(15)), 10.5);
  EXPECT_FALSE(queue.effective_priority("other", minutes(8)).has_value());
}

// Low priority 0 waits from t = 0; at 1 point per minute it reaches priority 10 at exactly
// t* = 10 minutes. A priority-10 task that arrives before t* goes first; one that arrives at t*
// ties, and the tie goes to the task that has waited longer.
TEST(AgingPriorityQueueTest, LowPriorityOvertakesNewerHighPriorityExactlyAtTheComputedTime) {
  const Nanos crossover = minutes(10);
  for (auto [arrival, expected_first] :
       {std::pair{crossover - std::chrono::nanoseconds(1), "high"}, std::pair{crossover, "low"},
        std::pair{crossover + std::chrono::nanoseconds(1), "low"}}) {
    AgingPriorityQueue queue(1.0);
    ASSERT_TRUE(queue.push("low", 0, Nanos(0)).ok());
    ASSERT_TRUE(queue.push("high", 10, arrival).ok());
    EXPECT_EQ(queue.top()->task_id, expected_first) << "high arrived at " << arrival.count();
  }
  AgingPriorityQueue queue(1.0);
  ASSERT_TRUE(queue.push("low", 0, Nanos(0)).ok());
  ASSERT_TRUE(queue.push("high", 10, crossover).ok());
  EXPECT_EQ(*queue.effective_priority("low", crossover),
            *queue.effective_priority("high", crossover));
}

TEST(AgingPriorityQueueTest, OrderDoesNotDependOnWhenItIsRead) {
  AgingPriorityQueue queue(1.0);
  ASSERT_TRUE(queue.push("old-low", 0, minutes(0)).ok());
  ASSERT_TRUE(queue.push("new-high", 5, minutes(3)).ok());
  for (minutes now : {minutes(3), minutes(60), minutes(6000)}) {
    std::vector<RankedTask> ranked = queue.snapshot(now);
    ASSERT_EQ(ranked.size(), 2u);
    EXPECT_EQ(ranked[0].task.task_id, "new-high");
    EXPECT_DOUBLE_EQ(ranked[0].effective_priority - ranked[1].effective_priority, 2.0);
  }
  std::vector<RankedTask> at_hour = queue.snapshot(minutes(60));
  EXPECT_DOUBLE_EQ(at_hour[0].effective_priority, 62.0);
  EXPECT_DOUBLE_EQ(at_hour[1].effective_priority, 60.0);
}

TEST(AgingPriorityQueueTest, RemoveTakesATaskOut) {
  AgingPriorityQueue queue;
  ASSERT_TRUE(queue.push("a", 3, seconds(0)).ok());
  ASSERT_TRUE(queue.push("b", 2, seconds(0)).ok());
  EXPECT_TRUE(queue.remove("a"));
  EXPECT_FALSE(queue.remove("a"));
  EXPECT_EQ(queue.size(), 1u);
  EXPECT_EQ(queue.top()->task_id, "b");
  ASSERT_TRUE(queue.push("a", 1, seconds(5)).ok());
  EXPECT_EQ(pop_all(queue), (std::vector<std::string>{"b", "a"}));
}

TEST(AgingPriorityQueueTest, RejectsATaskAlreadyQueued) {
  AgingPriorityQueue queue;
  ASSERT_TRUE(queue.push("a", 3, seconds(0)).ok());
  Status status = queue.push("a", 9, seconds(1));
  EXPECT_EQ(status.code(), ErrorCode::kAlreadyExists);
  EXPECT_EQ(status.message(), "task \"a\" is already queued");
  EXPECT_EQ(queue.top()->priority, 3);
}

TEST(AgingPriorityQueueTest, PreciseAtWallClockTimestamps) {
  // Around 2026 in nanoseconds since 1970; one millisecond of waiting at 1 point per minute.
  const Nanos epoch_2026(std::chrono::seconds(1'780'000'000));
  AgingPriorityQueue queue(1.0);
  ASSERT_TRUE(queue.push("first", 0, epoch_2026).ok());
  ASSERT_TRUE(
      queue.push("late-by-1ms", 0, epoch_2026 + minutes(600) + std::chrono::milliseconds(1)).ok());
  ASSERT_TRUE(queue.push("late", 0, epoch_2026 + minutes(600)).ok());
  EXPECT_EQ(pop_all(queue), (std::vector<std::string>{"first", "late", "late-by-1ms"}));
}

TEST(AgingPriorityQueueTest, FromParams) {
  auto queue = AgingPriorityQueue::from_params({{"aging_per_minute", "0.5"}});
  ASSERT_TRUE(queue.ok());
  EXPECT_DOUBLE_EQ(queue->aging_per_minute(), 0.5);
  auto fallback = AgingPriorityQueue::from_params({});
  ASSERT_TRUE(fallback.ok());
  EXPECT_DOUBLE_EQ(fallback->aging_per_minute(), AgingPriorityQueue::kDefaultAgingPerMinute);
  auto negative = AgingPriorityQueue::from_params({{"aging_per_minute", "-1"}});
  ASSERT_FALSE(negative.ok());
  EXPECT_EQ(negative.error_message(),
            "parameter \"aging_per_minute\": expected a number in [0, 10000], got \"-1\"");
  auto typo = AgingPriorityQueue::from_params({{"aging", "1"}});
  ASSERT_FALSE(typo.ok());
  EXPECT_EQ(typo.error_message(), "unknown parameter \"aging\" (accepted: aging_per_minute)");
}

}  // namespace
}  // namespace fulcrum
