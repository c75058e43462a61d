#include "core/config.h"

#include <gtest/gtest.h>

namespace fulcrum {
namespace {

TEST(QuantityTest, CpuAcceptsCoresAndMillicores) {
  EXPECT_EQ(*parse_cpu_millis("2"), 2000);
  EXPECT_EQ(*parse_cpu_millis("2.5"), 2500);
  EXPECT_EQ(*parse_cpu_millis("500m"), 500);
  EXPECT_EQ(parse_cpu_millis("-1").error_message(),
            "expected CPU cores such as 2, 0.5 or 500m, got \"-1\"");
  EXPECT_FALSE(parse_cpu_millis("2 cores").ok());
  EXPECT_FALSE(parse_cpu_millis("").ok());
}

TEST(QuantityTest, MemoryAcceptsBinaryAndDecimalUnits) {
  EXPECT_EQ(*parse_memory_bytes("8Gi"), 8LL << 30);
  EXPECT_EQ(*parse_memory_bytes("512Mi"), 512LL << 20);
  EXPECT_EQ(*parse_memory_bytes("1G"), 1000000000LL);
  EXPECT_EQ(*parse_memory_bytes("1048576"), 1048576);
  EXPECT_EQ(parse_memory_bytes("8GB").error_message(),
            "expected a memory size such as 8Gi, 512Mi or 1073741824, got \"8GB\"");
}

TEST(QuantityTest, DurationNeedsAUnit) {
  EXPECT_EQ(*parse_duration_ms("1500ms"), 1500);
  EXPECT_EQ(*parse_duration_ms("90s"), 90000);
  EXPECT_EQ(*parse_duration_ms("30m"), 1800000);
  EXPECT_EQ(*parse_duration_ms("2h"), 7200000);
  EXPECT_EQ(*parse_duration_ms("1.5h"), 5400000);
  EXPECT_FALSE(parse_duration_ms("90").ok());
}

constexpr const char* kClusterWithBadGpus = R"(# line 1
nodes:
  - id: a
    cpu: 4
    memory: 8Gi
  - id: b
    cpu: 4
    memory: 8Gi
  - id: c
    cpu: 4
    memory: 8Gi
    gpus: two
    gpu_model: A100
)";

TEST(ClusterConfigTest, ErrorNamesFileLineAndKey) {
  auto cluster = parse_cluster(kClusterWithBadGpus, "cluster.yaml");
  ASSERT_FALSE(cluster.ok());
  EXPECT_EQ(cluster.error_message(),
            "cluster.yaml:12: nodes[2].gpus: expected an integer in [0, 1024], got \"two\"");
}

TEST(ClusterConfigTest, UnknownKeyIsNamedWithItsLine) {
  auto cluster =
      parse_cluster("nodes:\n  - id: a\n    cpu: 4\n    memory: 8Gi\n    gpu: 1\n", "c.yaml");
  ASSERT_FALSE(cluster.ok());
  EXPECT_EQ(cluster.error_message(),
            "c.yaml:5: nodes[0].gpu: unknown key (expected one of: id, cpu, memory, gpus, "
            "gpu_model, labels, state, weight, power, resources)");
}

TEST(ClusterConfigTest, MissingValuesAndBadQuantitiesAreNamed) {
  auto missing_cpu = parse_cluster("nodes:\n  - id: a\n    memory: 8Gi\n", "c.yaml");
  EXPECT_EQ(missing_cpu.error_message(),
            "c.yaml:2: nodes[0].cpu: expected CPU cores such as 2, 0.5 or 500m, got nothing");
  auto bad_memory = parse_cluster("nodes:\n  - id: a\n    cpu: 1\n    memory: lots\n", "c.yaml");
  EXPECT_EQ(bad_memory.error_message(),
            "c.yaml:4: nodes[0].memory: expected a memory size such as 8Gi, 512Mi or "
            "1073741824, got \"lots\"");
}

TEST(ClusterConfigTest, GpuNodesNeedAModelAndIdsAreUnique) {
  auto no_model =
      parse_cluster("nodes:\n  - id: g\n    cpu: 1\n    memory: 1Gi\n    gpus: 2\n", "c.yaml");
  EXPECT_EQ(no_model.error_message(),
            "c.yaml:2: nodes[0]: gpu_model is required when gpus > 0 (for example gpu_model: "
            "A100)");
  auto duplicate = parse_cluster(
      "nodes:\n  - {id: a, cpu: 1, memory: 1Gi}\n  - {id: a, cpu: 2, memory: 1Gi}\n", "c.yaml");
  EXPECT_EQ(duplicate.error_message(), "c.yaml:3: nodes[1].id: duplicate node id \"a\"");
}

TEST(ClusterConfigTest, SyntaxErrorNamesLine) {
  auto cluster = parse_cluster("nodes:\n  - id: a\n    cpu: [1\n", "c.yaml");
  ASSERT_FALSE(cluster.ok());
  EXPECT_EQ(cluster.error_message().rfind("c.yaml:", 0), 0u) << cluster.error_message();
  EXPECT_NE(cluster.error_message().find("invalid YAML"), std::string::npos);
}

TEST(ClusterConfigTest, ReadsEveryField) {
  auto cluster = parse_cluster(R"(nodes:
  - id: g1
    cpu: 32
    memory: 256Gi
    gpus: 4
    gpu_model: H100
    labels: {zone: a, rack: "7"}
    state: cordoned
    weight: 3
    power: {idle_watts: 300, peak_watts: 1500}
    resources: {rdma: 2}
)",
                               "c.yaml");
  ASSERT_TRUE(cluster.ok()) << cluster.error_message();
  const Node& node = cluster->node(0);
  EXPECT_EQ(node.id, "g1");
  EXPECT_EQ(node.capacity.cpu_millis, 32000);
  EXPECT_EQ(node.capacity.memory_bytes, 256LL << 30);
  EXPECT_EQ(node.capacity.gpu_milli, 4000);
  EXPECT_EQ(node.gpus.count(), 4);
  EXPECT_EQ(node.gpu_model, "H100");
  EXPECT_EQ(node.labels.at("rack"), "7");
  EXPECT_EQ(node.state, NodeState::kCordoned);
  EXPECT_EQ(node.weight, 3);
  ASSERT_TRUE(node.power.has_value());
  EXPECT_EQ(node.power->peak_watts, 1500);
  EXPECT_EQ(node.capacity.extended.at("rdma"), 2);
}

