#include "sim/cluster_replay.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <tuple>
#include <unordered_map>

#include "core/random.h"
#include "milp/batch_solver.h"
#include "placement/registry.h"
#include "placement/workload_profile.h"
#include "queue/backfill.h"
#include "queue/las_queue.h"
#include "queue/ready_queue.h"
#include "scheduler/placement_pass.h"
#include "scheduler/preemption.h"
#include "scheduler/scheduler_core.h"
#include "sim/event_queue.h"

namespace fulcrum::sim {

namespace {

enum EventKind : uint32_t {
  kArrival,
  kFinish,
  kSample,
  kFail,
  kRepair,
  kDemote,
  kRandomFailure,
  kBatchWindow
};

enum class Phase { kNotArrived, kBlocked, kQueued, kRunning, kDone, kUnplaceable };

enum class Discipline { kReadyQueue, kLas };

constexpr int64_t kProgressEvery = 8192;
constexpr int kSamplesPerSpan = 500;

double seconds(Nanos time) { return std::chrono::duration<double>(time).count(); }

struct JobState {
  Phase phase = Phase::kNotArrived;
  std::vector<Assignment> assignments;
  Nanos remaining{0};      // running time still needed
  Nanos run_started{0};    // start of the current run
  Nanos ready_since{0};    // start of the current wait
  Nanos service_since{0};  // LAS: start of the running time not yet counted as service
  double attained_gpu_s = 0;
  int level = 0;
  uint32_t epoch = 0;  // bumped whenever a run ends, so its pending events go stale
  int dependencies_left = 0;
  std::vector<size_t> dependents;
  std::string doomed_by;  // a dependency that can never be placed
};

struct DisciplineChoice {
  Discipline discipline;
  std::string ready_queue;  // the ReadyQueue behind kReadyQueue and kEasyBackfill
};

Result<DisciplineChoice> discipline_of(const std::string& name) {
  if (name == "las") return DisciplineChoice{Discipline::kLas, ""};
  if (name == "sef") return DisciplineChoice{Discipline::kReadyQueue, "shortest_first"};
  for (const ReadyQueueEntry& entry : ready_queue_registry()) {
    if (entry.name == name) return DisciplineChoice{Discipline::kReadyQueue, name};
  }
  std::string known;
  for (const std::string& queue : replay_queue_names())
    known += (known.empty() ? "" : ", ") + queue;
  return not_found("unknown queue policy \"" + name + "\" (known: " + known + ")");
}

class ClusterReplay {
 public:
  ClusterReplay(const Cluster& cluster, std::span<const SimJob> jobs, const ReplayOptions& options)
      : cluster_(cluster),
        jobs_(jobs),
        options_(options),
        states_(jobs.size()),
        rng_(options.seed) {}

  Status init();
  ReplayResult run();

 private:
  const Task& task(size_t job) const { return jobs_[job].task; }

  void handle(const Event& event);
  void schedule_next_arrival();
  void arrive(size_t job);
  void make_ready(size_t job);
  // Ends a job that can never run, and every job that depends on it.
  void give_up(size_t job, const std::string& reason);
  void start(size_t job, std::vector<Assignment> assignments);
  // Ends the current run: releases resources, updates service and accounting.
  void stop_run(size_t job);
  void finish(size_t job);
  void preempt(size_t job);
  void fail_node(size_t node_index);
  void schedule_demotion(size_t job);
  void account_until(Nanos now);
  void sample();
  bool work_left() const { return done_ < static_cast<int64_t>(jobs_.size()); }

  void schedule_pass();
  void ready_queue_pass();
  void batch_pass();
  void las_pass();
  bool preempt_for(size_t job);
  size_t queued_count() const;

  std::optional<std::string> never_fits(const Task& task);

  Cluster cluster_;
  std::span<const SimJob> jobs_;
  const ReplayOptions& options_;
  std::vector<JobState> states_;
  std::vector<JobRecord> records_;
  std::vector<UtilSample> samples_;
  Rng rng_;
  Simulation simulation_;

