// What the gateway does after one attempt of a request on a backend: relay the response, try
// another backend, or answer the client with an error. Pure: the session gathers the facts, this
// decides, the session acts.
//
//   head received, status worth retrying (502/503), replayable, retry left and within budget
//                                                         -> retry on another backend
//   head received otherwise                               -> relay it
//   timeouts.total passed                                 -> fail 504
//   timeouts.first_byte passed                            -> fail 504
//   body not replayable                                   -> fail 503 unreachable / 502 failed
//   a reused keep-alive connection failed, first time     -> retry on a fresh connection, same
//                                                            backend, no retry counted
//   no retry left, or over budget                         -> fail 503 unreachable / 502 failed
//   else                                                  -> retry on another backend
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace fulcrum {

enum class AttemptDeadline : uint8_t { kNone, kFirstByte, kTotal };

struct AttemptFacts {
  bool connected = false;          // a connection to the backend was made (or taken from the pool)
  bool head_received = false;      // a final response head arrived
  int status = 0;                  // its status, when it arrived
  bool replayable = false;         // the whole request is still in the buffer
  int retries_left = 0;            // retries.attempts minus those already made
  bool within_budget = false;      // the retry budget allows one more
  bool pooled_connection = false;  // the connection had served a request before (keep-alive)
  bool stale_retry_used = false;   // a stale pooled connection was already retried once
  AttemptDeadline expired = AttemptDeadline::kNone;
};

enum class FailoverAction : uint8_t {
  kRelay,                 // send the received response to the client
  kRetryElsewhere,        // pick another backend (counts a retry, excludes this backend)
  kRetryFreshConnection,  // same request again on a new connection, not counted as a retry
  kFail,                  // answer `status` to the client
};

// Why a request fails, for the error message.
enum class FailureCause : uint8_t {
  kNone,
  kTotalTimeout,  // timeouts.total passed
  kFirstByteTimeout,
  kUnreachable,  // no connection could be made
  kFailed,       // the backend took the request and then failed
};

struct FailoverDecision {
  FailoverAction action = FailoverAction::kRelay;
  int status = 0;  // the error to answer when kFail
  FailureCause cause = FailureCause::kNone;
  bool not_replayable = false;  // kFail because the body could not be sent again
  // Whether the attempt counts against the backend's passive health (a stale pooled connection
  // does not; for kRelay, whether the status is a 5xx).
  bool backend_failed = false;

  friend bool operator==(const FailoverDecision&, const FailoverDecision&) = default;
};

FailoverDecision decide_failover(const AttemptFacts& facts);

// The error message of a failed request, e.g. `backend "b" is unreachable`.
std::string failure_message(const FailoverDecision& decision, std::string_view backend_name,
                            int64_t total_timeout_ms);

// What one request has used of its retries, across its attempts.
class RetryState {
 public:
  explicit RetryState(int attempts) : retries_left_(attempts) {}

  int retries_left() const { return retries_left_; }
  bool stale_retry_used() const { return stale_retry_used_; }
  // The backends the next pick skips: those already tried and failed.
  std::span<const uint32_t> excluded() const { return {excluded_.data(), excluded_count_}; }
  // Takes a retry decision on `backend_id` into account.
  void after(const FailoverDecision& decision, uint32_t backend_id);

 private:
  static constexpr std::size_t kMaxExcluded = 16;
  std::array<uint32_t, kMaxExcluded> excluded_{};
  std::size_t excluded_count_ = 0;
  int retries_left_;
  bool stale_retry_used_ = false;
};

// The retry budget: retries stay under budget_ratio of requests, plus a small floor so that a
// quiet gateway can still retry.
bool within_retry_budget(uint64_t requests, uint64_t retries, double budget_ratio);

// Status codes a different backend may answer better.
inline bool is_retryable_status(int status) { return status == 502 || status == 503; }

}  // namespace fulcrum
