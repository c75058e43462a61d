// Time as decision code sees it. Pure code never reads a clock itself: the live services pass a
// real clock's reading in, the simulator a virtual one.
#pragma once

#include <chrono>
#include <cstdint>

namespace fulcrum {

using Nanos = std::chrono::nanoseconds;

inline int64_t to_millis(Nanos time) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(time).count();
}

class Clock {
 public:
  virtual ~Clock() = default;
  virtual Nanos now() const = 0;
};

// Monotonic time since an arbitrary epoch: for intervals and timeouts.
class SteadyClock final : public Clock {
 public:
  Nanos now() const override;
};

// Wall-clock time since the Unix epoch: for timestamps users read.
class SystemClock final : public Clock {
 public:
  Nanos now() const override;
};

// Time that moves only when told to, for the simulator and tests. Never goes backwards.
class VirtualClock final : public Clock {
 public:
  explicit VirtualClock(Nanos start = Nanos{0}) : now_(start) {}
  Nanos now() const override { return now_; }
  void advance_to(Nanos time) {
    if (time > now_) now_ = time;
  }
  void advance_by(Nanos delta) {
    if (delta > Nanos{0}) now_ += delta;
  }

 private:
  Nanos now_;
};

}  // namespace fulcrum
