#include "sim/llm_trace.h"

#include <gtest/gtest.h>

#include "sim_test_support.h"

namespace fulcrum::sim {
namespace {

using testing::shared_data;
using testing::TempTraceFile;

Result<std::vector<LlmRequest>> read_file(LlmTraceFormat format, const std::string& path,
                                          ReaderOptions options = {}, ReadStats* stats = nullptr) {
  auto reader = open_llm_trace(format, path, std::move(options));
  if (!reader.ok()) return reader.status();
  auto requests = read_all<LlmRequest>(**reader);
  if (stats != nullptr) *stats = (*reader)->stats();
  return requests;
}

TEST(LlmTraceTest, ReadsTheRealMooncakeTrace) {
  auto requests =
      read_file(LlmTraceFormat::kMooncake, shared_data("mooncake-fast25/conversation_trace.jsonl"));
  ASSERT_TRUE(requests.ok()) << requests.status().to_string();
  ASSERT_EQ(requests->size(), 12031u);
  // {"timestamp": 0, "input_length": 6758, "output_length": 500, "hash_ids": [0, 1, ..., 13]}
  const LlmRequest& first = (*requests)[0];
  EXPECT_EQ(first.arrival, Nanos{0});
  EXPECT_EQ(first.input_tokens, 6758);
  EXPECT_EQ(first.output_tokens, 500);
  ASSERT_EQ(first.hash_ids.size(), 14u);
  EXPECT_EQ(first.hash_ids[13], 13u);
  // The second shares block 0 with the first: {"timestamp": 0, "input_length": 7322, ...,
  // "hash_ids": [0, 14, ...]}
  EXPECT_EQ((*requests)[1].hash_ids[0], 0u);
  EXPECT_EQ((*requests)[1].hash_ids[1], 14u);
}

TEST(LlmTraceTest, ReadsTheRealAzureTrace) {
  auto requests = read_file(LlmTraceFormat::kAzure,
                            shared_data("azure-llm-2023/AzureLLMInferenceTrace_conv.csv"));
  ASSERT_TRUE(requests.ok()) << requests.status().to_string();
  ASSERT_EQ(requests->size(), 19366u);
  // 2023-11-16 18:15:46.6805900,374,44 then 2023-11-16 18:15:50.9951690,396,109
  EXPECT_EQ((*requests)[0].arrival, Nanos{0});
  EXPECT_EQ((*requests)[0].input_tokens, 374);
  EXPECT_EQ((*requests)[0].output_tokens, 44);
  EXPECT_EQ((*requests)[1].arrival, Nanos{4314579000});
  EXPECT_EQ((*requests)[1].input_tokens, 396);
  EXPECT_TRUE((*requests)[1].hash_ids.empty());
}

TEST(LlmTraceTest, ParsesDateTimes) {
  // 2023-11-16 is 19677 days after 1970-01-01.
  auto time = parse_date_time("2023-11-16 18:15:46.6805900");
  ASSERT_TRUE(time.has_value());
  EXPECT_EQ(time->count(), (19677LL * 86400 + 18 * 3600 + 15 * 60 + 46) * 1000000000LL + 680590000);
  EXPECT_EQ(parse_date_time("1970-01-02 00:00:01")->count(), 86401000000000LL);
  EXPECT_FALSE(parse_date_time("2023-02-30 00:00:00").has_value());
  EXPECT_FALSE(parse_date_time("2023-11-16 25:00:00").has_value());
  EXPECT_FALSE(parse_date_time("2023-11-16 18:15:46.").has_value());
  EXPECT_FALSE(parse_date_time("18:15:46").has_value());
}

TEST(LlmTraceTest, MalformedMooncakeLineNamesLineAndColumn) {
  TempTraceFile file("mooncake-bad.jsonl",
                     "{\"timestamp\": 0, \"input_length\": 10, \"output_length\": 2}\n"
                     "{\"timestamp\": 5, \"input_length\": ten, \"output_length\": 2}\n");
  auto requests = read_file(LlmTraceFormat::kMooncake, file.path());
  ASSERT_FALSE(requests.ok());
  EXPECT_EQ(requests.error_message(),
            file.path() + ":2:34: input_tokens: expected a number ('ten, \"output_len')");
}

TEST(LlmTraceTest, SkipsMalformedMooncakeLinesAndCountsThem) {
  TempTraceFile file(
      "mooncake-skip.jsonl",
      "{\"timestamp\": 1000, \"input_length\": 10, \"output_length\": 2}\n"
      "{\"timestamp\": 2000, \"input_length\": 10}\n"
      "{\"timestamp\": 3000, \"input_length\": 10, \"output_length\": 2, \"hash_ids\""
      ": [1, 2}\n"
      "not json\n"
      "{\"extra\": {\"a\": [1, \"]\"]}, \"timestamp\": 4500, \"input_length\": 7, "
      "\"output_length\": 3, \"hash_ids\": [4, 5]}\n");
  ReaderOptions options;
  options.on_error = OnError::kSkip;
  ReadStats stats;
  auto requests = read_file(LlmTraceFormat::kMooncake, file.path(), options, &stats);
  ASSERT_TRUE(requests.ok()) << requests.status().to_string();
  ASSERT_EQ(requests->size(), 2u);
  EXPECT_EQ((*requests)[1].arrival, std::chrono::milliseconds(3500));
  EXPECT_EQ((*requests)[1].input_tokens, 7);
  EXPECT_EQ((*requests)[1].hash_ids, (std::vector<uint64_t>{4, 5}));
  EXPECT_EQ(stats.skipped, 3);
  ASSERT_EQ(stats.skipped_messages.size(), 3u);
  EXPECT_EQ(stats.skipped_messages[0], file.path() +
                                           ":2:1: missing key \"output_length\" "
                                           "('{\"timestamp\": 2000, \"input_length\": 10}')");
  EXPECT_EQ(stats.skipped_messages[1], file.path() + ":3:78: hash_ids: expected ',' or ']' ('}')");
  EXPECT_EQ(stats.skipped_messages[2], file.path() + ":4:1: expected a JSON object ('not json')");
}

TEST(LlmTraceTest, MalformedAzureLineNamesLineAndColumn) {
  TempTraceFile file("azure-bad.csv",
                     "TIMESTAMP,ContextTokens,GeneratedTokens\n"
                     "2023-11-16 18:15:46.6805900,374,44\n"
                     "2023-11-16 18:15:50.9951690,-3,109\n"
                     "2023-11-16 18:61:50,396,109\n");
  auto requests = read_file(LlmTraceFormat::kAzure, file.path());
  ASSERT_FALSE(requests.ok());
  EXPECT_EQ(requests.error_message(), file.path() + ":3:29: input_tokens: must be >= 0 ('-3')");
  ReaderOptions options;
  options.on_error = OnError::kSkip;
  ReadStats stats;
  auto skipped = read_file(LlmTraceFormat::kAzure, file.path(), options, &stats);
  ASSERT_TRUE(skipped.ok());
  EXPECT_EQ(skipped->size(), 1u);
  ASSERT_EQ(stats.skipped, 2);
  EXPECT_EQ(stats.skipped_messages[1],
            file.path() +
                ":4:1: timestamp: expected YYYY-MM-DD HH:MM:SS[.fraction] or seconds >= 0 "
                "('2023-11-16 18:61:50')");
}

TEST(LlmTraceTest, ColumnMappingReadsOtherNames) {
  TempTraceFile file("other.jsonl",
                     "{\"t\": 2.5, \"prompt\": 30, \"completion\": 4}\n"
                     "{\"t\": 12.5, \"prompt\": 31, \"completion\": 5}\n");
  ReaderOptions options;
  options.columns = {
      {"timestamp", "t"}, {"input_tokens", "prompt"}, {"output_tokens", "completion"}};
  auto requests = read_file(LlmTraceFormat::kMooncake, file.path(), options);
  ASSERT_TRUE(requests.ok()) << requests.status().to_string();
  ASSERT_EQ(requests->size(), 2u);
  EXPECT_EQ((*requests)[1].arrival, std::chrono::milliseconds(10));
  EXPECT_EQ((*requests)[1].input_tokens, 31);
  options.columns = {{"arrival", "t"}};
  auto unknown = open_llm_trace(LlmTraceFormat::kMooncake, file.path(), options);
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error_message(),
            "column mapping: unknown field \"arrival\" (fields: timestamp, input_tokens, "
            "output_tokens, hash_ids)");
}

}  // namespace
}  // namespace fulcrum::sim
