#include "core/clock.h"

namespace fulcrum {

Nanos SteadyClock::now() const {
  return std::chrono::duration_cast<Nanos>(std::chrono::steady_clock::now().time_since_epoch());
}

Nanos SystemClock::now() const {
  return std::chrono::duration_cast<Nanos>(std::chrono::system_clock::now().time_since_epoch());
}

}  // namespace fulcrum