TEST(TaskConfigTest, ReadsDemandsAndGpuShares) {
  auto tasks = parse_tasks(R"(tasks:
  - {id: a, type: training, priority: 7, duration: 30m, cpu: 2, memory: 8Gi, gpus: 2,
     gpu_model: A100, replicas: 4, command: "python train.py"}
  - {id: b, type: inference, cpu: 500m, gpu_milli: 300, depends_on: a}
)",
                           "t.yaml");
  ASSERT_TRUE(tasks.ok()) << tasks.error_message();
  const Task& a = (*tasks)[0];
  EXPECT_EQ(a.type, TaskType::kTraining);
  EXPECT_EQ(a.priority, 7);
  EXPECT_EQ(a.estimated_duration_ms, 1800000);
  EXPECT_EQ(a.demand.gpu_milli, 2000);
  EXPECT_EQ(a.gpu_model, "A100");
  EXPECT_EQ(a.replicas, 4);
  EXPECT_EQ(a.command, "python train.py");
  const Task& b = (*tasks)[1];
  EXPECT_EQ(b.demand.cpu_millis, 500);
  EXPECT_EQ(b.demand.gpu_milli, 300);
  EXPECT_EQ(b.depends_on, std::vector<std::string>{"a"});
}

TEST(TaskConfigTest, RejectsContradictoryGpuDemands) {
  auto both = parse_tasks("tasks:\n  - id: a\n    gpus: 1\n    gpu_milli: 300\n", "t.yaml");
  EXPECT_EQ(both.error_message(),
            "t.yaml:4: tasks[0].gpu_milli: give either gpus (whole devices) or gpu_milli (a "
            "share of one device), not both");
  auto share = parse_tasks("tasks:\n  - id: a\n    gpu_milli: 1500\n", "t.yaml");
  EXPECT_EQ(share.error_message(),
            "t.yaml:3: tasks[0].gpu_milli: expected an integer in [1, 1000], got \"1500\"");
  auto model = parse_tasks("tasks:\n  - id: a\n    gpu_model: A100\n", "t.yaml");
  EXPECT_EQ(model.error_message(),
            "t.yaml:3: tasks[0].gpu_model: set, but the task asks for no GPU");
}

