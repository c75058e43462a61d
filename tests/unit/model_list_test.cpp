#include "llm/model_list.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace fulcrum {
namespace {

TEST(ModelListTest, UnionKeepsEachModelOnceInTheOrderFirstSeen) {
  const std::vector<std::string> lists = {
      R"({"object":"list","data":[{"id":"qwen","object":"model","owned_by":"a"}]})",
      R"({"object":"list","data":[{"id":"llama","object":"model"},{"id":"qwen","owned_by":"b"}]})",
  };
  EXPECT_EQ(merge_model_lists(lists),
            "{\"object\":\"list\",\"data\":[{\"id\":\"qwen\",\"object\":\"model\",\"owned_by\":"
            "\"a\"},{\"id\":\"llama\",\"object\":\"model\"}]}\n");
}

TEST(ModelListTest, SkipsAnswersThatAreNoModelList) {
  const std::vector<std::string> lists = {"not json", R"({"data":"x"})",
                                          R"({"data":[{"name":"no id"},7]})",
                                          R"({"object":"list","data":[{"id":"qwen"}]})"};
  EXPECT_EQ(merge_model_lists(lists), "{\"object\":\"list\",\"data\":[{\"id\":\"qwen\"}]}\n");
}

TEST(ModelListTest, NoListsIsAnEmptyList) {
  EXPECT_EQ(merge_model_lists({}), "{\"object\":\"list\",\"data\":[]}\n");
}

}  // namespace
}  // namespace fulcrum
