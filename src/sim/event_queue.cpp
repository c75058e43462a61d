// A 4-ary min-heap on a vector, by (time, sequence): half the depth of a binary heap and a node's
// children share a cache line or two, which matters once a run keeps 10^5 events pending.
// Sequence numbers are unique, so the order is total and does not depend on the heap's layout.
#include "sim/event_queue.h"

#include <algorithm>

namespace fulcrum::sim {

namespace {

constexpr size_t kArity = 4;

bool earlier(const Event& a, const Event& b) {
  if (a.time != b.time) return a.time < b.time;
  return a.sequence < b.sequence;
}

}  // namespace

uint64_t EventQueue::push(Nanos time, uint32_t kind, uint64_t subject, uint32_t tag) {
  uint64_t sequence = next_sequence_++;
  Event event{time, sequence, subject, kind, tag};
  size_t position = heap_.size();
  heap_.push_back(event);
  while (position > 0) {
    size_t parent = (position - 1) / kArity;
    if (!earlier(event, heap_[parent])) break;
    heap_[position] = heap_[parent];
    position = parent;
  }
  heap_[position] = event;
  return sequence;
}

Event EventQueue::pop() {
  Event top = heap_.front();
  Event last = heap_.back();
  heap_.pop_back();
  size_t size = heap_.size();
  if (size == 0) return top;
  size_t position = 0;
  while (true) {
    size_t first_child = position * kArity + 1;
    if (first_child >= size) break;
    size_t best = first_child;
    size_t end = std::min(first_child + kArity, size);
    for (size_t child = first_child + 1; child < end; ++child) {
      if (earlier(heap_[child], heap_[best])) best = child;
    }
    if (!earlier(heap_[best], last)) break;
    heap_[position] = heap_[best];
    position = best;
  }
  heap_[position] = last;
  return top;
}

}  // namespace fulcrum::sim
