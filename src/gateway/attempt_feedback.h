// What one attempt of a request on a backend tells its picker and the backend's counters, each in
// one place: in-flight up when the attempt starts and down when it ends, observe() at the response
// head (or at a failure before one), first_byte() at the first body byte the client gets, and
// request_finished() at the end, whichever way the attempt ends.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

#include "gateway/backends.h"
#include "policy/picker.h"

namespace fulcrum {

class AttemptFeedback {
 public:
  // `picker` is the worker's slot, read at each call: a reload may replace the picker meanwhile.
  explicit AttemptFeedback(const std::unique_ptr<Picker>& picker) : picker_(picker) {}
  // An attempt left unfinished (its coroutine ended early) finishes as a success.
  ~AttemptFeedback() { finish(true, started_ns_); }
  AttemptFeedback(const AttemptFeedback&) = delete;
  AttemptFeedback& operator=(const AttemptFeedback&) = delete;

  // The attempt on `backend` begins: one more request in flight there.
  void start(Backend& backend, uint64_t request_id, int64_t now_ns);
  // The response head arrived: the picker observes the latency, the backend counts the status.
  void response_head(int status, int64_t now_ns);
  // `bytes` of response body went to the client; the first non-empty call tells first_byte().
  void body_sent(std::size_t bytes) {
    if (bytes == 0 || first_byte_told_ || backend_ == nullptr) return;
    first_byte_told_ = true;
    picker_->first_byte(request_id_, backend_->id);
  }
  // The attempt is over. A failure before the response head is observed as one (`success` false);
  // in flight goes down and the picker hears request_finished(). Later calls do nothing.
  void finish(bool success, int64_t now_ns);

 private:
  const std::unique_ptr<Picker>& picker_;
  Backend* backend_ = nullptr;  // null when no attempt is in progress
  uint64_t request_id_ = 0;
  int64_t started_ns_ = 0;
  bool observed_ = false;
  bool first_byte_told_ = false;
};

}  // namespace fulcrum
