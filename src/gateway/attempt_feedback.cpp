#include "gateway/attempt_feedback.h"

namespace fulcrum {

void AttemptFeedback::start(Backend& backend, uint64_t request_id, int64_t now_ns) {
  backend_ = &backend;
  request_id_ = request_id;
  started_ns_ = now_ns;
  observed_ = false;
  first_byte_told_ = false;
  backend.in_flight.fetch_add(1, std::memory_order_relaxed);
}

void AttemptFeedback::response_head(int status, int64_t now_ns) {
  if (backend_ == nullptr || observed_) return;
  observed_ = true;
  backend_->count_response(status);
  backend_->response_latency.record(now_ns - started_ns_);
  picker_->observe(
      {backend_->id, Nanos(now_ns - started_ns_), Nanos(now_ns), status < 500, request_id_});
}

void AttemptFeedback::finish(bool success, int64_t now_ns) {
  if (backend_ == nullptr) return;
  if (!observed_ && !success) {
    picker_->observe(
        {backend_->id, Nanos(now_ns - started_ns_), Nanos(now_ns), false, request_id_});
  }
  backend_->in_flight.fetch_sub(1, std::memory_order_relaxed);
  picker_->request_finished(request_id_, backend_->id);
  backend_ = nullptr;
}

}  // namespace fulcrum
