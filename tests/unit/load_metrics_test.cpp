#include "llm/load_metrics.h"

#include <gtest/gtest.h>

#include "core/yaml_reader.h"

namespace fulcrum {
namespace {

TEST(LoadMetricsTest, ReadsVllmExpositionText) {
  auto text = read_text_file(std::string(FULCRUM_SOURCE_DIR) + "/tests/data/vllm_metrics.txt");
  ASSERT_TRUE(text.ok()) << text.error_message();
  ScrapedLoad load = parse_load_metrics(*text);
  EXPECT_EQ(load.queue_depth, 3.0);
  EXPECT_EQ(load.running, 12.0);
  EXPECT_DOUBLE_EQ(load.kv_cache_usage.value_or(-1), 0.4508602);
  EXPECT_EQ(load.kv_blocks_total, 27910.0);
  EXPECT_EQ(load.prefix_queries, 1.234e6);
  EXPECT_EQ(load.prefix_hits, 617000.0);
  EXPECT_FALSE(load.prefix_hit_rate);
  EXPECT_EQ(load.unparsed_lines, 0);
  EXPECT_TRUE(load.has_load());
}

TEST(LoadMetricsTest, ReadsSglangNamesAndTheOlderVllmKvName) {
  ScrapedLoad sglang = parse_load_metrics(
      "sglang:num_queue_reqs{model_name=\"qwen\",tp_rank=\"0\"} 4\n"
      "sglang:num_running_reqs{model_name=\"qwen\",tp_rank=\"0\"} 9.0\n"
      "sglang:token_usage{model_name=\"qwen\",tp_rank=\"0\"} 0.25\n"
      "sglang:cache_hit_rate{model_name=\"qwen\",tp_rank=\"0\"} 0.6\n");
  EXPECT_EQ(sglang.queue_depth, 4.0);
  EXPECT_EQ(sglang.running, 9.0);
  EXPECT_EQ(sglang.kv_cache_usage, 0.25);
  EXPECT_EQ(sglang.prefix_hit_rate, 0.6);

  ScrapedLoad older = parse_load_metrics(
      "vllm:num_requests_running{model_name=\"m\"} 2.0\n"
      "vllm:gpu_cache_usage_perc{model_name=\"m\"} 0.123\n");
  EXPECT_EQ(older.kv_cache_usage, 0.123);
  // Both names present (vLLM versions that export both): the newer one wins.
  ScrapedLoad both = parse_load_metrics(
      "vllm:gpu_cache_usage_perc{model_name=\"m\"} 0.9\n"
      "vllm:kv_cache_usage_perc{model_name=\"m\"} 0.3\n");
  EXPECT_EQ(both.kv_cache_usage, 0.3);
}

TEST(LoadMetricsTest, AddsCountsAndAveragesUsageOverEngines) {
  ScrapedLoad load = parse_load_metrics(
      "vllm:num_requests_running{engine=\"0\",model_name=\"m\"} 3.0\n"
      "vllm:num_requests_running{engine=\"1\",model_name=\"m\"} 5.0\n"
      "vllm:num_requests_waiting{engine=\"0\",model_name=\"m\"} 1.0\n"
      "vllm:num_requests_waiting{engine=\"1\",model_name=\"m\"} 0.0\n"
      "vllm:kv_cache_usage_perc{engine=\"0\",model_name=\"m\"} 0.4\n"
      "vllm:kv_cache_usage_perc{engine=\"1\",model_name=\"m\"} 0.6\n");
  EXPECT_EQ(load.running, 8.0);
  EXPECT_EQ(load.queue_depth, 1.0);
  EXPECT_DOUBLE_EQ(load.kv_cache_usage.value_or(-1), 0.5);
}

TEST(LoadMetricsTest, SurvivesGarbage) {
  ScrapedLoad load = parse_load_metrics(
      "<html>not metrics</html>\n"
      "vllm:num_requests_running{model_name=\"unterminated} 4\n"
      "vllm:num_requests_waiting{model_name=\"m\"} abc\n"
      "vllm:num_requests_waiting 2 1700000000000\n"  // a timestamp after the value is allowed
      "{} 5\n"
      "\r\n\xff\xfe\n");
  EXPECT_EQ(load.queue_depth, 2.0);
  EXPECT_FALSE(load.running);
  EXPECT_EQ(load.unparsed_lines, 5);
  EXPECT_FALSE(parse_load_metrics("").has_load());
  EXPECT_FALSE(parse_load_metrics("python_info 1\n").has_load());
}

TEST(LoadMetricsTest, LabelValuesMayHoldBracesAndQuotes) {
  ScrapedLoad load =
      parse_load_metrics("vllm:num_requests_running{model_name=\"a}b\\\"c\",engine=\"0\"} 6\n");
  EXPECT_EQ(load.running, 6.0);
}

}  // namespace
}  // namespace fulcrum
