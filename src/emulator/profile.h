// What an emulated model server is: its engine limits (vLLM's scheduler and cache settings) and the
// coefficients of its step-time formula, read from a YAML profile (examples/emulator/*.yaml).
//
//   step_s = step_overhead + prefill_per_token × prefill tokens in the step
//          + decode_per_sequence × decoding sequences in the step
//          + attention_per_context_token × Σ over scheduled sequences of their context length
//
// docs/emulator.md explains each field and where the shipped numbers come from.
#pragma once

#include <cstdint>
#include <string>

#include "core/status.h"

namespace fulcrum::emulator {

struct EngineProfile {
  std::string model = "emulated-model";  // the name /v1/models lists and requests must use
  std::string hardware;                  // free text for people, e.g. "1x H100 80GB SXM"

  // Engine (vLLM names).
  int64_t block_size = 16;                // tokens per KV block
  int64_t num_gpu_blocks = 4096;          // KV blocks on the device(s)
  int64_t max_num_seqs = 256;             // sequences in one batch at most
  int64_t max_num_batched_tokens = 8192;  // tokens computed in one step at most (chunked prefill)
  int64_t max_model_len = 32768;          // prompt + output tokens of one request at most
  bool enable_prefix_caching = true;

  // Step time, in seconds.
  double step_overhead_s = 0.005;
  double prefill_per_token_s = 0.0001;
  double decode_per_sequence_s = 0.0002;
  double attention_per_context_token_s = 0.0;
};

// Reads a profile; errors name file:line: key and the bad value.
Result<EngineProfile> load_profile(const std::string& path);
Result<EngineProfile> parse_profile(std::string_view text, const std::string& file_name);

}  // namespace fulcrum::emulator
