#include "llm/request_inspection.h"

#include <gtest/gtest.h>

#include <string>

#include "policy/picker.h"

namespace fulcrum {
namespace {

TEST(RequestInspectionTest, ReadsACompletionRequest) {
  InspectedRequest request;
  ASSERT_TRUE(
      inspect_openai_body(
          R"({"model":"llama-3-8b","prompt":"Once upon a time","max_tokens":64,"user":"u7"})",
          request)
          .ok());
  EXPECT_EQ(request.model, "llama-3-8b");
  EXPECT_EQ(request.prompt, "Once upon a time");
  EXPECT_EQ(request.user, "u7");
  EXPECT_EQ(request.max_tokens, 64u);
  EXPECT_TRUE(request.prefix_blocks.empty());  // shorter than one block
}

TEST(RequestInspectionTest, JoinsChatMessagesWithTheirRoles) {
  InspectedRequest request;
  ASSERT_TRUE(inspect_openai_body(R"({"model":"m","max_completion_tokens":9,"messages":[
      {"role":"system","content":"Be brief."},
      {"role":"user","content":[{"type":"text","text":"Hi"},{"type":"image_url","image_url":{}}]},
      {"role":"assistant","content":null}]})",
                                  request)
                  .ok());
  EXPECT_EQ(request.prompt, "system: Be brief.\nuser: Hi\nassistant: \n");
  EXPECT_EQ(request.max_tokens, 9u);
}

TEST(RequestInspectionTest, PromptArraysAndEmbeddingInputsAreJoined) {
  InspectedRequest request;
  ASSERT_TRUE(inspect_openai_body(R"({"prompt":["a","b"]})", request).ok());
  EXPECT_EQ(request.prompt, "a\nb\n");
  ASSERT_TRUE(inspect_openai_body(R"({"input":"embed me"})", request).ok());
  EXPECT_EQ(request.prompt, "embed me");
  ASSERT_TRUE(inspect_openai_body(R"({"prompt":[1,2,3]})", request).ok());
  EXPECT_EQ(request.prompt, "1 2 3 ");
}

TEST(RequestInspectionTest, PrefixBlocksAreSharedExactlyOverTheCommonWholeBlocks) {
  const std::string shared(3 * kPrefixBlockBytes + 10, 's');
  std::vector<uint64_t> first;
  std::vector<uint64_t> second;
  compute_prefix_blocks(shared + std::string(200, 'a'), first);
  compute_prefix_blocks(shared + std::string(200, 'b'), second);
  ASSERT_EQ(first.size(), (shared.size() + 200) / kPrefixBlockBytes);
  ASSERT_EQ(second.size(), first.size());
  // Blocks 0-2 are all 's'; block 3 holds 10 's' then the differing text.
  for (size_t i = 0; i < 3; ++i) EXPECT_EQ(first[i], second[i]) << i;
  for (size_t i = 3; i < first.size(); ++i) EXPECT_NE(first[i], second[i]) << i;
  // Chained: the same block text at another position hashes differently.
  EXPECT_NE(first[0], first[1]);
}

TEST(RequestInspectionTest, BadBodiesSayWhatIsWrong) {
  InspectedRequest request;
  Status not_json = inspect_openai_body("model=x", request);
  ASSERT_FALSE(not_json.ok());
  EXPECT_EQ(not_json.message().rfind("request body is not JSON: ", 0), 0u) << not_json.message();
  EXPECT_EQ(inspect_openai_body(R"({"messages":"hi"})", request).message(),
            "\"messages\" must be an array of objects");
  EXPECT_EQ(inspect_openai_body(R"({"prompt":{"text":"hi"}})", request).message(),
            "\"prompt\" must be a string or an array");
  EXPECT_EQ(inspect_openai_body("[1,2]", request).message(),
            "request body is not JSON: the request body must be a JSON object, got an array");
}

}  // namespace
}  // namespace fulcrum
