// `fulcrum emulate` as a process: the OpenAI-compatible API over loopback, whole and streamed,
// /metrics under vLLM's names, and OpenAI-style errors.
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <boost/json.hpp>

#include "fixtures.h"
#include "http_client.h"
#include "process.h"

namespace fulcrum::integration {
namespace {

boost::json::object json_of(const HttpResponse& response) {
  return boost::json::parse(response.body).as_object();
}

class EmulatorTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(emulator_.start()) << emulator_.log(); }
  std::optional<HttpResponse> call(std::string_view path, std::string_view body) {
    return fetch_once(emulator_.port(), post_request(path, body));
  }
  TestEmulator emulator_;
};

TEST_F(EmulatorTest, WholeCompletionHasMaxTokensAndUsage) {
  auto response = call("/v1/completions",
                       R"({"model": "tiny-model", "prompt": "Hello there, how are you doing today?",
                           "max_tokens": 6, "min_tokens": 2, "ignore_eos": true})");
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 200);
  boost::json::object body = json_of(*response);
  EXPECT_EQ(body.at("object").as_string(), "text_completion");
  EXPECT_EQ(body.at("model").as_string(), "tiny-model");
  const auto& choice = body.at("choices").as_array().at(0).as_object();
  EXPECT_EQ(choice.at("finish_reason").as_string(), "length");
  std::string text(choice.at("text").as_string());
  EXPECT_EQ(std::count(text.begin(), text.end(), ' '), 6);  // six one-token words
  const auto& usage = body.at("usage").as_object();
  // Hello|there,|how|are|you|doing|today?: 2 + 2 + 1 + 1 + 1 + 2 + 2 tokens of 4 letters at most.
  EXPECT_EQ(usage.at("prompt_tokens").as_int64(), 11);
  EXPECT_EQ(usage.at("completion_tokens").as_int64(), 6);
  EXPECT_EQ(usage.at("total_tokens").as_int64(), 17);
}

TEST_F(EmulatorTest, StreamDeliversMaxTokensChunksInOrderThenDone) {
  std::string prompt = R"("prompt": "Tell me a story about a lighthouse keeper", "max_tokens": 9)";
  auto whole = call("/v1/completions", "{" + prompt + "}");
  auto streamed = call("/v1/completions", "{" + prompt + R"(, "stream": true})");
  ASSERT_TRUE(whole);
  ASSERT_TRUE(streamed);
  EXPECT_EQ(streamed->status, 200);
  EXPECT_EQ(streamed->header("Content-Type"), "text/event-stream");
  std::vector<std::string> events = event_data(streamed->body);
  ASSERT_EQ(events.size(), 10U) << streamed->body;
  EXPECT_EQ(events.back(), "[DONE]");
  std::string text;
  for (std::size_t index = 0; index < 9; ++index) {
    boost::json::object chunk = boost::json::parse(events[index]).as_object();
    const auto& choice = chunk.at("choices").as_array().at(0).as_object();
    text += choice.at("text").as_string();
    if (index < 8) {
      EXPECT_TRUE(choice.at("finish_reason").is_null()) << index;
    }
  }
  boost::json::object last = boost::json::parse(events[8]).as_object();
  EXPECT_EQ(last.at("choices").as_array().at(0).at("finish_reason").as_string(), "length");
  // The same prompt gives the same words, so the chunks in order spell the whole answer.
  EXPECT_EQ(text, json_of(*whole).at("choices").as_array().at(0).at("text").as_string());
}

