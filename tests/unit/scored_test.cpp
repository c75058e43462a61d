#include "policy/scored.h"

#include <gtest/gtest.h>

#include <vector>

#include "picker_test_support.h"

namespace fulcrum {
namespace {

std::vector<BackendView> fresh_backends() {
  std::vector<BackendView> backends = make_named_backends({"a", "b", "c"});
  for (BackendView& backend : backends) backend.load.fresh = true;
  return backends;
}

void set_loads(std::vector<BackendView>& backends, std::initializer_list<double> queues,
               std::initializer_list<double> kv_usages) {
  std::size_t index = 0;
  for (double queue : queues) backends[index++].load.queue_depth = queue;
  index = 0;
  for (double kv : kv_usages) backends[index++].load.kv_cache_usage = kv;
}

std::string_view pick_name(Picker& picker, std::span<const BackendView> backends,
                           const std::vector<uint64_t>& blocks = {}) {
  RequestView request;
  request.prefix_blocks = blocks;
  const std::size_t index = pick_index(picker, backends, request);
  return index == kPickFailed ? "?" : backends[index].name;
}

TEST(ScoredTest, WeighsQueueAgainstFreeKvCache) {
  std::unique_ptr<Picker> picker = make_test_picker("scored");
  ASSERT_NE(picker, nullptr);
  std::vector<BackendView> backends = fresh_backends();
  // queue scores 1, 0, 0.5; free KV 0.2, 0.8, 0.5: totals 2.4, 1.6, 2.0
  set_loads(backends, {0, 4, 2}, {0.8, 0.2, 0.5});
  EXPECT_EQ(pick_name(*picker, backends), "a");
  // KV counting double: 1 + 0.4 = 1.4, 1.6, 0.5 + 1 = 1.5
  std::unique_ptr<Picker> kv_heavy =
      make_test_picker("scored", {{"queue_weight", "1"}, {"kv_weight", "2"}});
  ASSERT_NE(kv_heavy, nullptr);
  EXPECT_EQ(pick_name(*kv_heavy, backends), "b");
}

// The prefix scorer (weight 3) outweighs a worse queue (weight 2) but not a worse queue and a
// nearly full KV cache together.
TEST(ScoredTest, PrefixMatchAgainstLoad) {
  std::unique_ptr<Picker> picker = make_test_picker("scored");
  ASSERT_NE(picker, nullptr);
  std::vector<BackendView> backends = fresh_backends();
  const std::vector<uint64_t> prompt = chained_blocks({1, 2, 3, 4});
  set_loads(backends, {5, 0, 5}, {0, 0, 0});
  EXPECT_EQ(pick_name(*picker, backends, prompt), "b");  // 2, 4, 2: recorded on b

  set_loads(backends, {0, 0, 0}, {0, 0, 0});
  EXPECT_EQ(pick_name(*picker, backends, prompt), "b");  // 4, 7, 4
  set_loads(backends, {0, 10, 0}, {0, 0, 0});
  EXPECT_EQ(pick_name(*picker, backends, prompt), "b");  // 4, 5, 4
  set_loads(backends, {0, 10, 1}, {0, 0.9, 0});
  EXPECT_EQ(pick_name(*picker, backends, prompt), "a");  // 4, 3.2, 3.8
  // Half the prompt matches on b (and now on a): 4 + 1.5 for a, 0.2 + 1.5 for b, 3.8 for c.
  EXPECT_EQ(pick_name(*picker, backends, chained_blocks({1, 2, 7, 8})), "a");
}

TEST(ScoredTest, RunningRequestsCountOnlyWhenWeighted) {
  std::vector<BackendView> backends = fresh_backends();
  backends[0].load.running = 8;
  backends[1].load.running = 2;
  backends[2].load.running = 4;
  std::unique_ptr<Picker> plain = make_test_picker("scored");
  ASSERT_NE(plain, nullptr);
  EXPECT_EQ(pick_sequence(*plain, backends, 3), "a b c");  // all equal: rotation
  std::unique_ptr<Picker> with_running = make_test_picker("scored", {{"running_weight", "1"}});
  ASSERT_NE(with_running, nullptr);
  EXPECT_EQ(pick_sequence(*with_running, backends, 3), "b b b");
}

// A backend without a fresh report is rated on the gateway's in-flight count as its queue and as
// having no free KV cache, so its zeros never make it look best.
TEST(ScoredTest, StaleBackendIsNeverBestOnReportedSignals) {
  std::unique_ptr<Picker> picker = make_test_picker("scored");
  ASSERT_NE(picker, nullptr);
  std::vector<BackendView> backends = fresh_backends();
  set_loads(backends, {1, 0, 1}, {0.5, 0, 0.5});
  backends[1].load.fresh = false;
  backends[1].in_flight = 5;
  std::vector<CandidateScore> scores;
  PickResult chosen = picker->pick_explained({}, backends, scores);
  ASSERT_TRUE(chosen.ok());
  EXPECT_EQ(*chosen, 0u);  // 3, 0, 3: ties by rotation
  ASSERT_EQ(scores.size(), 3u);
  EXPECT_EQ(scores[0].score, 3);
  EXPECT_EQ(scores[0].detail, "queue 1, kv 0.5, prefix 0/0, running 1");
  EXPECT_EQ(scores[1].score, 0);
  EXPECT_EQ(scores[1].detail, "queue 0, kv 0, prefix 0/0, running 0, stale");
  // Stale but idle while the fresh ones queue and fill their KV caches: the in-flight count lets
  // it win on queue (1, 2, 1).
  backends[1].in_flight = 0;
  set_loads(backends, {4, 0, 4}, {0.5, 0, 0.5});
  EXPECT_EQ(pick_name(*picker, backends), "b");
}

}  // namespace
}  // namespace fulcrum
