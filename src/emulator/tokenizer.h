// A deterministic stand-in for a model's tokenizer. Text splits into words (a word keeps the
// spaces before it, as BPE vocabularies do); each word becomes one token per started 4 characters
// of its non-space text, and a token's id hashes that piece with its word. Equal text prefixes
// therefore give equal token prefixes, which is what prefix caching and prefix-aware routing need,
// and English text comes out near the ~4 characters per token of real tokenizers.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace fulcrum::emulator {

using TokenId = uint32_t;

inline constexpr TokenId kVocabularySize = 128000;

std::vector<TokenId> tokenize(std::string_view text);

// The text of output token `index` of a completion seeded by `seed`: one short word with a leading
// space, so that tokenize() of the whole output gives exactly one token per word.
std::string_view output_word(uint64_t seed, int64_t index);

// Token ids standing in for a prompt whose KV blocks are named by `block_hashes` (e.g. Mooncake's
// hash_ids): block i becomes `tokens_per_block` fixed pseudo-random ids derived from its hash, so
// requests sharing leading hashes share a token prefix. The result has `prompt_tokens` ids: blocks
// past the end are cut, and ids past the last block derive from the request's `seed`.
std::vector<TokenId> tokens_from_block_hashes(std::span<const uint64_t> block_hashes,
                                              int64_t tokens_per_block, int64_t prompt_tokens,
                                              uint64_t seed);

}  // namespace fulcrum::emulator
