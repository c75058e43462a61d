// One emulated model server in virtual time: the emulator's engine (src/emulator/engine.h) stepped
// the way its real-time front (src/emulator/server.cpp) steps it: a step starts when the previous
// one ends, or when work reaches an idle engine, and its tokens reach clients when it ends. The
// replica also answers what its GET /metrics would say at any moment, with vLLM's names.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "core/status.h"
#include "emulator/engine.h"
#include "emulator/metrics.h"
#include "emulator/profile.h"

namespace fulcrum::sim {

class LlmReplica {
 public:
  explicit LlmReplica(emulator::EngineProfile profile);

  // Queues a request that arrived at request.arrival_s; the engine's error when it refuses it (the
  // emulator answers those 400).
  Status add_request(emulator::EngineRequest request);
  // When no step is running and the engine has work, starts one at now_s and returns its end.
  std::optional<double> start_step(double now_s);
  // Ends the running step and hands out what it produced (the emulator's deliver()).
  emulator::StepOutcome end_step();

  bool stepping() const { return running_step_.has_value(); }
  bool idle() const { return !stepping() && !engine_.has_work(); }
  // The Prometheus text GET /metrics answers now.
  std::string render_metrics() const;
  const emulator::Engine& engine() const { return engine_; }

 private:
  emulator::Engine engine_;
  emulator::RequestMetrics metrics_;
  std::optional<emulator::StepOutcome> running_step_;
};

}  // namespace fulcrum::sim
