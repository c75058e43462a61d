#include "planning/gantt_svg.h"

#include <gtest/gtest.h>

#include "placement_fixtures.h"

namespace fulcrum {
namespace {

TEST(GanttSvgTest, OneBarPerReplicaWithEscapedLabels) {
  Cluster cluster = testing::cluster_of({testing::cpu_node("node<1>", 4, 16)});
  std::vector<Task> tasks = {testing::make_task("a&b", 1000, 1),
                             testing::make_task("c", 1000, 1, 0, "", 2)};
  PlanProblem problem = PlanProblem::create(cluster, tasks).value();
  Plan plan{{{0, 0, 0, 0, 600000}, {1, 0, 0, 600000, 1200000}, {1, 1, 0, 600000, 1200000}}};
  std::string svg = gantt_svg(problem, plan, "plan \"x\"");
  EXPECT_EQ(svg.rfind("<svg xmlns=\"http://www.w3.org/2000/svg\"", 0), 0u);
  EXPECT_NE(svg.find("node&lt;1&gt;"), std::string::npos);
  EXPECT_NE(svg.find("a&amp;b"), std::string::npos);
  EXPECT_NE(svg.find("c/1"), std::string::npos);
  EXPECT_NE(svg.find("plan &quot;x&quot;"), std::string::npos);
  size_t bars = 0;
  for (size_t at = svg.find("<g><title>"); at != std::string::npos;
       at = svg.find("<g><title>", at + 1))
    ++bars;
  EXPECT_EQ(bars, 3u);
  EXPECT_NE(svg.find(">20m</text>"), std::string::npos);  // the axis reaches the 20-minute end
  EXPECT_EQ(svg.substr(svg.size() - 7), "</svg>\n");
}

}  // namespace
}  // namespace fulcrum
