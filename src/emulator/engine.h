// A vLLM-like inference engine as a pure model: no clock, no I/O. The caller adds requests and
// calls step(now) whenever the previous step has ended; each step schedules one batch the way
// vLLM's (v1) scheduler does and says how long that batch takes on the profiled hardware and what
// it produced. The simulator runs it in virtual time, the emulator's HTTP front in real time.
//
// Scheduling per step, with a budget of max_num_batched_tokens:
//  1. running sequences in order: each gets the tokens it still has to compute (1 when decoding;
//     the rest of its prompt, cut to the budget, when prefilling: chunked prefill); a sequence that
//     needs a KV block when none is free preempts the most recently admitted running sequence
//     (recompute: its blocks are released and it waits again at the head of the queue);
//  2. unless something was preempted, waiting sequences first come first served while fewer than
//     max_num_seqs run: the longest cached prefix of full blocks is reused (at least one token is
//     always computed), the rest is computed in chunks.
// A sequence whose computed tokens reach all its known tokens samples one output token at the end
// of the step; the first one is its first token. Output length is exactly max_output_tokens.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <unordered_map>
#include <vector>

#include "core/status.h"
#include "emulator/kv_cache.h"
#include "emulator/profile.h"
#include "emulator/tokenizer.h"

namespace fulcrum::emulator {

using RequestId = uint64_t;

struct EngineRequest {
  RequestId id = 0;
  std::vector<TokenId> prompt;
  int64_t max_output_tokens = 16;
  double arrival_s = 0;
};

struct TokenEvent {
  RequestId id = 0;
  int64_t index = 0;  // 0-based position in the output; 0 is the first token
};

struct FinishedRequest {
  RequestId id = 0;
  int64_t prompt_tokens = 0;
  int64_t output_tokens = 0;
  int64_t cached_prompt_tokens = 0;  // prompt tokens reused from the prefix cache at admission
  double arrival_s = 0;
  double first_token_s = 0;
  double finish_s = 0;
};

struct StepOutcome {
  double duration_s = 0;  // 0 when there was nothing to run
  int64_t prefill_tokens = 0;
  int64_t decode_sequences = 0;
  int64_t context_tokens = 0;      // Σ context length of the scheduled sequences
  std::vector<TokenEvent> tokens;  // sampled at the end of the step, in scheduling order
  std::vector<FinishedRequest> finished;
  std::vector<RequestId> preempted;

  bool idle() const { return duration_s == 0; }
};

// Cumulative counters, named after the vLLM metrics they feed.
struct EngineCounters {
  int64_t prompt_tokens = 0;         // of requests that produced their first token
  int64_t generation_tokens = 0;     // output tokens sampled
  int64_t prefix_cache_queries = 0;  // tokens looked up in the prefix cache at admission
  int64_t prefix_cache_hits = 0;     // of those, tokens found
  int64_t preemptions = 0;
  int64_t finished_requests = 0;
  int64_t steps = 0;
  double busy_s = 0;  // Σ step durations
};

class Engine {
 public:
  explicit Engine(EngineProfile profile);
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // Queues a request. Errors name the field: an id in use, no prompt, max_output_tokens < 1,
  // prompt + output over max_model_len or over the whole KV cache.
  Status add_request(EngineRequest request);
  // Drops a request wherever it is (a client that went away); false when it is unknown.
  bool abort_request(RequestId id);

  // Runs one engine iteration starting at `now_s`; its outputs exist at now_s + duration_s.
  StepOutcome step(double now_s);

  // The duration of a step with these totals: the profile's formula.
  double step_duration_s(int64_t prefill_tokens, int64_t decode_sequences,
                         int64_t context_tokens) const;

  bool has_work() const { return !running_.empty() || !waiting_.empty(); }
  int64_t num_running() const { return static_cast<int64_t>(running_.size()); }
  int64_t num_waiting() const { return static_cast<int64_t>(waiting_.size()); }
  // Fraction of KV blocks in use (0..1).
  double kv_cache_usage() const { return kv_cache_.usage(); }
  const KvCache& kv_cache() const { return kv_cache_; }
  const EngineCounters& counters() const { return counters_; }
  const EngineProfile& profile() const { return profile_; }

 private:
  struct Sequence;
  struct Scheduled {
    Sequence* sequence;
    int64_t new_tokens;
  };

  int64_t blocks_for(int64_t tokens) const;
  // Makes room for `sequence` to hold `tokens` by preempting from the back of running_; false
  // when `sequence` itself had to go.
  bool make_room(Sequence& sequence, int64_t tokens, StepOutcome& outcome);
  void preempt(Sequence& sequence, StepOutcome& outcome);
  void schedule_running(int64_t& budget, std::vector<Scheduled>& batch, StepOutcome& outcome);
  void schedule_waiting(int64_t& budget, std::vector<Scheduled>& batch);
  // Admits the head of waiting_ with its cached prefix; false when its blocks do not fit.
  bool admit(Sequence& sequence, int64_t budget, int64_t& new_tokens);
  void complete(const std::vector<Scheduled>& batch, double end_s, StepOutcome& outcome);
  void cache_computed_blocks(Sequence& sequence);
  void finish(Sequence& sequence, double end_s, StepOutcome& outcome);

  EngineProfile profile_;
  KvCache kv_cache_;
  std::unordered_map<RequestId, std::unique_ptr<Sequence>> sequences_;
  std::vector<Sequence*> running_;  // admission order; preemption takes from the back
  std::deque<Sequence*> waiting_;
  EngineCounters counters_;
};

}  // namespace fulcrum::emulator
