// The discrete-event core of the simulator: typed events in a 4-ary heap ordered by (time,
// sequence), so events at equal times come out in the order they were scheduled and a run is a
// pure function of its inputs. Events are plain structs (no callback object per event); the loop
// hands each one to a handler the caller passes as a template argument.
#pragma once

#include <cstdint>
#include <limits>
#include <vector>

#include "core/clock.h"

namespace fulcrum::sim {

struct Event {
  Nanos time{0};
  uint64_t sequence = 0;  // order of scheduling; breaks ties between equal times (FIFO)
  uint64_t subject = 0;   // what the event is about, e.g. a job index
  uint32_t kind = 0;      // what happens; the meaning belongs to the model that schedules it
  uint32_t tag = 0;       // free for the model, e.g. an epoch that marks stale events
};

class EventQueue {
 public:
  void reserve(size_t events) { heap_.reserve(events); }
  // Schedules an event; returns its sequence number.
  uint64_t push(Nanos time, uint32_t kind, uint64_t subject = 0, uint32_t tag = 0);
  bool empty() const { return heap_.empty(); }
  size_t size() const { return heap_.size(); }
  // The earliest event; the queue must not be empty.
  const Event& top() const { return heap_.front(); }
  Event pop();
  // Events scheduled so far.
  uint64_t scheduled() const { return next_sequence_; }

 private:
  std::vector<Event> heap_;
  uint64_t next_sequence_ = 0;
};

// An event queue and the virtual clock it drives: run() pops events in order, moves the clock to
// each event's time and hands the event to the handler, which may schedule more.
class Simulation {
 public:
  static constexpr Nanos kForever = Nanos{std::numeric_limits<Nanos::rep>::max()};

  explicit Simulation(Nanos start = Nanos{0}) : clock_(start) {}

  const VirtualClock& clock() const { return clock_; }
  Nanos now() const { return clock_.now(); }
  EventQueue& events() { return events_; }

  // Schedules at an absolute time; a time in the past runs at now (time never goes backwards).
  uint64_t at(Nanos time, uint32_t kind, uint64_t subject = 0, uint32_t tag = 0) {
    return events_.push(time < now() ? now() : time, kind, subject, tag);
  }
  uint64_t after(Nanos delay, uint32_t kind, uint64_t subject = 0, uint32_t tag = 0) {
    return at(now() + delay, kind, subject, tag);
  }

  // Processes events up to and including time `until` (those later stay queued) and returns how
  // many were handled. The handler is called as handler(const Event&).
  template <typename Handler>
  uint64_t run(Handler&& handler, Nanos until = kForever) {
    uint64_t handled = 0;
    while (!events_.empty() && events_.top().time <= until) {
      Event event = events_.pop();
      clock_.advance_to(event.time);
      handler(event);
      ++handled;
    }
    return handled;
  }

 private:
  VirtualClock clock_;
  EventQueue events_;
};

}  // namespace fulcrum::sim