TEST(TaskConfigTest, GraphErrorsPointAtTheTask) {
  auto unknown = parse_tasks("tasks:\n  - id: a\n  - id: b\n    depends_on: [zz]\n", "t.yaml");
  EXPECT_EQ(unknown.error_message(), "t.yaml:4: tasks[1].depends_on: unknown task \"zz\"");
  auto duplicate = parse_tasks("tasks:\n  - id: a\n  - id: a\n", "t.yaml");
  EXPECT_EQ(duplicate.error_message(), "t.yaml:3: tasks[1].id: duplicate task id \"a\"");
  auto cycle = parse_tasks(R"(tasks:
  - id: a
    depends_on: [c]
  - id: b
    depends_on: [a]
  - id: c
    depends_on: [b]
)",
                           "t.yaml");
  EXPECT_EQ(cycle.error_message(),
            "t.yaml:3: tasks[0].depends_on: dependency cycle: a -> c -> b -> a");
}

TEST(TaskConfigTest, BadEnumsListTheChoices) {
  auto type = parse_tasks("tasks:\n  - id: a\n    type: batch\n", "t.yaml");
  EXPECT_EQ(type.error_message(),
            "t.yaml:3: tasks[0].type: expected one of training, inference, data, got \"batch\"");
  auto replicas = parse_tasks("tasks:\n  - id: a\n    replicas: 0\n", "t.yaml");
  EXPECT_EQ(replicas.error_message(),
            "t.yaml:3: tasks[0].replicas: expected an integer in [1, 100000], got \"0\"");
}

TEST(SeedExampleTest, ClusterAndTasksLoad) {
  auto cluster = load_cluster_file(FULCRUM_SOURCE_DIR "/examples/seed-cluster.yaml");
  ASSERT_TRUE(cluster.ok()) << cluster.error_message();
  ASSERT_EQ(cluster->size(), 5u);
  int gpu_nodes = 0;
  for (const Node& node : cluster->nodes()) gpu_nodes += node.gpus.count() == 2 ? 1 : 0;
  EXPECT_EQ(gpu_nodes, 2);

  auto tasks = load_tasks_file(FULCRUM_SOURCE_DIR "/examples/seed-tasks.yaml");
  ASSERT_TRUE(tasks.ok()) << tasks.error_message();
  ASSERT_EQ(tasks->size(), 5u);
  // The classic demands (cpu cores, gpus): T1 (2,1), T2 (1,1), T3 (1,0), T4 (1,1), T5 (0,2).
  const int64_t expected[5][2] = {{2000, 1000}, {1000, 1000}, {1000, 0}, {1000, 1000}, {0, 2000}};
  for (size_t i = 0; i < 5; ++i) {
    EXPECT_EQ((*tasks)[i].id, "T" + std::to_string(i + 1));
    EXPECT_EQ((*tasks)[i].demand.cpu_millis, expected[i][0]);
    EXPECT_EQ((*tasks)[i].demand.gpu_milli, expected[i][1]);
  }
  EXPECT_EQ((*tasks)[4].depends_on, (std::vector<std::string>{"T1", "T4"}));
}

}  // namespace
}  // namespace fulcrum
