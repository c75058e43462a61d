#include "gateway/failover.h"

namespace fulcrum {

namespace {

constexpr uint64_t kRetryBudgetFloor = 10;

FailoverDecision fail(int status, FailureCause cause, bool backend_failed) {
  return {FailoverAction::kFail, status, cause, false, backend_failed};
}

bool may_retry(const AttemptFacts& facts) {
  return facts.replayable && facts.retries_left > 0 && facts.within_budget;
}

}  // namespace

FailoverDecision decide_failover(const AttemptFacts& facts) {
  if (facts.head_received) {
    if (is_retryable_status(facts.status) && may_retry(facts)) {
      return {FailoverAction::kRetryElsewhere, 0, FailureCause::kNone, false, true};
    }
    return {FailoverAction::kRelay, 0, FailureCause::kNone, false, facts.status >= 500};
  }
  if (facts.expired == AttemptDeadline::kTotal) return fail(504, FailureCause::kTotalTimeout, true);
  if (facts.expired == AttemptDeadline::kFirstByte) {
    return fail(504, FailureCause::kFirstByteTimeout, true);
  }
  // A pooled connection the backend had closed (keep-alive timeout) is not the backend's fault.
  const bool stale = facts.pooled_connection;
  // A backend that could not be reached is unavailable (503); one that took the request and then
  // failed is a bad gateway (502).
  const int status = facts.connected ? 502 : 503;
  const FailureCause cause = facts.connected ? FailureCause::kFailed : FailureCause::kUnreachable;
  if (!facts.replayable) return {FailoverAction::kFail, status, cause, true, !stale};
  if (stale && !facts.stale_retry_used) {
    return {FailoverAction::kRetryFreshConnection, 0, FailureCause::kNone, false, false};
  }
  if (!may_retry(facts)) return fail(status, cause, !stale);
  return {FailoverAction::kRetryElsewhere, 0, FailureCause::kNone, false, !stale};
}

std::string failure_message(const FailoverDecision& decision, std::string_view backend_name,
                            int64_t total_timeout_ms) {
  const std::string backend = "backend \"" + std::string(backend_name) + "\"";
  std::string message;
  switch (decision.cause) {
    case FailureCause::kTotalTimeout:
      message = "no complete response within timeouts.total (" + std::to_string(total_timeout_ms) +
                "ms); last " + backend;
      break;
    case FailureCause::kFirstByteTimeout: message = backend + " did not answer in time"; break;
    case FailureCause::kUnreachable: message = backend + " is unreachable"; break;
    case FailureCause::kFailed:
    case FailureCause::kNone: message = backend + " failed"; break;
  }
  if (decision.not_replayable) message += " and the request cannot be replayed";
  return message;
}

void RetryState::after(const FailoverDecision& decision, uint32_t backend_id) {
  if (decision.action == FailoverAction::kRetryFreshConnection) stale_retry_used_ = true;
  if (decision.action != FailoverAction::kRetryElsewhere) return;
  --retries_left_;
  if (excluded_count_ < excluded_.size()) excluded_[excluded_count_++] = backend_id;
}

bool within_retry_budget(uint64_t requests, uint64_t retries, double budget_ratio) {
  return static_cast<double>(retries) <
         budget_ratio * static_cast<double>(requests) + kRetryBudgetFloor;
}

}  // namespace fulcrum
