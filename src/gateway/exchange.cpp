#include "gateway/exchange.h"

#include "core/heap.h"

namespace fulcrum {

namespace {

// Buffers kept for reuse; more would only pin memory after a burst.
constexpr size_t kMaxPooledExchanges = 32;
constexpr uint64_t kTrimAfterFrees = 64;  // exchanges (32 KiB of buffers each) or parked frames
constexpr int64_t kTrimIntervalNs = 250'000'000;
// Fewer frees than kTrimAfterFrees are purged too once no more came for this long.
constexpr int64_t kTrimSettledNs = 1'000'000'000;

}  // namespace

void HeapTrimmer::trim_if_due(int64_t now_ns) {
  if (frees_since_trim_ == 0) return;
  const bool burst = frees_since_trim_ >= kTrimAfterFrees;
  const bool settled = now_ns - last_free_ns_ >= kTrimSettledNs;
  if ((!burst && !settled) || now_ns < next_trim_ns_) return;
  frees_since_trim_ = 0;
  next_trim_ns_ = now_ns + kTrimIntervalNs;
  release_free_heap_memory();
}

std::unique_ptr<Exchange> ExchangePool::acquire(size_t buffer_bytes) {
  if (free_.empty()) return std::make_unique<Exchange>(buffer_bytes);
  std::unique_ptr<Exchange> exchange = std::move(free_.back());
  free_.pop_back();
  return exchange;
}

void ExchangePool::release(std::unique_ptr<Exchange> exchange, size_t buffer_bytes,
                           int64_t now_ns) {
  exchange->client_filled = 0;
  exchange->upstream_filled = 0;
  exchange->out.clear();
  exchange->log_line.clear();
  if (exchange->capacity == buffer_bytes && free_.size() < kMaxPooledExchanges) {
    free_.push_back(std::move(exchange));
    return;
  }
  trimmer_.note_free(now_ns);
}

}  // namespace fulcrum
