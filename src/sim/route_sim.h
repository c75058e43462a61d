// `fulcrum sim route`: replays an LLM request trace on N emulated model-server replicas in virtual
// time, routed by a picker from the gateway's registry and fed the way the gateway feeds it:
//   - each request's body is the text the load generator sends (emulator/trace_prompt.h); when the
//     picker reads bodies, the prompt and its prefix blocks come from request inspection's
//     compute_prefix_blocks, and the replica tokenizes the same text;
//   - in_flight counts the requests picked and not yet finished on each replica;
//   - LoadReports come from each replica's /metrics text parsed by the gateway's parser, refreshed
//     every scrape interval and not fresh once older than stale_after;
//   - observe() when the response head arrives (the emulator starts its event stream at once),
//     first_byte() when the first token has been delivered and request_finished() when the last
//     one has.
// Each replica is the emulator's engine stepped as its HTTP front steps it (sim/llm_replica.h).
// An optional autoscaler (sim/fleet_autoscaler.h) adds replicas after a start-up delay and drains
// replicas on scale-in. A run is a pure function of its inputs.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/params.h"
#include "core/status.h"
#include "emulator/profile.h"
#include "policy/picker.h"
#include "sim/fleet_autoscaler.h"
#include "sim/trace_reader.h"
#include "sim/workload.h"

namespace fulcrum::sim {

// The way from the client to the engine's queue, in model seconds. Requests that share a timestamp
// in the trace (Mooncake's arrive in bursts on whole seconds) do not reach the engines in trace
// order, and the order decides who waits: the first request an idle engine sees gets a step of its
// own, the next waits for that step to end. All zero: every request is picked and queued at its
// trace time, in trace order. docs/simulator.md gives values measured on the real path.
struct IngestModel {
  // Each request reaches the gateway a uniform random [0, arrival_jitter) after its trace time
  // (connection set-up and the client's send order), drawn from the run's seed and its index.
  double arrival_jitter_s = 0;
  // The bodies on their way through the gateway share it: alone, a body takes this long per prompt
  // token; n at once each move at 1/n of that pace (processor sharing), so a short body overtakes
  // a long one sent just before it. A picker that reads bodies picks once its body is through;
  // the others pick at the head and the body follows.
  double relay_s_per_token = 0;
  // Pickers that read bodies: the gateway's worker then hashes the body, one at a time.
  double inspect_s_per_token = 0;
  // From the body's end (and the pick) to the engine's queue: parsing, tokenizing, the last hop.
  double transfer_s = 0;
};

struct RouteSimOptions {
  emulator::EngineProfile profile;
  int replicas = 4;  // the fleet at the start (all serving)
  // The gateway's scrape defaults (gateway/config.h ScrapeConfig).
  double scrape_interval_s = 1.0;
  double stale_after_s = 5.0;
  // From the pick to the response head reaching the gateway (the emulator starts its event stream
  // once it has parsed and tokenized the prompt): the latency observe() reports.
  double head_latency_s = 0.001;
  IngestModel ingest;
  uint64_t seed = 1;  // of the arrival jitter
  std::optional<AutoscaleConfig> autoscale;
  // Called now and then with the fraction of requests finished (0..1), for progress bars.
  std::function<void(double)> progress;
};

// The options' first bad field, named.
Status validate_route_options(const RouteSimOptions& options);

// What one request saw, as the load generator measures it (seconds of model time).
struct RequestOutcome {
  int64_t index = 0;     // position in the replayed slice
  double arrival_s = 0;  // the trace's time: TTFT and e2e run from here, as the client's clocks
  double queued_s = 0;   // when it reached its replica's engine queue (IngestModel)
  std::string replica;   // empty when no replica was picked
  bool ok = false;
  std::string error;  // why it failed (the status the client would see)
  int64_t prompt_tokens = 0;
  int64_t cached_tokens = 0;  // prompt tokens served from the replica's prefix cache
  int64_t output_tokens = 0;
  double ttft_s = 0;
  double tpot_s = 0;  // (last token - first token) / (output tokens - 1)
  double e2e_s = 0;
};

struct ReplicaRecord {
  std::string name;
  double added_s = 0;               // when it was asked for (it costs from here)
  double serving_s = 0;             // when it took its first request
  std::optional<double> removed_s;  // drained and gone; absent: still there at the end
  int64_t requests = 0;
  int64_t prompt_tokens = 0;
  int64_t output_tokens = 0;
};

struct ScaleEvent {
  double at_s = 0;
  ScaleAction action = ScaleAction::kNone;
  std::string replica;
  double load = 0;         // the signal that triggered it
  int replicas_after = 0;  // serving or starting, not draining
};

struct RouteRun {
  std::string policy;
  std::vector<RequestOutcome> requests;
  std::vector<ReplicaRecord> replicas;
  std::vector<ScaleEvent> scale_events;
  int peak_replicas = 0;  // the most serving or starting at once (draining ones not counted)
  double end_s = 0;       // when the last request finished (or the last arrival, if later)

  // Σ over replicas of the time from being asked for to removal (or end_s).
  double replica_seconds() const;
};

// Replays `requests` (ordered by arrival) through `picker`. Errors only for invalid options.
Result<RouteRun> simulate_routing(const RouteSimOptions& options,
                                  std::span<const LlmRequest> requests, Picker& picker);

// Which part of a trace to replay, and how fast.
struct SliceOptions {
  double start_s = 0;
  double duration_s = 0;     // 0: to the end
  double rate_scale = 1;     // 2: arrivals twice as dense
  int64_t max_requests = 0;  // 0: all
};

// The requests arriving in [start, start + duration), ordered by arrival (stable), re-timed from
// the slice start and divided by rate_scale, the first max_requests of them.
std::vector<LlmRequest> slice_requests(std::vector<LlmRequest> requests, const SliceOptions& slice);
// The same from a reader, keeping only the slice in memory; the reader's error when it stops.
Result<std::vector<LlmRequest>> read_request_slice(RecordReader<LlmRequest>& reader,
                                                   const SliceOptions& slice);

// Every routing policy of the gateway's registry (policy/registry.h), in registry order.
std::vector<std::string> routing_policy_names();
// The picker the gateway creates for `name` from the same registry, with `params`, and `seed` for
// pickers that take one (unless params set it).
Result<std::unique_ptr<Picker>> make_route_picker(const std::string& name,
                                                  const PolicyParams& params, uint64_t seed);

// The name of the replica added index-th (from 0): "r0", "r1", ... as bench/llm_routing.sh names
// its backends, so that rendezvous hashing on names places prefixes alike.
std::string replica_name(int index);

}  // namespace fulcrum::sim
