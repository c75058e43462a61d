#include "gateway/attempt_feedback.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

namespace fulcrum {
namespace {

// Writes down every call the gateway makes, in order.
class RecordingPicker final : public Picker {
 public:
  explicit RecordingPicker(std::vector<std::string>& calls) : calls_(calls) {}
  std::string_view name() const override { return "recording"; }
  PickResult pick(const RequestView&, std::span<const BackendView>) override { return 0; }
  void observe(const Outcome& outcome) override {
    calls_.push_back("observe backend " + std::to_string(outcome.backend_id) + " request " +
                     std::to_string(outcome.request_id) + " latency " +
                     std::to_string(outcome.latency.count()) +
                     (outcome.success ? " success" : " failure"));
  }
  void first_byte(uint64_t request_id, uint32_t backend_id) override {
    calls_.push_back("first_byte " + std::to_string(request_id) + " " + std::to_string(backend_id));
  }
  void request_finished(uint64_t request_id, uint32_t backend_id) override {
    calls_.push_back("finished " + std::to_string(request_id) + " " + std::to_string(backend_id));
  }

 private:
  std::vector<std::string>& calls_;
};

class AttemptFeedbackTest : public ::testing::Test {
 protected:
  std::vector<std::string> calls_;
  std::unique_ptr<Picker> picker_ = std::make_unique<RecordingPicker>(calls_);
  Backend backend_{4, BackendConfig{"b", "127.0.0.1", 80, 1, {}}, {}};
};

TEST_F(AttemptFeedbackTest, ARelayedResponseTellsEachThingOnce) {
  {
    AttemptFeedback feedback(picker_);
    feedback.start(backend_, 9, 1000);
    EXPECT_EQ(backend_.in_flight.load(), 1u);
    feedback.response_head(200, 3000);
    feedback.body_sent(0);  // the head only: no body byte yet
    feedback.body_sent(10);
    feedback.body_sent(10);
    feedback.finish(true, 5000);
    feedback.finish(true, 6000);  // a second finish changes nothing
  }
  EXPECT_EQ(backend_.in_flight.load(), 0u);
  EXPECT_EQ(calls_, (std::vector<std::string>{"observe backend 4 request 9 latency 2000 success",
                                              "first_byte 9 4", "finished 9 4"}));
  EXPECT_EQ(backend_.response_latency.count(), 1u);
  EXPECT_EQ(backend_.responses_by_class[2].load(), 1u);
}

// The picker's contract: observe() at the head, or at a failure before one.
TEST_F(AttemptFeedbackTest, AFailureBeforeTheHeadIsObservedAsOne) {
  AttemptFeedback feedback(picker_);
  feedback.start(backend_, 9, 1000);
  feedback.finish(false, 1500);
  EXPECT_EQ(calls_, (std::vector<std::string>{"observe backend 4 request 9 latency 500 failure",
                                              "finished 9 4"}));
  EXPECT_EQ(backend_.in_flight.load(), 0u);
}

// A stale pooled connection is not the backend's failure: nothing to observe.
TEST_F(AttemptFeedbackTest, ASuccessWithoutHeadIsNotObserved) {
  AttemptFeedback feedback(picker_);
  feedback.start(backend_, 9, 1000);
  feedback.finish(true, 1500);
  EXPECT_EQ(calls_, (std::vector<std::string>{"finished 9 4"}));
}

TEST_F(AttemptFeedbackTest, AnAttemptLeftUnfinishedIsFinishedWhenItGoes) {
  {
    AttemptFeedback feedback(picker_);
    feedback.start(backend_, 9, 1000);
  }
  EXPECT_EQ(backend_.in_flight.load(), 0u);
  EXPECT_EQ(calls_, (std::vector<std::string>{"finished 9 4"}));
}

// A reload replaces the worker's picker mid-request: the feedback goes to the one in the slot.
TEST_F(AttemptFeedbackTest, FeedbackGoesToThePickerInTheSlotNow) {
  AttemptFeedback feedback(picker_);
  feedback.start(backend_, 9, 1000);
  std::vector<std::string> new_calls;
  picker_ = std::make_unique<RecordingPicker>(new_calls);
  feedback.finish(true, 2000);
  EXPECT_TRUE(calls_.empty());
  EXPECT_EQ(new_calls, (std::vector<std::string>{"finished 9 4"}));
}

}  // namespace
}  // namespace fulcrum
