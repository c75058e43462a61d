#include "sim/route_sim.h"

#include <algorithm>
#include <cmath>
#include <unordered_map>

#include "core/hash.h"
#include "core/random.h"
#include "core/resources.h"
#include "core/yaml_reader.h"
#include "emulator/tokenizer.h"
#include "emulator/trace_prompt.h"
#include "llm/load_metrics.h"
#include "llm/request_inspection.h"
#include "policy/registry.h"
#include "sim/event_queue.h"
#include "sim/llm_replica.h"

namespace fulcrum::sim {

namespace {

enum EventKind : uint32_t {
  kArrival,        // subject: request index (at its trace time)
  kAtGateway,      // subject: request index (after its arrival jitter)
  kRelayed,        // the relay's next body is through; tag: the relay's epoch
  kPick,           // subject: request index (its body read and hashed)
  kEngineArrival,  // subject: request index (in its replica's engine queue)
  kStepEnd,        // subject: replica number
  kScrape,         // every scrape interval
  kAutoscale,      // every autoscale interval
  kReplicaReady    // subject: replica number
};

Nanos to_nanos(double seconds) { return Nanos(std::llround(seconds * 1e9)); }
double to_seconds(Nanos time) { return static_cast<double>(time.count()) / 1e9; }

// Every request goes to the path the load generator posts to; hashing policies key on it.
constexpr std::string_view kRequestTarget = "/v1/completions";

enum class ReplicaState { kStarting, kServing, kDraining, kRemoved };

struct Replica {
  uint32_t id = 0;
  std::string name;
  std::unique_ptr<LlmReplica> model;
  ReplicaState state = ReplicaState::kStarting;
  double step_end_s = 0;
  uint32_t in_flight = 0;
  LoadReport load;  // the last scrape; `fresh` is decided at each pick
  std::optional<double> scraped_at_s;
  double last_prefix_queries = -1;  // counters at the previous scrape, for the hit rate
  double last_prefix_hits = -1;
  ReplicaRecord record;
};

// The request a replica's engine is working on.
struct Active {
  std::size_t replica = 0;
  int64_t index = 0;
};

// A picked request on its way to the engine.
struct InTransit {
  std::size_t replica = 0;
  emulator::EngineRequest request;
  double picked_s = 0;
};

// A body in the gateway's relay (IngestModel::relay_s_per_token).
struct Relayed {
  int64_t index = 0;
  double tokens_left = 0;
};

class RouteSimulation {
 public:
  RouteSimulation(const RouteSimOptions& options, std::span<const LlmRequest> requests,
                  Picker& picker)
      : options_(options),
        requests_(requests),
        picker_(picker),
        hash_key_(hash_bytes(kRequestTarget)) {
    if (options.autoscale) autoscaler_.emplace(*options.autoscale);
  }

  RouteRun run();

 private:
  void handle(const Event& event);
  void arrive(int64_t index);
  void reach_gateway(int64_t index);
  void pick(int64_t index);
  void relay(int64_t index, double tokens);
  void advance_relay();
  void schedule_relay();
  void relay_done(uint32_t epoch);
  void after_transfer(int64_t index);
  void reach_engine(int64_t index);
  void enqueue(std::size_t replica_number, int64_t index, emulator::EngineRequest request,
               double picked_s);
  void end_step(std::size_t replica_number);
  void scrape();
  void autoscale_tick();
  void make_ready(std::size_t replica_number);

  std::size_t add_replica(ReplicaState state);
  void start_step(Replica& replica, double now_s);
  void observe(const Replica& replica, uint64_t request_id, double picked_s);
  void finish_request(Replica& replica, int64_t index);
  void fill_views(double now_s);
  void backends_changed();
  void remove_if_drained(Replica& replica);
  double autoscale_load() const;
  int replicas_not_draining() const;
  bool work_left() const { return finished_ < requests_.size(); }
  double now_s() const { return to_seconds(simulation_.now()); }

