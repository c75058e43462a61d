#include "sim/synthetic.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>

namespace fulcrum::sim {
namespace {

TEST(DistributionTest, ParsesEveryKindAndNamesBadText) {
  EXPECT_EQ(Distribution::parse("constant:5")->to_string(), "constant:5");
  EXPECT_EQ(Distribution::parse("uniform:1:3")->mean(), 2.0);
  EXPECT_EQ(Distribution::parse("exponential:600")->mean(), 600.0);
  EXPECT_EQ(Distribution::parse("lognormal:100:0")->mean(), 100.0);
  EXPECT_EQ(Distribution::parse("uniform:3:1").error_message(),
            "distribution \"uniform:3:1\": expected uniform:LOW:HIGH");
  EXPECT_EQ(Distribution::parse("exponential:ten").error_message(),
            "distribution \"exponential:ten\": \"ten\" is not a number >= 0");
  EXPECT_EQ(Distribution::parse("pareto:1").error_message(),
            "distribution \"pareto:1\": expected constant, uniform, exponential or lognormal");
}

TEST(DistributionTest, SamplesStayInRangeAndMatchTheMean) {
  Rng rng(3);
  Distribution uniform = Distribution::uniform(10, 20);
  Distribution exponential = Distribution::exponential(50);
  double uniform_sum = 0;
  double exponential_sum = 0;
  constexpr int kSamples = 20000;
  for (int i = 0; i < kSamples; ++i) {
    double value = uniform.sample(rng);
    EXPECT_GE(value, 10);
    EXPECT_LT(value, 20);
    uniform_sum += value;
    exponential_sum += exponential.sample(rng);
  }
  // Seeded, so these are fixed numbers; the bounds are the law of large numbers' (~4 sigma).
  EXPECT_NEAR(uniform_sum / kSamples, 15, 0.1);
  EXPECT_NEAR(exponential_sum / kSamples, 50, 1.5);
}

TEST(SyntheticJobsTest, SameSeedSameJobs) {
  SyntheticJobOptions options;
  options.jobs = 500;
  options.seed = 11;
  std::vector<SimJob> first = generate_jobs(options);
  std::vector<SimJob> second = generate_jobs(options);
  ASSERT_EQ(first.size(), 500u);
  for (size_t i = 0; i < first.size(); ++i) {
    EXPECT_EQ(first[i].arrival, second[i].arrival);
    EXPECT_EQ(first[i].duration, second[i].duration);
    EXPECT_EQ(first[i].task.demand, second[i].task.demand);
  }
  options.seed = 12;
  EXPECT_NE(generate_jobs(options)[0].arrival, first[0].arrival);
  EXPECT_EQ(first[0].task.id, "syn-000000");
  EXPECT_TRUE(std::is_sorted(first.begin(), first.end(), [](const SimJob& a, const SimJob& b) {
    return a.arrival < b.arrival;
  }));
}

TEST(SyntheticJobsTest, DemandsAreValidGpuShapes) {
  SyntheticJobOptions options;
  options.jobs = 2000;
  std::set<int64_t> shapes;
  for (const SimJob& job : generate_jobs(options)) {
    EXPECT_TRUE(is_valid_gpu_demand(job.task.demand.gpu_milli));
    EXPECT_GT(job.task.demand.cpu_millis, 0);
    EXPECT_EQ(job.task.estimated_duration_ms,
              std::chrono::round<std::chrono::milliseconds>(job.duration).count());
    shapes.insert(job.task.demand.gpu_milli);
  }
  EXPECT_EQ(shapes, (std::set<int64_t>{0, 250, 500, 750, 1000, 2000, 4000, 8000}));
}

TEST(SyntheticJobsTest, PoissonArrivalsHaveTheAskedRate) {
  SyntheticJobOptions options;
  options.jobs = 10000;
  options.arrivals.rate_per_s = 2;
  std::vector<SimJob> jobs = generate_jobs(options);
  double span_s = std::chrono::duration<double>(jobs.back().arrival).count();
  EXPECT_NEAR(span_s, 5000, 250);  // 10,000 gaps of mean 0.5 s: sd 50 s
}

TEST(SyntheticJobsTest, BurstyArrivalsKeepTheMeanRateButClump) {
  SyntheticJobOptions options;
  options.jobs = 20000;
  options.arrivals = {ArrivalProcess::kBursty, 1.0, 20, 0.1, 30};
  std::vector<SimJob> jobs = generate_jobs(options);
  double span_s = std::chrono::duration<double>(jobs.back().arrival).count();
  EXPECT_NEAR(span_s, 20000, 3000);
  // Count arrivals per 10 s window: bursts make the busiest window far above the mean of 10.
  std::vector<int> windows(static_cast<size_t>(span_s / 10) + 1);
  for (const SimJob& job : jobs) {
    ++windows[static_cast<size_t>(std::chrono::duration<double>(job.arrival).count() / 10)];
  }
  EXPECT_GT(*std::max_element(windows.begin(), windows.end()), 40);
}

TEST(SyntheticJobsTest, ChainsAndFanOutFanIn) {
  SyntheticJobOptions options;
  options.jobs = 6;
  options.dag = DagShape::kChain;
  options.dag_size = 3;
  std::vector<SimJob> chain = generate_jobs(options);
  EXPECT_TRUE(chain[0].task.depends_on.empty());
  EXPECT_EQ(chain[1].task.depends_on, (std::vector<std::string>{"syn-000000"}));
  EXPECT_EQ(chain[2].task.depends_on, (std::vector<std::string>{"syn-000001"}));
  EXPECT_TRUE(chain[3].task.depends_on.empty());
  EXPECT_EQ(chain[0].arrival, chain[2].arrival);
  EXPECT_NE(chain[2].arrival, chain[3].arrival);

  options.jobs = 5;
  options.dag = DagShape::kFanOutIn;
  options.dag_size = 5;
  std::vector<SimJob> fan = generate_jobs(options);
  for (size_t middle = 1; middle <= 3; ++middle) {
    EXPECT_EQ(fan[middle].task.depends_on, (std::vector<std::string>{"syn-000000"}));
  }
  EXPECT_EQ(fan[4].task.depends_on,
            (std::vector<std::string>{"syn-000001", "syn-000002", "syn-000003"}));
  std::vector<Task> tasks;
  for (const SimJob& job : fan) tasks.push_back(job.task);
  EXPECT_TRUE(validate_task_graph(tasks).ok());
}

TEST(SyntheticRequestsTest, RequestsShareGroupPrefixesOnly) {
  SyntheticRequestOptions options;
  options.requests = 300;
  options.input_tokens = Distribution::constant(2048);  // 4 blocks of 512
  options.prefix_groups = 3;
  options.shared_prefix_blocks = 2;
  std::vector<LlmRequest> requests = generate_requests(options);
  std::set<uint64_t> first_blocks;
  std::set<uint64_t> private_blocks;
  for (const LlmRequest& request : requests) {
    ASSERT_EQ(request.hash_ids.size(), 4u);
    EXPECT_EQ(request.hash_ids[1], request.hash_ids[0] + 1);
    first_blocks.insert(request.hash_ids[0]);
    EXPECT_TRUE(private_blocks.insert(request.hash_ids[2]).second);
    EXPECT_TRUE(private_blocks.insert(request.hash_ids[3]).second);
  }
  EXPECT_EQ(first_blocks, (std::set<uint64_t>{0, 2, 4}));
  EXPECT_EQ(requests[0].input_tokens, 2048);
}

}  // namespace
}  // namespace fulcrum::sim
