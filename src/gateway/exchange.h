// Per-request working memory of a client connection (the Exchange), and the worker's pool of them:
// idle connections hold no buffers, and a burst of frees is handed back to the kernel.
#pragma once

#include <array>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/access_log.h"
#include "http/parser.h"
#include "http/writer.h"
#include "llm/request_inspection.h"

namespace fulcrum {

struct Exchange {
  explicit Exchange(size_t buffer_bytes)
      : client_buffer(std::make_unique<char[]>(buffer_bytes)),
        upstream_buffer(std::make_unique<char[]>(buffer_bytes)),
        capacity(buffer_bytes),
        client_capacity(buffer_bytes) {}

  std::unique_ptr<char[]> client_buffer;
  std::unique_ptr<char[]> upstream_buffer;
  size_t capacity;           // of upstream_buffer, and of client_buffer as first allocated
  size_t client_capacity;    // of client_buffer: grows to hold a body that routing reads
  size_t client_filled = 0;  // bytes of client_buffer holding data
  size_t upstream_filled = 0;
  http::RequestHead request;
  http::ResponseHead response;
  http::OutputBuffer out;

  // About the request in progress, for retries, X-Request-Id and the access log.
  int64_t started_ns = 0;        // when its head was read
  uint64_t bytes_to_client = 0;  // of its response, head included
  int attempts = 0;              // backends tried
  std::array<char, 24> generated_request_id{};
  uint8_t generated_request_id_length = 0;  // 0: the client sent X-Request-Id
  AccessLogLine log_line;

  uint64_t request_number = 0;  // the picker's request id
  InspectedRequest inspected;   // filled when the policy or model routing reads the body
  bool debug = false;           // X-Fulcrum-Debug with the admin token: explain the decision
  std::string decision;         // the last pick's explanation, sent as X-Fulcrum-Decision

  // Makes client_buffer hold at least `bytes`, keeping its contents (views into it go stale).
  void grow_client_buffer(size_t bytes) {
    if (bytes <= client_capacity) return;
    auto bigger = std::make_unique<char[]>(bytes);
    std::memcpy(bigger.get(), client_buffer.get(), client_filled);
    client_buffer = std::move(bigger);
    client_capacity = bytes;
  }

  std::string_view generated_request_id_view() const {
    return {generated_request_id.data(), generated_request_id_length};
  }

  std::string_view client_bytes() const { return {client_buffer.get(), client_filled}; }
  std::string_view upstream_bytes() const { return {upstream_buffer.get(), upstream_filled}; }
};

// Buffers and coroutine frames freed after a burst leave free pages among the live connection
// objects that the allocator keeps by default; a purge hands them back to the kernel (as HAProxy
// does after releasing pools). At most once per interval, during a burst of frees or once it has
// settled.
class HeapTrimmer {
 public:
  // An exchange was freed or a parked connection's coroutine frame was.
  void note_free(int64_t now_ns) {
    ++frees_since_trim_;
    last_free_ns_ = now_ns;
  }
  // Called by the worker's tick; purges when due.
  void trim_if_due(int64_t now_ns);

 private:
  uint64_t frees_since_trim_ = 0;
  int64_t last_free_ns_ = 0;
  int64_t next_trim_ns_ = 0;
};

// The worker's free exchanges. Release counts frees toward the next heap purge.
class ExchangePool {
 public:
  explicit ExchangePool(HeapTrimmer& trimmer) : trimmer_(trimmer) {}

  // A pooled exchange whose buffers are `buffer_bytes` long, or a new one.
  std::unique_ptr<Exchange> acquire(size_t buffer_bytes);
  // Keeps `exchange` for reuse when its buffers are `buffer_bytes` long (limits.header_bytes, which
  // a reload may change) and the pool is not full; frees it otherwise.
  void release(std::unique_ptr<Exchange> exchange, size_t buffer_bytes, int64_t now_ns);
  size_t pooled() const { return free_.size(); }

 private:
  HeapTrimmer& trimmer_;
  std::vector<std::unique_ptr<Exchange>> free_;
};

}  // namespace fulcrum
