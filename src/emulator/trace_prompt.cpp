#include "emulator/trace_prompt.h"

#include "core/random.h"

namespace fulcrum::emulator {

namespace {

// One token of the tokenizer stand-in: a space and four letters.
void append_word(std::string& text, uint64_t seed) {
  text += ' ';
  for (int letter = 0; letter < 4; ++letter) {
    text += static_cast<char>('a' + (seed % 26));
    seed /= 26;
  }
}

}  // namespace

std::string trace_prompt_text(std::span<const uint64_t> block_ids, int64_t input_tokens,
                              uint64_t request_seed) {
  std::string text;
  text.reserve(static_cast<std::size_t>(input_tokens * kTraceBytesPerToken));
  int64_t written = 0;
  for (uint64_t block_id : block_ids) {
    for (int64_t offset = 0; offset < kTraceBlockTokens && written < input_tokens;
         ++offset, ++written) {
      append_word(text, mix64(mix64(block_id + 1) ^ static_cast<uint64_t>(offset)));
    }
  }
  for (; written < input_tokens; ++written) {
    append_word(text, mix64(mix64(request_seed) ^ static_cast<uint64_t>(written)));
  }
  return text;
}

}  // namespace fulcrum::emulator
