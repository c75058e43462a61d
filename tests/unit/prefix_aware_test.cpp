#include "policy/prefix_aware.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "picker_test_support.h"
#include "policy/bounded_load.h"

namespace fulcrum {
namespace {

RequestView request_for(const std::vector<uint64_t>& blocks) {
  RequestView request;
  request.prefix_blocks = blocks;
  return request;
}

std::string_view pick_name(Picker& picker, std::span<const BackendView> backends,
                           const std::vector<uint64_t>& blocks) {
  const std::size_t index = pick_index(picker, backends, request_for(blocks));
  return index == kPickFailed ? "?" : backends[index].name;
}

// Where rendezvous hashing puts a prompt no backend matches, with no load anywhere.
std::string_view rendezvous_home(std::span<const BackendView> backends,
                                 const std::vector<uint64_t>& blocks) {
  return backends[*rendezvous_under_cap(backends, leading_blocks_key(blocks, 8), 1)].name;
}

TEST(PrefixAwareTest, LoadImbalanceNeedsBothThresholds) {
  std::vector<BackendView> backends = backends_with(&BackendView::in_flight, {40, 8, 20});
  EXPECT_FALSE(load_imbalanced(backends, 32, 1.0001));  // 40 - 8 = 32, not above
  backends[1].in_flight = 7;
  EXPECT_TRUE(load_imbalanced(backends, 32, 1.0001));
  EXPECT_FALSE(load_imbalanced(backends, 32, 6));  // 40 < 6 * 7
  backends[1].healthy = false;                     // the lightest no longer counts
  EXPECT_FALSE(load_imbalanced(backends, 32, 1.0001));
}

TEST(PrefixAwareTest, LeadingBlocksKeyIsTheHashOfTheFirstBlocks) {
  std::vector<uint64_t> long_prompt = chained_blocks({1, 2, 3, 4, 5, 6, 7, 8, 9, 10});
  std::vector<uint64_t> other_tail = chained_blocks({1, 2, 3, 4, 5, 6, 7, 8, 99});
  EXPECT_EQ(leading_blocks_key(long_prompt, 8), long_prompt[7]);
  EXPECT_EQ(leading_blocks_key(long_prompt, 8), leading_blocks_key(other_tail, 8));
  EXPECT_EQ(leading_blocks_key(chained_blocks({1, 2}), 8), chained_blocks({1, 2})[1]);
  EXPECT_EQ(leading_blocks_key({}, 8), 0u);
}

// A crafted sequence on four idle backends, each step by one of the rule's branches.
TEST(PrefixAwareTest, RoutesACraftedSequenceByTheRule) {
  std::unique_ptr<Picker> picker = make_test_picker("prefix_aware");
  ASSERT_NE(picker, nullptr);
  std::vector<BackendView> backends = make_named_backends({"a", "b", "c", "d"});
  const std::vector<uint64_t> prompt = chained_blocks({1, 2, 3, 4});
  const std::vector<uint64_t> same_start = chained_blocks({1, 2, 3, 5});  // 3 of 4 blocks match
  const std::vector<uint64_t> other = chained_blocks({1, 9, 9, 9});       // 1 of 4 matches

  // Nothing matched yet: the rendezvous home of its leading blocks (order b, c, d, a).
  const std::string_view home = rendezvous_home(backends, prompt);
  EXPECT_EQ(home, "b");
  EXPECT_EQ(pick_name(*picker, backends, prompt), "b");
  // 3/4 > cache_threshold 0.5: the best match, b, though its own rendezvous home is d.
  EXPECT_EQ(rendezvous_home(backends, same_start), "d");
  EXPECT_EQ(pick_name(*picker, backends, same_start), "b");
  // 1/4 <= 0.5: its own rendezvous home.
  EXPECT_EQ(pick_name(*picker, backends, other), rendezvous_home(backends, other));

  // b is 40 ahead of the idle a and c: imbalanced, so the least loaded, c before a by rendezvous.
  backends[1].in_flight = 40;
  backends[3].in_flight = 1;
  EXPECT_EQ(pick_name(*picker, backends, prompt), "c");
  // Balanced again, but b at its cap ceil(1.25 * 4 / 4) = 2: the best match under the cap is c,
  // which holds the prompt since the last pick.
  backends[1].in_flight = 3;
  backends[3].in_flight = 0;
  EXPECT_EQ(pick_name(*picker, backends, prompt), "c");
  // Load gone: b and c both match fully and are idle; the rendezvous order decides, as on any
  // gateway.
  backends[1].in_flight = 0;
  EXPECT_EQ(pick_name(*picker, backends, prompt), "b");
}

TEST(PrefixAwareTest, PromptsShorterThanABlockGoToTheLeastLoaded) {
  std::unique_ptr<Picker> picker = make_test_picker("prefix_aware");
  ASSERT_NE(picker, nullptr);
  std::vector<BackendView> backends = backends_with(&BackendView::in_flight, {3, 1, 2});
  EXPECT_EQ(pick_sequence(*picker, backends, 3), "b b b");
}

// A very popular prefix: its first replica takes it until it reaches the bounded-load cap, then
// the prefix spreads to more replicas, and no replica ever holds more than the cap.
TEST(PrefixAwareTest, APopularPrefixSpreadsInsteadOfOverloadingOneReplica) {
  std::unique_ptr<Picker> picker = make_test_picker("prefix_aware");
  ASSERT_NE(picker, nullptr);
  std::vector<BackendView> backends = make_named_backends({"a", "b", "c", "d"});
  const std::vector<uint64_t> popular = chained_blocks({42, 43, 44, 45, 46, 47});
  const std::string_view home = rendezvous_home(backends, popular);
  std::vector<std::string_view> order;
  for (int request = 0; request < 100; ++request) {
    const uint64_t cap = bounded_load_cap(backends, 1.25);
    const std::size_t index = pick_index(*picker, backends, request_for(popular));
    ASSERT_NE(index, kPickFailed);
    ASSERT_LT(backends[index].in_flight, cap) << "request " << request;
    ++backends[index].in_flight;  // every request stays in flight
    order.push_back(backends[index].name);
  }
  EXPECT_EQ(order[0], home);
  std::set<std::string_view> replicas(order.begin(), order.end());
  EXPECT_EQ(replicas.size(), 4u);
  for (const BackendView& backend : backends) {
    EXPECT_LE(backend.in_flight, 32u) << backend.name;  // ceil(1.25 * 100 / 4)
    EXPECT_GE(backend.in_flight, 20u) << backend.name;
  }
}

TEST(PrefixAwareTest, AtLowLoadAPopularPrefixStaysOnOneReplica) {
  std::unique_ptr<Picker> picker = make_test_picker("prefix_aware");
  ASSERT_NE(picker, nullptr);
  std::vector<BackendView> backends = make_named_backends({"a", "b", "c", "d"});
  const std::vector<uint64_t> popular = chained_blocks({42, 43, 44, 45, 46, 47});
  for (int request = 0; request < 50; ++request) {
    ASSERT_EQ(pick_name(*picker, backends, popular), rendezvous_home(backends, popular));
  }
}

// Two gateways that share nothing, having seen different traffic, send the same prompts to the
// same replicas.
TEST(PrefixAwareTest, TwoInstancesThatShareNoStateAgree) {
  std::unique_ptr<Picker> first = make_test_picker("prefix_aware");
  std::unique_ptr<Picker> second = make_test_picker("prefix_aware");
  ASSERT_NE(first, nullptr);
  ASSERT_NE(second, nullptr);
  std::vector<BackendView> backends = make_named_backends({"a", "b", "c", "d", "e", "f"});
  for (uint64_t other = 1000; other < 1200; ++other) {
    pick_name(*second, backends, chained_blocks({other, other, other}));
  }
  std::vector<int> per_backend(backends.size(), 0);
  for (uint64_t tenant = 0; tenant < 300; ++tenant) {
    const std::vector<uint64_t> prompt = chained_blocks({tenant, tenant + 1, tenant + 2});
    const std::size_t on_first = pick_index(*first, backends, request_for(prompt));
    const std::size_t on_second = pick_index(*second, backends, request_for(prompt));
    ASSERT_EQ(on_first, on_second) << "tenant " << tenant;
    ++per_backend[on_first];
  }
  for (int count : per_backend) EXPECT_GT(count, 25);  // spread, not all on one
}

TEST(PrefixAwareTest, IndexStaysUnderItsCapAndReportsItsSize) {
  std::unique_ptr<Picker> picker = make_test_picker("prefix_aware", {{"max_tree_bytes", "65536"}});
  ASSERT_NE(picker, nullptr);
  EXPECT_EQ(picker->prefix_index_bytes(), 0u);
  std::vector<BackendView> backends = make_backends(4);
  std::size_t largest = 0;
  for (uint64_t prompt = 0; prompt < 10'000; ++prompt) {
    pick_index(*picker, backends, request_for(chained_blocks({prompt, 1, 2, 3, 4, 5, 6, 7})));
    largest = std::max(largest, picker->prefix_index_bytes());
  }
  EXPECT_LE(largest, 65536u);
  EXPECT_EQ(picker->prefix_index_bytes(),
            65536 / PrefixIndex::kEntryBytes * PrefixIndex::kEntryBytes);
}

// Conversation `id`'s first turn: a 10-block system prompt every conversation starts with, then 10
// blocks of its own; `turns` > 1 adds 10 more blocks per later turn.
std::vector<uint64_t> conversation(uint64_t id, int turns = 1) {
  std::vector<uint64_t> blocks;
  for (uint64_t block = 0; block < 10; ++block) blocks.push_back(block);
  for (uint64_t block = 0; block < 10 * static_cast<uint64_t>(turns); ++block) {
    blocks.push_back(1000 * (id + 1) + block);
  }
  return chained_blocks(blocks);
}

// A system prompt that two replicas hold already does not decide where a new conversation goes
// (hashing it would send every conversation to one replica): the blocks past it do, and later
// turns of a conversation follow them.
TEST(PrefixAwareTest, ASharedSystemPromptDoesNotPileNewConversationsOntoOneReplica) {
  std::unique_ptr<Picker> picker = make_test_picker("prefix_aware");
  ASSERT_NE(picker, nullptr);
  std::vector<BackendView> backends = make_named_backends({"a", "b", "c", "d"});
  // The system prompt alone reaches its home, then (the home down) a second replica.
  const std::vector<uint64_t> first = conversation(0);
  const std::vector<uint64_t> system_prompt(first.begin(), first.begin() + 10);
  const std::size_t home = pick_index(*picker, backends, request_for(system_prompt));
  backends[home].healthy = false;
  const std::size_t second = pick_index(*picker, backends, request_for(system_prompt));
  ASSERT_NE(second, home);
  backends[home].healthy = true;

  // 10 of 20 blocks match on two replicas: not above cache_threshold 0.5, so rendezvous places
  // each conversation by its own blocks and the idle fleet shares them out.
  std::vector<int> per_backend(backends.size(), 0);
  std::vector<std::size_t> first_turn_on;
  for (uint64_t id = 1; id <= 100; ++id) {
    const std::size_t index = pick_index(*picker, backends, request_for(conversation(id)));
    ASSERT_NE(index, kPickFailed);
    // The key: hash_blocks (8) blocks past the 10 shared ones.
    const uint64_t key = leading_blocks_key(conversation(id), 10 + 8);
    EXPECT_EQ(index, *rendezvous_under_cap(backends, key, 1)) << "conversation " << id;
    ++per_backend[index];
    first_turn_on.push_back(index);
  }
  for (int count : per_backend) EXPECT_GT(count, 12);
  // A second turn matches 20 of its 30 blocks where its first turn went.
  for (uint64_t id = 1; id <= 100; ++id) {
    EXPECT_EQ(pick_index(*picker, backends, request_for(conversation(id, 2))),
              first_turn_on[id - 1])
        << "conversation " << id;
  }
}

TEST(PrefixAwareTest, ExplainsEveryEligibleCandidate) {
  std::unique_ptr<Picker> picker = make_test_picker("prefix_aware");
  ASSERT_NE(picker, nullptr);
  std::vector<BackendView> backends = make_named_backends({"a", "b", "c", "d"});
  const std::vector<uint64_t> prompt = chained_blocks({1, 2, 3, 4});
  pick_index(*picker, backends, request_for(prompt));  // to b, the rendezvous home
  backends[0].healthy = false;
  std::vector<CandidateScore> scores;
  PickResult chosen =
      picker->pick_explained(request_for(chained_blocks({1, 2, 3, 8})), backends, scores);
  ASSERT_TRUE(chosen.ok());
  EXPECT_EQ(*chosen, 1u);
  ASSERT_EQ(scores.size(), 3u);  // a is not eligible
  EXPECT_EQ(scores[0].backend_id, 1u);
  EXPECT_EQ(scores[0].score, 0.75);
  EXPECT_EQ(scores[0].detail,
            "prefix 3/4 blocks, in_flight 0 (cap 1), chosen: best prefix match under cap");
  EXPECT_EQ(scores[1].backend_id, 2u);
  EXPECT_EQ(scores[1].score, 0);
  EXPECT_EQ(scores[1].detail, "prefix 0/4 blocks, in_flight 0 (cap 1)");
  EXPECT_EQ(scores[0].matched_blocks, 3u);
  EXPECT_EQ(scores[1].matched_blocks, 0u);
}

}  // namespace
}  // namespace fulcrum
