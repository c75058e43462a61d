#include "emulator/profile.h"

#include "core/yaml_reader.h"

namespace fulcrum::emulator {

namespace {

constexpr int64_t kMaxCount = int64_t{1} << 40;

Status read_engine(const YamlValue& engine, EngineProfile& profile) {
  FULCRUM_RETURN_IF_ERROR(
      engine.expect_map({"block_size", "num_gpu_blocks", "max_num_seqs", "max_num_batched_tokens",
                         "max_model_len", "enable_prefix_caching"}));
  auto positive = [](const YamlValue& value) { return value.as_int(1, kMaxCount); };
  FULCRUM_ASSIGN_OR_RETURN(profile.block_size,
                           engine.get_or("block_size", profile.block_size, positive));
  FULCRUM_ASSIGN_OR_RETURN(profile.num_gpu_blocks,
                           engine.get_or("num_gpu_blocks", profile.num_gpu_blocks, positive));
  FULCRUM_ASSIGN_OR_RETURN(profile.max_num_seqs,
                           engine.get_or("max_num_seqs", profile.max_num_seqs, positive));
  FULCRUM_ASSIGN_OR_RETURN(
      profile.max_num_batched_tokens,
      engine.get_or("max_num_batched_tokens", profile.max_num_batched_tokens, positive));
  FULCRUM_ASSIGN_OR_RETURN(profile.max_model_len,
                           engine.get_or("max_model_len", profile.max_model_len, positive));
  FULCRUM_ASSIGN_OR_RETURN(profile.enable_prefix_caching,
                           engine.get_or("enable_prefix_caching", profile.enable_prefix_caching,
                                         [](const YamlValue& value) { return value.as_bool(); }));
  return Status::ok_status();
}

// Reads `key` in `unit_seconds` units (e.g. 1e-3 for a _ms field) into seconds.
Status read_duration(const YamlValue& timing, std::string_view key, double unit_seconds,
                     double& seconds) {
  if (!timing.has(key)) return timing.error("missing required key " + std::string(key));
  double value = 0;
  FULCRUM_ASSIGN_OR_RETURN(value, timing[key].as_double(0, 1e9));
  seconds = value * unit_seconds;
  return Status::ok_status();
}

Status read_timing(const YamlValue& timing, EngineProfile& profile) {
  FULCRUM_RETURN_IF_ERROR(
      timing.expect_map({"step_overhead_ms", "prefill_us_per_token", "decode_us_per_sequence",
                         "attention_ns_per_context_token"}));
  FULCRUM_RETURN_IF_ERROR(read_duration(timing, "step_overhead_ms", 1e-3, profile.step_overhead_s));
  FULCRUM_RETURN_IF_ERROR(
      read_duration(timing, "prefill_us_per_token", 1e-6, profile.prefill_per_token_s));
  FULCRUM_RETURN_IF_ERROR(
      read_duration(timing, "decode_us_per_sequence", 1e-6, profile.decode_per_sequence_s));
  FULCRUM_RETURN_IF_ERROR(read_duration(timing, "attention_ns_per_context_token", 1e-9,
                                        profile.attention_per_context_token_s));
  return Status::ok_status();
}

}  // namespace

Result<EngineProfile> parse_profile(std::string_view text, const std::string& file_name) {
  Result<YamlValue> parsed = YamlValue::parse(text, file_name);
  if (!parsed.ok()) return parsed.status();
  const YamlValue& root = *parsed;
  FULCRUM_RETURN_IF_ERROR(root.expect_map({"model", "hardware", "engine", "timing", "sources"}));
  EngineProfile profile;
  if (!root.has("model")) return root.error("missing required key model");
  FULCRUM_ASSIGN_OR_RETURN(profile.model, root["model"].as_string());
  if (profile.model.empty()) return root["model"].error("must not be empty");
  FULCRUM_ASSIGN_OR_RETURN(profile.hardware,
                           root.get_or("hardware", std::string(),
                                       [](const YamlValue& value) { return value.as_string(); }));
  if (!root.has("engine")) return root.error("missing required key engine");
  FULCRUM_RETURN_IF_ERROR(read_engine(root["engine"], profile));
  if (!root.has("timing")) return root.error("missing required key timing");
  FULCRUM_RETURN_IF_ERROR(read_timing(root["timing"], profile));
  if (profile.max_num_batched_tokens < profile.block_size) {
    return root["engine"]["max_num_batched_tokens"].error(
        "must be at least block_size (" + std::to_string(profile.block_size) + "), got " +
        std::to_string(profile.max_num_batched_tokens));
  }
  return profile;
}

Result<EngineProfile> load_profile(const std::string& path) {
  Result<std::string> text = read_text_file(path);
  if (!text.ok()) return text.status();
  return parse_profile(*text, path);
}

}  // namespace fulcrum::emulator
