// What the simulator replays: jobs (a Task plus when it arrives and how long it really runs) and
// LLM requests (arrival, token counts, prefix block hashes).
#pragma once

#include <cstdint>
#include <vector>

#include "core/clock.h"
#include "core/task.h"

namespace fulcrum::sim {

struct SimJob {
  // Demand, priority, GPU-model constraint and dependencies as the placer and the queue see them;
  // task.estimated_duration_ms is the estimate a policy may use (the trace's duration when known).
  Task task;
  Nanos arrival{0};       // submission time, from the start of the trace
  Nanos duration{0};      // running time once started
  bool has_times = true;  // false for pod lists without time columns (only saturation uses those)
};

struct LlmRequest {
  Nanos arrival{0};  // from the first request of the trace
  int64_t input_tokens = 0;
  int64_t output_tokens = 0;
  std::vector<uint64_t> hash_ids;  // prefix blocks; equal ids are shareable KV blocks
};

}  // namespace fulcrum::sim
