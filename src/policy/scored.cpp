// Weighted scorers, as the llm-d endpoint picker. Over the eligible backends:
//   queue[b]   = (max q - q[b]) / (max q - min q)   q = waiting requests (in_flight if stale)
//   running[b] = the same over r = running requests (in_flight if stale)
//   kv[b]      = 1 - kv_cache_usage (0 if stale);  prefix[b] = matched blocks / prompt blocks
//   score[b]   = w_queue*queue + w_kv*kv + w_prefix*prefix + w_running*running   (all equal: 1)
// Highest score wins; ties by rotation. The chosen backend's prefix is recorded in the index.
#include "policy/scored.h"

#include <algorithm>
#include <limits>
#include <memory>
#include <string>

#include "core/resources.h"
#include "policy/picker_params.h"

namespace fulcrum {

namespace {

// A load signal where lower is better, rated 1 at the minimum and 0 at the maximum.
struct MinMax {
  double lowest = std::numeric_limits<double>::infinity();
  double highest = -std::numeric_limits<double>::infinity();

  void add(double value) {
    lowest = std::min(lowest, value);
    highest = std::max(highest, value);
  }
  double rate(double value) const {
    return highest > lowest ? (highest - value) / (highest - lowest) : 1.0;
  }
};

double queue_signal(const BackendView& backend) {
  return backend.load.fresh ? backend.load.queue_depth : static_cast<double>(backend.in_flight);
}

double running_signal(const BackendView& backend) {
  return backend.load.fresh ? backend.load.running : static_cast<double>(backend.in_flight);
}

// Free KV cache; a stale report is never trusted to show free space.
double free_kv(const BackendView& backend) {
  return backend.load.fresh ? 1.0 - std::clamp(backend.load.kv_cache_usage, 0.0, 1.0) : 0.0;
}

}  // namespace

PickResult ScoredPicker::pick_explained(const RequestView& request,
                                        std::span<const BackendView> backends,
                                        std::vector<CandidateScore>& scores) {
  MinMax queue;
  MinMax running;
  for (const BackendView& backend : backends) {
    if (!backend.eligible()) continue;
    queue.add(queue_signal(backend));
    running.add(running_signal(backend));
  }
  const std::size_t block_count = request.prefix_blocks.size();
  std::vector<double> totals(backends.size(), 0);
  for (std::size_t index = 0; index < backends.size(); ++index) {
    const BackendView& backend = backends[index];
    if (!backend.eligible()) continue;
    const std::size_t matched = index_.matched_blocks(request.prefix_blocks, backend.id);
    const double prefix =
        block_count == 0 ? 0 : static_cast<double>(matched) / static_cast<double>(block_count);
    const double queue_score = queue.rate(queue_signal(backend));
    const double running_score = running.rate(running_signal(backend));
    const double kv_score = free_kv(backend);
    totals[index] = config_.queue_weight * queue_score + config_.kv_weight * kv_score +
                    config_.prefix_weight * prefix + config_.running_weight * running_score;
    scores.push_back({backend.id, totals[index],
                      "queue " + format_number(queue_score) + ", kv " + format_number(kv_score) +
                          ", prefix " + std::to_string(matched) + "/" +
                          std::to_string(block_count) + ", running " +
                          format_number(running_score) + (backend.load.fresh ? "" : ", stale"),
                      matched});
  }
  std::optional<std::size_t> chosen =
      lowest_eligible(backends, rotation_.start(backends.size()),
                      [&totals](std::size_t index) { return -totals[index]; });
  rotation_.advance_past(chosen);
  if (chosen) index_.record(request.prefix_blocks, backends[*chosen].id);
  return pick_result(chosen, backends);
}

namespace {

constexpr double kMaxScorerWeight = 1000;

constexpr std::array<NumberParam<ScoredConfig>, 5> kScoredParams{{
    {"queue_weight", &ScoredConfig::queue_weight, 0, kMaxScorerWeight,
     "weight of the queue scorer (fewest waiting requests rates 1)"},
    {"kv_weight", &ScoredConfig::kv_weight, 0, kMaxScorerWeight,
     "weight of the KV-cache scorer (1 - usage)"},
    {"prefix_weight", &ScoredConfig::prefix_weight, 0, kMaxScorerWeight,
     "weight of the prefix scorer (matched / prompt blocks)"},
    {"running_weight", &ScoredConfig::running_weight, 0, kMaxScorerWeight,
     "weight of the running-requests scorer (fewest running rates 1)"},
    {"max_index_bytes", &ScoredConfig::max_index_bytes, 4096, 1e12,
     "byte cap of the prefix index; least recently used entries are evicted past it"},
}};

}  // namespace

PickerEntry scored_entry() {
  return {std::string(ScoredPicker::kName),
          "highest weighted sum of queue, KV-cache, prefix and running scorers (llm-d)",
          number_param_specs(kScoredParams),
          [](const PolicyParams& params) -> Result<std::unique_ptr<Picker>> {
            return picker_from_config<ScoredPicker>(read_number_params(params, kScoredParams));
          }};
}

}  // namespace fulcrum
