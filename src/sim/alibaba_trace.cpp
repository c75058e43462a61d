#include "sim/alibaba_trace.h"

#include <algorithm>
#include <chrono>

#include "core/yaml_reader.h"  // FULCRUM_RETURN_IF_ERROR, FULCRUM_ASSIGN_OR_RETURN

namespace fulcrum::sim {

namespace {

constexpr int64_t kMib = int64_t{1} << 20;

enum NodeField : size_t { kSn, kNodeCpu, kNodeMemory, kNodeGpu, kNodeModel };
enum PodField : size_t {
  kName,
  kCpu,
  kMemory,
  kNumGpu,
  kGpuMilli,
  kGpuSpec,
  kQos,
  kPhase,
  kCreation,
  kDeletion,
  kScheduled
};

// pandas writes a missing string as "nan"; both it and "" mean "none".
std::string text_or_none(std::string_view text) {
  if (text == "nan" || text == "NaN") return "";
  return std::string(text);
}

}  // namespace

const std::vector<FieldSpec>& AlibabaNodeReader::fields() {
  static const std::vector<FieldSpec> specs = {{"sn", "sn"},
                                               {"cpu_milli", "cpu_milli"},
                                               {"memory_mib", "memory_mib"},
                                               {"gpu", "gpu"},
                                               {"model", "model", false}};
  return specs;
}

Result<std::unique_ptr<AlibabaNodeReader>> AlibabaNodeReader::open(const std::string& path,
                                                                   ReaderOptions options) {
  auto lines = LineReader::open(path);
  if (!lines.ok()) return lines.status();
  std::unique_ptr<AlibabaNodeReader> reader(
      new AlibabaNodeReader(std::move(*lines), std::move(options)));
  if (Status status = reader->read_csv_header(fields()); !status.ok()) return status;
  return reader;
}

Status AlibabaNodeReader::parse_line(std::string_view line, AlibabaNode& node) {
  FULCRUM_RETURN_IF_ERROR(split_cells(line));
  const auto& specs = fields();
  auto cell = [&](size_t field) { return cell_of(field, specs); };
  auto integer = [&](size_t field, int64_t& value, int64_t minimum) -> Status {
    auto found = cell(field);
    if (!found.ok()) return found.status();
    FULCRUM_RETURN_IF_ERROR(parse_int_cell(lines_, **found, specs[field].name, value));
    if (value < minimum) {
      return lines_.error_at((*found)->column,
                             specs[field].name + ": must be >= " + std::to_string(minimum),
                             (*found)->text);
    }
    return Status::ok_status();
  };
  auto name = cell(kSn);
  if (!name.ok()) return name.status();
  if ((*name)->text.empty()) return lines_.error_at((*name)->column, "sn: empty", line);
  node.name = std::string((*name)->text);
  FULCRUM_RETURN_IF_ERROR(integer(kNodeCpu, node.cpu_milli, 0));
  FULCRUM_RETURN_IF_ERROR(integer(kNodeMemory, node.memory_mib, 0));
  FULCRUM_RETURN_IF_ERROR(integer(kNodeGpu, node.gpus, 0));
  auto model = cell(kNodeModel);
  if (!model.ok()) return model.status();
  node.model = *model ? text_or_none((*model)->text) : "";
  if (node.gpus > 0 && node.model.empty()) {
    int64_t column = *model ? (*model)->column : static_cast<int64_t>(line.size()) + 1;
    return lines_.error_at(column, "model: required when gpu > 0", line);
  }
  if (node.gpus == 0) node.model.clear();
  return Status::ok_status();
}

const std::vector<FieldSpec>& AlibabaPodReader::fields() {
  static const std::vector<FieldSpec> specs = {
      {"name", "name"},
      {"cpu_milli", "cpu_milli"},
      {"memory_mib", "memory_mib"},
      {"num_gpu", "num_gpu"},
      {"gpu_milli", "gpu_milli"},
      {"gpu_spec", "gpu_spec", false},
      {"qos", "qos", false},
      {"pod_phase", "pod_phase", false},
      {"creation_time", "creation_time", false},
      {"deletion_time", "deletion_time", false},
      {"scheduled_time", "scheduled_time", false},
  };
  return specs;
}

Result<std::unique_ptr<AlibabaPodReader>> AlibabaPodReader::open(const std::string& path,
                                                                 ReaderOptions options) {
  auto lines = LineReader::open(path);
  if (!lines.ok()) return lines.status();
  std::unique_ptr<AlibabaPodReader> reader(
      new AlibabaPodReader(std::move(*lines), std::move(options)));
  if (Status status = reader->read_csv_header(fields()); !status.ok()) return status;
  return reader;
}

Status AlibabaPodReader::parse_line(std::string_view line, AlibabaPod& pod) {
  FULCRUM_RETURN_IF_ERROR(split_cells(line));
  const auto& specs = fields();
  auto integer = [&](size_t field, int64_t& value, int64_t minimum,
                     int64_t maximum) -> Result<CsvCell> {
    auto found = cell_of(field, specs);
    if (!found.ok()) return found.status();
    FULCRUM_RETURN_IF_ERROR(parse_int_cell(lines_, **found, specs[field].name, value));
    if (value < minimum || value > maximum) {
      return lines_.error_at((*found)->column,
                             specs[field].name + ": must be in [" + std::to_string(minimum) + ", " +
                                 std::to_string(maximum) + "]",
                             (*found)->text);
    }
    return **found;
  };
  auto text = [&](size_t field) -> Result<std::string> {
    auto found = cell_of(field, specs);
    if (!found.ok()) return found.status();
    return *found ? text_or_none((*found)->text) : std::string();
  };

  auto name = cell_of(kName, specs);
  if (!name.ok()) return name.status();
  if ((*name)->text.empty()) return lines_.error_at((*name)->column, "name: empty", line);
  pod.name = std::string((*name)->text);
  constexpr int64_t kMaxAmount = int64_t{1} << 40;
  if (auto cpu = integer(kCpu, pod.cpu_milli, 0, kMaxAmount); !cpu.ok()) return cpu.status();
  if (auto memory = integer(kMemory, pod.memory_mib, 0, kMaxAmount); !memory.ok()) {
    return memory.status();
  }
  auto gpus = integer(kNumGpu, pod.num_gpu, 0, 1024);
  if (!gpus.ok()) return gpus.status();
  auto milli = integer(kGpuMilli, pod.gpu_milli, 0, kGpuMilliPerDevice);
  if (!milli.ok()) return milli.status();
  if (pod.num_gpu == 0 && pod.gpu_milli != 0) {
    return lines_.error_at(milli->column, "gpu_milli: must be 0 when num_gpu is 0", milli->text);
  }
  if (pod.num_gpu > 0 && pod.gpu_milli == 0) {
    return lines_.error_at(milli->column, "gpu_milli: must be > 0 when num_gpu > 0", milli->text);
  }
  if (pod.num_gpu > 1 && pod.gpu_milli != kGpuMilliPerDevice) {
    return lines_.error_at(
        milli->column,
        "gpu_milli: a share below 1000 needs num_gpu 1, got num_gpu " + std::to_string(pod.num_gpu),
        milli->text);
  }
  FULCRUM_ASSIGN_OR_RETURN(pod.gpu_spec, text(kGpuSpec));
  if (pod.num_gpu == 0) pod.gpu_spec.clear();
  FULCRUM_ASSIGN_OR_RETURN(pod.qos, text(kQos));
  FULCRUM_ASSIGN_OR_RETURN(pod.pod_phase, text(kPhase));
  return parse_times(pod);
}

// Times are optional as a whole (resampled lists have none); when the columns are there, creation
// and deletion must be set, and scheduled_time may be empty (a pod that stayed Pending).
Status AlibabaPodReader::parse_times(AlibabaPod& pod) {
  const auto& specs = fields();
  auto read_time = [&](size_t field, std::optional<int64_t>& value,
                       bool may_be_empty) -> Result<std::optional<CsvCell>> {
    value.reset();
    auto found = cell_of(field, specs);
    if (!found.ok()) return found.status();
    if (!*found) return *found;
    if ((*found)->text.empty() || (*found)->text == "nan") {
      if (may_be_empty) return *found;
      return lines_.error_at((*found)->column, specs[field].name + ": empty", (*found)->text);
    }
    int64_t seconds = 0;
    FULCRUM_RETURN_IF_ERROR(parse_int_cell(lines_, **found, specs[field].name, seconds));
    if (seconds < 0) {
      return lines_.error_at((*found)->column, specs[field].name + ": must be >= 0",
                             (*found)->text);
    }
    value = seconds;
    return *found;
  };
  auto creation = read_time(kCreation, pod.creation_time_s, false);
  if (!creation.ok()) return creation.status();
  auto deletion = read_time(kDeletion, pod.deletion_time_s, false);
  if (!deletion.ok()) return deletion.status();
  auto scheduled = read_time(kScheduled, pod.scheduled_time_s, true);
  if (!scheduled.ok()) return scheduled.status();
  if (pod.creation_time_s.has_value() != pod.deletion_time_s.has_value()) {
    const std::optional<CsvCell>& present = pod.creation_time_s ? *creation : *deletion;
    return lines_.error_at(present->column,
                           "creation_time and deletion_time: need both columns or neither",
                           present->text);
  }
  if (!pod.creation_time_s) return Status::ok_status();
  if (pod.scheduled_time_s && *pod.scheduled_time_s < *pod.creation_time_s) {
    return lines_.error_at((*scheduled)->column, "scheduled_time: before creation_time",
                           (*scheduled)->text);
  }
  int64_t start = pod.scheduled_time_s.value_or(*pod.creation_time_s);
  if (*pod.deletion_time_s < start) {
    return lines_.error_at(
        (*deletion)->column,
        "deletion_time: before " +
            std::string(pod.scheduled_time_s ? "scheduled_time" : "creation_time"),
        (*deletion)->text);
  }
  return Status::ok_status();
}

int qos_priority(std::string_view qos) {
  if (qos == "Guaranteed") return 3;
  if (qos == "LS") return 2;
  if (qos == "Burstable") return 1;
  return 0;
}

Node to_node(const AlibabaNode& node) {
  ResourceVector capacity;
  capacity.cpu_millis = node.cpu_milli;
  capacity.memory_bytes = node.memory_mib * kMib;
  capacity.gpu_milli = node.gpus * kGpuMilliPerDevice;
  return Node::with_capacity(node.name, capacity, static_cast<int>(node.gpus), node.model);
}

SimJob to_job(const AlibabaPod& pod) {
  SimJob job;
  Task& task = job.task;
  task.id = pod.name;
  task.demand.cpu_millis = pod.cpu_milli;
  task.demand.memory_bytes = pod.memory_mib * kMib;
  task.demand.gpu_milli = pod.num_gpu == 1 ? pod.gpu_milli : pod.num_gpu * kGpuMilliPerDevice;
  task.gpu_model = pod.gpu_spec;
  task.priority = qos_priority(pod.qos);
  task.type = task.needs_gpu() ? TaskType::kTraining : TaskType::kData;
  if (!pod.creation_time_s || !pod.deletion_time_s) {
    job.has_times = false;
    return job;
  }
  int64_t start_s = pod.scheduled_time_s.value_or(*pod.creation_time_s);
  job.arrival = std::chrono::seconds(*pod.creation_time_s);
  job.duration = std::chrono::seconds(*pod.deletion_time_s - start_s);
  task.estimated_duration_ms = (*pod.deletion_time_s - start_s) * 1000;
  return job;
}

Result<Cluster> load_alibaba_cluster(const std::string& path, const ReaderOptions& options,
                                     ReadStats* stats) {
  auto reader = AlibabaNodeReader::open(path, options);
  if (!reader.ok()) return reader.status();
  Cluster cluster;
  AlibabaNode node;
  while (true) {
    Result<bool> more = (*reader)->next(node);
    if (!more.ok()) return more.status();
    if (!*more) break;
    Status added = cluster.add_node(to_node(node));
    if (!added.ok()) return invalid_argument(path + ": " + added.message());
  }
  if (stats != nullptr) *stats = (*reader)->stats();
  return cluster;
}

Result<std::vector<SimJob>> load_alibaba_jobs(const std::string& path, const ReaderOptions& options,
                                              int64_t limit, ReadStats* stats) {
  auto reader = AlibabaPodReader::open(path, options);
  if (!reader.ok()) return reader.status();
  auto pods = read_all<AlibabaPod>(**reader, limit);
  if (!pods.ok()) return pods.status();
  std::vector<SimJob> jobs;
  jobs.reserve(pods->size());
  for (const AlibabaPod& pod : *pods) jobs.push_back(to_job(pod));
  if (stats != nullptr) *stats = (*reader)->stats();
  return jobs;
}

}  // namespace fulcrum::sim
