#include "gateway/admin.h"

#include <algorithm>
#include <chrono>
#include <ctime>
#include <map>
#include <optional>
#include <string>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include "core/yaml_reader.h"
#include "gateway/metrics.h"
#include "http/json.h"

namespace fulcrum {

namespace {

constexpr size_t kMaxBodyBytes = size_t{64} * 1024;
constexpr int64_t kMaxWeight = 1000000;  // as in the config file
constexpr size_t kMaxNameBytes = 128;

// The steady clock the workers stamp backend state with (Worker::now_ns).
int64_t steady_now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// A steady-clock instant as wall-clock RFC 3339 UTC with milliseconds.
std::string wall_time_of(int64_t steady_ns, int64_t now_steady_ns) {
  auto wall =
      std::chrono::system_clock::now() + std::chrono::nanoseconds(steady_ns - now_steady_ns);
  int64_t millis =
      std::chrono::duration_cast<std::chrono::milliseconds>(wall.time_since_epoch()).count();
  std::time_t seconds = static_cast<std::time_t>(millis / 1000);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char seconds_text[32];
  std::strftime(seconds_text, sizeof seconds_text, "%Y-%m-%dT%H:%M:%S", &utc);
  int fraction_ms = static_cast<int>(millis % 1000);
  std::string text = seconds_text;
  text += '.';
  text += static_cast<char>('0' + fraction_ms / 100);
  text += static_cast<char>('0' + fraction_ms / 10 % 10);
  text += static_cast<char>('0' + fraction_ms % 10);
  text += 'Z';
  return text;
}

std::string url_of(const BackendConfig& config) {
  return "http://" + config.host + ":" + std::to_string(config.port);
}

boost::json::object backend_json(const Backend& backend, int64_t now_ns) {
  constexpr auto kRelaxed = std::memory_order_relaxed;
  int64_t ejected_until_ns = backend.ejected_until_ns.load(kRelaxed);
  bool ejected = ejected_until_ns > now_ns;
  boost::json::object labels;
  for (const auto& [key, value] : backend.config.labels) labels[key] = value;
  boost::json::object json;
  json["name"] = backend.config.name;
  json["url"] = url_of(backend.config);
  json["weight"] = backend.weight.load(kRelaxed);
  json["labels"] = std::move(labels);
  json["healthy"] = backend.healthy_at(now_ns);
  json["ejected"] = ejected;
  json["ejected_until"] =
      ejected ? boost::json::value(wall_time_of(ejected_until_ns, now_ns)) : nullptr;
  json["draining"] = backend.draining.load(kRelaxed);
  json["in_flight"] = backend.in_flight.load(kRelaxed);
  json["consecutive_failures"] = backend.consecutive_failures.load(kRelaxed);
  json["ejections"] = backend.ejections.load(kRelaxed);
  json["requests"] = backend.response_latency.count();
  return json;
}

http::Response backend_response(int status, const Backend& backend) {
  return http::Response::json_value(status, backend_json(backend, steady_now_ns()));
}

bool is_name_character(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == ':' || c == '~';
}

// Names go into URLs, the X-Fulcrum-Backend field and metric labels: keep them plain.
Status check_name(const std::string& name) {
  bool plain = !name.empty() && name.size() <= kMaxNameBytes &&
               std::all_of(name.begin(), name.end(), is_name_character);
  if (plain) return Status::ok_status();
  return invalid_argument("name: expected 1 to " + std::to_string(kMaxNameBytes) +
                          " letters, digits or - . _ : ~, got " + http::json_string(name));
}

Result<std::map<std::string, std::string>> read_labels(const boost::json::object& body) {
  std::map<std::string, std::string> labels;
  const boost::json::value* value = body.if_contains("labels");
  if (value == nullptr) return labels;
  if (!value->is_object()) {
    return invalid_argument("labels: expected an object of strings, got " +
                            http::to_json_text(*value));
  }
  for (const auto& entry : value->get_object()) {
    if (!entry.value().is_string()) {
      return invalid_argument("labels." + std::string(entry.key()) + ": expected a string, got " +
                              http::to_json_text(entry.value()));
    }
    labels[std::string(entry.key())] = std::string(entry.value().get_string());
  }
  return labels;
}

// {"name": ..., "url": ..., "weight": ..., "labels": {...}}; only url is required.
Result<BackendConfig> backend_from_json(const boost::json::object& body) {
  FULCRUM_RETURN_IF_ERROR(http::reject_unknown_fields(body, {"name", "url", "weight", "labels"}));
  std::optional<std::string> url;
  FULCRUM_ASSIGN_OR_RETURN(url, http::optional_string_field(body, "url"));
  if (!url) return invalid_argument("url: required, e.g. \"http://10.0.0.5:8000\"");
  Result<BackendConfig> parsed = parse_backend_url(*url);
  if (!parsed.ok()) return invalid_argument("url: " + parsed.error_message());
  BackendConfig config = std::move(*parsed);
  std::optional<std::string> name;
  FULCRUM_ASSIGN_OR_RETURN(name, http::optional_string_field(body, "name"));
  if (name) {
    FULCRUM_RETURN_IF_ERROR(check_name(*name));
    config.name = std::move(*name);
  }
  std::optional<int64_t> weight;
  FULCRUM_ASSIGN_OR_RETURN(weight, http::optional_int_field(body, "weight", 0, kMaxWeight));
  if (weight) config.weight = static_cast<uint32_t>(*weight);
  FULCRUM_ASSIGN_OR_RETURN(config.labels, read_labels(body));
  return config;
}

http::Response add_backend(BackendRegistry& registry, const http::Request& request) {
  auto body = http::parse_json_object(request.body);
  if (!body.ok()) return http::Response::from_status(body.status());
  auto config = backend_from_json(*body);
  if (!config.ok()) return http::Response::from_status(config.status());
  auto added = registry.add(*config);
  if (!added.ok()) return http::Response::from_status(added.status());
  http::Response response = backend_response(201, **added);
  response.headers.emplace_back("Location", "/admin/backends/" + config->name);
  return response;
}

// Runs `act` on the backend the path names, or answers 404.
template <typename Act>
http::Response with_backend(BackendRegistry& registry, const http::Request& request, Act act) {
  std::string name(request.path_param("name"));
  std::shared_ptr<Backend> backend = registry.find(name);
  if (!backend) {
    return http::Response::from_status(not_found("no backend named " + http::json_string(name)));
  }
  return act(*backend);
}

http::Response set_weight(Backend& backend, const http::Request& request) {
  auto body = http::parse_json_object(request.body);
  if (!body.ok()) return http::Response::from_status(body.status());
  Status known = http::reject_unknown_fields(*body, {"weight"});
  if (!known.ok()) return http::Response::from_status(known);
  auto weight = http::optional_int_field(*body, "weight", 0, kMaxWeight);
  if (!weight.ok()) return http::Response::from_status(weight.status());
  if (!weight->has_value()) {
    return http::Response::from_status(invalid_argument("weight: required, e.g. {\"weight\": 2}"));
  }
  backend.weight.store(static_cast<uint32_t>(**weight), std::memory_order_relaxed);
  return backend_response(200, backend);
}

http::Response list_backends(const BackendRegistry& registry) {
  int64_t now_ns = steady_now_ns();
  boost::json::array backends;
  for (const auto& backend : *registry.snapshot())
    backends.push_back(backend_json(*backend, now_ns));
  return http::Response::json_value(200, boost::json::object{{"backends", std::move(backends)}});
}

http::ServerOptions server_options(const AdminConfig& admin) {
  http::ServerOptions options;
  options.address = admin.listen.address;
  options.port = admin.listen.port;
  options.bearer_token = admin.token;
  options.max_body_bytes = kMaxBodyBytes;
  return options;
}

}  // namespace

AdminService::AdminService(const LiveConfig& config, BackendRegistry& registry, GatewayStats& stats)
    : config_(config),
      registry_(registry),
      stats_(stats),
      server_(context_, server_options(config.current()->admin)) {
  add_routes();
}

AdminService::~AdminService() { stop(); }

void AdminService::add_routes() {
  BackendRegistry& registry = registry_;
  server_.add_route("GET", "/admin/backends",
                    [&registry](const http::Request&) { return list_backends(registry); });
  server_.add_route("POST", "/admin/backends", [&registry](const http::Request& request) {
    return add_backend(registry, request);
  });
  server_.add_route("GET", "/admin/backends/{name}", [&registry](const http::Request& request) {
    return with_backend(registry, request,
                        [](Backend& backend) { return backend_response(200, backend); });
  });
  server_.add_route("DELETE", "/admin/backends/{name}", [&registry](const http::Request& request) {
    return with_backend(registry, request, [&registry](Backend& backend) {
      http::Response last_state = backend_response(200, backend);
      Status removed = registry.remove(backend.config.name);
      return removed.ok() ? last_state : http::Response::from_status(removed);
    });
  });
  auto set_draining = [&registry](bool draining) {
    return [&registry, draining](const http::Request& request) {
      return with_backend(registry, request, [draining](Backend& backend) {
        backend.draining.store(draining, std::memory_order_relaxed);
        return backend_response(200, backend);
      });
    };
  };
  server_.add_route("POST", "/admin/backends/{name}/drain", set_draining(true));
  server_.add_route("POST", "/admin/backends/{name}/undrain", set_draining(false));
  server_.add_route(
      "PUT", "/admin/backends/{name}/weight", [&registry](const http::Request& request) {
        return with_backend(registry, request,
                            [&request](Backend& backend) { return set_weight(backend, request); });
      });
  server_.add_route("GET", "/metrics", [this](const http::Request&) {
    return http::Response::text(
        200,
        render_gateway_metrics(stats_, *registry_.snapshot(), config_.current()->policy.name,
                               steady_now_ns()),
        std::string(kPrometheusContentType));
  });
  // Liveness probes carry no token.
  server_.add_route(
      "GET", "/healthz",
      [](const http::Request&) { return http::Response::json(200, "{\"status\":\"ok\"}\n"); },
      http::RouteOptions{""});
}

Status AdminService::listen() { return server_.start(); }

void AdminService::run_in_background() {
  thread_ = std::thread([this] { context_.run(); });
}

void AdminService::stop() {
  server_.stop();
  // The connections may be mid-request; the context stops without waiting for them.
  context_.stop();
  if (thread_.joinable()) thread_.join();
}

}  // namespace fulcrum
