#include "emulator/openai.h"

#include <boost/json.hpp>

#include "http/json.h"

namespace fulcrum::emulator {

namespace json = boost::json;

namespace {

constexpr int64_t kMaxTokensLimit = int64_t{1} << 30;

ApiError bad_field(std::string param, std::string message) {
  return {400, std::move(param), std::move(message)};
}

// Text of a message's content: a string, or the text parts of an array of content parts.
std::optional<std::string> content_text(const json::value& content) {
  if (content.is_string()) return std::string(content.as_string());
  if (content.is_null()) return std::string();
  if (!content.is_array()) return std::nullopt;
  std::string text;
  for (const json::value& part : content.as_array()) {
    const json::object* object = part.if_object();
    if (object == nullptr) return std::nullopt;
    const json::value* part_text = object->if_contains("text");
    if (part_text != nullptr && part_text->is_string()) text += part_text->as_string();
  }
  return text;
}

std::optional<ApiError> read_messages(const json::object& body, CompletionRequest& request) {
  const json::value* messages = body.if_contains("messages");
  if (messages == nullptr) return bad_field("messages", "messages: required");
  if (!messages->is_array() || messages->as_array().empty()) {
    return bad_field("messages", "messages: expected a non-empty array of messages");
  }
  std::vector<std::pair<std::string, std::string>> turns;
  std::size_t index = 0;
  for (const json::value& message : messages->as_array()) {
    std::string where = "messages[" + std::to_string(index++) + "]";
    const json::object* object = message.if_object();
    const json::value* role = object == nullptr ? nullptr : object->if_contains("role");
    if (role == nullptr || !role->is_string()) {
      return bad_field("messages", where + ".role: expected a string");
    }
    const json::value* content = object->if_contains("content");
    std::optional<std::string> text =
        content == nullptr ? std::optional<std::string>("") : content_text(*content);
    if (!text) {
      return bad_field("messages", where + ".content: expected a string or an array of parts");
    }
    turns.emplace_back(std::string(role->as_string()), std::move(*text));
  }
  request.prompt = tokenize(render_chat(turns));
  return std::nullopt;
}

std::optional<ApiError> read_prompt(const json::object& body, CompletionRequest& request) {
  const json::value* prompt = body.if_contains("prompt");
  if (prompt == nullptr) return bad_field("prompt", "prompt: required");
  if (prompt->is_string()) {
    request.prompt = tokenize(prompt->as_string());
  } else if (prompt->is_array() && prompt->as_array().size() == 1 &&
             prompt->as_array()[0].is_string()) {
    request.prompt = tokenize(prompt->as_array()[0].as_string());
  } else if (prompt->is_array() && !prompt->as_array().empty()) {
    for (const json::value& token : prompt->as_array()) {
      if (!token.is_int64() || token.as_int64() < 0) {
        return bad_field("prompt",
                         "prompt: expected a string, one string in an array, or token ids");
      }
      request.prompt.push_back(static_cast<TokenId>(token.as_int64() % kVocabularySize));
    }
  } else {
    return bad_field("prompt", "prompt: expected a string, one string in an array, or token ids");
  }
  if (request.prompt.empty()) return bad_field("prompt", "prompt: must not be empty");
  return std::nullopt;
}

std::optional<ApiError> from_status(const Status& status, std::string_view param) {
  if (status.ok()) return std::nullopt;
  return bad_field(std::string(param), status.message());
}

std::optional<ApiError> read_options(const json::object& body, Endpoint endpoint,
                                     CompletionRequest& request) {
  auto model = http::optional_string_field(body, "model");
  if (!model.ok()) return from_status(model.status(), "model");
  request.model = model->value_or("");
  std::string_view max_field = "max_tokens";
  if (endpoint == Endpoint::kChatCompletions && body.contains("max_completion_tokens")) {
    max_field = "max_completion_tokens";
  }
  auto max_tokens = http::optional_int_field(body, max_field, 1, kMaxTokensLimit);
  if (!max_tokens.ok()) return from_status(max_tokens.status(), max_field);
  request.max_tokens = max_tokens->value_or(kDefaultMaxTokens);
  auto min_tokens = http::optional_int_field(body, "min_tokens", 0, request.max_tokens);
  if (!min_tokens.ok()) return from_status(min_tokens.status(), "min_tokens");
  request.min_tokens = min_tokens->value_or(0);
  auto n = http::optional_int_field(body, "n", 1, 1);
  if (!n.ok()) return bad_field("n", "n: only 1 completion per request is supported");

  for (auto [field, target] :
       {std::pair{"stream", &request.stream}, std::pair{"ignore_eos", &request.ignore_eos}}) {
    const json::value* value = body.if_contains(field);
    if (value == nullptr || value->is_null()) continue;
    if (!value->is_bool()) return bad_field(field, std::string(field) + ": expected true or false");
    *target = value->as_bool();
  }
  const json::value* options = body.if_contains("stream_options");
  if (options != nullptr && options->is_object()) {
    const json::value* include_usage = options->as_object().if_contains("include_usage");
    request.include_usage =
        include_usage != nullptr && include_usage->is_bool() && include_usage->as_bool();
  }
  return std::nullopt;
}

json::object header_fields(const ResponseHeader& header, std::string_view object_type) {
  return json::object{{"id", header.id},
                      {"object", object_type},
                      {"created", header.created_unix_s},
                      {"model", header.model}};
}

json::object usage_object(const Usage& usage) {
  return json::object{{"prompt_tokens", usage.prompt_tokens},
                      {"completion_tokens", usage.completion_tokens},
                      {"total_tokens", usage.prompt_tokens + usage.completion_tokens},
                      {"prompt_tokens_details", {{"cached_tokens", usage.cached_tokens}}}};
}

std::string chunk_text(const json::object& chunk) { return json::serialize(chunk); }

}  // namespace

std::optional<ApiError> parse_completion_request(Endpoint endpoint, std::string_view body,
                                                 CompletionRequest& request) {
  auto object = http::parse_json_object(body);
  if (!object.ok()) return ApiError{400, "", "invalid JSON body: " + object.error_message()};
  std::optional<ApiError> error = endpoint == Endpoint::kChatCompletions
                                      ? read_messages(*object, request)
                                      : read_prompt(*object, request);
  if (error) return error;
  return read_options(*object, endpoint, request);
}

std::string render_chat(const std::vector<std::pair<std::string, std::string>>& messages) {
  std::string text;
  for (const auto& [role, content] : messages) {
    text.append("<|").append(role).append("|>\n").append(content).append("\n");
  }
  text.append("<|assistant|>\n");
  return text;
}

std::string api_error_body(const ApiError& error) {
  json::object body{
      {"message", error.message},
      {"type", error.status == 404 ? "NotFoundError" : "invalid_request_error"},
      {"param", error.param.empty() ? json::value(nullptr) : json::value(error.param)},
      {"code", http::error_code_for_status(error.status)}};
  return json::serialize(json::object{{"error", std::move(body)}}) + "\n";
}

std::string stream_chunk(const ResponseHeader& header, std::string_view text, bool first_chunk,
                         std::optional<std::string_view> finish_reason) {
  json::value reason = finish_reason ? json::value(*finish_reason) : json::value(nullptr);
  if (header.endpoint == Endpoint::kCompletions) {
    json::object chunk = header_fields(header, "text_completion");
    chunk["choices"] = json::array{json::object{
        {"index", 0}, {"text", text}, {"logprobs", nullptr}, {"finish_reason", reason}}};
    return chunk_text(chunk);
  }
  json::object delta{{"content", text}};
  if (first_chunk) delta["role"] = "assistant";
  json::object chunk = header_fields(header, "chat.completion.chunk");
  chunk["choices"] = json::array{json::object{
      {"index", 0}, {"delta", std::move(delta)}, {"logprobs", nullptr}, {"finish_reason", reason}}};
  return chunk_text(chunk);
}

std::string usage_chunk(const ResponseHeader& header, const Usage& usage) {
  json::object chunk =
      header_fields(header, header.endpoint == Endpoint::kCompletions ? "text_completion"
                                                                      : "chat.completion.chunk");
  chunk["choices"] = json::array{};
  chunk["usage"] = usage_object(usage);
  return chunk_text(chunk);
}

std::string completion_body(const ResponseHeader& header, std::string_view text,
                            std::string_view finish_reason, const Usage& usage) {
  json::object body;
  if (header.endpoint == Endpoint::kCompletions) {
    body = header_fields(header, "text_completion");
    body["choices"] = json::array{json::object{
        {"index", 0}, {"text", text}, {"logprobs", nullptr}, {"finish_reason", finish_reason}}};
  } else {
    body = header_fields(header, "chat.completion");
    body["choices"] =
        json::array{json::object{{"index", 0},
                                 {"message", {{"role", "assistant"}, {"content", text}}},
                                 {"logprobs", nullptr},
                                 {"finish_reason", finish_reason}}};
  }
  body["usage"] = usage_object(usage);
  return json::serialize(body) + "\n";
}

}  // namespace fulcrum::emulator
