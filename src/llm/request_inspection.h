// What LLM-aware routing reads from an OpenAI-style request body (/v1/completions,
// /v1/chat/completions, /v1/embeddings): the model, the prompt text, the user and max_tokens, and
// the chained hashes of the prompt's leading blocks. Pure.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace fulcrum {

struct InspectedRequest {
  std::string model;
  std::string prompt;  // the prompt, or each message as "role: text\n" in order
  std::string user;
  uint32_t max_tokens = 0;  // max_tokens or max_completion_tokens; 0 when absent
  std::vector<uint64_t> prefix_blocks;

  void clear();
};

// Parses `body` into `out` (cleared first). The error says what was wrong, e.g. "request body is
// not JSON: syntax error at offset 12" or "\"messages\" must be an array of objects".
Status inspect_openai_body(std::string_view body, InspectedRequest& out);

// Appends to `blocks` the hashes of text's whole kPrefixBlockBytes blocks, each chained to the
// ones before it: two texts share exactly the hashes of the whole blocks they have in common.
void compute_prefix_blocks(std::string_view text, std::vector<uint64_t>& blocks);

}  // namespace fulcrum