  Discipline discipline_ = Discipline::kReadyQueue;
  std::unique_ptr<Placer> placer_;
  std::optional<MilpPlacementSettings> milp_;  // placement milp: batches as in the scheduler
  std::optional<Nanos> batch_window_since_;
  bool batch_window_event_ = false;
  BatchStats batch_stats_;
  std::unique_ptr<ReadyQueue> ready_queue_;
  std::optional<LasLevels> las_;
  std::unordered_map<std::string, size_t> index_of_;
  std::set<std::tuple<int, uint64_t, size_t>> las_waiting_;  // (level, order, job)
  std::vector<uint64_t> las_order_;
  uint64_t next_las_order_ = 0;
  std::set<std::pair<Nanos, size_t>> running_by_end_;  // easy_backfill: expected end, job
  std::vector<std::vector<size_t>> jobs_on_node_;
  std::map<std::tuple<int64_t, int64_t, int64_t, std::string>, std::optional<std::string>>
      never_fits_cache_;

  bool dirty_ = false;
  int64_t done_ = 0;
  int64_t running_ = 0;
  int64_t blocked_ = 0;
  ReplaySummary summary_;
  Nanos sample_interval_{0};
  std::vector<std::pair<Nanos, size_t>> scheduled_failures_;
  std::vector<size_t> arrival_order_;  // job indices by arrival
  size_t next_arrival_ = 0;

