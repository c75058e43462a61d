#include "queue/ready_queue.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

namespace fulcrum {
namespace {

Task task(std::string id, int priority, int64_t duration_ms) {
  Task made;
  made.id = std::move(id);
  made.priority = priority;
  made.estimated_duration_ms = duration_ms;
  return made;
}

// A queue under test and its tasks: a task's handle is its position in `tasks`.
struct NamedQueue {
  std::unique_ptr<ReadyQueue> queue;
  std::vector<Task> tasks;

  QueueHandle push(Task pushed, Nanos enqueued_at) {
    auto handle = static_cast<QueueHandle>(tasks.size());
    tasks.push_back(std::move(pushed));
    queue->push(tasks.back(), handle, enqueued_at);
    return handle;
  }
  std::vector<std::string> ordered(Nanos now) const {
    std::vector<std::string> ids;
    for (QueueHandle handle : queue->ordered(now)) ids.push_back(tasks[handle].id);
    return ids;
  }
};

NamedQueue named(const std::string& policy, const PolicyParams& params = {}) {
  auto queue = make_ready_queue(policy, params);
  EXPECT_TRUE(queue.ok()) << queue.error_message();
  return NamedQueue{std::move(*queue), {}};
}

std::vector<std::string> order_of(const std::string& policy, Nanos now = Nanos{0}) {
  NamedQueue queue = named(policy);
  queue.push(task("long-low", 1, 60000), Nanos{0});
  queue.push(task("short-high", 9, 1000), Nanos{0});
  queue.push(task("mid-mid", 5, 5000), Nanos{0});
  return queue.ordered(now);
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
  NamedQueue queue = named("priority", {{"aging_per_minute", "1"}});
  queue.push(task("old-low", 1, 0), Nanos{0});
  queue.push(task("new-high", 3, 0), std::chrono::minutes(5));
  EXPECT_EQ(queue.ordered(std::chrono::minutes(5)),
            (std::vector<std::string>{"old-low", "new-high"}));
}

// Ties (same priority, same enqueue time) go to the smaller task id, whatever the handles say.
TEST(ReadyQueueTest, PriorityTiesGoToTheSmallerIdNotTheSmallerHandle) {
  NamedQueue queue = named("priority");
  queue.push(task("job-b", 5, 0), Nanos{0});
  queue.push(task("job-a", 5, 0), Nanos{0});
  EXPECT_EQ(queue.ordered(Nanos{0}), (std::vector<std::string>{"job-a", "job-b"}));
}

TEST(ReadyQueueTest, RemoveTakesATaskOut) {
  for (const char* policy : {"shortest_first", "priority", "las"}) {
    NamedQueue queue = named(policy);
    QueueHandle a = queue.push(task("a", 0, 1), Nanos{0});
    queue.push(task("b", 0, 2), Nanos{0});
    EXPECT_TRUE(queue.queue->remove(a)) << policy;
    EXPECT_FALSE(queue.queue->remove(a)) << policy;
    EXPECT_EQ(queue.queue->size(), 1u) << policy;
    EXPECT_EQ(queue.ordered(Nanos{0}), std::vector<std::string>{"b"}) << policy;
  }
}

TEST(ReadyQueueTest, UnknownPolicyListsTheKnownOnes) {
  auto queue = make_ready_queue("lifo");
  ASSERT_FALSE(queue.ok());
  EXPECT_EQ(queue.error_message(),
            "unknown queue policy \"lifo\" (known: fifo, priority, shortest_first, easy_backfill, "
            "las)");
}

Task gpu_task(std::string id, int64_t gpu_milli) {
  Task made = task(std::move(id), 0, 1000);
  made.demand.gpu_milli = gpu_milli;
  return made;
}

// Levels split at 10 and 40 GPU-seconds. A (2 GPUs) runs 0-6 s: 12 GPU-s, level 1. Queued again
// beside B (never run, level 0), B comes first although A was queued first.
TEST(ReadyQueueTest, LasOrdersByAttainedServiceThenByArrival) {
  NamedQueue queue = named("las", {{"thresholds", "10:40"}});
  constexpr QueueHandle kA = 0;
  queue.queue->run_started(gpu_task("A", 2000), kA, std::chrono::seconds(0));
  queue.queue->run_stopped(kA, std::chrono::seconds(6));
  EXPECT_EQ(queue.push(gpu_task("A", 2000), std::chrono::seconds(6)), kA);
  QueueHandle b = queue.push(gpu_task("B", 1000), std::chrono::seconds(7));
  EXPECT_EQ(queue.ordered(Nanos{0}), (std::vector<std::string>{"B", "A"}));
  EXPECT_EQ(queue.queue->preemption_level(kA), 1);
  EXPECT_EQ(queue.queue->preemption_level(b), 0);
}

// A running task reaches its next level when its service crosses the threshold: A (2 GPUs, 12
// GPU-s so far, level 1) starts again at 100 s and needs 28 more GPU-s for 40: at 114 s.
TEST(ReadyQueueTest, LasTellsWhenARunningTaskReachesItsNextLevel) {
  auto queue = make_ready_queue("las", {{"thresholds", "10:40"}});
  ASSERT_TRUE(queue.ok());
  Task a = gpu_task("A", 2000);
  constexpr QueueHandle kA = 0;
  EXPECT_EQ((*queue)->next_reorder(), std::nullopt);
  (*queue)->run_started(a, kA, std::chrono::seconds(0));
  EXPECT_EQ((*queue)->next_reorder(), Nanos(std::chrono::seconds(5)));
  (*queue)->run_stopped(kA, std::chrono::seconds(6));
  EXPECT_EQ((*queue)->next_reorder(), std::nullopt);
  (*queue)->run_started(a, kA, std::chrono::seconds(100));
  EXPECT_EQ((*queue)->next_reorder(), Nanos(std::chrono::seconds(114)));
  EXPECT_FALSE((*queue)->reorder(std::chrono::seconds(113)));
  EXPECT_TRUE((*queue)->reorder(std::chrono::seconds(114)));
  EXPECT_EQ((*queue)->preemption_level(kA), 2);
  EXPECT_EQ((*queue)->next_reorder(), std::nullopt);  // the last level has no next
  EXPECT_EQ(make_ready_queue("fifo").value()->preemption_level(kA), std::nullopt);
}

}  // namespace
}  // namespace fulcrum
