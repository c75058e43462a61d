#include "policy/kv_cost.h"

#include <gtest/gtest.h>

#include <vector>

#include "picker_test_support.h"

namespace fulcrum {
namespace {

const std::vector<uint64_t>& ten_block_prompt() {
  static const std::vector<uint64_t> blocks = chained_blocks({1, 2, 3, 4, 5, 6, 7, 8, 9, 10});
  return blocks;
}

RequestView request_for(uint64_t request_id, const std::vector<uint64_t>& blocks,
                        uint32_t output_tokens) {
  RequestView request;
  request.request_id = request_id;
  request.prefix_blocks = blocks;
  request.expected_output_tokens = output_tokens;
  return request;
}

std::string_view pick_name(Picker& picker, std::span<const BackendView> backends,
                           const RequestView& request) {
  const std::size_t index = pick_index(picker, backends, request);
  return index == kPickFailed ? "?" : backends[index].name;
}

// Each request holds 10 prompt blocks + 32 output tokens / 16 = 12 blocks while in flight.
TEST(KvCostTest, RoutesACraftedSequenceByCost) {
  KvCostPicker picker(KvCostConfig{});
  std::vector<BackendView> backends = make_named_backends({"a", "b", "c"});
  const std::vector<uint64_t>& prompt = ten_block_prompt();
  EXPECT_EQ(pick_name(picker, backends, request_for(1, prompt, 32)), "a");  // 10, 10, 10
  EXPECT_EQ(picker.active_blocks(0), 12u);
  EXPECT_EQ(pick_name(picker, backends, request_for(2, prompt, 32)), "b");  // 0 + 12, 10, 10
  EXPECT_EQ(pick_name(picker, backends, request_for(3, prompt, 32)), "c");  // 12, 12, 10
  picker.request_finished(1, 0);
  EXPECT_EQ(picker.active_blocks(0), 0u);
  std::vector<CandidateScore> scores;
  PickResult chosen = picker.pick_explained(request_for(4, prompt, 31), backends, scores);
  ASSERT_TRUE(chosen.ok());
  EXPECT_EQ(*chosen, 0u);  // 0, 12, 12
  ASSERT_EQ(scores.size(), 3u);
  EXPECT_EQ(scores[0].score, 0);
  EXPECT_EQ(scores[0].detail, "prefill 0/10 blocks, active 0 blocks, cost 0");
  EXPECT_EQ(scores[1].score, 12);
  EXPECT_EQ(scores[1].detail, "prefill 0/10 blocks, active 12 blocks, cost 12");
  EXPECT_EQ(scores[0].matched_blocks, 10u);  // the whole prompt went to a before
  EXPECT_EQ(picker.active_blocks(0), 12u);   // 31 tokens round up to 2 blocks
}

TEST(KvCostTest, OverlapWeightTradesPrefillAgainstActiveBlocks) {
  std::vector<BackendView> backends = make_named_backends({"a", "b", "c"});
  const std::vector<uint64_t>& prompt = ten_block_prompt();
  // Weight 1: recomputing 10 blocks on idle b costs as much as joining a's 10 active blocks;
  // the tie goes to fewer in flight.
  std::unique_ptr<Picker> even = make_test_picker("kv_cost");
  ASSERT_NE(even, nullptr);
  EXPECT_EQ(pick_name(*even, backends, request_for(1, prompt, 0)), "a");
  backends[0].in_flight = 1;
  EXPECT_EQ(pick_name(*even, backends, request_for(2, prompt, 0)), "b");
  // Weight 2: prefill counts double, so the second request follows the cached prefix (10 < 20).
  backends[0].in_flight = 0;
  std::unique_ptr<Picker> prefill_heavy = make_test_picker("kv_cost", {{"overlap_weight", "2"}});
  ASSERT_NE(prefill_heavy, nullptr);
  EXPECT_EQ(pick_name(*prefill_heavy, backends, request_for(1, prompt, 0)), "a");
  backends[0].in_flight = 1;
  EXPECT_EQ(pick_name(*prefill_heavy, backends, request_for(2, prompt, 0)), "a");
}

TEST(KvCostTest, UntrackedAndRetriedRequests) {
  KvCostPicker picker(KvCostConfig{});
  std::vector<BackendView> backends = make_named_backends({"a", "b"});
  const std::vector<uint64_t>& prompt = ten_block_prompt();
  EXPECT_EQ(pick_name(picker, backends, request_for(0, prompt, 64)), "a");
  EXPECT_EQ(picker.active_blocks(0), 0u);                                   // no id: not tracked
  EXPECT_EQ(pick_name(picker, backends, request_for(7, prompt, 64)), "a");  // 0 < 10
  EXPECT_EQ(picker.active_blocks(0), 14u);
  backends[0].healthy = false;  // the attempt failed; the retry goes to b and moves the blocks
  EXPECT_EQ(pick_name(picker, backends, request_for(7, prompt, 64)), "b");
  EXPECT_EQ(picker.active_blocks(0), 0u);
  EXPECT_EQ(picker.active_blocks(1), 14u);
  picker.request_finished(7, 1);
  picker.request_finished(7, 1);  // twice is harmless
  EXPECT_EQ(picker.active_blocks(1), 0u);
}

// prefill_cost: a request holds only the blocks its backend has to prefill, until its first byte.
TEST(PrefillCostTest, PendingPrefillIsHeldUntilTheFirstByte) {
  KvCostConfig config;
  config.prefill_only = true;
  KvCostPicker picker(config);
  EXPECT_EQ(picker.name(), "prefill_cost");
  std::vector<BackendView> backends = make_named_backends({"a", "b"});
  const std::vector<uint64_t>& prompt = ten_block_prompt();
  EXPECT_EQ(pick_name(picker, backends, request_for(1, prompt, 320)), "a");  // 10, 10
  EXPECT_EQ(picker.active_blocks(0), 10u);                                   // no output blocks
  // b has the whole prompt to compute (10) and nothing pending; a has 0 to compute and 10 pending:
  // the tie goes to fewer in flight.
  EXPECT_EQ(pick_name(picker, backends, request_for(2, prompt, 320)), "b");
  EXPECT_EQ(picker.active_blocks(1), 10u);
  picker.first_byte(1, 0);  // a's prefill is done; its decode does not count
  EXPECT_EQ(picker.active_blocks(0), 0u);
  std::vector<CandidateScore> scores;
  PickResult chosen = picker.pick_explained(request_for(3, prompt, 320), backends, scores);
  ASSERT_TRUE(chosen.ok());
  EXPECT_EQ(*chosen, 0u);  // a: 0 + 0; b: 0 + 10 (its request 2 is still prefilling)
  ASSERT_EQ(scores.size(), 2u);
  EXPECT_EQ(scores[1].detail, "prefill 0/10 blocks, active 10 blocks, cost 10");
  EXPECT_EQ(picker.active_blocks(0), 0u);  // request 3 had nothing to prefill on a
  picker.request_finished(1, 0);           // already released: nothing changes
  picker.request_finished(2, 1);           // ended before a first byte (failed): released
  EXPECT_EQ(picker.active_blocks(1), 0u);
}

TEST(PrefillCostTest, KvCostIgnoresFirstBytes) {
  KvCostPicker picker(KvCostConfig{});
  std::vector<BackendView> backends = make_named_backends({"a"});
  EXPECT_EQ(pick_name(picker, backends, request_for(1, ten_block_prompt(), 32)), "a");
  picker.first_byte(1, 0);
  EXPECT_EQ(picker.active_blocks(0), 12u);  // held until request_finished
}

}  // namespace
}  // namespace fulcrum
