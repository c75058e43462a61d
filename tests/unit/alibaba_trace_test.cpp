#include "sim/alibaba_trace.h"

#include <gtest/gtest.h>

#include "sim_test_support.h"

namespace fulcrum::sim {
namespace {

using testing::shared_data;
using testing::TempTraceFile;

constexpr int64_t kMib = int64_t{1} << 20;
const std::string kPodHeader =
    "name,cpu_milli,memory_mib,num_gpu,gpu_milli,gpu_spec,qos,pod_phase,creation_time,"
    "deletion_time,scheduled_time\n";

std::string csv_dir() { return shared_data("alibaba-gpu-v2023/csv/"); }

TEST(AlibabaTraceTest, ReadsTheRealNodeList) {
  ReadStats stats;
  auto cluster = load_alibaba_cluster(csv_dir() + "openb_node_list_all_node.csv", {}, &stats);
  ASSERT_TRUE(cluster.ok()) << cluster.status().to_string();
  EXPECT_EQ(cluster->size(), 1523u);
  EXPECT_EQ(stats.records, 1523);
  EXPECT_EQ(stats.skipped, 0);
  // openb-node-0000,32000,262144,0,
  const Node& first = cluster->node(0);
  EXPECT_EQ(first.id, "openb-node-0000");
  EXPECT_EQ(first.capacity.cpu_millis, 32000);
  EXPECT_EQ(first.capacity.memory_bytes, 262144 * kMib);
  EXPECT_FALSE(first.has_gpus());
  EXPECT_EQ(first.gpu_model, "");
}

TEST(AlibabaTraceTest, GpuNodesGetDevicesOfTheirModel) {
  auto reader = AlibabaNodeReader::open(csv_dir() + "openb_node_list_gpu_node.csv");
  ASSERT_TRUE(reader.ok()) << reader.status().to_string();
  AlibabaNode node;
  ASSERT_TRUE(*(*reader)->next(node));
  // openb-node-0000,64000,262144,2,P100
  Node converted = to_node(node);
  EXPECT_EQ(converted.id, "openb-node-0000");
  EXPECT_EQ(converted.gpus.count(), 2);
  EXPECT_EQ(converted.capacity.gpu_milli, 2000);
  EXPECT_EQ(converted.gpu_model, "P100");
}

TEST(AlibabaTraceTest, ReadsTheRealPodListWithWholeSharedAndPendingPods) {
  ReadStats stats;
  auto jobs = load_alibaba_jobs(csv_dir() + "openb_pod_list_default.csv", {}, 0, &stats);
  ASSERT_TRUE(jobs.ok()) << jobs.status().to_string();
  ASSERT_EQ(jobs->size(), 8152u);
  EXPECT_EQ(stats.lines, 8153);
  // openb-pod-0000,12000,16384,1,1000,,LS,Running,0,12537496,0
  const SimJob& whole = (*jobs)[0];
  EXPECT_EQ(whole.task.id, "openb-pod-0000");
  EXPECT_EQ(whole.task.demand.cpu_millis, 12000);
  EXPECT_EQ(whole.task.demand.memory_bytes, 16384 * kMib);
  EXPECT_EQ(whole.task.demand.gpu_milli, 1000);
  EXPECT_EQ(whole.task.priority, 2);
  EXPECT_EQ(whole.arrival, std::chrono::seconds(0));
  EXPECT_EQ(whole.duration, std::chrono::seconds(12537496));
  EXPECT_EQ(whole.task.estimated_duration_ms, 12537496000);
  // openb-pod-0001,6000,12288,1,460,,LS,Running,427061,12902960,427061: a share of one GPU
  EXPECT_EQ((*jobs)[1].task.demand.gpu_milli, 460);
  EXPECT_EQ((*jobs)[1].arrival, std::chrono::seconds(427061));
  // openb-pod-0017,88000,327680,8,1000,,Burstable,Succeeded,9437497,10769854,9437497
  EXPECT_EQ((*jobs)[17].task.demand.gpu_milli, 8000);
  EXPECT_EQ((*jobs)[17].task.priority, 1);
  // openb-pod-0040,8000,30517,1,230,,BE,Running,9974338,9981274,9974338
  EXPECT_EQ((*jobs)[40].task.priority, 0);
  EXPECT_EQ((*jobs)[40].duration, std::chrono::seconds(9981274 - 9974338));
  // openb-pod-0061,11908,47104,1,1000,,BE,Pending,10001278,10001403, (never scheduled)
  const SimJob& pending = (*jobs)[61];
  EXPECT_EQ(pending.task.id, "openb-pod-0061");
  EXPECT_EQ(pending.duration, std::chrono::seconds(10001403 - 10001278));
}

TEST(AlibabaTraceTest, GpuSpecListsAcceptableModels) {
  auto jobs = load_alibaba_jobs(csv_dir() + "openb_pod_list_gpuspec33.csv", {}, 30);
  ASSERT_TRUE(jobs.ok()) << jobs.status().to_string();
  // openb-pod-0009,12000,16384,1,1000,V100M16|V100M32,LS,Running,4975773,12902960,4975773
  EXPECT_EQ((*jobs)[9].task.gpu_model, "V100M16|V100M32");
  EXPECT_TRUE((*jobs)[9].task.accepts_gpu_model("V100M32"));
  EXPECT_FALSE((*jobs)[9].task.accepts_gpu_model("T4"));
  EXPECT_EQ((*jobs)[21].task.gpu_model, "G2|P100|T4|V100M16|V100M32");
  EXPECT_EQ((*jobs)[21].task.demand.gpu_milli, 440);
}

TEST(AlibabaTraceTest, PodListsWithoutTimesHaveNoTimes) {
  auto jobs = load_alibaba_jobs(csv_dir() + "openb_pod_list_multigpu50.csv", {}, 2);
  ASSERT_TRUE(jobs.ok()) << jobs.status().to_string();
  ASSERT_EQ(jobs->size(), 2u);
  EXPECT_FALSE((*jobs)[1].has_times);
  EXPECT_EQ((*jobs)[1].task.demand.gpu_milli, 460);
}

TEST(AlibabaTraceTest, MalformedPodStopsWithLineAndColumn) {
  TempTraceFile file("pods-bad.csv", kPodHeader +
                                         "p0,1000,1024,1,500,,LS,Running,0,10,0\n"
                                         "p1,1000,10x4,1,500,,LS,Running,0,10,0\n"
                                         "p2,1000,1024,1,500,,LS,Running,5,3,5\n");
  auto jobs = load_alibaba_jobs(file.path());
  ASSERT_FALSE(jobs.ok());
  EXPECT_EQ(jobs.error_message(), file.path() + ":3:9: memory_mib: expected an integer ('10x4')");
}

TEST(AlibabaTraceTest, MalformedPodsAreSkippedAndCounted) {
  TempTraceFile file("pods-skip.csv", kPodHeader +
                                          "p0,1000,1024,1,500,,LS,Running,0,10,0\n"
                                          "p1,1000,10x4,1,500,,LS,Running,0,10,0\n"
                                          "p2,1000,1024,1,500,,LS,Running,5,3,5\n"
                                          "p3,1000,1024,2,500,,LS,Running,5,9,5\n"
                                          "p4,1000,1024\n"
                                          "p5,1000,1024,0,0,,BE,Running,7,9,\n");
  ReaderOptions options;
  options.on_error = OnError::kSkip;
  ReadStats stats;
  auto jobs = load_alibaba_jobs(file.path(), options, 0, &stats);
  ASSERT_TRUE(jobs.ok()) << jobs.status().to_string();
  ASSERT_EQ(jobs->size(), 2u);
  EXPECT_EQ((*jobs)[0].task.id, "p0");
  EXPECT_EQ((*jobs)[1].task.id, "p5");
  EXPECT_EQ(stats.skipped, 4);
  EXPECT_EQ(stats.records, 2);
  EXPECT_EQ(stats.lines, 7);
  ASSERT_EQ(stats.skipped_messages.size(), 4u);
  EXPECT_EQ(stats.skipped_messages[1],
            file.path() + ":4:34: deletion_time: before scheduled_time ('3')");
  EXPECT_EQ(stats.skipped_messages[2],
            file.path() +
                ":5:16: gpu_milli: a share below 1000 needs num_gpu 1, got num_gpu 2 "
                "('500')");
  EXPECT_EQ(stats.skipped_messages[3],
            file.path() + ":6:13: missing num_gpu (expected 4 cells, found 3) ('p4,1000,1024')");
}

TEST(AlibabaTraceTest, ColumnMappingReadsAnotherHeader) {
  TempTraceFile file("pods-mapped.csv",
                     "job,cores_milli,mem,gpus,share,submit,end\n"
                     "j0,2000,4096,1,250,100,160\n");
  ReaderOptions options;
  options.columns = {{"name", "job"},         {"cpu_milli", "cores_milli"},
                     {"memory_mib", "mem"},   {"num_gpu", "gpus"},
                     {"gpu_milli", "share"},  {"creation_time", "submit"},
                     {"deletion_time", "end"}};
  auto jobs = load_alibaba_jobs(file.path(), options);
  ASSERT_TRUE(jobs.ok()) << jobs.status().to_string();
  ASSERT_EQ(jobs->size(), 1u);
  EXPECT_EQ((*jobs)[0].task.id, "j0");
  EXPECT_EQ((*jobs)[0].task.demand.gpu_milli, 250);
  EXPECT_EQ((*jobs)[0].arrival, std::chrono::seconds(100));
  EXPECT_EQ((*jobs)[0].duration, std::chrono::seconds(60));
}

TEST(AlibabaTraceTest, MissingColumnIsNamed) {
  TempTraceFile file("pods-header.csv", "name,cpu_milli,memory_mib,num_gpu\np,1,1,0\n");
  auto jobs = load_alibaba_jobs(file.path());
  ASSERT_FALSE(jobs.ok());
  EXPECT_EQ(jobs.error_message(),
            file.path() +
                ":1:1: header has no column \"gpu_milli\" for field gpu_milli "
                "('name,cpu_milli,memory_mib,num_gpu')");
}

TEST(AlibabaTraceTest, GpuNodeWithoutModelIsMalformed) {
  TempTraceFile file("nodes-bad.csv", "sn,cpu_milli,memory_mib,gpu,model\nn0,1000,1024,2,\n");
  auto cluster = load_alibaba_cluster(file.path());
  ASSERT_FALSE(cluster.ok());
  EXPECT_EQ(cluster.error_message(),
            file.path() + ":2:16: model: required when gpu > 0 ('n0,1000,1024,2,')");
}

}  // namespace
}  // namespace fulcrum::sim
