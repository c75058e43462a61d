// The OpenAI-compatible request and response bodies of the emulator: /v1/completions and
// /v1/chat/completions, whole or as stream chunks, and OpenAI-style errors. Pure text in, text
// out; server.cpp does the I/O.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "emulator/tokenizer.h"

namespace fulcrum::emulator {

enum class Endpoint : uint8_t { kCompletions, kChatCompletions };

inline constexpr int64_t kDefaultMaxTokens = 16;  // OpenAI's default for completions

struct CompletionRequest {
  std::string model;  // empty when the request names none
  std::vector<TokenId> prompt;
  int64_t max_tokens = kDefaultMaxTokens;
  int64_t min_tokens = 0;
  bool ignore_eos = false;
  bool stream = false;
  bool include_usage = false;  // stream_options.include_usage
};

// An error for the client: its HTTP status, the request field it is about ("" for none).
struct ApiError {
  int status = 400;
  std::string param;
  std::string message;
};

// Reads a request body; the error names the field and what was wrong with it.
std::optional<ApiError> parse_completion_request(Endpoint endpoint, std::string_view body,
                                                 CompletionRequest& request);

// The text a chat's messages are tokenized as: "<|role|>\ncontent\n" per message, then the
// assistant's turn, so that a conversation's next turn extends the previous one's prompt.
std::string render_chat(const std::vector<std::pair<std::string, std::string>>& messages);

// {"error": {"message", "type", "param", "code"}}: OpenAI's shape, with the project's codes.
std::string api_error_body(const ApiError& error);

struct ResponseHeader {
  Endpoint endpoint = Endpoint::kCompletions;
  std::string id;  // "cmpl-7", "chatcmpl-7"
  int64_t created_unix_s = 0;
  std::string model;
};

struct Usage {
  int64_t prompt_tokens = 0;
  int64_t completion_tokens = 0;
  int64_t cached_tokens = 0;  // prompt tokens served from the prefix cache
};

// One stream chunk carrying one token's text; `finish_reason` is set on the last one.
std::string stream_chunk(const ResponseHeader& header, std::string_view text, bool first_chunk,
                         std::optional<std::string_view> finish_reason);
// The chunk after the last token when stream_options.include_usage asks for it.
std::string usage_chunk(const ResponseHeader& header, const Usage& usage);
// The whole (non-stream) response.
std::string completion_body(const ResponseHeader& header, std::string_view text,
                            std::string_view finish_reason, const Usage& usage);

}  // namespace fulcrum::emulator
