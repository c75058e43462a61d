#include "emulator/tokenizer.h"

#include <array>

#include "core/hash.h"
#include "core/random.h"

namespace fulcrum::emulator {

namespace {

constexpr std::size_t kCharsPerToken = 4;

bool is_space(char c) { return c == ' ' || c == '\n' || c == '\t' || c == '\r'; }

TokenId token_for(std::string_view word, std::size_t piece_index) {
  return static_cast<TokenId>(hash_bytes(word, piece_index) % kVocabularySize);
}

// Words of at most kCharsPerToken letters, so that each is one token when tokenized back.
constexpr std::array<std::string_view, 32> kOutputWords = {
    " the",  " of",   " and",  " to", " in",   " is",  " that", " for", " it",   " as",  " was",
    " on",   " with", " he",   " be", " at",   " by",  " this", " had", " not",  " are", " but",
    " from", " or",   " have", " an", " they", " one", " you",  " all", " were", " we"};

}  // namespace

std::vector<TokenId> tokenize(std::string_view text) {
  std::vector<TokenId> tokens;
  tokens.reserve(text.size() / kCharsPerToken + 1);
  std::size_t at = 0;
  while (at < text.size()) {
    std::size_t word_start = at;
    while (at < text.size() && is_space(text[at])) ++at;
    std::size_t letters_start = at;
    while (at < text.size() && !is_space(text[at])) ++at;
    std::string_view word = text.substr(word_start, at - word_start);
    std::size_t letters = at - letters_start;
    // A run of spaces at the end of the text is one token of its own.
    std::size_t pieces = letters == 0 ? 1 : (letters + kCharsPerToken - 1) / kCharsPerToken;
    for (std::size_t piece = 0; piece < pieces; ++piece) tokens.push_back(token_for(word, piece));
  }
  return tokens;
}

std::string_view output_word(uint64_t seed, int64_t index) {
  uint64_t mixed = mix64(seed ^ mix64(static_cast<uint64_t>(index)));
  return kOutputWords[mixed % kOutputWords.size()];
}

std::vector<TokenId> tokens_from_block_hashes(std::span<const uint64_t> block_hashes,
                                              int64_t tokens_per_block, int64_t prompt_tokens,
                                              uint64_t seed) {
  std::vector<TokenId> tokens;
  tokens.reserve(static_cast<std::size_t>(prompt_tokens));
  for (uint64_t block_hash : block_hashes) {
    for (int64_t offset = 0; offset < tokens_per_block; ++offset) {
      if (static_cast<int64_t>(tokens.size()) == prompt_tokens) return tokens;
      uint64_t mixed = mix64(mix64(block_hash) ^ static_cast<uint64_t>(offset));
      tokens.push_back(static_cast<TokenId>(mixed % kVocabularySize));
    }
  }
  while (static_cast<int64_t>(tokens.size()) < prompt_tokens) {
    uint64_t mixed = mix64(mix64(seed) ^ tokens.size());
    tokens.push_back(static_cast<TokenId>(mixed % kVocabularySize));
  }
  return tokens;
}

}  // namespace fulcrum::emulator
