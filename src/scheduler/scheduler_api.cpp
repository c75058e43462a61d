// The scheduler's REST API under /v1 (docs/api.md): members of SchedulerService.
#include <algorithm>
#include <charconv>
#include <fstream>
#include <sstream>

#include <boost/json/array.hpp>

#include "http/json.h"
#include "http/prometheus.h"
#include "scheduler/records_json.h"
#include "scheduler/service.h"

namespace fulcrum {

namespace json = boost::json;

namespace {

constexpr int kUnprocessable = 422;
constexpr size_t kMaxLogBytes = size_t{1} << 20;
constexpr int64_t kDefaultListLimit = 1000;
constexpr int64_t kMaxListLimit = 1000000;
constexpr int64_t kEventPage = 500;
constexpr auto kStreamKeepAlive = std::chrono::seconds(15);

constexpr int kServiceUnavailable = 503;

// 400 for a malformed request, 422 for a well-formed one whose values cannot be accepted.
http::Response parse_error(const Status& status) {
  if (status.code() == ErrorCode::kFailedPrecondition) {
    return http::Response::error(kUnprocessable, "unprocessable", status.message());
  }
  return http::Response::from_status(status);
}

http::Response submit_error(const SubmitError& error) {
  switch (error.kind) {
    case SubmitErrorKind::kInvalid: return http::Response::error(400, error.message);
    case SubmitErrorKind::kDuplicate: return http::Response::error(409, error.message);
    default: return http::Response::error(kUnprocessable, "unprocessable", error.message);
  }
}

Result<std::optional<int64_t>> query_integer(const http::Request& request, std::string_view name,
                                             int64_t minimum, int64_t maximum) {
  auto text = request.query_param(name);
  if (!text) return std::optional<int64_t>();
  int64_t value = 0;
  auto [end, error] = std::from_chars(text->data(), text->data() + text->size(), value);
  if (error != std::errc() || end != text->data() + text->size() || value < minimum ||
      value > maximum) {
    return invalid_argument(std::string(name) + ": expected an integer from " +
                            std::to_string(minimum) + " to " + std::to_string(maximum) +
                            ", got \"" + *text + "\"");
  }
  return std::optional<int64_t>(value);
}

Result<std::vector<TaskSubmission>> read_submissions(const json::value& body) {
  std::vector<TaskSubmission> submissions;
  const json::object* object = body.if_object();
  if (object == nullptr || !object->contains("tasks")) {
    TaskSubmission one;
    FULCRUM_ASSIGN_OR_RETURN(one, task_from_json(body, ""));
    submissions.push_back(std::move(one));
    return submissions;
  }
  FULCRUM_RETURN_IF_ERROR(http::reject_unknown_fields(*object, {"tasks"}));
  const json::array* tasks = object->at("tasks").if_array();
  if (tasks == nullptr) {
    return invalid_argument("tasks: expected an array of tasks, got " +
                            http::to_json_text(object->at("tasks")));
  }
  if (tasks->empty()) return invalid_argument("tasks: expected at least one task");
  submissions.reserve(tasks->size());
  for (size_t i = 0; i < tasks->size(); ++i) {
    TaskSubmission submission;
    FULCRUM_ASSIGN_OR_RETURN(submission,
                             task_from_json((*tasks)[i], "tasks[" + std::to_string(i) + "]"));
    submissions.push_back(std::move(submission));
  }
  return submissions;
}

Result<std::optional<Utilization>> read_utilization(const std::string& body) {
  if (body.empty()) return std::optional<Utilization>();
  auto object = http::parse_json_object(body);
  if (!object.ok()) return object.status();
  FULCRUM_RETURN_IF_ERROR(http::reject_unknown_fields(*object, {"utilization"}));
  const json::value* value = object->if_contains("utilization");
  if (value == nullptr) return std::optional<Utilization>();
  if (!value->is_object()) {
    return invalid_argument("utilization: expected an object, got " + http::to_json_text(*value));
  }
  FULCRUM_RETURN_IF_ERROR(
      http::reject_unknown_fields(value->get_object(), {"cpu", "memory", "gpu"}));
  Utilization utilization;
  for (auto [name, target] :
       {std::pair{"cpu", &utilization.cpu}, std::pair{"memory", &utilization.memory},
        std::pair{"gpu", &utilization.gpu}}) {
    const json::value* share = value->get_object().if_contains(name);
    if (share == nullptr) continue;
    if (!share->is_number() || share->to_number<double>() < 0 || share->to_number<double>() > 1) {
      return Status(ErrorCode::kFailedPrecondition, "utilization." + std::string(name) +
                                                        ": expected a number from 0 to 1, got " +
                                                        http::to_json_text(*share));
    }
    *target = share->to_number<double>();
  }
  return std::optional<Utilization>(utilization);
}

void write_milp_metrics(const MilpPlacementMetrics& metrics, PrometheusText& out) {
  out.family("fulcrum_scheduler_milp_solve_seconds", "histogram",
             "time to decide one batch under placement: milp");
  out.histogram("fulcrum_scheduler_milp_solve_seconds", {},
                MilpPlacementMetrics::kSolveSecondsBounds, metrics.solve_seconds_counts,
                metrics.solve_seconds_sum);
  out.family("fulcrum_scheduler_milp_gap", "gauge", "relative gap of the last batch");
  out.sample("fulcrum_scheduler_milp_gap", {}, metrics.last_gap);
  out.family("fulcrum_scheduler_milp_batches_total", "counter", "batches by solve status");
  for (const auto& [status, count] : metrics.batches_by_status) {
    out.sample("fulcrum_scheduler_milp_batches_total", {{"status", status}},
               static_cast<double>(count));
  }
  out.family("fulcrum_scheduler_milp_fallbacks_total", "counter",
             "batches the fallback heuristic placed");
  out.sample("fulcrum_scheduler_milp_fallbacks_total", {}, static_cast<double>(metrics.fallbacks));
  out.family("fulcrum_scheduler_milp_late_answers_total", "counter",
             "solver answers dropped because they came after the deadline");
  out.sample("fulcrum_scheduler_milp_late_answers_total", {},
             static_cast<double>(metrics.late_answers));
}

void write_counter(PrometheusText& out, std::string_view name, std::string_view help,
                   int64_t value) {
  out.family(name, "counter", help);
  out.sample(name, {}, static_cast<double>(value));
}

}  // namespace

std::optional<http::Response> SchedulerService::refuse_access(const http::Request& request,
                                                              Access access) const {
  if (access == Access::kPublic || (config_.token.empty() && config_.read_token.empty())) {
    return std::nullopt;
  }
  std::optional<std::string_view> authorization = request.header("Authorization");
  // With only a read-only token configured, changes are refused to everyone (an empty token
  // would grant them in check_bearer).
  const http::BearerCheck writer = !config_.token.empty()
                                       ? http::check_bearer(authorization, config_.token)
                                   : authorization ? http::BearerCheck::kWrong
                                                   : http::BearerCheck::kMissing;
  const bool reader =
      !config_.read_token.empty() &&
      http::check_bearer(authorization, config_.read_token) == http::BearerCheck::kGranted;
  if (writer == http::BearerCheck::kGranted || (reader && access == Access::kRead)) {
    return std::nullopt;
  }
  if (reader) {
    return http::Response::error(403, "the read-only token cannot change anything; use the token");
  }
  return http::unauthorized_response(writer);
}

// While the store fails, no change is accepted (the held ones are retried first).
std::optional<http::Response> SchedulerService::refuse_while_store_fails(int64_t now_ms) {
  if (!store_failing()) return std::nullopt;
  Status retried = commit(now_ms);
  if (retried.ok()) return std::nullopt;
  return http::Response::error(kServiceUnavailable, retried.message());
}

void SchedulerService::add_route(std::string_view method, std::string_view pattern, Access access,
                                 http::Handler handler) {
  server_->add_route(
      method, pattern,
      [this, access, handler = std::move(handler)](const http::Request& request) {
        if (auto refused = refuse_access(request, access)) return std::move(*refused);
        if (access == Access::kWrite) {
          if (auto refused = refuse_while_store_fails(wall_now_ms())) return std::move(*refused);
        }
        return handler(request);
      },
      http::RouteOptions{""});
}

http::Response SchedulerService::committed(http::Response response, int64_t now_ms) {
  if (Status written = commit(now_ms); !written.ok()) {
    return http::Response::error(kServiceUnavailable, written.message());
  }
  return response;
}

void SchedulerService::add_routes() {
  using Request = http::Request;
  add_route("POST", "/v1/tasks", Access::kWrite,
            [this](const Request& request) { return submit_tasks(request); });
  add_route("GET", "/v1/tasks", Access::kRead,
            [this](const Request& request) { return list_tasks(request); });
  add_route("GET", "/v1/tasks/{id}", Access::kRead,
            [this](const Request& request) { return get_task(request); });
  add_route("POST", "/v1/tasks/{id}/cancel", Access::kWrite,
            [this](const Request& request) { return cancel_task(request); });
  add_route("DELETE", "/v1/tasks/{id}", Access::kWrite,
            [this](const Request& request) { return cancel_task(request); });
  add_route("GET", "/v1/tasks/{id}/logs", Access::kRead,
            [this](const Request& request) { return task_logs(request); });
  add_route("POST", "/v1/nodes", Access::kWrite,
            [this](const Request& request) { return register_node(request); });
  add_route("GET", "/v1/nodes", Access::kRead, [this](const Request&) { return list_nodes(); });
  add_route("GET", "/v1/nodes/{id}", Access::kRead,
            [this](const Request& request) { return get_node(request); });
  add_route("DELETE", "/v1/nodes/{id}", Access::kWrite,
            [this](const Request& request) { return remove_node(request); });
  struct NodeAction {
    std::string_view path;
    NodeState state;
    std::string_view reason;
  };
  for (const NodeAction& action : {NodeAction{"cordon", NodeState::kCordoned, "cordoned"},
                                   NodeAction{"uncordon", NodeState::kUp, "uncordoned"},
                                   NodeAction{"drain", NodeState::kDraining, "drained"},
                                   NodeAction{"fail", NodeState::kDown, "marked failed"}}) {
    add_route("POST", "/v1/nodes/{id}/" + std::string(action.path), Access::kWrite,
              [this, action](const Request& request) {
                return change_node(request, action.state, action.reason);
              });
  }
  add_route("POST", "/v1/nodes/{id}/heartbeat", Access::kWrite,
            [this](const Request& request) { return node_heartbeat(request); });
  add_route("GET", "/metrics", Access::kRead, [this](const Request&) { return metrics(); });
  add_route("GET", "/healthz", Access::kPublic,
            [](const Request&) { return http::Response::json(200, "{\"status\":\"ok\"}\n"); });
  // The server checks one token per stream route: the read-only one when configured.
  std::string events_token = config_.read_token.empty() ? config_.token : config_.read_token;
  server_->add_stream_route(
      "/v1/events",
      [this](const Request& request, http::EventStream& stream) {
        return stream_events(request, stream);
      },
      http::RouteOptions{events_token});
}

// --- tasks -------------------------------------------------------------------------------

http::Response SchedulerService::submit_tasks(const http::Request& request) {
  auto body = http::parse_json(request.body);
  if (!body.ok()) return http::Response::from_status(body.status());
  auto submissions = read_submissions(*body);
  if (!submissions.ok()) return parse_error(submissions.status());
  std::vector<Task> tasks;
  std::vector<int> max_attempts;
  tasks.reserve(submissions->size());
  max_attempts.reserve(submissions->size());
  for (TaskSubmission& submission : *submissions) {
    max_attempts.push_back(submission.max_attempts > 0 ? submission.max_attempts
                                                       : config_.max_attempts);
    tasks.push_back(std::move(submission.task));
  }
  bool single = !body->is_object() || !body->get_object().contains("tasks");
  int64_t now_ms = wall_now_ms();
  std::vector<std::string> ids;
  ids.reserve(tasks.size());
  for (const Task& task : tasks) ids.push_back(task.id);
  if (auto refused = core_->submit(std::move(tasks), max_attempts, now_ms)) {
    return submit_error(*refused);
  }
  if (single) {
    http::Response response =
        http::Response::json_value(201, task_record_json(*core_->find_task(ids.front())));
    response.headers.emplace_back("Location", "/v1/tasks/" + ids.front());
    return committed(std::move(response), now_ms);
  }
  json::array accepted;
  for (const std::string& id : ids) {
    accepted.push_back(
        json::object{{"id", id}, {"state", task_state_name(core_->find_task(id)->state)}});
  }
  return committed(http::Response::json_value(
                       201, json::object{{"count", ids.size()}, {"tasks", std::move(accepted)}}),
                   now_ms);
}

http::Response SchedulerService::list_tasks(const http::Request& request) const {
  std::optional<TaskState> state;
  if (auto name = request.query_param("state")) {
    state = parse_task_state(*name);
    if (!state) {
      return http::Response::error(400,
                                   "state: expected one of pending, waiting, queued, placed, "
                                   "running, succeeded, failed, cancelled, got \"" +
                                       *name + "\"");
    }
  }
  std::optional<TaskType> type;
  if (auto name = request.query_param("type")) {
    type = parse_task_type(*name);
    if (!type) {
      return http::Response::error(
          400, "type: expected one of training, inference, data, got \"" + *name + "\"");
    }
  }
  auto priority = query_integer(request, "priority", INT32_MIN, INT32_MAX);
  if (!priority.ok()) return http::Response::from_status(priority.status());
  auto limit = query_integer(request, "limit", 1, kMaxListLimit);
  if (!limit.ok()) return http::Response::from_status(limit.status());
  std::optional<std::string> node = request.query_param("node");
  json::array tasks;
  int64_t matched = 0;
  for (const std::string& id : core_->task_ids()) {
    const TaskRecord& record = *core_->find_task(id);
    if (state && record.state != *state) continue;
    if (type && record.spec.type != *type) continue;
    if (*priority && record.spec.priority != **priority) continue;
    if (node && std::none_of(record.assignments.begin(), record.assignments.end(),
                             [&](const Assignment& a) { return a.node_id == *node; })) {
      continue;
    }
    if (++matched <= limit->value_or(kDefaultListLimit)) tasks.push_back(task_record_json(record));
  }
  return http::Response::json_value(200,
                                    json::object{{"count", matched}, {"tasks", std::move(tasks)}});
}

http::Response SchedulerService::get_task(const http::Request& request) {
  std::string id(request.path_param("id"));
  const TaskRecord* record = core_->find_task(id);
  if (record == nullptr)
    return http::Response::error(404, "no task named " + http::json_string(id));
  auto events = store_->task_events(id);
  if (!events.ok()) return http::Response::from_status(events.status());
  json::object body = task_record_json(*record);
  json::array history;
  for (const Event& event : *events) history.push_back(event_json(event));
  body["history"] = std::move(history);
  return http::Response::json_value(200, body);
}

http::Response SchedulerService::cancel_task(const http::Request& request) {
  std::string id(request.path_param("id"));
  int64_t now_ms = wall_now_ms();
  Status cancelled = core_->cancel(id, "cancelled through the API", now_ms);
  if (!cancelled.ok()) return http::Response::from_status(cancelled);
  return committed(http::Response::json_value(200, task_record_json(*core_->find_task(id))),
                   now_ms);
}

http::Response SchedulerService::task_logs(const http::Request& request) const {
  std::string id(request.path_param("id"));
  if (core_->find_task(id) == nullptr) {
    return http::Response::error(404, "no task named " + http::json_string(id));
  }
  std::string stream = request.query_param("stream").value_or("stdout");
  if (stream != "stdout" && stream != "stderr") {
    return http::Response::error(400, "stream: expected stdout or stderr, got \"" + stream + "\"");
  }
  // The path comes from the task id (checked to be plain at submission), never from the request.
  auto path = executor_->log_path(id, stream);
  if (!path) {
    return http::Response::error(
        404, "the " + std::string(executor_->name()) + " executor keeps no logs");
  }
  std::ifstream file(*path, std::ios::binary | std::ios::ate);
  if (!file) return http::Response::text(200, "");
  auto size = static_cast<size_t>(file.tellg());
  size_t start = size > kMaxLogBytes ? size - kMaxLogBytes : 0;
  file.seekg(static_cast<std::streamoff>(start));
  std::string text(size - start, '\0');
  file.read(text.data(), static_cast<std::streamsize>(text.size()));
  return http::Response::text(200, std::move(text));
}

// --- nodes -------------------------------------------------------------------------------

http::Response SchedulerService::register_node(const http::Request& request) {
  auto body = http::parse_json(request.body);
  if (!body.ok()) return http::Response::from_status(body.status());
  auto node = node_from_json(*body);
  if (!node.ok()) return parse_error(node.status());
  int64_t now_ms = wall_now_ms();
  std::string id = node->id;
  Status added = core_->add_node(std::move(*node), now_ms, "registered through the API");
  if (!added.ok()) return http::Response::from_status(added);
  http::Response response = get_node_response(id);
  response.status = 201;
  response.headers.emplace_back("Location", "/v1/nodes/" + id);
  return committed(std::move(response), now_ms);
}

http::Response SchedulerService::get_node_response(const std::string& id) const {
  auto index = core_->cluster().find(id);
  if (!index) return http::Response::error(404, "no node named " + http::json_string(id));
  return http::Response::json_value(
      200, node_json(core_->cluster().node(*index), *core_->find_node(id)));
}

http::Response SchedulerService::list_nodes() const {
  json::array nodes;
  for (const Node& node : core_->cluster().nodes()) {
    nodes.push_back(node_json(node, *core_->find_node(node.id)));
  }
  return http::Response::json_value(200, json::object{{"nodes", std::move(nodes)}});
}

http::Response SchedulerService::get_node(const http::Request& request) const {
  return get_node_response(std::string(request.path_param("id")));
}

http::Response SchedulerService::change_node(const http::Request& request, NodeState state,
                                             std::string_view reason) {
  std::string id(request.path_param("id"));
  int64_t now_ms = wall_now_ms();
  Status changed =
      core_->set_node_state(id, state, std::string(reason) + " through the API", now_ms);
  if (!changed.ok()) return http::Response::from_status(changed);
  return committed(get_node_response(id), now_ms);
}

http::Response SchedulerService::remove_node(const http::Request& request) {
  std::string id(request.path_param("id"));
  http::Response last_state = get_node_response(id);
  int64_t now_ms = wall_now_ms();
  Status removed = core_->remove_node(id, now_ms);
  if (!removed.ok()) return http::Response::from_status(removed);
  return committed(std::move(last_state), now_ms);
}

http::Response SchedulerService::node_heartbeat(const http::Request& request) {
  std::string id(request.path_param("id"));
  auto utilization = read_utilization(request.body);
  if (!utilization.ok()) return parse_error(utilization.status());
  int64_t now_ms = wall_now_ms();
  Status beat = core_->heartbeat(id, *utilization, now_ms);
  if (!beat.ok()) return http::Response::from_status(beat);
  return committed(get_node_response(id), now_ms);
}

// --- metrics and events ------------------------------------------------------------------

http::Response SchedulerService::metrics() const {
  const SchedulerCounters& counters = core_->counters();
  PrometheusText out;
  out.family("fulcrum_scheduler_tasks", "gauge", "tasks by state");
  for (size_t state = 0; state < counters.tasks_by_state.size(); ++state) {
    out.sample("fulcrum_scheduler_tasks",
               {{"state", task_state_name(static_cast<TaskState>(state))}},
               static_cast<double>(counters.tasks_by_state[state]));
  }
  write_counter(out, "fulcrum_scheduler_tasks_submitted_total", "tasks submitted",
                counters.submitted);
  write_counter(out, "fulcrum_scheduler_placements_total", "tasks placed", counters.placements);
  write_counter(out, "fulcrum_scheduler_retries_total", "task runs retried", counters.retries);
  write_counter(out, "fulcrum_scheduler_preemptions_total", "tasks evicted by higher priority",
                counters.preemptions);
  write_counter(out, "fulcrum_scheduler_events_total", "events written", last_event_seq_);
  std::array<int64_t, 4> nodes_by_state{};
  ResourceVector capacity;
  ResourceVector allocated;
  for (const Node& node : core_->cluster().nodes()) {
    ++nodes_by_state[static_cast<size_t>(node.state)];
    if (node.state == NodeState::kDown) continue;
    capacity += node.capacity;
    allocated += node.allocated;
  }
  out.family("fulcrum_scheduler_nodes", "gauge", "nodes by state");
  for (size_t state = 0; state < nodes_by_state.size(); ++state) {
    out.sample("fulcrum_scheduler_nodes",
               {{"state", node_state_name(static_cast<NodeState>(state))}},
               static_cast<double>(nodes_by_state[state]));
  }
  struct Dimension {
    std::string_view name;
    int64_t capacity;
    int64_t allocated;
  };
  out.family("fulcrum_scheduler_utilization", "gauge",
             "allocated share of the capacity of nodes not down");
  for (const Dimension& dimension :
       {Dimension{"cpu", capacity.cpu_millis, allocated.cpu_millis},
        Dimension{"memory", capacity.memory_bytes, allocated.memory_bytes},
        Dimension{"gpu", capacity.gpu_milli, allocated.gpu_milli}}) {
    double share = dimension.capacity > 0 ? static_cast<double>(dimension.allocated) /
                                                static_cast<double>(dimension.capacity)
                                          : 0.0;
    out.sample("fulcrum_scheduler_utilization", {{"resource", dimension.name}}, share);
  }
  out.family("fulcrum_scheduler_queued", "gauge", "tasks waiting in the ready queue");
  out.sample("fulcrum_scheduler_queued", {}, static_cast<double>(core_->queued_count()));
  out.family("fulcrum_scheduler_store_failing", "gauge",
             "1 while the store refuses writes and changes are held");
  out.sample("fulcrum_scheduler_store_failing", {}, store_failing() ? 1.0 : 0.0);
  if (milp_solver_) write_milp_metrics(milp_metrics_, out);
  return http::Response::text(200, out.text(), std::string(kPrometheusContentType));
}

boost::asio::awaitable<void> SchedulerService::stream_events(const http::Request& request,
                                                             http::EventStream& stream) {
  auto after = query_integer(request, "after", 0, INT64_MAX);
  int64_t cursor = after.ok() && *after ? **after : last_event_seq_;
  std::shared_ptr<std::set<http::EventStream*>> streams = streams_;
  streams->insert(&stream);
  struct Leave {
    std::shared_ptr<std::set<http::EventStream*>> streams;
    http::EventStream* stream;
    ~Leave() { streams->erase(stream); }
  } leave{streams, &stream};
  Store* store = store_.get();
  for (;;) {
    auto events = store->load_events(cursor, kEventPage);
    if (!events.ok()) co_return;
    for (const Event& event : *events) {
      std::string text = http::to_json_text(event_json(event));
      bool sent = co_await stream.send_event(text, event.kind, std::to_string(event.seq));
      if (!sent) co_return;
      cursor = event.seq;
    }
    if (static_cast<int64_t>(events->size()) == kEventPage) continue;
    bool alive = co_await stream.wait(kStreamKeepAlive);
    if (!alive) co_return;
    if (last_event_seq_ > cursor) continue;
    // Nothing new for a while: a comment keeps proxies from timing the stream out.
    bool kept = co_await stream.send_comment("keep-alive");
    if (!kept) co_return;
  }
}

}  // namespace fulcrum
