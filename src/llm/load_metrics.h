// Reads the load a model server reports on its Prometheus /metrics: vLLM's and SGLang's names.
// Pure: text in, numbers out; lines it does not understand are skipped, never fatal.
#pragma once

#include <optional>
#include <string_view>

namespace fulcrum {

struct ScrapedLoad {
  std::optional<double> queue_depth;      // vllm:num_requests_waiting, sglang:num_queue_reqs
  std::optional<double> running;          // vllm:num_requests_running, sglang:num_running_reqs
  std::optional<double> kv_cache_usage;   // 0..1: vllm:kv_cache_usage_perc (or the older
                                          // vllm:gpu_cache_usage_perc), sglang:token_usage
  std::optional<double> kv_blocks_total;  // num_gpu_blocks label of vllm:cache_config_info
  std::optional<double> prefix_queries;   // vllm:prefix_cache_queries_total (counter)
  std::optional<double> prefix_hits;      // vllm:prefix_cache_hits_total (counter)
  std::optional<double> prefix_hit_rate;  // sglang:cache_hit_rate (gauge, 0..1)
  int unparsed_lines = 0;                 // sample lines that were not valid exposition text

  bool has_load() const { return queue_depth || running || kv_cache_usage; }
};

// Several series of one name (e.g. one per data-parallel engine) add up, except usage ratios,
// which are averaged.
ScrapedLoad parse_load_metrics(std::string_view exposition);

}  // namespace fulcrum
