#include "gateway/decision_text.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace fulcrum {
namespace {

std::vector<BackendView> two_views() {
  std::vector<BackendView> views(2);
  views[0].id = 3;
  views[0].name = "gpu-a";
  views[1].id = 8;
  views[1].name = "gpu\nb";
  return views;
}

TEST(DecisionTextTest, NamesThePolicyTheChoiceAndEachScore) {
  const std::vector<CandidateScore> scores = {{8, 0.25, "queue 1", 0}, {3, 1.5, "kv 0.9", 0}};
  EXPECT_EQ(describe_decision("least_load", two_views(), 1, scores),
            "least_load -> gpu?b; gpu?b 0.25 (queue 1); gpu-a 1.5 (kv 0.9)");
}

TEST(DecisionTextTest, LongExplanationsAreCutWithAnEllipsis) {
  std::vector<CandidateScore> scores(200, CandidateScore{3, 1, std::string(20, 'x'), 0});
  const std::string text = describe_decision("scored", two_views(), 0, scores);
  EXPECT_EQ(text.size(), kMaxDecisionBytes);
  EXPECT_EQ(text.substr(text.size() - 3), "...");
}

}  // namespace
}  // namespace fulcrum
