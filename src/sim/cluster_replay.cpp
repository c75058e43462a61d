#include "sim/cluster_replay.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <memory>
#include <optional>
#include <unordered_map>

#include "core/random.h"
#include "milp/batch_solver.h"
#include "placement/registry.h"
#include "placement/workload_profile.h"
#include "queue/las_queue.h"
#include "queue/ready_queue.h"
#include "scheduler/scheduler_core.h"
#include "scheduler/simulated_executor.h"
#include "sim/event_queue.h"

namespace fulcrum::sim {

namespace {

enum EventKind : uint32_t { kArrival, kRunEnd, kSample, kFail, kRepair, kRandomFailure, kWake };

constexpr int64_t kProgressEvery = 8192;
constexpr int kSamplesPerSpan = 500;

double seconds(Nanos time) { return std::chrono::duration<double>(time).count(); }

// The ready queue behind a replay queue name (sef is shortest_first), with the replay's errors.
Result<std::unique_ptr<ReadyQueue>> make_replay_queue(const ReplayPolicy& policy) {
  const std::vector<std::string>& names = replay_queue_names();
  if (std::find(names.begin(), names.end(), policy.queue) == names.end()) {
    std::string known;
    for (const std::string& queue : names) known += (known.empty() ? "" : ", ") + queue;
    return not_found("unknown queue policy \"" + policy.queue + "\" (known: " + known + ")");
  }
  if (policy.queue == "las") {
    auto levels = LasLevels::from_params(policy.queue_params);
    if (!levels.ok()) return invalid_argument("queue las: " + levels.error_message());
  }
  return make_ready_queue(policy.queue == "sef" ? "shortest_first" : policy.queue,
                          policy.queue_params);
}

// Feeds a trace into SchedulerCore in virtual time: arrivals are submissions, the simulated
// executor runs what the core launches for the job's trace duration, and node failures and
// repairs are node states. Every lifecycle decision (queueing, dependencies, placement passes,
// batch windows, preemption, requeues) is the core's; this class only keeps time and measures.
class ClusterReplay {
 public:
  ClusterReplay(std::span<const SimJob> jobs, const ReplayOptions& options)
      : jobs_(jobs), options_(options), rng_(options.seed), executor_(1.0) {}

  Status init(const Cluster& cluster);
  Result<ReplayResult> run();

 private:
  const Task& task(size_t job) const { return jobs_[job].task; }
  bool work_left() const { return done_ < static_cast<int64_t>(jobs_.size()); }

  Status make_core(const Cluster& cluster);
  Status index_jobs();
  void handle(const Event& event);
  void schedule_next_arrival();
  void arrive(size_t job);
  void submit(size_t job);
  // Tasks failed or cancelled so far: before the first run, only at submission.
  int64_t ended_at_submission() const {
    const auto& by_state = core_->counters().tasks_by_state;
    return by_state[static_cast<size_t>(TaskState::kFailed)] +
           by_state[static_cast<size_t>(TaskState::kCancelled)];
  }
  // A job the core failed or cancelled at submission: it can never be placed.
  void give_up(size_t job);
  void finish_runs();
  void fail_node(size_t node_index);
  void set_node_state(size_t node_index, NodeState state, std::string_view reason);
  void pass();
  void batch_pass();
  // Starts and stops runs as the core asks, and plans the next pass it needs.
  void apply_outbox();
  void launch(TaskRef task);
  void account_until(Nanos now);
  void sample();
  ReplaySummary summarize();

  std::span<const SimJob> jobs_;
  const ReplayOptions& options_;
  std::unique_ptr<SchedulerCore> core_;
  std::optional<MilpPlacementSettings> milp_;  // placement milp: batches as in the scheduler
  BatchStats batch_stats_;
  Rng rng_;
  Simulation simulation_;
  SimulatedExecutor executor_;
  Status refused_;  // a submission the core refused (an id it does not accept)
  Outbox outbox_;   // reused: taken after every core call