  const RouteSimOptions& options_;
  std::span<const LlmRequest> requests_;
  Picker& picker_;
  const uint64_t hash_key_;
  Simulation simulation_;
  std::optional<FleetAutoscaler> autoscaler_;
  std::vector<Replica> replicas_;
  std::vector<BackendView> views_;
  std::vector<std::size_t> view_replicas_;             // views_[i] is replicas_[view_replicas_[i]]
  std::unordered_map<uint64_t, Active> active_;        // by engine request id (index + 1)
  std::unordered_map<int64_t, InTransit> in_transit_;  // by request index
  double gateway_free_s_ = 0;   // when the gateway's worker has hashed the bodies it was given
  std::vector<Relayed> relay_;  // the bodies in the relay, in the order they entered
  double relay_updated_s_ = 0;  // when relay_'s tokens_left were last brought up to date
  uint32_t relay_epoch_ = 0;    // kRelayed events of older epochs are stale
  RouteRun run_;
  std::size_t finished_ = 0;
  double last_finish_s_ = 0;
  std::size_t last_progress_ = 0;
  std::string prompt_;
  std::vector<uint64_t> prefix_blocks_;
  std::vector<CandidateScore> scores_;
};

RouteRun RouteSimulation::run() {
  run_.policy = std::string(picker_.name());
  run_.requests.resize(requests_.size());
  for (int number = 0; number < options_.replicas; ++number) {
    replicas_[add_replica(ReplicaState::kServing)].record.serving_s = 0;
  }
  backends_changed();
  for (std::size_t index = 0; index < requests_.size(); ++index) {
    simulation_.at(requests_[index].arrival, kArrival, index);
  }
  simulation_.at(Nanos{0}, kScrape);
  if (autoscaler_) simulation_.after(to_nanos(autoscaler_->config().interval_s), kAutoscale);
  simulation_.run([this](const Event& event) { handle(event); });
  run_.end_s =
      std::max(last_finish_s_, requests_.empty() ? 0.0 : to_seconds(requests_.back().arrival));
  for (const Replica& replica : replicas_) run_.replicas.push_back(replica.record);
  if (options_.progress) options_.progress(1.0);
  return std::move(run_);
}

void RouteSimulation::handle(const Event& event) {
  switch (event.kind) {
    case kArrival: arrive(static_cast<int64_t>(event.subject)); break;
    case kAtGateway: reach_gateway(static_cast<int64_t>(event.subject)); break;
    case kRelayed: relay_done(event.tag); break;
    case kPick: pick(static_cast<int64_t>(event.subject)); break;
    case kEngineArrival: reach_engine(static_cast<int64_t>(event.subject)); break;
    case kStepEnd: end_step(event.subject); break;
    case kScrape: scrape(); break;
    case kAutoscale: autoscale_tick(); break;
    case kReplicaReady: make_ready(event.subject); break;
    default: break;
  }
}

std::size_t RouteSimulation::add_replica(ReplicaState state) {
  Replica replica;
  replica.id = static_cast<uint32_t>(replicas_.size());
  replica.name = replica_name(static_cast<int>(replicas_.size()));
  replica.model = std::make_unique<LlmReplica>(options_.profile);
  replica.state = state;
  replica.record.name = replica.name;
  replica.record.added_s = now_s();
  replicas_.push_back(std::move(replica));
  run_.peak_replicas = std::max(run_.peak_replicas, replicas_not_draining());
  return replicas_.size() - 1;
}

// The backends the gateway lists: serving and draining replicas, in the order they were added.
void RouteSimulation::backends_changed() {
  views_.clear();
  view_replicas_.clear();
  for (std::size_t number = 0; number < replicas_.size(); ++number) {
    const Replica& replica = replicas_[number];
    if (replica.state != ReplicaState::kServing && replica.state != ReplicaState::kDraining) {
      continue;
    }
    BackendView view;
    view.id = replica.id;
    view.name = replica.name;
    views_.push_back(view);
    view_replicas_.push_back(number);
  }
  picker_.on_backends_changed(views_);
}

// As Worker::pick_backend: draining flags, in-flight counts, and the last scrape while fresh.
void RouteSimulation::fill_views(double now_s) {
  for (std::size_t position = 0; position < views_.size(); ++position) {
    const Replica& replica = replicas_[view_replicas_[position]];
    BackendView& view = views_[position];
    view.draining = replica.state == ReplicaState::kDraining;
    view.in_flight = replica.in_flight;
    const bool fresh =
        replica.scraped_at_s && now_s - *replica.scraped_at_s <= options_.stale_after_s;
    view.load = fresh ? replica.load : LoadReport{};
    view.load.fresh = fresh;
  }
}

// The client sends the request; it reaches the gateway after its share of the arrival jitter.
void RouteSimulation::arrive(int64_t index) {
  RequestOutcome& outcome = run_.requests[static_cast<std::size_t>(index)];
  outcome.index = index;
  outcome.arrival_s = now_s();
  const double jitter_s = options_.ingest.arrival_jitter_s;
  if (jitter_s <= 0) return reach_gateway(index);
  // A draw per request from (seed, index): independent of the order events are handled in.
  const uint64_t bits = mix64(mix64(options_.seed) ^ static_cast<uint64_t>(index));
  const double uniform = static_cast<double>(bits >> 11) * 0x1.0p-53;
  simulation_.after(to_nanos(uniform * jitter_s), kAtGateway, static_cast<uint64_t>(index));
}

// The head is in: pickers that do not read bodies pick now; the others wait for the body.
void RouteSimulation::reach_gateway(int64_t index) {
  if (!picker_.needs_request_body()) return pick(index);
  const auto tokens = static_cast<double>(requests_[static_cast<std::size_t>(index)].input_tokens);
  if (options_.ingest.relay_s_per_token > 0) return relay(index, tokens);
  after_transfer(index);
}

// Processor sharing: brings every body's tokens_left up to now.
void RouteSimulation::advance_relay() {
  const double now = now_s();
  if (!relay_.empty()) {
    const double tokens = (now - relay_updated_s_) / options_.ingest.relay_s_per_token /
                          static_cast<double>(relay_.size());
    for (Relayed& body : relay_) body.tokens_left -= tokens;
  }
  relay_updated_s_ = now;
}

void RouteSimulation::relay(int64_t index, double tokens) {
  advance_relay();
  relay_.push_back({index, tokens});
  schedule_relay();
}

// One event for the body that will be through first; a change to the relay makes it stale.
void RouteSimulation::schedule_relay() {
  ++relay_epoch_;
  if (relay_.empty()) return;
  double least = relay_.front().tokens_left;
  for (const Relayed& body : relay_) least = std::min(least, body.tokens_left);
  const double wait_s =
      std::max(0.0, least) * options_.ingest.relay_s_per_token * static_cast<double>(relay_.size());
  // Rounded up, so that the event never comes before the body is through.
  simulation_.after(Nanos(static_cast<Nanos::rep>(std::ceil(wait_s * 1e9))), kRelayed, 0,
                    relay_epoch_);
}

void RouteSimulation::relay_done(uint32_t epoch) {
  if (epoch != relay_epoch_) return;
  advance_relay();
  // The event time was rounded up to a nanosecond: what is left of the first body is less.
  const double through_tokens = 1e-9 / options_.ingest.relay_s_per_token;
  std::vector<int64_t> through;
  std::erase_if(relay_, [&through, through_tokens](const Relayed& body) {
    if (body.tokens_left > through_tokens) return false;
    through.push_back(body.index);
    return true;
  });
  schedule_relay();
  for (int64_t index : through) after_transfer(index);
}

// The body is through the relay (or needed none): a body-reading picker's gateway hashes it and
// picks; otherwise the picked request goes on to the engine.
void RouteSimulation::after_transfer(int64_t index) {
  if (!picker_.needs_request_body()) {
    simulation_.after(to_nanos(options_.ingest.transfer_s), kEngineArrival,
                      static_cast<uint64_t>(index));
    return;
  }
  const double per_token_s = options_.ingest.inspect_s_per_token;
  if (per_token_s <= 0) return pick(index);
  const auto tokens = static_cast<double>(requests_[static_cast<std::size_t>(index)].input_tokens);
  gateway_free_s_ = std::max(gateway_free_s_, now_s()) + per_token_s * tokens;
  simulation_.at(to_nanos(gateway_free_s_), kPick, static_cast<uint64_t>(index));
}

void RouteSimulation::pick(int64_t index) {
  const LlmRequest& request = requests_[static_cast<std::size_t>(index)];
  const double picked_s = now_s();
  RequestOutcome& outcome = run_.requests[static_cast<std::size_t>(index)];
  const int64_t max_tokens = std::max<int64_t>(1, request.output_tokens);
  prompt_ = emulator::trace_prompt_text(request.hash_ids, request.input_tokens,
                                        static_cast<uint64_t>(index));
  prefix_blocks_.clear();
  RequestView view;
  view.request_id = static_cast<uint64_t>(index) + 1;
  view.hash_key = hash_key_;
  view.expected_output_tokens = static_cast<uint32_t>(max_tokens);
  if (picker_.needs_request_body()) {  // the gateway inspects bodies only then
    compute_prefix_blocks(prompt_, prefix_blocks_);
    view.prompt = prompt_;
    view.prefix_blocks = prefix_blocks_;
  }
  fill_views(picked_s);
  scores_.clear();  // the gateway asks for scores, for its prefix-prediction metrics
  PickResult picked = picker_.pick_explained(view, views_, scores_);
  if (!picked.ok()) {
    outcome.error = "503: " + picked.error_message();
    ++finished_;
    last_finish_s_ = picked_s;
    return;
  }
  const std::size_t replica_number = view_replicas_[*picked];
  Replica& replica = replicas_[replica_number];
  outcome.replica = replica.name;
  ++replica.in_flight;
  ++replica.record.requests;
  emulator::EngineRequest engine_request{view.request_id, emulator::tokenize(prompt_), max_tokens,
                                         picked_s};
  outcome.prompt_tokens = static_cast<int64_t>(engine_request.prompt.size());
  const bool relay_after_pick =
      !picker_.needs_request_body() && options_.ingest.relay_s_per_token > 0;
  if (!relay_after_pick && options_.ingest.transfer_s <= 0) {
    return enqueue(replica_number, index, std::move(engine_request), picked_s);
  }
  const auto tokens = static_cast<double>(engine_request.prompt.size());
  in_transit_.emplace(index, InTransit{replica_number, std::move(engine_request), picked_s});
  if (relay_after_pick) return relay(index, tokens);
  simulation_.after(to_nanos(options_.ingest.transfer_s), kEngineArrival,
                    static_cast<uint64_t>(index));
}

void RouteSimulation::reach_engine(int64_t index) {
  auto found = in_transit_.find(index);
  InTransit transit = std::move(found->second);
  in_transit_.erase(found);
  enqueue(transit.replica, index, std::move(transit.request), transit.picked_s);
}

// The replica's HTTP front hands the parsed request to its engine.
void RouteSimulation::enqueue(std::size_t replica_number, int64_t index,
                              emulator::EngineRequest request, double picked_s) {
  Replica& replica = replicas_[replica_number];
  RequestOutcome& outcome = run_.requests[static_cast<std::size_t>(index)];
  const uint64_t request_id = request.id;
  request.arrival_s = now_s();
  outcome.queued_s = request.arrival_s;
  Status added = replica.model->add_request(std::move(request));
  if (!added.ok()) {  // the emulator answers 400
    outcome.error = "400: " + added.message();
    observe(replica, request_id, picked_s);
    finish_request(replica, index);
    return;
  }
  observe(replica, request_id, picked_s);
  active_.emplace(request_id, Active{replica_number, index});
  start_step(replica, now_s());
}

// The response head arrived (status < 500 counts as success, as in the gateway): the latency runs
// from the pick.
void RouteSimulation::observe(const Replica& replica, uint64_t request_id, double picked_s) {
  const Nanos head_at = simulation_.now() + to_nanos(options_.head_latency_s);
  picker_.observe({replica.id, head_at - to_nanos(picked_s), head_at, true, request_id});
}

// As the emulator's engine loop: a step starts when the previous one ended or work arrived.
void RouteSimulation::start_step(Replica& replica, double now_s) {
  std::optional<double> end_s = replica.model->start_step(std::max(replica.step_end_s, now_s));
  if (!end_s) return;
  replica.step_end_s = *end_s;
  simulation_.at(to_nanos(*end_s), kStepEnd, replica.id);
}

void RouteSimulation::end_step(std::size_t replica_number) {
  Replica& replica = replicas_[replica_number];
  emulator::StepOutcome outcome = replica.model->end_step();
  for (const emulator::TokenEvent& token : outcome.tokens) {  // a first token is a first byte
    if (token.index == 0 && active_.contains(token.id)) picker_.first_byte(token.id, replica.id);
  }
  for (const emulator::FinishedRequest& finished : outcome.finished) {
    auto found = active_.find(finished.id);
    if (found == active_.end()) continue;
    const int64_t index = found->second.index;
    active_.erase(found);
    RequestOutcome& result = run_.requests[static_cast<std::size_t>(index)];
    result.ok = true;
    result.cached_tokens = finished.cached_prompt_tokens;
    result.output_tokens = finished.output_tokens;
    result.ttft_s = finished.first_token_s - result.arrival_s;
    result.e2e_s = finished.finish_s - result.arrival_s;
    if (finished.output_tokens > 1) {
      result.tpot_s = (finished.finish_s - finished.first_token_s) /
                      static_cast<double>(finished.output_tokens - 1);
    }
    replica.record.prompt_tokens += finished.prompt_tokens;
    replica.record.output_tokens += finished.output_tokens;
    finish_request(replica, index);
  }
  start_step(replica, replica.step_end_s);
  remove_if_drained(replica);
}

// The stream ended: the gateway's finish_attempt.
void RouteSimulation::finish_request(Replica& replica, int64_t index) {
  --replica.in_flight;
  picker_.request_finished(static_cast<uint64_t>(index) + 1, replica.id);
  ++finished_;
  last_finish_s_ = now_s();
  if (options_.progress &&
      finished_ - last_progress_ >= std::max<std::size_t>(1, requests_.size() / 100)) {
    last_progress_ = finished_;
    options_.progress(static_cast<double>(finished_) / static_cast<double>(requests_.size()));
  }
}

// As BackendMonitor::record_scrape, from the text the replica's /metrics would answer.
void RouteSimulation::scrape() {
  const double now = now_s();
  for (Replica& replica : replicas_) {
    if (replica.state != ReplicaState::kServing && replica.state != ReplicaState::kDraining) {
      continue;
    }
    const ScrapedLoad scraped = parse_load_metrics(replica.model->render_metrics());
    replica.load.queue_depth = scraped.queue_depth.value_or(0);
    replica.load.running = scraped.running.value_or(0);
    replica.load.kv_cache_usage = scraped.kv_cache_usage.value_or(0);
    replica.load.kv_blocks_total = scraped.kv_blocks_total.value_or(0);
    if (scraped.prefix_queries && scraped.prefix_hits) {
      const double queries = *scraped.prefix_queries - replica.last_prefix_queries;
      if (replica.last_prefix_queries >= 0 && queries > 0) {
        replica.load.prefix_cache_hit_rate =
            (*scraped.prefix_hits - replica.last_prefix_hits) / queries;
      }
      replica.last_prefix_queries = *scraped.prefix_queries;
      replica.last_prefix_hits = *scraped.prefix_hits;
    }
    replica.scraped_at_s = now;
  }
  if (work_left()) simulation_.after(to_nanos(options_.scrape_interval_s), kScrape);
}

// The mean signal over the serving replicas' fresh reports, as the monitor would read them.
double RouteSimulation::autoscale_load() const {
  const double now = now_s();
  double total = 0;
  int counted = 0;
  for (const Replica& replica : replicas_) {
    if (replica.state != ReplicaState::kServing || !replica.scraped_at_s) continue;
    if (now - *replica.scraped_at_s > options_.stale_after_s) continue;
    total += autoscaler_->config().signal == AutoscaleSignal::kQueue ? replica.load.queue_depth
                                                                     : replica.load.kv_cache_usage;
    ++counted;
  }
  return counted == 0 ? 0 : total / counted;
}

int RouteSimulation::replicas_not_draining() const {
  return static_cast<int>(std::count_if(replicas_.begin(), replicas_.end(), [](const Replica& r) {
    return r.state == ReplicaState::kServing || r.state == ReplicaState::kStarting;
  }));
}

void RouteSimulation::autoscale_tick() {
  const double now = now_s();
  const double load = autoscale_load();
  const ScaleAction action = autoscaler_->tick(now, load, replicas_not_draining());
  if (action == ScaleAction::kScaleOut) {
    std::size_t number = add_replica(ReplicaState::kStarting);
    simulation_.after(to_nanos(autoscaler_->config().startup_s), kReplicaReady, number);
    run_.scale_events.push_back(
        {now, action, replicas_[number].name, load, replicas_not_draining()});
  } else if (action == ScaleAction::kScaleIn) {
    // The serving replica with the fewest requests in flight; the newest among equals.
    Replica* victim = nullptr;
    for (Replica& replica : replicas_) {
      if (replica.state != ReplicaState::kServing) continue;
      if (victim == nullptr || replica.in_flight <= victim->in_flight) victim = &replica;
    }
    if (victim != nullptr) {
      victim->state = ReplicaState::kDraining;
      run_.scale_events.push_back({now, action, victim->name, load, replicas_not_draining()});
      remove_if_drained(*victim);
    }
  }
  if (work_left()) simulation_.after(to_nanos(autoscaler_->config().interval_s), kAutoscale);
}

void RouteSimulation::make_ready(std::size_t replica_number) {
  Replica& replica = replicas_[replica_number];
  replica.state = ReplicaState::kServing;
  replica.record.serving_s = now_s();
  backends_changed();
}

void RouteSimulation::remove_if_drained(Replica& replica) {
  if (replica.state != ReplicaState::kDraining || replica.in_flight > 0 || !replica.model->idle()) {
    return;
  }
  replica.state = ReplicaState::kRemoved;
  replica.record.removed_s = now_s();
  replica.model.reset();
  backends_changed();
}

}  // namespace

namespace {

bool in_slice(const LlmRequest& request, const SliceOptions& slice) {
  const double arrival_s = to_seconds(request.arrival);
  return arrival_s >= slice.start_s &&
         (slice.duration_s <= 0 || arrival_s < slice.start_s + slice.duration_s);
}

}  // namespace

std::vector<LlmRequest> slice_requests(std::vector<LlmRequest> requests,
                                       const SliceOptions& slice) {
  std::erase_if(requests,
                [&slice](const LlmRequest& request) { return !in_slice(request, slice); });
  std::stable_sort(requests.begin(), requests.end(),
                   [](const LlmRequest& a, const LlmRequest& b) { return a.arrival < b.arrival; });
  if (slice.max_requests > 0 && static_cast<int64_t>(requests.size()) > slice.max_requests) {
    requests.resize(static_cast<std::size_t>(slice.max_requests));
  }
  const Nanos start = to_nanos(slice.start_s);
  for (LlmRequest& request : requests) {
    request.arrival = to_nanos(to_seconds(request.arrival - start) / slice.rate_scale);
  }
  return requests;
}

Result<std::vector<LlmRequest>> read_request_slice(RecordReader<LlmRequest>& reader,
                                                   const SliceOptions& slice) {
  std::vector<LlmRequest> requests;
  LlmRequest request;
  for (;;) {
    Result<bool> more = reader.next(request);
    if (!more.ok()) return more.status();
    if (!*more) break;
    if (in_slice(request, slice)) requests.push_back(std::move(request));
    request = LlmRequest{};
  }
  return slice_requests(std::move(requests), slice);
}

std::vector<std::string> routing_policy_names() {
  std::vector<std::string> names;
  for (const PickerEntry& entry : picker_registry()) names.push_back(entry.name);
  return names;
}

Result<std::unique_ptr<Picker>> make_route_picker(const std::string& name,
                                                  const PolicyParams& params, uint64_t seed) {
  PolicyParams seeded = params;
  for (const PickerEntry& entry : picker_registry()) {
    if (entry.name != name || seeded.has("seed")) continue;
    for (const ParamSpec& spec : entry.params) {
      if (spec.name == "seed") seeded.set("seed", std::to_string(static_cast<int64_t>(seed)));
    }
  }
  return make_picker(name, seeded);
}

std::string replica_name(int index) { return "r" + std::to_string(index); }

double RouteRun::replica_seconds() const {
  double total = 0;
  for (const ReplicaRecord& replica : replicas) {
    total += replica.removed_s.value_or(end_s) - replica.added_s;
  }
  return total;
}

Status validate_route_options(const RouteSimOptions& options) {
  if (options.head_latency_s < 0) {
    return invalid_argument("head latency: must not be negative, got " +
                            format_number(options.head_latency_s));
  }
  const std::pair<const char*, double> ingest[] = {
      {"arrival jitter", options.ingest.arrival_jitter_s},
      {"inspection time per token", options.ingest.inspect_s_per_token},
      {"relay time per token", options.ingest.relay_s_per_token},
      {"transfer time", options.ingest.transfer_s}};
  for (const auto& [name, value] : ingest) {
    if (!(value >= 0) || !std::isfinite(value)) {
      return invalid_argument(std::string(name) + ": must be a finite non-negative time, got " +
                              format_number(value));
    }
  }
  if (options.replicas < 1) {
    return invalid_argument("replicas: must be at least 1, got " +
                            std::to_string(options.replicas));
  }
  if (!(options.scrape_interval_s > 0)) {
    return invalid_argument("scrape interval: must be positive, got " +
                            format_number(options.scrape_interval_s));
  }
  if (options.stale_after_s < options.scrape_interval_s) {
    return invalid_argument("stale_after: must be at least the scrape interval (" +
                            format_number(options.scrape_interval_s) + " s), got " +
                            format_number(options.stale_after_s));
  }
  if (options.autoscale) FULCRUM_RETURN_IF_ERROR(options.autoscale->validate());
  return Status::ok_status();
}

Result<RouteRun> simulate_routing(const RouteSimOptions& options,
                                  std::span<const LlmRequest> requests, Picker& picker) {
  FULCRUM_RETURN_IF_ERROR(validate_route_options(options));
  RouteSimulation simulation(options, requests, picker);
  return simulation.run();
}

}  // namespace fulcrum::sim
