#include "support/plan_instances.h"

#include <algorithm>
#include <string>

#include "core/random.h"

namespace fulcrum {

namespace {

constexpr int64_t kGi = int64_t{1} << 30;
constexpr int64_t kMinute = 60'000;

int64_t between(Rng& rng, int64_t low, int64_t high) {
  return low + static_cast<int64_t>(rng.uniform(static_cast<uint64_t>(high - low + 1)));
}

Node make_node(size_t index, const InstanceShape& shape, Rng& rng) {
  std::string id = "n" + std::to_string(index);
  int kind = index == 0 ? 1 : static_cast<int>(rng.uniform(3));  // 0 cpu, 1 A100, 2 V100
  int64_t scale = shape.small_nodes ? 1 : between(rng, 1, 2);
  ResourceVector capacity;
  capacity.cpu_millis = (shape.small_nodes ? 8 : 16 * scale) * 1000;
  capacity.memory_bytes = (shape.small_nodes ? 64 : 128 * scale) * kGi;
  if (shape.unary_nodes) {
    capacity.cpu_millis = 4000;
    capacity.memory_bytes = 32 * kGi;
  }
  int gpus = shape.unary_nodes ? 1 : static_cast<int>(2 * scale);
  Node node = kind == 0 ? Node::with_capacity(id, capacity)
                        : Node::with_capacity(id, capacity, gpus, kind == 1 ? "A100" : "V100");
  node.power = kind == 0 ? PowerProfile{90, 280}
                         : (kind == 1 ? PowerProfile{350, 1300} : PowerProfile{300, 900});
  return node;
}

Task make_task(size_t index, int role, const InstanceShape& shape, Rng& rng) {
  Task task;
  task.id = "t" + std::to_string(index);
  task.priority = static_cast<int>(between(rng, 0, 5));
  int64_t gpu_cap = 2;
  if (role == 0) {  // data preparation on CPU
    task.type = TaskType::kData;
    task.estimated_duration_ms = between(rng, 1, 6) * 5 * kMinute;
    task.demand.cpu_millis = between(rng, 1, shape.small_nodes ? 4 : 8) * 1000;
    task.demand.memory_bytes = between(rng, 2, 16) * kGi;
    if (shape.unary_nodes) task.demand.cpu_millis = 3000;
    return task;
  }
  task.type = role == 1 ? TaskType::kTraining : TaskType::kInference;
  task.estimated_duration_ms =
      (role == 1 ? between(rng, 2, 12) : between(rng, 1, 4)) * 10 * kMinute;
  task.demand.cpu_millis = between(rng, 1, 4) * 1000;
  task.demand.memory_bytes = between(rng, 4, 32) * kGi;
  task.demand.gpu_milli = between(rng, 1, role == 1 ? gpu_cap : 1) * kGpuMilliPerDevice;
  task.speed = {{"A100", 2.0}, {"V100", 1.0}};
  if (shape.unary_nodes) {
    task.demand.cpu_millis = 3000;
    task.demand.gpu_milli = kGpuMilliPerDevice;
    return task;
  }
  if (role == 1 && shape.max_replicas > 1 && rng.uniform(3) == 0) {
    task.replicas = static_cast<int>(between(rng, 2, shape.max_replicas));
    task.demand.gpu_milli = kGpuMilliPerDevice;
  }
  return task;
}

}  // namespace

PlanInstance generate_plan_instance(const InstanceShape& shape) {
  Rng rng(shape.seed * 7919 + shape.tasks * 31 + shape.nodes);
  PlanInstance instance;
  for (size_t index = 0; index < shape.nodes; ++index) {
    Status status = instance.cluster.add_node(make_node(index, shape, rng));
    (void)status;
  }
  // Jobs: data -> 1..3 training steps -> evaluation (CPU) -> inference; cut to the task count.
  size_t index = 0;
  while (index < shape.tasks) {
    size_t data = index;
    instance.tasks.push_back(make_task(index++, 0, shape, rng));
    std::vector<size_t> trainers;
    int64_t fan_out = between(rng, 1, 3);
    for (int64_t step = 0; step < fan_out && index < shape.tasks; ++step) {
      Task trainer = make_task(index, 1, shape, rng);
      if (shape.dependencies) trainer.depends_on = {instance.tasks[data].id};
      trainers.push_back(index++);
      instance.tasks.push_back(std::move(trainer));
    }
    if (index < shape.tasks) {
      Task evaluation = make_task(index++, 0, shape, rng);
      for (size_t trainer : trainers) {
        if (shape.dependencies) evaluation.depends_on.push_back(instance.tasks[trainer].id);
      }
      instance.tasks.push_back(std::move(evaluation));
    }
    if (index < shape.tasks) {
      Task inference = make_task(index++, 2, shape, rng);
      if (shape.dependencies) inference.depends_on = {instance.tasks[index - 2].id};
      instance.tasks.push_back(std::move(inference));
    }
  }
  return instance;
}

}  // namespace fulcrum