  std::vector<std::vector<size_t>> dependents_;
  std::vector<size_t> job_of_task_;            // by the core's task index
  std::vector<int> unsubmitted_dependencies_;  // a job is submitted after its dependencies
  std::vector<bool> submitted_;
  std::vector<bool> arrived_;
  std::vector<JobRecord> records_;
  std::vector<UtilSample> samples_;
  std::vector<std::pair<Nanos, size_t>> scheduled_failures_;
  std::vector<size_t> arrival_order_;  // job indices by arrival
  size_t next_arrival_ = 0;
  std::optional<Nanos> wake_at_;  // the pass the core asked for
  int64_t done_ = 0;
  ReplaySummary summary_;
  Nanos sample_interval_{0};

  // Utilization accounting.
  double capacity_gpu_ = 0;
  double capacity_cpu_ = 0;
  double gpu_area_ = 0;
  double cpu_area_ = 0;
  Nanos accounted_until_{0};
  Nanos first_arrival_{0};
  Nanos last_finish_{0};
};

Status ClusterReplay::make_core(const Cluster& cluster) {
  const ReplayPolicy& policy = options_.policy;
  auto queue = make_replay_queue(policy);
  if (!queue.ok()) return queue.status();
  if (policy.placement == kMilpPlacement) {
    if ((*queue)->reserves_head() || (*queue)->preemption_level(0).has_value()) {
      return invalid_argument("placement milp: works with the queues fifo, priority and sef, not " +
                              policy.queue);
    }
    auto settings = read_milp_placement(policy.placement_params);
    if (!settings.ok()) return invalid_argument("placement milp: " + settings.error_message());
    milp_ = std::move(*settings);
  }
  auto placer = milp_ ? make_placer(milp_->batch.fallback_placer)
                      : make_placer(policy.placement, policy.placement_params);
  if (!placer.ok()) return placer.status();
  // The trace's own task shapes are the workload to expect (fgd and fgd_packing score with it).
  std::vector<Task> shapes;
  shapes.reserve(jobs_.size());
  for (const SimJob& job : jobs_) shapes.push_back(job.task);
  (*placer)->set_target_workload(WorkloadProfile::of_tasks(shapes));
  core_ = std::make_unique<SchedulerCore>(std::move(*placer), std::move(*queue),
                                          /*heartbeat_timeout_ms=*/0);
  core_->configure_history(false);
  core_->configure_accept_unschedulable(true);
  core_->reserve_tasks(jobs_.size());
  if (milp_) core_->configure_batching(milp_->window_ms, milp_->window_count);
  for (const Node& node : cluster.nodes()) {
    FULCRUM_RETURN_IF_ERROR(core_->add_node(node, Nanos{0}, "trace"));
    capacity_gpu_ += static_cast<double>(node.capacity.gpu_milli);
    capacity_cpu_ += static_cast<double>(node.capacity.cpu_millis);
  }
  return Status::ok_status();
}

// Links dependencies to their jobs; a repeated id is refused by the core when it is submitted.
Status ClusterReplay::index_jobs() {
  dependents_.resize(jobs_.size());
  unsubmitted_dependencies_.assign(jobs_.size(), 0);
  submitted_.assign(jobs_.size(), false);
  arrived_.assign(jobs_.size(), false);
  records_.resize(jobs_.size());
  job_of_task_.reserve(jobs_.size());
  bool has_dependencies = std::any_of(
      jobs_.begin(), jobs_.end(), [](const SimJob& job) { return !job.task.depends_on.empty(); });
  if (!has_dependencies) return Status::ok_status();
  std::unordered_map<std::string_view, size_t> index_of;
  index_of.reserve(jobs_.size());
  for (size_t job = 0; job < jobs_.size(); ++job) index_of.emplace(task(job).id, job);
  for (size_t job = 0; job < jobs_.size(); ++job) {
    for (const std::string& dependency : task(job).depends_on) {
      auto found = index_of.find(dependency);
      if (found == index_of.end()) {
        return invalid_argument("job \"" + task(job).id + "\" depends on unknown job \"" +
                                dependency + "\"");
      }
      dependents_[found->second].push_back(job);
      ++unsubmitted_dependencies_[job];
    }
  }
  return Status::ok_status();
}

Status ClusterReplay::init(const Cluster& cluster) {
  FULCRUM_RETURN_IF_ERROR(make_core(cluster));
  FULCRUM_RETURN_IF_ERROR(index_jobs());
  for (const NodeFailure& failure : options_.failures.schedule) {
    auto node = core_->cluster().find(failure.node_id);
    if (!node) return not_found("--fail-at: unknown node \"" + failure.node_id + "\"");
    scheduled_failures_.emplace_back(failure.time, *node);
  }
  return Status::ok_status();
}

Result<ReplayResult> ClusterReplay::run() {
  // Arrivals are scheduled one at a time, in order, so few events are pending at once.
  arrival_order_.resize(jobs_.size());
  for (size_t job = 0; job < jobs_.size(); ++job) arrival_order_[job] = job;
  std::stable_sort(arrival_order_.begin(), arrival_order_.end(),
                   [&](size_t a, size_t b) { return jobs_[a].arrival < jobs_[b].arrival; });
  first_arrival_ = jobs_.empty() ? Nanos{0} : jobs_[arrival_order_.front()].arrival;
  Nanos last_arrival = jobs_.empty() ? Nanos{0} : jobs_[arrival_order_.back()].arrival;
  schedule_next_arrival();
  accounted_until_ = first_arrival_;
  sample_interval_ = options_.sample_interval;
  if (sample_interval_ <= Nanos{0}) {
    sample_interval_ =
        std::max<Nanos>((last_arrival - first_arrival_) / kSamplesPerSpan, std::chrono::seconds(1));
  }
  simulation_.at(first_arrival_, kSample);
  for (const auto& [time, node] : scheduled_failures_) simulation_.at(time, kFail, node);
  double cluster_rate_per_s =
      options_.failures.rate_per_node_day * static_cast<double>(core_->cluster().size()) / 86400.0;
  if (cluster_rate_per_s > 0) {
    double gap_s = -std::log(1.0 - rng_.uniform01()) / cluster_rate_per_s;
    simulation_.at(first_arrival_ + Nanos(std::llround(gap_s * 1e9)), kRandomFailure);
  }

  uint64_t handled = 0;
  simulation_.run([&](const Event& event) {
    account_until(simulation_.now());
    handle(event);
    // One placement pass once every event of this instant is in, as the scheduler's tick does.
    if (simulation_.events().empty() || simulation_.events().top().time > simulation_.now()) {
      pass();
    }
    if (options_.progress && ++handled % kProgressEvery == 0) {
      options_.progress(done_, static_cast<int64_t>(jobs_.size()));
    }
  });
  if (!refused_.ok()) return refused_;
  if (options_.progress) options_.progress(done_, static_cast<int64_t>(jobs_.size()));

  ReplayResult result;
  result.policy = options_.policy;
  result.summary = summarize();
  result.jobs = std::move(records_);
  result.samples = std::move(samples_);
  result.batches = batch_stats_;
  return result;
}

ReplaySummary ClusterReplay::summarize() {
  summary_.events = static_cast<int64_t>(simulation_.events().scheduled());
  summary_.jobs = static_cast<int64_t>(jobs_.size());
  summary_.preemptions = core_->counters().preemptions;
  std::vector<double> jcts;
  std::vector<double> waits;
  for (uint32_t index = 0; index < core_->task_count(); ++index) {
    const TaskTotals& totals = core_->task_at(index).totals;
    JobRecord& record = records_[job_of_task_[index]];
    record.waited = totals.queued;
    record.run_time = totals.ran;
    record.preemptions = totals.preemptions;
    record.requeues = totals.requeues;
    summary_.requeues += record.requeues;
  }
  for (JobRecord& record : records_) {
    if (record.end == JobEnd::kUnplaceable) ++summary_.unplaceable;
    if (record.end == JobEnd::kUnfinished) ++summary_.unfinished;
    if (record.end != JobEnd::kFinished) continue;
    ++summary_.finished;
    jcts.push_back(seconds(record.finish - record.arrival));
    waits.push_back(seconds(record.waited));
  }
  auto mean = [](const std::vector<double>& values) {
    double sum = 0;
    for (double value : values) sum += value;
    return values.empty() ? 0.0 : sum / static_cast<double>(values.size());
  };
  summary_.avg_jct_s = mean(jcts);
  summary_.avg_wait_s = mean(waits);
  summary_.p99_jct_s = percentile(jcts, 0.99);
  summary_.p99_wait_s = percentile(waits, 0.99);
  Nanos end = std::max(last_finish_, first_arrival_);
  summary_.makespan_s = seconds(end - first_arrival_);
  account_until(std::max(end, accounted_until_));
  double span = seconds(end - first_arrival_);
  if (span > 0 && capacity_gpu_ > 0) summary_.gpu_util = gpu_area_ / (capacity_gpu_ * span);
  if (span > 0 && capacity_cpu_ > 0) summary_.cpu_util = cpu_area_ / (capacity_cpu_ * span);
  return summary_;
}

void ClusterReplay::handle(const Event& event) {
  switch (event.kind) {
    case kArrival: arrive(event.subject); break;
    case kRunEnd: finish_runs(); break;
    case kSample: sample(); break;
    case kWake:
      if (wake_at_ == simulation_.now()) wake_at_.reset();
      break;
    case kFail: fail_node(event.subject); break;
    case kRepair: set_node_state(event.subject, NodeState::kUp, "repaired"); break;
    case kRandomFailure: {
      size_t nodes = core_->cluster().size();
      if (!work_left() || nodes == 0) break;
      fail_node(rng_.uniform(nodes));
      double rate = options_.failures.rate_per_node_day * static_cast<double>(nodes) / 86400.0;
      double gap_s = -std::log(1.0 - rng_.uniform01()) / rate;
      simulation_.after(Nanos(std::llround(gap_s * 1e9)), kRandomFailure);
      break;
    }
    default: break;
  }
}

void ClusterReplay::schedule_next_arrival() {
  if (next_arrival_ < arrival_order_.size()) {
    size_t job = arrival_order_[next_arrival_++];
    simulation_.at(jobs_[job].arrival, kArrival, job);
  }
}

void ClusterReplay::arrive(size_t job) {
  schedule_next_arrival();
  JobRecord& record = records_[job];
  record.id = task(job).id;
  record.arrival = jobs_[job].arrival;
  record.gpu_milli = task(job).demand.gpu_milli * std::max(task(job).replicas, 1);
  arrived_[job] = true;
  if (unsubmitted_dependencies_[job] == 0) submit(job);
}

// The core accepts a task once its dependencies are known to it: a job that arrives before one of
// its dependencies is submitted with the last of them.
void ClusterReplay::submit(size_t job) {
  std::vector<Task> tasks;
  tasks.push_back(task(job));
  int64_t ended_before = ended_at_submission();
  static const std::vector<int> kAttempts = {kUnlimitedAttempts};
  if (auto refused = core_->submit(std::move(tasks), kAttempts, simulation_.now())) {
    if (refused_.ok()) {
      refused_ = invalid_argument("job \"" + task(job).id + "\": " + refused->message);
    }
    return;
  }
  job_of_task_.push_back(job);  // the core indexes tasks in submission order
  submitted_[job] = true;
  if (ended_at_submission() > ended_before) give_up(job);
  for (size_t dependent : dependents_[job]) {
    if (--unsubmitted_dependencies_[dependent] == 0 && arrived_[dependent]) submit(dependent);
  }
}

void ClusterReplay::give_up(size_t job) {
  JobRecord& record = records_[job];
  const TaskRecord& scheduled = core_->task_at(static_cast<uint32_t>(core_->task_count() - 1));
  record.end = JobEnd::kUnplaceable;
  record.reason = scheduled.unschedulable;
  if (record.reason.empty()) {
    for (const std::string& dependency : task(job).depends_on) {
      if (core_->find_task(dependency)->state == TaskState::kSucceeded) continue;
      record.reason = "depends on " + dependency + ", which can never be placed";
      break;
    }
  }
  ++done_;
}

void ClusterReplay::finish_runs() {
  Nanos now = simulation_.now();
  for (const SimulatedExecutor::RunEnd& ended : executor_.finished_by(now)) {
    core_->task_finished(ended.run, ended.attempt, 0, "completed", now);
    JobRecord& record = records_[job_of_task_[ended.run]];
    record.end = JobEnd::kFinished;
    record.finish = now;
    last_finish_ = std::max(last_finish_, now);
    ++done_;
  }
}

void ClusterReplay::set_node_state(size_t node_index, NodeState state, std::string_view reason) {
  const std::string& node_id = core_->cluster().node(node_index).id;
  (void)core_->set_node_state(node_id, state, reason, simulation_.now());  // the node exists
  apply_outbox();
}

void ClusterReplay::fail_node(size_t node_index) {
  if (core_->cluster().node(node_index).state == NodeState::kDown) return;
  ++summary_.failures;
  set_node_state(node_index, NodeState::kDown, "failed");
  simulation_.after(options_.failures.repair_time, kRepair, node_index);
}

void ClusterReplay::pass() {
  if (milp_) {
    batch_pass();
  } else {
    core_->schedule(simulation_.now());
  }
  apply_outbox();
}

// placement milp, as the scheduler runs it (SchedulerCore::take_batch, decide_batch, apply_batch);
// solving takes no virtual time.
void ClusterReplay::batch_pass() {
  auto batch = core_->take_batch(simulation_.now());
  if (!batch) return;
  BatchDecision decision = decide_batch(*batch, milp_->batch);
  ++batch_stats_.batches;
  if (decision.fallback_reason) ++batch_stats_.fallbacks;
  batch_stats_.solve_seconds += decision.solve_seconds;
  batch_stats_.max_solve_seconds = std::max(batch_stats_.max_solve_seconds, decision.solve_seconds);
  core_->apply_batch(batch->tasks, decision.placement, decision.placed_by, simulation_.now());
}

void ClusterReplay::apply_outbox() {
  Nanos now = simulation_.now();
  Outbox& outbox = outbox_;
  core_->take_outbox(outbox);
  for (TaskRef task : outbox.stops) executor_.stop_run(task.index, now, false);
  for (TaskRef task : outbox.preempted) executor_.stop_run(task.index, now, true);
  for (TaskRef task : outbox.launches) launch(task);
  std::optional<Nanos> next = core_->next_pass_at();
  if (next && (!wake_at_ || *next < *wake_at_)) {
    wake_at_ = next;
    simulation_.at(*next, kWake);
  }
}

void ClusterReplay::launch(TaskRef task) {
  Nanos now = simulation_.now();
  size_t job = job_of_task_[task.index];
  const TaskRecord& scheduled = core_->task_at(task.index);
  Nanos ends = executor_.start_run(task.index, scheduled.attempt, jobs_[job].duration, now);
  core_->task_started(task, scheduled.attempt, now);
  simulation_.at(ends, kRunEnd, job);
  JobRecord& record = records_[job];
  if (record.first_start < Nanos{0}) record.first_start = now;
  record.node = scheduled.assignments.empty() ? "" : scheduled.assignments.front().node_id;
}

void ClusterReplay::account_until(Nanos now) {
  double elapsed = seconds(now - accounted_until_);
  if (elapsed > 0) {
    gpu_area_ += static_cast<double>(core_->allocated().gpu_milli) * elapsed;
    cpu_area_ += static_cast<double>(core_->allocated().cpu_millis) * elapsed;
  }
  accounted_until_ = std::max(accounted_until_, now);
}

void ClusterReplay::sample() {
  const SchedulerCounters& counters = core_->counters();
  UtilSample point;
  point.time = simulation_.now();
  point.gpu_util =
      capacity_gpu_ > 0 ? static_cast<double>(core_->allocated().gpu_milli) / capacity_gpu_ : 0;
  point.cpu_util =
      capacity_cpu_ > 0 ? static_cast<double>(core_->allocated().cpu_millis) / capacity_cpu_ : 0;
  point.queued = static_cast<int64_t>(core_->queued_count());
  point.running = counters.tasks_by_state[static_cast<size_t>(TaskState::kRunning)] +
                  counters.tasks_by_state[static_cast<size_t>(TaskState::kPlaced)];
  samples_.push_back(point);
  if (work_left()) simulation_.after(sample_interval_, kSample);
}

}  // namespace

std::vector<std::string> split_policy_list(const std::string& text) {
  std::vector<std::string> items;
  size_t start = 0;
  while (start <= text.size()) {
    size_t comma = text.find(',', start);
    if (comma == std::string::npos) comma = text.size();
    if (comma > start) items.push_back(text.substr(start, comma - start));
    start = comma + 1;
  }
  return items;
}

const char* const kMilpPlacement = "milp";

const std::vector<std::string>& replay_queue_names() {
  static const std::vector<std::string> names = {"fifo", "priority", "sef", "easy_backfill", "las"};
  return names;
}

Result<std::vector<NodeFailure>> parse_failure_schedule(std::string_view text) {
  std::vector<NodeFailure> failures;
  while (!text.empty()) {
    size_t comma = text.find(',');
    std::string_view entry = text.substr(0, comma);
    size_t colon = entry.find(':');
    double time_s = -1;
    if (colon != std::string_view::npos) {
      auto [stop, failure] = std::from_chars(entry.data(), entry.data() + colon, time_s);
      if (failure != std::errc() || stop != entry.data() + colon) time_s = -1;
    }
    if (time_s < 0 || !std::isfinite(time_s) || colon + 1 >= entry.size()) {
      return invalid_argument("--fail-at \"" + std::string(entry) +
                              "\": expected SECONDS:NODE, e.g. 3600:node-1");
    }
    failures.push_back({Nanos(std::llround(time_s * 1e9)), std::string(entry.substr(colon + 1))});
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  return failures;
}

Cluster sample_nodes(const Cluster& cluster, double fraction) {
  if (fraction >= 1.0) return cluster;
  Cluster sampled;
  for (size_t index = 0; index < cluster.size(); ++index) {
    double before = std::floor(static_cast<double>(index) * fraction);
    double after = std::floor(static_cast<double>(index + 1) * fraction);
    if (after > before) (void)sampled.add_node(cluster.node(index));  // ids are unique already
  }
  return sampled;
}

double percentile(std::vector<double>& values, double fraction) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  auto rank = static_cast<size_t>(std::ceil(fraction * static_cast<double>(values.size())));
  return values[std::min(values.size() - 1, rank == 0 ? 0 : rank - 1)];
}

Result<ReplayResult> replay_cluster(const Cluster& cluster, std::span<const SimJob> jobs,
                                    const ReplayOptions& options) {
  ClusterReplay replay(jobs, options);
  if (Status status = replay.init(cluster); !status.ok()) return status;
  return replay.run();
}

}  // namespace fulcrum::sim
