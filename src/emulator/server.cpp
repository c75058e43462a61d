// Awaited results go into a named local before a condition tests them: GCC 12 miscompiles some
// coroutines that co_await inside an if/while condition.
#include "emulator/server.h"

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <functional>
#include <unordered_map>
#include <unordered_set>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>

#include "core/hash.h"
#include "core/status.h"
#include "emulator/engine.h"
#include "emulator/metrics.h"
#include "emulator/openai.h"
#include "http/prometheus.h"
#include "http/server.h"

namespace fulcrum::emulator {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;

namespace {

constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);
constexpr std::size_t kMaxBodyBytes = std::size_t{64} << 20;  // long prompts: ~4 bytes per token
constexpr std::string_view kFinishReason = "length";          // output length is always max_tokens

// A request between the HTTP handler that waits for it and the engine loop that produces it.
struct Pending {
  uint64_t seed = 0;  // picks the output words
  int64_t tokens_ready = 0;
  bool finished = false;
  bool aborted = false;  // the server stopped first
  FinishedRequest result;
  std::function<void()> notify;  // set while the handler waits
};

http::Response api_error(const ApiError& error) {
  return http::Response::json(error.status, api_error_body(error));
}

uint64_t seed_of(const std::vector<TokenId>& prompt) {
  return hash_bytes(std::string_view(reinterpret_cast<const char*>(prompt.data()),
                                     prompt.size() * sizeof(TokenId)));
}

int64_t unix_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

class EmulatorServer::State {
 public:
  State(asio::io_context& io_context, EngineProfile profile, EmulatorOptions emulator_options)
      : context(io_context),
        options(std::move(emulator_options)),
        model_name(options.served_model_name.empty() ? profile.model : options.served_model_name),
        engine(std::move(profile)),
        server(io_context, http_options(options)),
        step_timer(io_context),
        work_timer(io_context),
        epoch(Clock::now()) {}

  static http::ServerOptions http_options(const EmulatorOptions& options) {
    http::ServerOptions server_options;
    server_options.address = options.address;
    server_options.port = options.port;
    server_options.max_body_bytes = kMaxBodyBytes;
    return server_options;
  }

  double virtual_now_s() const {
    return std::chrono::duration<double>(Clock::now() - epoch).count() * options.speed;
  }
  Clock::time_point real_time_of(double virtual_s) const {
    return epoch + std::chrono::duration_cast<Clock::duration>(
                       std::chrono::duration<double>(virtual_s / options.speed));
  }

  asio::io_context& context;
  EmulatorOptions options;
  std::string model_name;
  Engine engine;
  RequestMetrics metrics;
  http::Server server;
  asio::steady_timer step_timer;  // the end of the running step
  asio::steady_timer work_timer;  // cancelled when work arrives at an idle engine
  Clock::time_point epoch;
  double step_end_s = 0;
  bool stopped = false;
  RequestId next_id = 1;
  std::unordered_map<RequestId, std::shared_ptr<Pending>> pending;
  std::ofstream request_log;  // open when options.request_log_path is set

