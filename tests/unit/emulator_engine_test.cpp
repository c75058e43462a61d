#include "emulator/engine.h"

#include <numeric>
#include <vector>

#include <gtest/gtest.h>

namespace fulcrum::emulator {
namespace {

EngineProfile test_profile() {
  EngineProfile profile;
  profile.model = "test-model";
  profile.block_size = 4;
  profile.num_gpu_blocks = 64;
  profile.max_num_seqs = 8;
  profile.max_num_batched_tokens = 64;
  profile.max_model_len = 256;
  profile.step_overhead_s = 0.002;
  profile.prefill_per_token_s = 0.0001;
  profile.decode_per_sequence_s = 0.0003;
  profile.attention_per_context_token_s = 0.00001;
  return profile;
}

// Distinct tokens starting at `first`.
std::vector<TokenId> prompt_of(int64_t length, TokenId first = 1000) {
  std::vector<TokenId> tokens(static_cast<std::size_t>(length));
  std::iota(tokens.begin(), tokens.end(), first);
  return tokens;
}

EngineRequest request(RequestId id, std::vector<TokenId> prompt, int64_t max_output_tokens,
                      double arrival_s = 0) {
  return {id, std::move(prompt), max_output_tokens, arrival_s};
}

// Steps back to back from `now_s` until the engine is idle; the finished requests in order.
std::vector<FinishedRequest> run_to_end(Engine& engine, double now_s = 0) {
  std::vector<FinishedRequest> finished;
  while (engine.has_work()) {
    StepOutcome outcome = engine.step(now_s);
    now_s += outcome.duration_s;
    finished.insert(finished.end(), outcome.finished.begin(), outcome.finished.end());
  }
  return finished;
}

TEST(EmulatorEngineTest, LoneRequestFollowsTheProfileFormula) {
  EngineProfile profile = test_profile();
  Engine engine(profile);
  constexpr int64_t kPrompt = 40;
  constexpr int64_t kOutput = 5;
  ASSERT_TRUE(engine.add_request(request(7, prompt_of(kPrompt), kOutput, 1.0)).ok());

  double expected_ttft = profile.step_overhead_s + profile.prefill_per_token_s * kPrompt +
                         profile.attention_per_context_token_s * kPrompt;
  StepOutcome prefill = engine.step(1.0);
  EXPECT_DOUBLE_EQ(prefill.duration_s, expected_ttft);
  EXPECT_EQ(prefill.prefill_tokens, kPrompt);
  ASSERT_EQ(prefill.tokens.size(), 1U);
  EXPECT_EQ(prefill.tokens[0].id, 7U);
  EXPECT_EQ(prefill.tokens[0].index, 0);

  double now = 1.0 + prefill.duration_s;
  for (int64_t index = 1; index < kOutput; ++index) {
    // Decode step `index` computes the previous output token: its context is prompt + index.
    double expected_tpot = profile.step_overhead_s + profile.decode_per_sequence_s +
                           profile.attention_per_context_token_s * (kPrompt + index);
    StepOutcome decode = engine.step(now);
    EXPECT_DOUBLE_EQ(decode.duration_s, expected_tpot) << "token " << index;
    EXPECT_EQ(decode.decode_sequences, 1);
    EXPECT_EQ(decode.prefill_tokens, 0);
    ASSERT_EQ(decode.tokens.size(), 1U);
    EXPECT_EQ(decode.tokens[0].index, index);
    now += decode.duration_s;
    if (index + 1 < kOutput) {
      EXPECT_TRUE(decode.finished.empty());
      continue;
    }
    {
      ASSERT_EQ(decode.finished.size(), 1U);
      // Times are absolute (arrival 1.0 s), so only rounding separates them from the formula.
      EXPECT_NEAR(decode.finished[0].first_token_s - decode.finished[0].arrival_s, expected_ttft,
                  1e-12);
      EXPECT_DOUBLE_EQ(decode.finished[0].finish_s, now);
      EXPECT_EQ(decode.finished[0].output_tokens, kOutput);
    }
  }
  EXPECT_FALSE(engine.has_work());
  EXPECT_TRUE(engine.step(now).idle());
  EXPECT_EQ(engine.counters().prompt_tokens, kPrompt);
  EXPECT_EQ(engine.counters().generation_tokens, kOutput);
  EXPECT_EQ(engine.kv_cache_usage(), 0.0);
}

TEST(EmulatorEngineTest, LongPromptIsPrefilledInChunksOfTheTokenBudget) {
  EngineProfile profile = test_profile();
  Engine engine(profile);
  ASSERT_TRUE(engine.add_request(request(1, prompt_of(150), 2)).ok());
  StepOutcome first = engine.step(0);
  EXPECT_EQ(first.prefill_tokens, 64);
  EXPECT_TRUE(first.tokens.empty());
  StepOutcome second = engine.step(first.duration_s);
  EXPECT_EQ(second.prefill_tokens, 64);
  EXPECT_EQ(second.context_tokens, 128);
  EXPECT_TRUE(second.tokens.empty());
  StepOutcome third = engine.step(1);
  EXPECT_EQ(third.prefill_tokens, 22);
  ASSERT_EQ(third.tokens.size(), 1U);
  EXPECT_DOUBLE_EQ(third.duration_s, profile.step_overhead_s + profile.prefill_per_token_s * 22 +
                                         profile.attention_per_context_token_s * 150);
}

TEST(EmulatorEngineTest, PrefixHitShortensPrefillByTheCachedTokensCost) {
  EngineProfile profile = test_profile();
  Engine engine(profile);
  constexpr int64_t kPrompt = 42;  // 10 full blocks of 4 and 2 tokens more
  ASSERT_TRUE(engine.add_request(request(1, prompt_of(kPrompt), 1)).ok());
  std::vector<FinishedRequest> first = run_to_end(engine);
  ASSERT_TRUE(engine.add_request(request(2, prompt_of(kPrompt), 1, 10.0)).ok());
  std::vector<FinishedRequest> second = run_to_end(engine, 10.0);
  ASSERT_EQ(first.size(), 1U);
  ASSERT_EQ(second.size(), 1U);

  constexpr int64_t kCached = 40;
  EXPECT_EQ(first[0].cached_prompt_tokens, 0);
  EXPECT_EQ(second[0].cached_prompt_tokens, kCached);
  double first_ttft = first[0].first_token_s - first[0].arrival_s;
  double second_ttft = second[0].first_token_s - second[0].arrival_s;
  EXPECT_NEAR(first_ttft - second_ttft, profile.prefill_per_token_s * kCached, 1e-12);
  EXPECT_EQ(engine.counters().prefix_cache_queries, 2 * kPrompt);
  EXPECT_EQ(engine.counters().prefix_cache_hits, kCached);
}

TEST(EmulatorEngineTest, FullyCachedPromptStillComputesItsLastBlock) {
  Engine engine(test_profile());
  ASSERT_TRUE(engine.add_request(request(1, prompt_of(40), 1)).ok());
  run_to_end(engine);
  ASSERT_TRUE(engine.add_request(request(2, prompt_of(40), 1)).ok());
  StepOutcome outcome = engine.step(0);
  // 40 tokens are 10 full blocks; the last one is recomputed so that a token can be sampled.
  EXPECT_EQ(outcome.prefill_tokens, 4);
  EXPECT_EQ(engine.counters().prefix_cache_hits, 36);
}

TEST(EmulatorEngineTest, DifferentPromptsShareOnlyTheirCommonLeadingBlocks) {
  Engine engine(test_profile());
  std::vector<TokenId> first = prompt_of(40);
  std::vector<TokenId> second = first;
  second[21] = 7;  // block 5 differs, so blocks 0-4 (20 tokens) are shared
  ASSERT_TRUE(engine.add_request(request(1, first, 1)).ok());
  run_to_end(engine);
  ASSERT_TRUE(engine.add_request(request(2, second, 1)).ok());
  StepOutcome outcome = engine.step(0);
  EXPECT_EQ(outcome.prefill_tokens, 20);
}

TEST(EmulatorEngineTest, BatchRespectsMaxNumSeqsAndTheTokenBudget) {
  EngineProfile profile = test_profile();
  profile.max_num_seqs = 3;
  profile.max_num_batched_tokens = 50;
  Engine engine(profile);
  for (RequestId id = 1; id <= 5; ++id) {
    ASSERT_TRUE(engine.add_request(request(id, prompt_of(20, 100 * id), 4)).ok());
  }
  StepOutcome first = engine.step(0);
  // 20 + 20 + 10 (the third is chunked by the budget); two more wait.
  EXPECT_EQ(first.prefill_tokens, 50);
  EXPECT_EQ(engine.num_running(), 3);
  EXPECT_EQ(engine.num_waiting(), 2);
  EXPECT_EQ(first.tokens.size(), 2U);
  StepOutcome second = engine.step(1);
  // Two decodes and the third's last 10 prompt tokens; max_num_seqs keeps the others waiting.
  EXPECT_EQ(second.decode_sequences, 2);
  EXPECT_EQ(second.prefill_tokens, 10);
  EXPECT_EQ(engine.num_running(), 3);
  EXPECT_EQ(engine.num_waiting(), 2);
  std::vector<FinishedRequest> finished = run_to_end(engine, 2);
  EXPECT_EQ(finished.size(), 5U);
}

TEST(EmulatorEngineTest, KvExhaustionPreemptsTheLatestAdmittedSequence) {
  EngineProfile profile = test_profile();
  profile.num_gpu_blocks = 10;  // 40 tokens
  profile.enable_prefix_caching = false;
  Engine engine(profile);
  // Each prompt fills 4 blocks exactly; the first decode of each needs a fifth block.
  ASSERT_TRUE(engine.add_request(request(1, prompt_of(16, 100), 8)).ok());
  ASSERT_TRUE(engine.add_request(request(2, prompt_of(16, 200), 8)).ok());
  StepOutcome prefill = engine.step(0);
  EXPECT_EQ(prefill.tokens.size(), 2U);
  EXPECT_EQ(engine.kv_cache().free_blocks(), 2);
  StepOutcome decode = engine.step(1);  // 5 + 5 blocks: both fit
  EXPECT_TRUE(decode.preempted.empty());
  EXPECT_EQ(engine.kv_cache().free_blocks(), 0);
  for (int step = 0; step < 3; ++step) engine.step(2);  // context 16 + 4 = 20: still 5 blocks
  StepOutcome exhausted = engine.step(3);               // request 1 needs a sixth block
  ASSERT_EQ(exhausted.preempted.size(), 1U);
  EXPECT_EQ(exhausted.preempted[0], 2U);
  EXPECT_EQ(exhausted.decode_sequences, 1);
  EXPECT_EQ(engine.num_waiting(), 1);
  EXPECT_EQ(engine.counters().preemptions, 1);
  std::vector<FinishedRequest> finished = run_to_end(engine, 4);
  ASSERT_EQ(finished.size(), 2U);
  EXPECT_EQ(finished[0].id, 1U);
  EXPECT_EQ(finished[1].id, 2U);
  EXPECT_EQ(finished[1].output_tokens, 8);  // recomputed, then went on where it stopped
  EXPECT_EQ(engine.counters().generation_tokens, 16);
}

TEST(EmulatorEngineTest, RejectsRequestsThatCanNeverRunNamingTheField) {
  EngineProfile profile = test_profile();
  profile.num_gpu_blocks = 4;
  Engine engine(profile);
  Status too_long = engine.add_request(request(1, prompt_of(300), 1));
  EXPECT_EQ(too_long.message(), "prompt (300 tokens) + max_tokens (1) exceeds max_model_len 256");
  Status over_cache = engine.add_request(request(1, prompt_of(16), 1));
  EXPECT_EQ(over_cache.message(),
            "prompt + max_tokens (17 tokens) exceeds the KV cache (16 tokens)");
  EXPECT_EQ(engine.add_request(request(1, {}, 1)).message(),
            "prompt: must have at least one token");
  EXPECT_EQ(engine.add_request(request(1, prompt_of(4), 0)).message(),
            "max_tokens: must be at least 1, got 0");
  ASSERT_TRUE(engine.add_request(request(1, prompt_of(4), 1)).ok());
  EXPECT_EQ(engine.add_request(request(1, prompt_of(4), 1)).message(), "request id 1 is in use");
}

TEST(EmulatorEngineTest, AbortReleasesTheBlocks) {
  Engine engine(test_profile());
  ASSERT_TRUE(engine.add_request(request(1, prompt_of(30), 5)).ok());
  engine.step(0);
  EXPECT_GT(engine.kv_cache_usage(), 0.0);
  EXPECT_TRUE(engine.abort_request(1));
  EXPECT_FALSE(engine.abort_request(1));
  EXPECT_EQ(engine.kv_cache_usage(), 0.0);
  EXPECT_FALSE(engine.has_work());
}

}  // namespace
}  // namespace fulcrum::emulator
