#include "emulator/engine.h"

#include <algorithm>
#include <cassert>
#include <string>

namespace fulcrum::emulator {

struct Engine::Sequence {
  EngineRequest request;
  std::vector<uint64_t> prompt_hashes;  // chain hashes of the prompt's full blocks
  std::vector<BlockId> blocks;
  int64_t computed_tokens = 0;  // tokens whose KV is in `blocks`
  int64_t named_blocks = 0;     // leading blocks already offered to the prefix cache
  int64_t output_tokens = 0;
  int64_t cached_prompt_tokens = 0;
  bool admitted_before = false;
  double first_token_s = 0;

  int64_t prompt_tokens() const { return static_cast<int64_t>(request.prompt.size()); }
  int64_t known_tokens() const { return prompt_tokens() + output_tokens; }
};

Engine::Engine(EngineProfile profile)
    : profile_(std::move(profile)), kv_cache_(profile_.num_gpu_blocks, profile_.block_size) {}

Engine::~Engine() = default;

int64_t Engine::blocks_for(int64_t tokens) const {
  return (tokens + profile_.block_size - 1) / profile_.block_size;
}

double Engine::step_duration_s(int64_t prefill_tokens, int64_t decode_sequences,
                               int64_t context_tokens) const {
  return profile_.step_overhead_s +
         profile_.prefill_per_token_s * static_cast<double>(prefill_tokens) +
         profile_.decode_per_sequence_s * static_cast<double>(decode_sequences) +
         profile_.attention_per_context_token_s * static_cast<double>(context_tokens);
}

Status Engine::add_request(EngineRequest request) {
  if (sequences_.contains(request.id)) {
    return invalid_argument("request id " + std::to_string(request.id) + " is in use");
  }
  if (request.prompt.empty()) return invalid_argument("prompt: must have at least one token");
  if (request.max_output_tokens < 1) {
    return invalid_argument("max_tokens: must be at least 1, got " +
                            std::to_string(request.max_output_tokens));
  }
  int64_t total = static_cast<int64_t>(request.prompt.size()) + request.max_output_tokens;
  if (total > profile_.max_model_len) {
    return invalid_argument("prompt (" + std::to_string(request.prompt.size()) +
                            " tokens) + max_tokens (" + std::to_string(request.max_output_tokens) +
                            ") exceeds max_model_len " + std::to_string(profile_.max_model_len));
  }
  if (blocks_for(total) > profile_.num_gpu_blocks) {
    return invalid_argument(
        "prompt + max_tokens (" + std::to_string(total) + " tokens) exceeds the KV cache (" +
        std::to_string(profile_.num_gpu_blocks * profile_.block_size) + " tokens)");
  }
  auto sequence = std::make_unique<Sequence>();
  if (profile_.enable_prefix_caching) {
    sequence->prompt_hashes = hash_full_blocks(request.prompt, profile_.block_size);
  }
  sequence->request = std::move(request);
  waiting_.push_back(sequence.get());
  sequences_.emplace(sequence->request.id, std::move(sequence));
  return Status::ok_status();
}

bool Engine::abort_request(RequestId id) {
  auto found = sequences_.find(id);
  if (found == sequences_.end()) return false;
  Sequence* sequence = found->second.get();
  std::erase(running_, sequence);
  std::erase(waiting_, sequence);
  kv_cache_.release(sequence->blocks);
  sequences_.erase(found);
  return true;
}

StepOutcome Engine::step(double now_s) {
  StepOutcome outcome;
  std::vector<Scheduled> batch;
  int64_t budget = profile_.max_num_batched_tokens;
  schedule_running(budget, batch, outcome);
  // As vLLM: no admissions in a step that had to preempt, unless nothing else could run.
  if (outcome.preempted.empty() || batch.empty()) schedule_waiting(budget, batch);
  if (batch.empty()) return outcome;

  for (const auto& [sequence, new_tokens] : batch) {
    bool decoding = sequence->output_tokens > 0 && new_tokens == 1 &&
                    sequence->computed_tokens + 1 == sequence->known_tokens();
    if (decoding) {
      ++outcome.decode_sequences;
    } else {
      outcome.prefill_tokens += new_tokens;
    }
    outcome.context_tokens += sequence->computed_tokens + new_tokens;
  }
  outcome.duration_s =
      step_duration_s(outcome.prefill_tokens, outcome.decode_sequences, outcome.context_tokens);
  ++counters_.steps;
  counters_.busy_s += outcome.duration_s;
  complete(batch, now_s + outcome.duration_s, outcome);
  return outcome;
}

void Engine::schedule_running(int64_t& budget, std::vector<Scheduled>& batch,
                              StepOutcome& outcome) {
  for (std::size_t index = 0; index < running_.size() && budget > 0; ++index) {
    Sequence& sequence = *running_[index];
    int64_t new_tokens = std::min(sequence.known_tokens() - sequence.computed_tokens, budget);
    if (!make_room(sequence, sequence.computed_tokens + new_tokens, outcome)) break;
    batch.push_back({&sequence, new_tokens});
    budget -= new_tokens;
  }
}

bool Engine::make_room(Sequence& sequence, int64_t tokens, StepOutcome& outcome) {
  int64_t needed = blocks_for(tokens) - static_cast<int64_t>(sequence.blocks.size());
  while (needed > kv_cache_.free_blocks()) {
    Sequence* victim = running_.back();
    preempt(*victim, outcome);
    if (victim == &sequence) return false;
  }
  bool allocated = kv_cache_.allocate(std::max<int64_t>(needed, 0), sequence.blocks);
  assert(allocated);
  (void)allocated;
  return true;
}

void Engine::preempt(Sequence& sequence, StepOutcome& outcome) {
  assert(running_.back() == &sequence);
  running_.pop_back();
  kv_cache_.release(sequence.blocks);
  sequence.computed_tokens = 0;
  sequence.named_blocks = 0;
  waiting_.push_front(&sequence);
  ++counters_.preemptions;
  outcome.preempted.push_back(sequence.request.id);
}

void Engine::schedule_waiting(int64_t& budget, std::vector<Scheduled>& batch) {
  while (!waiting_.empty() && budget > 0 &&
         static_cast<int64_t>(running_.size()) < profile_.max_num_seqs) {
    Sequence& sequence = *waiting_.front();
    int64_t new_tokens = 0;
    if (!admit(sequence, budget, new_tokens)) break;
    waiting_.pop_front();
    running_.push_back(&sequence);
    batch.push_back({&sequence, new_tokens});
    budget -= new_tokens;
  }
}

bool Engine::admit(Sequence& sequence, int64_t budget, int64_t& new_tokens) {
  // At least one token is computed, so that the step samples from fresh logits.
  int64_t reusable_blocks = (sequence.known_tokens() - 1) / profile_.block_size;
  KvCache::PrefixMatch match = kv_cache_.match_prefix(sequence.prompt_hashes, reusable_blocks);
  int64_t cached_tokens = match.blocks * profile_.block_size;
  new_tokens = std::min(sequence.known_tokens() - cached_tokens, budget);
  int64_t fresh_blocks = blocks_for(cached_tokens + new_tokens) - match.blocks;
  if (fresh_blocks > kv_cache_.free_blocks() - match.unreferenced_blocks) return false;

  kv_cache_.acquire_prefix(sequence.prompt_hashes, match.blocks, sequence.blocks);
  bool allocated = kv_cache_.allocate(fresh_blocks, sequence.blocks);
  assert(allocated);
  (void)allocated;
  sequence.computed_tokens = cached_tokens;
  sequence.named_blocks = match.blocks;
  if (profile_.enable_prefix_caching) {
    counters_.prefix_cache_queries += sequence.known_tokens();
    counters_.prefix_cache_hits += cached_tokens;
  }
  if (!sequence.admitted_before) {
    sequence.cached_prompt_tokens = cached_tokens;
    sequence.admitted_before = true;
  }
  return true;
}

void Engine::complete(const std::vector<Scheduled>& batch, double end_s, StepOutcome& outcome) {
  for (const auto& [sequence, new_tokens] : batch) {
    sequence->computed_tokens += new_tokens;
    cache_computed_blocks(*sequence);
    if (sequence->computed_tokens < sequence->known_tokens()) continue;  // prefill continues
    outcome.tokens.push_back({sequence->request.id, sequence->output_tokens});
    if (sequence->output_tokens == 0) {
      sequence->first_token_s = end_s;
      counters_.prompt_tokens += sequence->prompt_tokens();
    }
    ++sequence->output_tokens;
    ++counters_.generation_tokens;
    if (sequence->output_tokens == sequence->request.max_output_tokens) {
      finish(*sequence, end_s, outcome);  // destroys *sequence
    }
  }
}

void Engine::cache_computed_blocks(Sequence& sequence) {
  auto full_blocks = std::min<int64_t>(
      std::min(sequence.computed_tokens, sequence.prompt_tokens()) / profile_.block_size,
      static_cast<int64_t>(sequence.prompt_hashes.size()));
  for (; sequence.named_blocks < full_blocks; ++sequence.named_blocks) {
    auto index = static_cast<std::size_t>(sequence.named_blocks);
    kv_cache_.cache_full_block(sequence.blocks[index], sequence.prompt_hashes[index]);
  }
}

void Engine::finish(Sequence& sequence, double end_s, StepOutcome& outcome) {
  FinishedRequest finished;
  finished.id = sequence.request.id;
  finished.prompt_tokens = sequence.prompt_tokens();
  finished.output_tokens = sequence.output_tokens;
  finished.cached_prompt_tokens = sequence.cached_prompt_tokens;
  finished.arrival_s = sequence.request.arrival_s;
  finished.first_token_s = sequence.first_token_s;
  finished.finish_s = end_s;
  outcome.finished.push_back(finished);
  ++counters_.finished_requests;
  std::erase(running_, &sequence);
  kv_cache_.release(sequence.blocks);
  sequences_.erase(finished.id);
}

}  // namespace fulcrum::emulator
