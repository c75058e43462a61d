// JSON forms of tasks, nodes and events for the REST API and the store. A task's JSON is the
// submission format plus its state, so what the API answers can be submitted again.
#pragma once

#include <string>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include "core/node.h"
#include "core/status.h"
#include "core/task.h"
#include "scheduler/task_record.h"

namespace fulcrum {

inline constexpr int kMaxAttemptsLimit = 100;

struct TaskSubmission {
  Task task;
  int max_attempts = 0;  // 0: the configured default
};

// Reads one task object; `path` prefixes every error ("tasks[3]"). Errors in a resource quantity
// (negative, not a number) come back as kFailedPrecondition, which the API answers with 422; any
// other mistake (missing id, wrong type, unknown field) as kInvalidArgument, answered with 400.
Result<TaskSubmission> task_from_json(const boost::json::value& value, const std::string& path);

boost::json::object task_spec_json(const Task& task);
// The spec plus state, attempt, reason, exit code, times and assignments.
boost::json::object task_record_json(const TaskRecord& record);
// The inverse of task_record_json, for the store.
Result<TaskRecord> task_record_from_json(const std::string& text);

// A node as registered through the API: {"id", "cpu", "memory", "gpus", "gpu_model", "labels",
// "weight", "resources"}; errors as task_from_json.
Result<Node> node_from_json(const boost::json::value& value);
boost::json::object node_json(const Node& node, const NodeRecord& record);
// The store keeps the node (as registered, with its state) and its record.
Result<std::pair<Node, NodeRecord>> node_from_store_json(const std::string& text);

boost::json::object event_json(const Event& event);

}  // namespace fulcrum
