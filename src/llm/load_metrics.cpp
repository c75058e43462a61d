#include "llm/load_metrics.h"

#include <array>
#include <cstdlib>
#include <string>

namespace fulcrum {

namespace {

struct Sample {
  std::string_view name;
  std::string_view labels;  // between the braces, unparsed
  double value = 0;
};

// Finds the '}' that closes the label set starting after '{' at `open`, skipping quoted values.
size_t closing_brace(std::string_view line, size_t open) {
  bool quoted = false;
  for (size_t at = open + 1; at < line.size(); ++at) {
    const char c = line[at];
    if (quoted && c == '\\') {
      ++at;
    } else if (c == '"') {
      quoted = !quoted;
    } else if (c == '}' && !quoted) {
      return at;
    }
  }
  return std::string_view::npos;
}

std::optional<Sample> parse_sample(std::string_view line) {
  Sample sample;
  const size_t name_end = line.find_first_of("{ \t");
  if (name_end == 0 || name_end == std::string_view::npos) return std::nullopt;
  sample.name = line.substr(0, name_end);
  size_t rest = name_end;
  if (line[name_end] == '{') {
    const size_t close = closing_brace(line, name_end);
    if (close == std::string_view::npos) return std::nullopt;
    sample.labels = line.substr(name_end + 1, close - name_end - 1);
    rest = close + 1;
  }
  const size_t value_start = line.find_first_not_of(" \t", rest);
  if (value_start == std::string_view::npos || value_start == rest) return std::nullopt;
  const size_t value_end = line.find_first_of(" \t", value_start);
  const std::string value_text(line.substr(value_start, value_end - value_start));
  char* end = nullptr;
  sample.value = std::strtod(value_text.c_str(), &end);
  if (end != value_text.c_str() + value_text.size()) return std::nullopt;
  return sample;
}

// The value of `label` in a label set such as engine="0",num_gpu_blocks="2048".
std::optional<double> label_number(std::string_view labels, std::string_view label) {
  const std::string needle = std::string(label) + "=\"";
  size_t at = labels.find(needle);
  while (at != std::string_view::npos && at != 0 && labels[at - 1] != ',' &&
         labels[at - 1] != ' ') {
    at = labels.find(needle, at + 1);
  }
  if (at == std::string_view::npos) return std::nullopt;
  const size_t start = at + needle.size();
  const size_t end = labels.find('"', start);
  if (end == std::string_view::npos) return std::nullopt;
  const std::string text(labels.substr(start, end - start));
  char* parsed_end = nullptr;
  double value = std::strtod(text.c_str(), &parsed_end);
  if (text.empty() || parsed_end != text.c_str() + text.size()) return std::nullopt;
  return value;
}

// Sums (or averages) the series of one quantity.
struct Accumulator {
  double sum = 0;
  int count = 0;
  void add(double value) {
    sum += value;
    ++count;
  }
  std::optional<double> total() const { return count ? std::optional(sum) : std::nullopt; }
  std::optional<double> mean() const { return count ? std::optional(sum / count) : std::nullopt; }
};

enum Quantity : size_t {
  kQueue,
  kRunning,
  kKvUsage,
  kKvUsageOlder,  // vllm:gpu_cache_usage_perc: used only when the newer name is absent
  kPrefixQueries,
  kPrefixHits,
  kPrefixHitRate,
  kQuantityCount
};

struct NameMapping {
  std::string_view name;
  Quantity quantity;
};

constexpr std::array<NameMapping, 13> kNames = {{
    {"vllm:num_requests_waiting", kQueue},
    {"sglang:num_queue_reqs", kQueue},
    {"vllm:num_requests_running", kRunning},
    {"sglang:num_running_reqs", kRunning},
    {"vllm:kv_cache_usage_perc", kKvUsage},
    {"sglang:token_usage", kKvUsage},
    {"vllm:gpu_cache_usage_perc", kKvUsageOlder},
    {"vllm:prefix_cache_queries_total", kPrefixQueries},
    {"vllm:gpu_prefix_cache_queries_total", kPrefixQueries},
    {"vllm:prefix_cache_hits_total", kPrefixHits},
    {"vllm:gpu_prefix_cache_hits_total", kPrefixHits},
    {"sglang:cache_hit_rate", kPrefixHitRate},
    {"vllm:gpu_prefix_cache_hit_rate", kPrefixHitRate},
}};

}  // namespace

ScrapedLoad parse_load_metrics(std::string_view exposition) {
  std::array<Accumulator, kQuantityCount> quantities;
  Accumulator kv_blocks;
  ScrapedLoad load;
  size_t line_start = 0;
  while (line_start < exposition.size()) {
    size_t line_end = exposition.find('\n', line_start);
    if (line_end == std::string_view::npos) line_end = exposition.size();
    std::string_view line = exposition.substr(line_start, line_end - line_start);
    line_start = line_end + 1;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty() || line.front() == '#') continue;
    std::optional<Sample> sample = parse_sample(line);
    if (!sample) {
      ++load.unparsed_lines;
      continue;
    }
    if (sample->name == "vllm:cache_config_info") {
      if (auto blocks = label_number(sample->labels, "num_gpu_blocks")) kv_blocks.add(*blocks);
      continue;
    }
    for (const NameMapping& mapping : kNames) {
      if (mapping.name == sample->name) quantities[mapping.quantity].add(sample->value);
    }
  }
  load.queue_depth = quantities[kQueue].total();
  load.running = quantities[kRunning].total();
  load.kv_cache_usage = quantities[kKvUsage].mean();
  if (!load.kv_cache_usage) load.kv_cache_usage = quantities[kKvUsageOlder].mean();
  load.kv_blocks_total = kv_blocks.total();
  load.prefix_queries = quantities[kPrefixQueries].total();
  load.prefix_hits = quantities[kPrefixHits].total();
  load.prefix_hit_rate = quantities[kPrefixHitRate].mean();
  return load;
}

}  // namespace fulcrum
