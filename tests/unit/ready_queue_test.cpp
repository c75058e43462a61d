#include "queue/ready_queue.h"

#include <gtest/gtest.h>

namespace fulcrum {
namespace {

Task task(std::string id, int priority, int64_t duration_ms) {
  Task made;
  made.id = std::move(id);
  made.priority = priority;
  made.estimated_duration_ms = duration_ms;
  return made;
}

std::vector<std::string> order_of(const std::string& policy, Nanos now = Nanos{0}) {
  auto queue = make_ready_queue(policy);
  EXPECT_TRUE(queue.ok());
  (*queue)->push(task("long-low", 1, 60000), Nanos{0});
  (*queue)->push(task("short-high", 9, 1000), Nanos{0});
  (*queue)->push(task("mid-mid", 5, 5000), Nanos{0});
  return (*queue)->ordered(now);
}

TEST(ReadyQueueTest, FifoKeepsEnqueueOrder) {
  EXPECT_EQ(order_of("fifo"), (std::vector<std::string>{"long-low", "short-high", "mid-mid"}));
}

TEST(ReadyQueueTest, PriorityPutsTheHighestFirst) {
  EXPECT_EQ(order_of("priority"), (std::vector<std::string>{"short-high", "mid-mid", "long-low"}));
}

TEST(ReadyQueueTest, ShortestFirstOrdersByEstimatedDuration) {
  EXPECT_EQ(order_of("shortest_first"),
            (std::vector<std::string>{"short-high", "mid-mid", "long-low"}));
}

TEST(ReadyQueueTest, PriorityAgesWaitingTasksPastNewerOnes) {
  auto queue = make_ready_queue("priority", {{"aging_per_minute", "1"}});
  ASSERT_TRUE(queue.ok());
  (*queue)->push(task("old-low", 1, 0), Nanos{0});
  (*queue)->push(task("new-high", 3, 0), std::chrono::minutes(5));
  EXPECT_EQ((*queue)->ordered(std::chrono::minutes(5)),
            (std::vector<std::string>{"old-low", "new-high"}));
}

TEST(ReadyQueueTest, RemoveTakesATaskOut) {
  auto queue = make_ready_queue("shortest_first");
  (*queue)->push(task("a", 0, 1), Nanos{0});
  (*queue)->push(task("b", 0, 2), Nanos{0});
  EXPECT_TRUE((*queue)->remove("a"));
  EXPECT_FALSE((*queue)->remove("a"));
  EXPECT_EQ((*queue)->size(), 1u);
  EXPECT_EQ((*queue)->ordered(Nanos{0}), std::vector<std::string>{"b"});
}

TEST(ReadyQueueTest, UnknownPolicyListsTheKnownOnes) {
  auto queue = make_ready_queue("lifo");
  ASSERT_FALSE(queue.ok());
  EXPECT_EQ(queue.error_message(),
            "unknown queue policy \"lifo\" (known: fifo, priority, shortest_first, easy_backfill)");
}

}  // namespace
}  // namespace fulcrum
