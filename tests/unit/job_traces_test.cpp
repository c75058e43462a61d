#include "sim/job_traces.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace fulcrum::sim {
namespace {

TEST(JobTracesTest, EveryFormatIsListedByName) {
  EXPECT_EQ(job_trace_format_names(), "alibaba | synthetic");
}

TEST(JobTracesTest, SyntheticJobsFollowTheOptionsAndTheLimit) {
  JobTraceSource source;
  source.synthetic.jobs = 50;
  source.synthetic.seed = 7;
  auto jobs = load_job_trace("synthetic", source);
  ASSERT_TRUE(jobs.ok()) << jobs.error_message();
  EXPECT_EQ(jobs->size(), 50u);
  EXPECT_EQ(jobs->front().task.id, "syn-000000");
  source.limit = 20;
  EXPECT_EQ(load_job_trace("synthetic", source)->size(), 20u);
}

TEST(JobTracesTest, AlibabaReadsThePodListWithItsLimit) {
  auto folder = std::filesystem::temp_directory_path() / "fulcrum-job-traces-test";
  std::filesystem::create_directories(folder);
  std::string path = (folder / "pods.csv").string();
  std::ofstream(path) << "name,cpu_milli,memory_mib,num_gpu,gpu_milli,gpu_spec,qos,pod_phase,"
                         "creation_time,deletion_time,scheduled_time\n"
                         "p1,1000,1024,1,1000,,LS,Running,0,100,0\n"
                         "p2,2000,2048,0,0,,BE,Running,10,50,10\n";
  JobTraceSource source;
  source.file = path;
  source.limit = 1;
  auto jobs = load_job_trace("alibaba", source);
  std::filesystem::remove_all(folder);
  ASSERT_TRUE(jobs.ok()) << jobs.error_message();
  ASSERT_EQ(jobs->size(), 1u);
  EXPECT_EQ(jobs->front().task.id, "p1");
}

TEST(JobTracesTest, AnUnknownFormatListsTheKnownOnes) {
  EXPECT_EQ(load_job_trace("philly", {}).error_message(),
            "--trace: expected one of alibaba, synthetic, got \"philly\"");
}

}  // namespace
}  // namespace fulcrum::sim