TEST_F(EmulatorTest, ChatStreamStartsWithTheAssistantRoleAndCanReportUsage) {
  auto response = call("/v1/chat/completions",
                       R"({"messages": [{"role": "system", "content": "Be brief."},
                                        {"role": "user", "content": "Hi"}],
                           "max_tokens": 3, "stream": true,
                           "stream_options": {"include_usage": true}})");
  ASSERT_TRUE(response);
  std::vector<std::string> events = event_data(response->body);
  ASSERT_EQ(events.size(), 5U) << response->body;
  boost::json::object first = boost::json::parse(events[0]).as_object();
  EXPECT_EQ(first.at("object").as_string(), "chat.completion.chunk");
  EXPECT_EQ(first.at("choices").as_array().at(0).at("delta").at("role").as_string(), "assistant");
  boost::json::object usage = boost::json::parse(events[3]).as_object();
  EXPECT_TRUE(usage.at("choices").as_array().empty());
  EXPECT_EQ(usage.at("usage").at("completion_tokens").as_int64(), 3);
  EXPECT_EQ(events[4], "[DONE]");
}

TEST_F(EmulatorTest, RepeatedPromptIsServedFromThePrefixCache) {
  std::string body =
      R"({"messages": [{"role": "user", "content": "Summarise the following report in three )"
      R"(sentences: revenue grew, costs fell, and the outlook improved for every region."}],)"
      R"( "max_tokens": 2})";
  auto first = call("/v1/chat/completions", body);
  auto second = call("/v1/chat/completions", body);
  ASSERT_TRUE(first);
  ASSERT_TRUE(second);
  boost::json::object first_usage = json_of(*first).at("usage").as_object();
  boost::json::object second_usage = json_of(*second).at("usage").as_object();
  int64_t prompt_tokens = first_usage.at("prompt_tokens").as_int64();
  EXPECT_EQ(first_usage.at("prompt_tokens_details").at("cached_tokens").as_int64(), 0);
  // Every full block of 4 but the one holding the last token.
  EXPECT_EQ(second_usage.at("prompt_tokens_details").at("cached_tokens").as_int64(),
            (prompt_tokens - 1) / 4 * 4);
}

TEST_F(EmulatorTest, MetricsUseVllmNamesWithTheModelLabel) {
  // one|two|thre|e: 4 prompt tokens.
  ASSERT_TRUE(call("/v1/completions", R"({"prompt": "one two three", "max_tokens": 4})"));
  auto response = fetch_once(emulator_.port(), get_request("/metrics"));
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 200);
  const std::string& text = response->body;
  for (std::string_view series :
       {"vllm:num_requests_running{model_name=\"tiny-model\"} 0",
        "vllm:num_requests_waiting{model_name=\"tiny-model\"} 0",
        "vllm:gpu_cache_usage_perc{model_name=\"tiny-model\"} 0",
        "vllm:kv_cache_usage_perc{model_name=\"tiny-model\"} 0",
        "vllm:prefix_cache_queries_total{model_name=\"tiny-model\"} 4",
        "vllm:prefix_cache_hits_total{model_name=\"tiny-model\"} 0",
        "vllm:prompt_tokens_total{model_name=\"tiny-model\"} 4",
        "vllm:generation_tokens_total{model_name=\"tiny-model\"} 4",
        "vllm:time_to_first_token_seconds_count{model_name=\"tiny-model\"} 1",
        "vllm:e2e_request_latency_seconds_count{model_name=\"tiny-model\"} 1",
        "# TYPE vllm:time_to_first_token_seconds histogram"}) {
    EXPECT_NE(text.find(series), std::string::npos) << series << "\n" << text;
  }
}

TEST_F(EmulatorTest, ModelsAndHealth) {
  auto models = fetch_once(emulator_.port(), get_request("/v1/models"));
  ASSERT_TRUE(models);
  EXPECT_EQ(json_of(*models).at("data").as_array().at(0).at("id").as_string(), "tiny-model");
  auto health = fetch_once(emulator_.port(), get_request("/health"));
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
}

struct ErrorCase {
  std::string path;
  std::string body;
  int status;
  std::string param;  // "" for null
  std::string message;
};

