// The prompt text a trace request stands for, shared by the load generator (bench/tools/
// llm_loadgen) and the routing simulator so that both send the same bytes through the same request
// inspection and tokenizer. Each token is one word of a space and four letters, so tokenize() gives
// exactly `input_tokens` tokens. A trace's prefix block ids (Mooncake's hash_ids) each become one
// fixed pseudo-random block of kTraceBlockTokens words, so requests sharing leading ids share a
// text prefix; words past the blocks derive from `request_seed`.
#pragma once

#include <cstdint>
#include <span>
#include <string>

namespace fulcrum::emulator {

// Tokens per prefix block in the Mooncake trace.
inline constexpr int64_t kTraceBlockTokens = 512;
// Bytes of one word-token of the text (" abcd").
inline constexpr int64_t kTraceBytesPerToken = 5;

std::string trace_prompt_text(std::span<const uint64_t> block_ids, int64_t input_tokens,
                              uint64_t request_seed);

}  // namespace fulcrum::emulator
