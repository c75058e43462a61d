#include "emulator/tokenizer.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace fulcrum::emulator {
namespace {

TEST(EmulatorTokenizerTest, OneTokenPerStartedFourLettersOfEachWord) {
  EXPECT_EQ(tokenize("").size(), 0U);
  EXPECT_EQ(tokenize("the").size(), 1U);
  EXPECT_EQ(tokenize("the cat").size(), 2U);
  EXPECT_EQ(tokenize("tokenizer").size(), 3U);  // toke|nize|r
  EXPECT_EQ(tokenize("a  b\n").size(), 3U);     // a, "  b", trailing newline
}

TEST(EmulatorTokenizerTest, EqualTextPrefixesGiveEqualTokenPrefixes) {
  std::vector<TokenId> shared = tokenize("You are a helpful assistant. Answer briefly.");
  std::vector<TokenId> longer =
      tokenize("You are a helpful assistant. Answer briefly. What is the capital of France?");
  ASSERT_LT(shared.size(), longer.size());
  EXPECT_TRUE(std::equal(shared.begin(), shared.end(), longer.begin()));
  EXPECT_NE(tokenize("cat"), tokenize("dog"));
  EXPECT_NE(tokenize("cat")[0], tokenize(" cat")[0]);
}

TEST(EmulatorTokenizerTest, OutputWordsAreDeterministicAndOneTokenEach) {
  std::string text;
  for (int64_t index = 0; index < 50; ++index) text += output_word(42, index);
  EXPECT_EQ(tokenize(text).size(), 50U);
  EXPECT_EQ(output_word(42, 3), output_word(42, 3));
}

TEST(EmulatorTokenizerTest, SharedBlockHashesGiveSharedTokenPrefixes) {
  std::vector<uint64_t> first = {7, 8, 9};
  std::vector<uint64_t> second = {7, 8, 5};
  std::vector<TokenId> a = tokens_from_block_hashes(first, 4, 11, 1);
  std::vector<TokenId> b = tokens_from_block_hashes(second, 4, 14, 2);
  ASSERT_EQ(a.size(), 11U);
  ASSERT_EQ(b.size(), 14U);
  EXPECT_TRUE(std::equal(a.begin(), a.begin() + 8, b.begin()));
  EXPECT_NE(std::vector<TokenId>(a.begin() + 8, a.end()),
            std::vector<TokenId>(b.begin() + 8, b.begin() + 11));
}

}  // namespace
}  // namespace fulcrum::emulator