TEST_F(EmulatorTest, BadRequestsGetOpenAiStyleErrorsNamingTheField) {
  std::vector<ErrorCase> cases = {
      {"/v1/completions", R"({"max_tokens": 3})", 400, "prompt", "prompt: required"},
      {"/v1/chat/completions", R"({"prompt": "x"})", 400, "messages", "messages: required"},
      {"/v1/completions", R"({"prompt": "x", "max_tokens": 0})", 400, "max_tokens",
       "max_tokens: expected an integer in [1, 1073741824], got a number 0"},
      {"/v1/completions", R"({"prompt": "x", "model": "gpt-9"})", 404, "model",
       "The model `gpt-9` does not exist."},
      {"/v1/completions", R"({"prompt": )", 400, "", ""},
  };
  for (const ErrorCase& error_case : cases) {
    auto response = call(error_case.path, error_case.body);
    ASSERT_TRUE(response) << error_case.body;
    EXPECT_EQ(response->status, error_case.status) << error_case.body;
    boost::json::object error = json_of(*response).at("error").as_object();
    if (error_case.param.empty()) {
      EXPECT_TRUE(error.at("param").is_null());
      EXPECT_EQ(std::string(error.at("message").as_string()).rfind("invalid JSON body", 0), 0U);
      continue;
    }
    EXPECT_EQ(error.at("param").as_string(), error_case.param);
    EXPECT_EQ(error.at("message").as_string(), error_case.message);
    EXPECT_EQ(error.at("type").as_string(),
              error_case.status == 404 ? "NotFoundError" : "invalid_request_error");
  }
}

// --request-log: a JSON line per queued request, with the client's X-Request-Id when it sent one.
TEST(EmulatorRequestLogTest, LogsEveryQueuedRequestWithItsIdsAndPromptTokens) {
  TempDir dir;
  const std::string log_path = dir.path() + "/requests.jsonl";
  TestEmulator emulator;
  ASSERT_TRUE(emulator.start({"--request-log", log_path})) << emulator.log();
  const std::string body =
      R"({"prompt": "Hello there, how are you doing today?", "max_tokens": 2})";
  auto first = fetch_once(emulator.port(),
                          post_request("/v1/completions", body, "X-Request-Id: trace-7\r\n"));
  ASSERT_TRUE(first);
  ASSERT_EQ(first->status, 200);
  auto second = fetch_once(emulator.port(), post_request("/v1/completions", body));
  ASSERT_TRUE(second);
  auto refused =
      fetch_once(emulator.port(), post_request("/v1/completions", R"({"max_tokens": 2})"));
  ASSERT_TRUE(refused);
  ASSERT_EQ(refused->status, 400);  // not queued: no line

  std::vector<boost::json::object> lines;
  std::istringstream text(read_file(log_path));
  for (std::string line; std::getline(text, line);) {
    lines.push_back(boost::json::parse(line).as_object());
  }
  ASSERT_EQ(lines.size(), 2U) << read_file(log_path);
  EXPECT_EQ(lines[0].at("id").as_string(), "cmpl-1");
  EXPECT_EQ(lines[0].at("request_id").as_string(), "trace-7");
  EXPECT_EQ(lines[0].at("prompt_tokens").as_int64(), 11);  // as WholeCompletionHasMaxTokensAndUsage
  EXPECT_EQ(lines[1].at("id").as_string(), "cmpl-2");
  EXPECT_FALSE(lines[1].contains("request_id"));
  EXPECT_GE(lines[0].at("queued_s").as_double(), 0);
  EXPECT_GE(lines[1].at("queued_s").as_double(), lines[0].at("queued_s").as_double());
}

TEST(EmulatorRequestLogTest, ALogThatCannotBeOpenedStopsTheStartAndNamesTheFlag) {
  TestEmulator emulator;
  EXPECT_FALSE(emulator.start({"--request-log", "/nonexistent-folder/requests.jsonl"}));
  EXPECT_NE(emulator.log().find("--request-log: cannot open /nonexistent-folder/requests.jsonl"),
            std::string::npos)
      << emulator.log();
}

}  // namespace
}  // namespace fulcrum::integration
