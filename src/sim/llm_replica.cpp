#include "sim/llm_replica.h"

#include <utility>

namespace fulcrum::sim {

LlmReplica::LlmReplica(emulator::EngineProfile profile) : engine_(std::move(profile)) {}

Status LlmReplica::add_request(emulator::EngineRequest request) {
  return engine_.add_request(std::move(request));
}

std::optional<double> LlmReplica::start_step(double now_s) {
  if (running_step_ || !engine_.has_work()) return std::nullopt;
  emulator::StepOutcome outcome = engine_.step(now_s);
  if (outcome.idle()) return std::nullopt;
  const double end_s = now_s + outcome.duration_s;
  running_step_ = std::move(outcome);
  return end_s;
}

emulator::StepOutcome LlmReplica::end_step() {
  emulator::StepOutcome outcome = std::move(*running_step_);
  running_step_.reset();
  for (const emulator::FinishedRequest& finished : outcome.finished) metrics_.record(finished);
  return outcome;
}

std::string LlmReplica::render_metrics() const {
  return metrics_.render(engine_, engine_.profile().model);
}

}  // namespace fulcrum::sim
