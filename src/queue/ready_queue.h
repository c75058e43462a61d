// The order in which queued tasks are offered to the placer, by policy name:
//   fifo            submission (enqueue) order;
//   priority        highest priority first, raised by waiting (AgingPriorityQueue);
//   shortest_first  smallest estimated duration first, then enqueue order (SJF: lowest mean wait);
//   easy_backfill   fifo order, and the head that does not fit reserves its shadow time: a later
//                   task may start only if it is expected to end by then (queue/backfill.h);
//   las             least attained service in levels, fifo within a level; a waiting task may
//                   preempt running tasks of later levels (queue/las_queue.h).
// Pure: times are arguments. Tasks are named by a handle, the caller's dense number for the task
// (SchedulerCore: its index of the task), so a queue keeps no ids and looks nothing up by name.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/registry.h"
#include "core/task.h"

namespace fulcrum {

using QueueHandle = uint32_t;

class ReadyQueue {
 public:
  virtual ~ReadyQueue() = default;
  virtual std::string_view name() const = 0;
  // Adds a task that is not queued yet.
  virtual void push(const Task& task, QueueHandle handle, Nanos enqueued_at) = 0;
  // False when the task is not queued.
  virtual bool remove(QueueHandle handle) = 0;
  virtual size_t size() const = 0;
  // Queued tasks in the order a placement pass tries them at `now`.
  virtual std::vector<QueueHandle> ordered(Nanos now) const = 0;
  // EASY backfilling: the first task of a pass that does not fit holds back the later ones that
  // would not end by its shadow time.
  virtual bool reserves_head() const { return false; }

  // Queues that order by service (las) follow every run: `task` started or stopped running.
  virtual void run_started(const Task& /*task*/, QueueHandle /*handle*/, Nanos /*now*/) {}
  virtual void run_stopped(QueueHandle /*handle*/, Nanos /*now*/) {}
  // When the order next changes by itself (a running task reaching its next level), if ever.
  virtual std::optional<Nanos> next_reorder() const { return std::nullopt; }
  // Applies the changes due by `now`; true when any was.
  virtual bool reorder(Nanos /*now*/) { return false; }
  // Queues that preempt by service level: the level of a task (queued or running); a waiting task
  // may evict running tasks of later levels. nullopt: this queue does not preempt.
  virtual std::optional<int> preemption_level(QueueHandle /*handle*/) const { return std::nullopt; }
};

using ReadyQueueEntry = RegistryEntry<ReadyQueue>;

const std::vector<ReadyQueueEntry>& ready_queue_registry();

Result<std::unique_ptr<ReadyQueue>> make_ready_queue(const std::string& name,
                                                     const PolicyParams& params = {});

}  // namespace fulcrum
