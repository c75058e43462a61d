#include "scheduler/task_record.h"

#include <array>

namespace fulcrum {

namespace {

constexpr std::array<std::string_view, 8> kStateNames = {
    "pending", "waiting", "queued", "placed", "running", "succeeded", "failed", "cancelled"};

}  // namespace

std::string_view task_state_name(TaskState state) {
  return kStateNames[static_cast<size_t>(state)];
}

std::optional<TaskState> parse_task_state(std::string_view name) {
  for (size_t i = 0; i < kStateNames.size(); ++i) {
    if (kStateNames[i] == name) return static_cast<TaskState>(i);
  }
  return std::nullopt;
}

bool is_terminal(TaskState state) {
  return state == TaskState::kSucceeded || state == TaskState::kFailed ||
         state == TaskState::kCancelled;
}

bool holds_resources(TaskState state) {
  return state == TaskState::kPlaced || state == TaskState::kRunning;
}

}  // namespace fulcrum
