// Readers for the Alibaba GPU cluster trace 2023 ("openb", Weng et al., ATC'23):
//   node list: sn,cpu_milli,memory_mib,gpu,model
//   pod list:  name,cpu_milli,memory_mib,num_gpu,gpu_milli,gpu_spec,qos,pod_phase,
//              creation_time,deletion_time,scheduled_time   (times in seconds; some resampled
//              lists have no time columns, and Pending pods have no scheduled_time)
// and their mapping onto core types: a node with `gpu` devices of `model`; a pod asking for
// num_gpu whole GPUs (gpu_milli = 1000 each) or, with num_gpu = 1 and gpu_milli < 1000, a share of
// one device; gpu_spec "V100M16|V100M32" is a set of acceptable models.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/cluster.h"
#include "core/node.h"
#include "sim/trace_reader.h"
#include "sim/workload.h"

namespace fulcrum::sim {

struct AlibabaNode {
  std::string name;
  int64_t cpu_milli = 0;
  int64_t memory_mib = 0;
  int64_t gpus = 0;
  std::string model;  // empty on CPU-only nodes
};

struct AlibabaPod {
  std::string name;
  int64_t cpu_milli = 0;
  int64_t memory_mib = 0;
  int64_t num_gpu = 0;
  int64_t gpu_milli = 0;  // per GPU: 1000 for whole GPUs, below 1000 for a share of one
  std::string gpu_spec;   // "" (any), "T4" or "V100M16|V100M32"
  std::string qos;        // LS, Burstable, BE, Guaranteed
  std::string pod_phase;  // Running, Succeeded, Failed, Pending
  std::optional<int64_t> creation_time_s;
  std::optional<int64_t> deletion_time_s;
  std::optional<int64_t> scheduled_time_s;
};

class AlibabaNodeReader final : public RecordReader<AlibabaNode> {
 public:
  // Opens the file and reads its header; the error names a missing column.
  static Result<std::unique_ptr<AlibabaNodeReader>> open(const std::string& path,
                                                         ReaderOptions options = {});
  // Our field names (sn,cpu_milli,memory_mib,gpu,model), each the default column name.
  static const std::vector<FieldSpec>& fields();

 private:
  using RecordReader::RecordReader;
  Status parse_line(std::string_view line, AlibabaNode& node) override;
};

class AlibabaPodReader final : public RecordReader<AlibabaPod> {
 public:
  static Result<std::unique_ptr<AlibabaPodReader>> open(const std::string& path,
                                                        ReaderOptions options = {});
  // name,cpu_milli,memory_mib,num_gpu,gpu_milli,gpu_spec,qos,pod_phase (gpu_spec, qos, pod_phase
  // optional) and the optional creation_time,deletion_time,scheduled_time.
  static const std::vector<FieldSpec>& fields();

 private:
  using RecordReader::RecordReader;
  Status parse_line(std::string_view line, AlibabaPod& pod) override;
  Status parse_times(AlibabaPod& pod);
};

// QoS class -> task priority (higher runs first): Guaranteed 3, LS 2, Burstable 1, BE and others 0.
int qos_priority(std::string_view qos);

// The node: cpu_milli millicores, memory_mib MiB, `gpus` devices of `model`.
Node to_node(const AlibabaNode& node);

// The job: arrival = creation_time, duration = deletion_time - (scheduled_time, or creation_time
// when the pod was never scheduled); a pod without times gets has_times = false. The estimate a
// policy sees is the trace's duration (an oracle, as in the FGD and Tiresias simulators).
SimJob to_job(const AlibabaPod& pod);

// Every node of a node list as a Cluster (stats, when given, receives the reader's counts).
Result<Cluster> load_alibaba_cluster(const std::string& path, const ReaderOptions& options = {},
                                     ReadStats* stats = nullptr);
// The first `limit` (0: all) pods of a pod list as jobs, in file order.
Result<std::vector<SimJob>> load_alibaba_jobs(const std::string& path,
                                              const ReaderOptions& options = {}, int64_t limit = 0,
                                              ReadStats* stats = nullptr);

}  // namespace fulcrum::sim
