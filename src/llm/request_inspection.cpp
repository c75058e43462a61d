#include "llm/request_inspection.h"

#include <algorithm>

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include "core/hash.h"
#include "core/yaml_reader.h"
#include "http/json.h"
#include "policy/picker.h"

namespace fulcrum {

namespace json = boost::json;

namespace {

// The text of a message's content: a string, or an array of parts whose "text" fields are joined.
Status append_content(const json::value& content, std::string& out) {
  if (content.is_string()) {
    out.append(content.get_string());
    return Status::ok_status();
  }
  if (content.is_null()) return Status::ok_status();  // e.g. an assistant turn with tool calls
  if (!content.is_array()) {
    return invalid_argument("\"content\" must be a string or an array of parts");
  }
  for (const json::value& part : content.get_array()) {
    const json::object* object = part.if_object();
    if (object == nullptr) return invalid_argument("a content part must be an object");
    if (const json::value* text = object->if_contains("text"); text && text->is_string()) {
      out.append(text->get_string());
    }
  }
  return Status::ok_status();
}

Status read_messages(const json::value& messages, std::string& prompt) {
  if (!messages.is_array()) return invalid_argument("\"messages\" must be an array of objects");
  for (const json::value& message : messages.get_array()) {
    const json::object* object = message.if_object();
    if (object == nullptr) return invalid_argument("\"messages\" must be an array of objects");
    if (const json::value* role = object->if_contains("role"); role && role->is_string()) {
      prompt.append(role->get_string());
    }
    prompt.append(": ");
    if (const json::value* content = object->if_contains("content")) {
      FULCRUM_RETURN_IF_ERROR(append_content(*content, prompt));
    }
    prompt.push_back('\n');
  }
  return Status::ok_status();
}

// `prompt` (or `input` for embeddings): a string or an array of strings, joined by newlines.
Status read_prompt(const json::value& prompt_value, std::string_view field, std::string& prompt) {
  if (prompt_value.is_string()) {
    prompt.append(prompt_value.get_string());
    return Status::ok_status();
  }
  if (!prompt_value.is_array()) {
    return invalid_argument("\"" + std::string(field) + "\" must be a string or an array");
  }
  for (const json::value& item : prompt_value.get_array()) {
    if (item.is_string()) {
      prompt.append(item.get_string());
      prompt.push_back('\n');
    } else if (item.is_int64() || item.is_uint64()) {  // token ids: their text keeps them apart
      prompt.append(json::serialize(item));
      prompt.push_back(' ');
    }
  }
  return Status::ok_status();
}

uint32_t read_max_tokens(const json::object& object) {
  for (std::string_view field : {"max_tokens", "max_completion_tokens"}) {
    const json::value* value = object.if_contains(field);
    if (value != nullptr && value->is_int64() && value->get_int64() > 0) {
      return static_cast<uint32_t>(std::min<int64_t>(value->get_int64(), UINT32_MAX));
    }
  }
  return 0;
}

}  // namespace

void InspectedRequest::clear() {
  model.clear();
  prompt.clear();
  user.clear();
  max_tokens = 0;
  prefix_blocks.clear();
}

Status inspect_openai_body(std::string_view body, InspectedRequest& out) {
  out.clear();
  auto parsed = http::parse_json_object(body);
  if (!parsed.ok()) return invalid_argument("request body is not JSON: " + parsed.error_message());
  const json::object& object = *parsed;
  if (const json::value* model = object.if_contains("model"); model && model->is_string()) {
    out.model = model->get_string();
  }
  if (const json::value* user = object.if_contains("user"); user && user->is_string()) {
    out.user = user->get_string();
  }
  out.max_tokens = read_max_tokens(object);
  if (const json::value* messages = object.if_contains("messages")) {
    FULCRUM_RETURN_IF_ERROR(read_messages(*messages, out.prompt));
  } else if (const json::value* prompt = object.if_contains("prompt")) {
    FULCRUM_RETURN_IF_ERROR(read_prompt(*prompt, "prompt", out.prompt));
  } else if (const json::value* input = object.if_contains("input")) {
    FULCRUM_RETURN_IF_ERROR(read_prompt(*input, "input", out.prompt));
  }
  compute_prefix_blocks(out.prompt, out.prefix_blocks);
  return Status::ok_status();
}

void compute_prefix_blocks(std::string_view text, std::vector<uint64_t>& blocks) {
  uint64_t chained = 0;
  for (size_t start = 0; start + kPrefixBlockBytes <= text.size(); start += kPrefixBlockBytes) {
    chained = hash_bytes(text.substr(start, kPrefixBlockBytes), chained);
    blocks.push_back(chained);
  }
}

}  // namespace fulcrum