  // Utilization accounting.
  double capacity_gpu_ = 0;
  double capacity_cpu_ = 0;
  double allocated_gpu_ = 0;
  double allocated_cpu_ = 0;
  double gpu_area_ = 0;
  double cpu_area_ = 0;
  Nanos accounted_until_{0};
  Nanos first_arrival_{0};
  Nanos last_finish_{0};
};

Status ClusterReplay::init() {
  auto choice = discipline_of(options_.policy.queue);
  if (!choice.ok()) return choice.status();
  discipline_ = choice->discipline;
  if (discipline_ == Discipline::kLas) {
    auto levels = LasLevels::from_params(options_.policy.queue_params);
    if (!levels.ok()) return invalid_argument("queue las: " + levels.error_message());
    las_ = std::move(*levels);
    las_order_.assign(jobs_.size(), 0);
  } else {
    auto queue = make_ready_queue(choice->ready_queue, options_.policy.queue_params);
    if (!queue.ok()) return queue.status();
    ready_queue_ = std::move(*queue);
  }
  if (options_.policy.placement == kMilpPlacement) {
    if (discipline_ != Discipline::kReadyQueue || ready_queue_->reserves_head()) {
      return invalid_argument("placement milp: works with the queues fifo, priority and sef, not " +
                              options_.policy.queue);
    }
    auto settings = read_milp_placement(options_.policy.placement_params);
    if (!settings.ok()) return invalid_argument("placement milp: " + settings.error_message());
    milp_ = std::move(*settings);
  }
  auto placer = milp_ ? make_placer(milp_->batch.fallback_placer)
                      : make_placer(options_.policy.placement, options_.policy.placement_params);
  if (!placer.ok()) return placer.status();
  placer_ = std::move(*placer);
  // The trace's own task shapes are the workload to expect (fgd and fgd_packing score with it).
  std::vector<Task> shapes;
  shapes.reserve(jobs_.size());
  for (const SimJob& job : jobs_) shapes.push_back(job.task);
  placer_->set_target_workload(WorkloadProfile::of_tasks(shapes));

  records_.resize(jobs_.size());
  index_of_.reserve(jobs_.size());
  for (size_t job = 0; job < jobs_.size(); ++job) {
    if (!index_of_.emplace(task(job).id, job).second) {
      return invalid_argument("duplicate job id \"" + task(job).id + "\"");
    }
  }
  for (size_t job = 0; job < jobs_.size(); ++job) {
    for (const std::string& dependency : task(job).depends_on) {
      auto found = index_of_.find(dependency);
      if (found == index_of_.end()) {
        return invalid_argument("job \"" + task(job).id + "\" depends on unknown job \"" +
                                dependency + "\"");
      }
      states_[found->second].dependents.push_back(job);
      ++states_[job].dependencies_left;
    }
  }
  for (const NodeFailure& failure : options_.failures.schedule) {
    auto node = cluster_.find(failure.node_id);
    if (!node) return not_found("--fail-at: unknown node \"" + failure.node_id + "\"");
    scheduled_failures_.emplace_back(failure.time, *node);
  }
  jobs_on_node_.resize(cluster_.size());
  for (const Node& node : cluster_.nodes()) {
    capacity_gpu_ += static_cast<double>(node.capacity.gpu_milli);
    capacity_cpu_ += static_cast<double>(node.capacity.cpu_millis);
  }
  return Status::ok_status();
}

ReplayResult ClusterReplay::run() {
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
      options_.failures.rate_per_node_day * static_cast<double>(cluster_.size()) / 86400.0;
  if (cluster_rate_per_s > 0) {
    double gap_s = -std::log(1.0 - rng_.uniform01()) / cluster_rate_per_s;
    simulation_.at(first_arrival_ + Nanos(std::llround(gap_s * 1e9)), kRandomFailure);
  }

  uint64_t handled = 0;
  simulation_.run([&](const Event& event) {
    handle(event);
    bool batch_done =
        simulation_.events().empty() || simulation_.events().top().time > simulation_.now();
    if (batch_done && dirty_) schedule_pass();
    if (options_.progress && ++handled % kProgressEvery == 0) {
      options_.progress(done_, static_cast<int64_t>(jobs_.size()));
    }
  });
  if (options_.progress) options_.progress(done_, static_cast<int64_t>(jobs_.size()));

  ReplayResult result;
  result.policy = options_.policy;
  summary_.events = static_cast<int64_t>(simulation_.events().scheduled());
  summary_.jobs = static_cast<int64_t>(jobs_.size());
  std::vector<double> jcts;
  std::vector<double> waits;
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
  result.jobs = std::move(records_);
  result.samples = std::move(samples_);
  result.summary = summary_;
  result.batches = batch_stats_;
  return result;
}

void ClusterReplay::handle(const Event& event) {
  size_t job = event.subject;
  switch (event.kind) {
    case kArrival: arrive(job); break;
    case kFinish:
      if (states_[job].phase == Phase::kRunning && states_[job].epoch == event.tag) finish(job);
      break;
    case kDemote:
      if (states_[job].phase == Phase::kRunning && states_[job].epoch == event.tag) {
        JobState& state = states_[job];
        Nanos now = simulation_.now();
        // The event was scheduled for the crossing of the next threshold: count it as crossed
        // whatever the rounding of nanoseconds says.
        double threshold = state.attained_gpu_s + las_->service_to_next_level(state.attained_gpu_s);
        state.attained_gpu_s =
            std::max(threshold, state.attained_gpu_s + LasLevels::size_of(task(job)) *
                                                           seconds(now - state.service_since));
        state.service_since = now;
        state.level = std::max(state.level, las_->level_of(state.attained_gpu_s));
        schedule_demotion(job);
        dirty_ = true;
      }
      break;
    case kSample: sample(); break;
    case kBatchWindow:
      batch_window_event_ = false;
      dirty_ = true;
      break;
    case kFail: fail_node(event.subject); break;
    case kRepair:
      cluster_.set_state(event.subject, NodeState::kUp);
      dirty_ = true;
      break;
    case kRandomFailure: {
      if (!work_left() || cluster_.size() == 0) break;
      fail_node(rng_.uniform(cluster_.size()));
      double rate =
          options_.failures.rate_per_node_day * static_cast<double>(cluster_.size()) / 86400.0;
      double gap_s = -std::log(1.0 - rng_.uniform01()) / rate;
      simulation_.after(Nanos(std::llround(gap_s * 1e9)), kRandomFailure);
      break;
    }
    default: break;
  }
}

std::optional<std::string> ClusterReplay::never_fits(const Task& job_task) {
  auto key = std::make_tuple(job_task.demand.cpu_millis, job_task.demand.memory_bytes,
                             job_task.demand.gpu_milli, job_task.gpu_model);
  auto found = never_fits_cache_.find(key);
  if (found != never_fits_cache_.end()) return found->second;
  std::optional<std::string> reason = explain_never_fits(cluster_, job_task);
  never_fits_cache_.emplace(std::move(key), reason);
  return reason;
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
  JobState& state = states_[job];
  state.remaining = jobs_[job].duration;
  if (!state.doomed_by.empty()) {
    give_up(job, "depends on " + state.doomed_by + ", which can never be placed");
    return;
  }
  if (auto reason = never_fits(task(job))) {
    give_up(job, *reason);
    return;
  }
  if (state.dependencies_left > 0) {
    state.phase = Phase::kBlocked;
    ++blocked_;
    return;
  }
  make_ready(job);
}

void ClusterReplay::give_up(size_t job, const std::string& reason) {
  JobState& state = states_[job];
  if (state.phase == Phase::kBlocked) --blocked_;
  state.phase = Phase::kUnplaceable;
  records_[job].end = JobEnd::kUnplaceable;
  records_[job].reason = reason;
  ++done_;
  for (size_t dependent : state.dependents) {
    JobState& waiting = states_[dependent];
    if (!waiting.doomed_by.empty()) continue;
    waiting.doomed_by = task(job).id;
    if (waiting.phase == Phase::kBlocked) {
      give_up(dependent, "depends on " + task(job).id + ", which can never be placed");
    }
  }
}

void ClusterReplay::make_ready(size_t job) {
  JobState& state = states_[job];
  state.phase = Phase::kQueued;
  state.ready_since = simulation_.now();
  if (discipline_ == Discipline::kLas) {
    las_order_[job] = next_las_order_++;
    las_waiting_.emplace(state.level, las_order_[job], job);
  } else {
    ready_queue_->push(task(job), simulation_.now());
  }
  dirty_ = true;
}

void ClusterReplay::account_until(Nanos now) {
  double elapsed = seconds(now - accounted_until_);
  if (elapsed > 0) {
    gpu_area_ += allocated_gpu_ * elapsed;
    cpu_area_ += allocated_cpu_ * elapsed;
  }
  accounted_until_ = std::max(accounted_until_, now);
}

void ClusterReplay::start(size_t job, std::vector<Assignment> assignments) {
  Nanos now = simulation_.now();
  account_until(now);
  JobState& state = states_[job];
  JobRecord& record = records_[job];
  state.phase = Phase::kRunning;
  state.assignments = std::move(assignments);
  state.run_started = now;
  state.service_since = now;
  record.waited += now - state.ready_since;
  if (record.first_start < Nanos{0}) record.first_start = now;
  record.node = state.assignments.empty() ? "" : state.assignments.front().node_id;
  for (const Assignment& assignment : state.assignments) {
    allocated_gpu_ += static_cast<double>(assignment.demand.gpu_milli);
    allocated_cpu_ += static_cast<double>(assignment.demand.cpu_millis);
    jobs_on_node_[assignment.node_index].push_back(job);
  }
  ++running_;
  simulation_.at(now + state.remaining, kFinish, job, state.epoch);
  if (ready_queue_ && ready_queue_->reserves_head()) {
    running_by_end_.emplace(now + std::chrono::milliseconds(task(job).estimated_duration_ms), job);
  }
  if (discipline_ == Discipline::kLas) schedule_demotion(job);
}

void ClusterReplay::schedule_demotion(size_t job) {
  JobState& state = states_[job];
  double size = LasLevels::size_of(task(job));
  double to_next = las_->service_to_next_level(state.attained_gpu_s);
  if (size <= 0 || !std::isfinite(to_next)) return;
  Nanos delay = std::max(Nanos(std::llround(to_next / size * 1e9)), Nanos{1});
  Nanos ends = state.run_started + state.remaining;
  if (simulation_.now() + delay < ends) simulation_.after(delay, kDemote, job, state.epoch);
}

void ClusterReplay::stop_run(size_t job) {
  Nanos now = simulation_.now();
  account_until(now);
  JobState& state = states_[job];
  JobRecord& record = records_[job];
  for (const Assignment& assignment : state.assignments) {
    cluster_.release(assignment);
    allocated_gpu_ -= static_cast<double>(assignment.demand.gpu_milli);
    allocated_cpu_ -= static_cast<double>(assignment.demand.cpu_millis);
    std::vector<size_t>& on_node = jobs_on_node_[assignment.node_index];
    on_node.erase(std::find(on_node.begin(), on_node.end(), job));
  }
  state.assignments.clear();
  record.run_time += now - state.run_started;
  if (ready_queue_ && ready_queue_->reserves_head()) {
    running_by_end_.erase(
        {state.run_started + std::chrono::milliseconds(task(job).estimated_duration_ms), job});
  }
  if (discipline_ == Discipline::kLas) {
    state.attained_gpu_s += LasLevels::size_of(task(job)) * seconds(now - state.service_since);
    state.level = std::max(state.level, las_->level_of(state.attained_gpu_s));
  }
  ++state.epoch;
  --running_;
  dirty_ = true;
}

void ClusterReplay::finish(size_t job) {
  stop_run(job);
  JobState& state = states_[job];
  state.phase = Phase::kDone;
  records_[job].end = JobEnd::kFinished;
  records_[job].finish = simulation_.now();
  last_finish_ = std::max(last_finish_, simulation_.now());
  ++done_;
  for (size_t dependent : state.dependents) {
    JobState& waiting = states_[dependent];
    if (--waiting.dependencies_left == 0 && waiting.phase == Phase::kBlocked) {
      --blocked_;
      make_ready(dependent);
    }
  }
}

void ClusterReplay::preempt(size_t job) {
  JobState& state = states_[job];
  state.remaining -= simulation_.now() - state.run_started;
  stop_run(job);
  ++records_[job].preemptions;
  ++summary_.preemptions;
  make_ready(job);
}

void ClusterReplay::fail_node(size_t node_index) {
  if (cluster_.node(node_index).state == NodeState::kDown) return;
  ++summary_.failures;
  std::vector<size_t> victims = jobs_on_node_[node_index];
  std::sort(victims.begin(), victims.end());
  victims.erase(std::unique(victims.begin(), victims.end()), victims.end());
  for (size_t job : victims) {
    stop_run(job);
    states_[job].remaining = jobs_[job].duration;  // the work is lost: it restarts
    ++records_[job].requeues;
    ++summary_.requeues;
    make_ready(job);
  }
  cluster_.set_state(node_index, NodeState::kDown);
  simulation_.after(options_.failures.repair_time, kRepair, node_index);
}

size_t ClusterReplay::queued_count() const {
  return discipline_ == Discipline::kLas ? las_waiting_.size() : ready_queue_->size();
}

void ClusterReplay::sample() {
  UtilSample point;
  point.time = simulation_.now();
  point.gpu_util = capacity_gpu_ > 0 ? allocated_gpu_ / capacity_gpu_ : 0;
  point.cpu_util = capacity_cpu_ > 0 ? allocated_cpu_ / capacity_cpu_ : 0;
  point.queued = static_cast<int64_t>(queued_count());
  point.running = running_;
  samples_.push_back(point);
  if (work_left()) simulation_.after(sample_interval_, kSample);
}

void ClusterReplay::schedule_pass() {
  dirty_ = false;
  if (queued_count() == 0) return;
  switch (discipline_) {
    case Discipline::kReadyQueue:
      if (milp_) {
        batch_pass();
      } else {
        ready_queue_pass();
      }
      break;
    case Discipline::kLas: las_pass(); break;
  }
}

void ClusterReplay::ready_queue_pass() {
  Nanos now = simulation_.now();
  PlacementPass pass;
  bool head_blocked = false;
  std::optional<Nanos> shadow;
  for (const std::string& id : ready_queue_->ordered(now)) {
    size_t job = index_of_.at(id);
    const Task& job_task = task(job);
    if (head_blocked && !may_backfill(now, job_task, shadow)) continue;
    if (pass.known_not_to_fit(job_task)) continue;
    Placement placement = pass.offer(*placer_, cluster_, job_task);
    if (placement.all_placed()) {
      ready_queue_->remove(id);
      start(job, std::move(placement.assignments));
      continue;
    }
    if (ready_queue_->reserves_head() && !head_blocked) {
      head_blocked = true;
      std::vector<RunningTask> running;
      running.reserve(running_by_end_.size());
      for (const auto& [end, running_job] : running_by_end_) {
        running.push_back({end, &states_[running_job].assignments});
      }
      shadow = shadow_time(cluster_, job_task, running);
    }
  }
}

// placement milp, as the scheduler runs it (SchedulerCore::take_batch, decide_batch, apply_batch):
// once tasks have been queued for the window or window_count are queued, up to window_count of
// them in queue order are solved as one batch on a copy of the cluster (the fallback placer
// answers when the solver has none); the placed ones start, the rest stay queued until something
// changes. Solving takes no virtual time.
void ClusterReplay::batch_pass() {
  Nanos now = simulation_.now();
  Nanos window = std::chrono::milliseconds(milp_->window_ms);
  if (!batch_window_since_) batch_window_since_ = now;
  if (ready_queue_->size() < milp_->window_count && now - *batch_window_since_ < window) {
    if (!batch_window_event_) {
      simulation_.at(*batch_window_since_ + window, kBatchWindow);
      batch_window_event_ = true;
    }
    return;
  }
  batch_window_since_.reset();
  PlacementBatch batch{cluster_, {}};
  for (const std::string& id : ready_queue_->ordered(now)) {
    if (batch.tasks.size() >= milp_->window_count) break;
    batch.tasks.push_back(task(index_of_.at(id)));
  }
  BatchDecision decision = decide_batch(batch, milp_->batch);
  ++batch_stats_.batches;
  if (decision.fallback_reason) ++batch_stats_.fallbacks;
  batch_stats_.solve_seconds += decision.solve_seconds;
  batch_stats_.max_solve_seconds = std::max(batch_stats_.max_solve_seconds, decision.solve_seconds);
  auto by_task = assignments_by_task(decision.placement);
  for (const Task& batch_task : batch.tasks) {
    auto found = by_task.find(batch_task.id);
    if (found == by_task.end()) continue;
    auto assignments = allocate_as_decided(cluster_, batch_task, found->second);
    if (!assignments) continue;
    ready_queue_->remove(batch_task.id);
    start(index_of_.at(batch_task.id), std::move(*assignments));
  }
}

void ClusterReplay::las_pass() {
  PlacementPass pass;
  std::vector<std::tuple<int, uint64_t, size_t>> waiting(las_waiting_.begin(), las_waiting_.end());
  for (const auto& entry : waiting) {
    size_t job = std::get<2>(entry);
    const Task& job_task = task(job);
    if (states_[job].phase != Phase::kQueued || pass.known_not_to_fit(job_task)) continue;
    Placement placement = placer_->place(cluster_, std::span<const Task>(&job_task, 1));
    if (!placement.all_placed() && preempt_for(job)) {
      placement = placer_->place(cluster_, std::span<const Task>(&job_task, 1));
    }
    if (!placement.all_placed()) {
      pass.mark_not_fitting(job_task);
      continue;
    }
    las_waiting_.erase(entry);
    start(job, std::move(placement.assignments));
  }
}

// Finds the node where preempting the fewest running jobs of later queues (latest queue first,
// then the most recently started) makes room for `job`, and preempts them. The prefix of victims
// that makes room on a node is counted as the scheduler's preemption counts it
// (victims_to_make_room); Tiresias' order and the fewest victims are the LAS choice.
bool ClusterReplay::preempt_for(size_t job) {
  const Task& job_task = task(job);
  int level = states_[job].level;
  std::vector<size_t> best;
  for (size_t node_index = 0; node_index < cluster_.size(); ++node_index) {
    const Node& node = cluster_.node(node_index);
    if (!node.schedulable() || (job_task.needs_gpu() && !node.has_gpus())) continue;
    std::vector<size_t> victims;
    for (size_t running : jobs_on_node_[node_index]) {
      if (states_[running].level > level) victims.push_back(running);
    }
    if (victims.empty()) continue;
    std::sort(victims.begin(), victims.end(), [&](size_t a, size_t b) {
      return std::tie(states_[b].level, states_[b].run_started, b) <
             std::tie(states_[a].level, states_[a].run_started, a);
    });
    victims.erase(std::unique(victims.begin(), victims.end()), victims.end());
    std::vector<const std::vector<Assignment>*> held;
    for (size_t victim : victims) held.push_back(&states_[victim].assignments);
    size_t most = best.empty() ? victims.size() : best.size() - 1;
    if (auto count = victims_to_make_room(node, job_task, held, most)) {
      best.assign(victims.begin(), victims.begin() + static_cast<std::ptrdiff_t>(*count));
    }
    if (best.size() == 1) break;
  }
  for (size_t victim : best) preempt(victim);
  return !best.empty();
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
  ClusterReplay replay(cluster, jobs, options);
  if (Status status = replay.init(); !status.ok()) return status;
  return replay.run();
}

}  // namespace fulcrum::sim