  static asio::awaitable<void> run_engine(std::shared_ptr<State> state);
  void log_request(const std::string& id, const http::Request& http_request, int64_t prompt_tokens);
  void add_routes();
  asio::awaitable<http::Response> complete(Endpoint endpoint, const http::Request& request,
                                           http::Responder& responder);
  asio::awaitable<http::Response> answer_whole(const std::shared_ptr<Pending>& request,
                                               const ResponseHeader& header, int64_t prompt_tokens);
  asio::awaitable<void> answer_stream(const std::shared_ptr<Pending>& request, RequestId id,
                                      const ResponseHeader& header, http::EventStream& stream,
                                      bool include_usage, int64_t max_tokens);
  void abort(RequestId id);
  void deliver(const StepOutcome& outcome);
  void shut_down();
  http::Response models() const;
};

// Steps the engine back to back while it has work; each step's outputs are handed out when its
// modeled duration has passed.
asio::awaitable<void> EmulatorServer::State::run_engine(std::shared_ptr<State> state) {
  while (!state->stopped) {
    if (!state->engine.has_work()) {
      state->work_timer.expires_at(Clock::time_point::max());
      co_await state->work_timer.async_wait(kNoThrow);
      continue;
    }
    double start_s = std::max(state->step_end_s, state->virtual_now_s());
    StepOutcome outcome = state->engine.step(start_s);
    if (outcome.idle()) {
      state->step_end_s = start_s;
      state->work_timer.expires_at(Clock::time_point::max());
      co_await state->work_timer.async_wait(kNoThrow);
      continue;
    }
    state->step_end_s = start_s + outcome.duration_s;
    state->step_timer.expires_at(state->real_time_of(state->step_end_s));
    co_await state->step_timer.async_wait(kNoThrow);
    if (state->stopped) break;
    state->deliver(outcome);
  }
}

void EmulatorServer::State::add_routes() {
  for (auto [path, endpoint] : {std::pair{"/v1/completions", Endpoint::kCompletions},
                                std::pair{"/v1/chat/completions", Endpoint::kChatCompletions}}) {
    server.add_async_route(
        "POST", path, [this, endpoint](const http::Request& request, http::Responder& responder) {
          return complete(endpoint, request, responder);
        });
  }
  server.add_route("GET", "/v1/models", [this](const http::Request&) { return models(); });
  server.add_route("GET", "/health",
                   [](const http::Request&) { return http::Response::text(200, "", ""); });
  server.add_route("GET", "/metrics", [this](const http::Request&) {
    return http::Response::text(200, metrics.render(engine, model_name),
                                std::string(kPrometheusContentType));
  });
}

http::Response EmulatorServer::State::models() const {
  boost::json::object model{{"id", model_name},
                            {"object", "model"},
                            {"created", unix_seconds()},
                            {"owned_by", "fulcrum"},
                            {"max_model_len", engine.profile().max_model_len}};
  return http::Response::json_value(
      200, boost::json::object{{"object", "list"}, {"data", boost::json::array{model}}});
}

asio::awaitable<http::Response> EmulatorServer::State::complete(Endpoint endpoint,
                                                                const http::Request& http_request,
                                                                http::Responder& responder) {
  CompletionRequest request;
  std::optional<ApiError> error = parse_completion_request(endpoint, http_request.body, request);
  if (error) co_return api_error(*error);
  if (!request.model.empty() && request.model != model_name) {
    co_return api_error({404, "model", "The model `" + request.model + "` does not exist."});
  }
  RequestId id = next_id++;
  auto pending_request = std::make_shared<Pending>();
  pending_request->seed = seed_of(request.prompt);
  auto prompt_tokens = static_cast<int64_t>(request.prompt.size());
  Status added =
      engine.add_request({id, std::move(request.prompt), request.max_tokens, virtual_now_s()});
  if (!added.ok()) {
    co_return api_error(
        {400, endpoint == Endpoint::kCompletions ? "prompt" : "messages", added.message()});
  }
  pending.emplace(id, pending_request);
  work_timer.cancel();

  ResponseHeader header{
      endpoint, (endpoint == Endpoint::kCompletions ? "cmpl-" : "chatcmpl-") + std::to_string(id),
      unix_seconds(), model_name};
  if (request_log.is_open()) log_request(header.id, http_request, prompt_tokens);
  if (!request.stream) co_return co_await answer_whole(pending_request, header, prompt_tokens);
  http::EventStream* stream = co_await responder.start_event_stream();
  if (stream == nullptr) {
    abort(id);
    co_return http::Response{};
  }
  co_await answer_stream(pending_request, id, header, *stream, request.include_usage,
                         request.max_tokens);
  co_return http::Response{};
}

asio::awaitable<http::Response> EmulatorServer::State::answer_whole(
    const std::shared_ptr<Pending>& request, const ResponseHeader& header, int64_t prompt_tokens) {
  asio::steady_timer signal(context);
  request->notify = [&signal] { signal.cancel(); };
  while (!request->finished && !request->aborted) {
    signal.expires_at(Clock::time_point::max());
    co_await signal.async_wait(kNoThrow);
  }
  request->notify = nullptr;
  if (request->aborted) co_return http::Response::error(503, "the emulator is shutting down");
  std::string text;
  for (int64_t index = 0; index < request->result.output_tokens; ++index) {
    text += output_word(request->seed, index);
  }
  Usage usage{prompt_tokens, request->result.output_tokens, request->result.cached_prompt_tokens};
  co_return http::Response::json(200, completion_body(header, text, kFinishReason, usage));
}

asio::awaitable<void> EmulatorServer::State::answer_stream(const std::shared_ptr<Pending>& request,
                                                           RequestId id,
                                                           const ResponseHeader& header,
                                                           http::EventStream& stream,
                                                           bool include_usage, int64_t max_tokens) {
  request->notify = [&stream] { stream.wake(); };
  int64_t sent = 0;
  bool client_here = true;
  while (client_here) {
    for (; sent < request->tokens_ready && client_here; ++sent) {
      std::optional<std::string_view> finish;
      if (sent + 1 == max_tokens) finish = kFinishReason;
      std::string chunk = stream_chunk(header, output_word(request->seed, sent), sent == 0, finish);
      client_here = co_await stream.send_event(chunk);
    }
    if (request->finished || request->aborted || !client_here) break;
    client_here = co_await stream.wait(std::chrono::hours(1));
  }
  request->notify = nullptr;
  if (!client_here) {
    abort(id);
    co_return;
  }
  if (request->finished && include_usage) {
    Usage usage{request->result.prompt_tokens, request->result.output_tokens,
                request->result.cached_prompt_tokens};
    co_await stream.send_event(usage_chunk(header, usage));
  }
  co_await stream.send_event("[DONE]");
}

void EmulatorServer::State::abort(RequestId id) {
  engine.abort_request(id);
  pending.erase(id);
}

void EmulatorServer::State::deliver(const StepOutcome& outcome) {
  std::unordered_set<RequestId> touched;
  for (const TokenEvent& token : outcome.tokens) {
    auto found = pending.find(token.id);
    if (found == pending.end()) continue;
    found->second->tokens_ready = token.index + 1;
    touched.insert(token.id);
  }
  for (const FinishedRequest& finished : outcome.finished) {
    metrics.record(finished);
    auto found = pending.find(finished.id);
    if (found == pending.end()) continue;
    found->second->finished = true;
    found->second->result = finished;
  }
  for (RequestId id : touched) {
    auto found = pending.find(id);
    if (found == pending.end()) continue;
    std::shared_ptr<Pending> request = found->second;
    if (request->finished) pending.erase(found);
    if (request->notify) request->notify();
  }
}

void EmulatorServer::State::shut_down() {
  if (stopped) return;
  stopped = true;
  server.stop();
  step_timer.cancel();
  work_timer.cancel();
  for (auto& [id, request] : pending) {
    request->aborted = true;
    if (request->notify) request->notify();
  }
  pending.clear();
}

EmulatorServer::EmulatorServer(asio::io_context& context, EngineProfile profile,
                               EmulatorOptions options)
    : state_(std::make_shared<State>(context, std::move(profile), std::move(options))) {
  state_->add_routes();
}

EmulatorServer::~EmulatorServer() { stop(); }

// A line as the engine queues a request (flushed, so that a killed emulator leaves whole lines).
void EmulatorServer::State::log_request(const std::string& id, const http::Request& http_request,
                                        int64_t prompt_tokens) {
  boost::json::object line{
      {"queued_s", virtual_now_s()}, {"id", id}, {"prompt_tokens", prompt_tokens}};
  if (auto client_id = http_request.header("X-Request-Id")) line["request_id"] = *client_id;
  request_log << boost::json::serialize(line) << std::endl;
}

Status EmulatorServer::start() {
  if (!(state_->options.speed > 0)) {
    return invalid_argument("--speed: must be a positive number, got " +
                            std::to_string(state_->options.speed));
  }
  if (!state_->options.request_log_path.empty()) {
    state_->request_log.open(state_->options.request_log_path, std::ios::app);
    if (!state_->request_log) {
      return invalid_argument("--request-log: cannot open " + state_->options.request_log_path +
                              ": " + std::strerror(errno));
    }
  }
  FULCRUM_RETURN_IF_ERROR(state_->server.start());
  state_->epoch = Clock::now();
  asio::co_spawn(state_->context, State::run_engine(state_), asio::detached);
  return Status::ok_status();
}

uint16_t EmulatorServer::port() const { return state_->server.port(); }

const std::string& EmulatorServer::model_name() const { return state_->model_name; }

void EmulatorServer::stop() {
  asio::post(state_->context, [state = state_] { state->shut_down(); });
}

}  // namespace fulcrum::emulator
