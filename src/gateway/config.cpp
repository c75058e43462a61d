#include "gateway/config.h"

#include <charconv>
#include <optional>

#include "http/server.h"
#include "policy/registry.h"

namespace fulcrum {

namespace {

Result<uint16_t> parse_port(std::string_view text) {
  unsigned value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || value == 0 || value > 65535) {
    return invalid_argument("expected a port in [1, 65535], got \"" + std::string(text) + "\"");
  }
  return static_cast<uint16_t>(value);
}

Result<uint16_t> read_port(const YamlValue& value) {
  auto port = value.as_int(1, 65535);
  if (!port.ok()) return port.status();
  return static_cast<uint16_t>(*port);
}

// `{address: 127.0.0.1, port: 8080}` or "127.0.0.1:8080" or a bare port.
Result<ListenAddress> read_listen(const YamlValue& value, ListenAddress fallback) {
  if (value.is_map()) {
    FULCRUM_RETURN_IF_ERROR(value.expect_map({"address", "port"}));
    if (value.has("address"))
      FULCRUM_ASSIGN_OR_RETURN(fallback.address, value["address"].as_string());
    FULCRUM_ASSIGN_OR_RETURN(fallback.port, read_port(value["port"]));
    return fallback;
  }
  std::string text;
  FULCRUM_ASSIGN_OR_RETURN(text, value.as_string());
  size_t colon = text.rfind(':');
  if (colon != std::string::npos) {
    fallback.address = text.substr(0, colon);
    text = text.substr(colon + 1);
  }
  auto port = parse_port(text);
  if (!port.ok()) return value.error(port.error_message());
  fallback.port = *port;
  return fallback;
}

Result<std::vector<ListenAddress>> read_listeners(const YamlValue& value) {
  std::vector<ListenAddress> listeners;
  if (!value.is_sequence()) {
    ListenAddress listen;
    FULCRUM_ASSIGN_OR_RETURN(listen, read_listen(value, ListenAddress{}));
    listeners.push_back(listen);
    return listeners;
  }
  for (const YamlValue& item : value.items()) {
    ListenAddress listen;
    FULCRUM_ASSIGN_OR_RETURN(listen, read_listen(item, ListenAddress{}));
    listeners.push_back(listen);
  }
  if (listeners.empty()) return value.error("expected at least one listener");
  return listeners;
}

Result<BackendConfig> read_backend(const YamlValue& value) {
  if (value.is_scalar()) {
    std::string url;
    FULCRUM_ASSIGN_OR_RETURN(url, value.as_string());
    auto backend = parse_backend_url(url);
    if (!backend.ok()) return value.error(backend.error_message());
    return backend;
  }
  FULCRUM_RETURN_IF_ERROR(value.expect_map({"name", "url", "weight", "labels"}));
  std::string url;
  FULCRUM_ASSIGN_OR_RETURN(url, value["url"].as_string());
  auto parsed = parse_backend_url(url);
  if (!parsed.ok()) return value["url"].error(parsed.error_message());
  BackendConfig backend = *parsed;
  if (value.has("name")) FULCRUM_ASSIGN_OR_RETURN(backend.name, value["name"].as_string());
  if (value.has("weight")) {
    int64_t weight = 0;
    FULCRUM_ASSIGN_OR_RETURN(weight, value["weight"].as_int(0, 1000000));
    backend.weight = static_cast<uint32_t>(weight);
  }
  if (value.has("labels"))
    FULCRUM_ASSIGN_OR_RETURN(backend.labels, value["labels"].as_string_map());
  return backend;
}

// Reads `key` of `section` as a duration into `target` when present.
Status read_duration_into(const YamlValue& section, std::string_view key, int64_t& target) {
  if (!section.has(key)) return Status::ok_status();
  FULCRUM_ASSIGN_OR_RETURN(target, read_duration_ms(section[key]));
  return Status::ok_status();
}

Status read_bytes_into(const YamlValue& section, std::string_view key, int64_t& target) {
  if (!section.has(key)) return Status::ok_status();
  FULCRUM_ASSIGN_OR_RETURN(target, read_memory_bytes(section[key]));
  return Status::ok_status();
}

Status read_int_into(const YamlValue& section, std::string_view key, int64_t minimum,
                     int64_t maximum, auto& target) {
  if (!section.has(key)) return Status::ok_status();
  int64_t value = 0;
  FULCRUM_ASSIGN_OR_RETURN(value, section[key].as_int(minimum, maximum));
  target = static_cast<std::remove_reference_t<decltype(target)>>(value);
  return Status::ok_status();
}

Status read_timeouts(const YamlValue& value, GatewayTimeouts& timeouts) {
  if (value.is_null()) return Status::ok_status();
  FULCRUM_RETURN_IF_ERROR(value.expect_map({"connect", "header", "first_byte", "idle", "total"}));
  FULCRUM_RETURN_IF_ERROR(read_duration_into(value, "connect", timeouts.connect_ms));
  FULCRUM_RETURN_IF_ERROR(read_duration_into(value, "header", timeouts.header_ms));
  FULCRUM_RETURN_IF_ERROR(read_duration_into(value, "first_byte", timeouts.first_byte_ms));
  FULCRUM_RETURN_IF_ERROR(read_duration_into(value, "idle", timeouts.idle_ms));
  return read_duration_into(value, "total", timeouts.total_ms);
}

Status read_limits(const YamlValue& value, GatewayLimits& limits) {
  if (value.is_null()) return Status::ok_status();
  FULCRUM_RETURN_IF_ERROR(value.expect_map({"header_bytes", "body_bytes", "inspect_body_bytes",
                                            "connections", "upstream_idle_per_backend"}));
  FULCRUM_RETURN_IF_ERROR(read_bytes_into(value, "header_bytes", limits.header_bytes));
  if (limits.header_bytes < 1024 || limits.header_bytes > 1024 * 1024) {
    return value["header_bytes"].error("expected between 1Ki and 1Mi");
  }
  FULCRUM_RETURN_IF_ERROR(read_bytes_into(value, "body_bytes", limits.body_bytes));
  FULCRUM_RETURN_IF_ERROR(read_bytes_into(value, "inspect_body_bytes", limits.inspect_body_bytes));
  if (limits.inspect_body_bytes < 1024 || limits.inspect_body_bytes > 256LL * 1024 * 1024) {
    return value["inspect_body_bytes"].error("expected between 1Ki and 256Mi");
  }
  FULCRUM_RETURN_IF_ERROR(read_int_into(value, "connections", 1, 10000000, limits.connections));
  return read_int_into(value, "upstream_idle_per_backend", 0, 100000,
                       limits.upstream_idle_per_backend);
}

Status read_retries(const YamlValue& value, RetryConfig& retries) {
  if (value.is_null()) return Status::ok_status();
  FULCRUM_RETURN_IF_ERROR(value.expect_map({"attempts", "budget_ratio"}));
  FULCRUM_RETURN_IF_ERROR(read_int_into(value, "attempts", 0, 10, retries.attempts));
  if (value.has("budget_ratio")) {
    FULCRUM_ASSIGN_OR_RETURN(retries.budget_ratio, value["budget_ratio"].as_double(0, 1));
  }
  return Status::ok_status();
}

Status read_passive_health(const YamlValue& value, PassiveHealthConfig& passive) {
  if (value.is_null()) return Status::ok_status();
  FULCRUM_RETURN_IF_ERROR(
      value.expect_map({"consecutive_failures", "base_ejection", "max_ejection"}));
  FULCRUM_RETURN_IF_ERROR(
      read_int_into(value, "consecutive_failures", 0, 1000, passive.consecutive_failures));
  FULCRUM_RETURN_IF_ERROR(read_duration_into(value, "base_ejection", passive.base_ejection_ms));
  return read_duration_into(value, "max_ejection", passive.max_ejection_ms);
}

// `expect_status: 200` or "200-299".
Status read_expected_status(const YamlValue& value, HealthCheckConfig& check) {
  std::string text;
  FULCRUM_ASSIGN_OR_RETURN(text, value.as_string());
  size_t dash = text.find('-');
  auto parse_code = [](std::string_view code_text) -> std::optional<int> {
    int code = 0;
    auto [end, error] =
        std::from_chars(code_text.data(), code_text.data() + code_text.size(), code);
    if (error != std::errc() || end != code_text.data() + code_text.size()) return std::nullopt;
    if (code < 100 || code > 599) return std::nullopt;
    return code;
  };
  std::optional<int> low = parse_code(std::string_view(text).substr(0, dash));
  std::optional<int> high =
      dash == std::string::npos ? low : parse_code(std::string_view(text).substr(dash + 1));
  if (!low || !high || *low > *high) {
    return value.error("expected a status such as 200 or a range such as 200-399, got \"" + text +
                       "\"");
  }
  check.expect_status_min = *low;
  check.expect_status_max = *high;
  return Status::ok_status();
}

// The `path` a probe requests, when present: absolute, with nothing that would break the request
// line. `example` is named in the error.
Status read_probe_path(const YamlValue& section, std::string_view example, std::string& path) {
  if (!section.has("path")) return Status::ok_status();
  FULCRUM_ASSIGN_OR_RETURN(path, section["path"].as_string());
  if (path.empty() || path.front() != '/' || path.find_first_of(" \r\n\t") != std::string::npos) {
    return section["path"].error("expected an absolute path without spaces, such as " +
                                 std::string(example));
  }
  return Status::ok_status();
}

Status read_health_check(const YamlValue& value, HealthCheckConfig& check) {
  if (value.is_null()) return Status::ok_status();
  FULCRUM_RETURN_IF_ERROR(
      value.expect_map({"path", "interval", "timeout", "rise", "fall", "expect_status"}));
  check.enabled = true;
  FULCRUM_RETURN_IF_ERROR(read_probe_path(value, "/health", check.path));
  FULCRUM_RETURN_IF_ERROR(read_duration_into(value, "interval", check.interval_ms));
  if (check.interval_ms < 10) return value["interval"].error("expected at least 10ms");
  FULCRUM_RETURN_IF_ERROR(read_duration_into(value, "timeout", check.timeout_ms));
  if (check.timeout_ms < 1) return value["timeout"].error("expected at least 1ms");
  if (check.timeout_ms > check.interval_ms) {
    return value["timeout"].error("must not exceed the interval (" +
                                  std::to_string(check.interval_ms) + "ms)");
  }
  FULCRUM_RETURN_IF_ERROR(read_int_into(value, "rise", 1, 100, check.rise));
  FULCRUM_RETURN_IF_ERROR(read_int_into(value, "fall", 1, 100, check.fall));
  if (value.has("expect_status")) {
    FULCRUM_RETURN_IF_ERROR(read_expected_status(value["expect_status"], check));
  }
  return Status::ok_status();
}

Status read_scrape(const YamlValue& value, ScrapeConfig& scrape) {
  if (value.is_null()) return Status::ok_status();
  FULCRUM_RETURN_IF_ERROR(value.expect_map({"path", "interval", "timeout", "stale_after"}));
  scrape.enabled = true;
  FULCRUM_RETURN_IF_ERROR(read_probe_path(value, "/metrics", scrape.path));
  FULCRUM_RETURN_IF_ERROR(read_duration_into(value, "interval", scrape.interval_ms));
  if (scrape.interval_ms < 10) return value["interval"].error("expected at least 10ms");
  FULCRUM_RETURN_IF_ERROR(read_duration_into(value, "timeout", scrape.timeout_ms));
  if (scrape.timeout_ms < 1 || scrape.timeout_ms > scrape.interval_ms) {
    return value["timeout"].error("expected between 1ms and the interval (" +
                                  std::to_string(scrape.interval_ms) + "ms)");
  }
  FULCRUM_RETURN_IF_ERROR(read_duration_into(value, "stale_after", scrape.stale_after_ms));
  if (scrape.stale_after_ms < scrape.interval_ms) {
    return value["stale_after"].error("must be at least the interval (" +
                                      std::to_string(scrape.interval_ms) + "ms)");
  }
  return Status::ok_status();
}

// `access_log: PATH` or `access_log: {path: PATH}`; "-" and "stdout" mean standard output.
Status read_access_log(const YamlValue& value, AccessLogConfig& log) {
  if (value.is_null()) return Status::ok_status();
  const YamlValue path = value.is_map() ? value["path"] : value;
  if (value.is_map()) FULCRUM_RETURN_IF_ERROR(value.expect_map({"path"}));
  FULCRUM_ASSIGN_OR_RETURN(log.path, path.as_string());
  if (log.path.empty()) return path.error("expected a file path, or - for standard output");
  log.enabled = true;
  return Status::ok_status();
}

Status read_admin(const YamlValue& value, AdminConfig& admin) {
  if (value.is_null()) return Status::ok_status();
  FULCRUM_RETURN_IF_ERROR(value.expect_map({"listen", "token"}));
  admin.enabled = true;
  if (value.has("listen"))
    FULCRUM_ASSIGN_OR_RETURN(admin.listen, read_listen(value["listen"], admin.listen));
  if (value.has("token")) FULCRUM_ASSIGN_OR_RETURN(admin.token, value["token"].as_string());
  // As the scheduler does: an admin API others can reach changes the backends, so it needs a token.
  if (admin.token.empty() && !http::is_loopback_address(admin.listen.address)) {
    return value["listen"].error(admin.listen.address + ":" + std::to_string(admin.listen.port) +
                                 " is not a loopback address, so admin.token is required: the "
                                 "admin API adds, removes and drains backends");
  }
  return Status::ok_status();
}

}  // namespace

Result<GatewayConfig> read_gateway_section(const YamlValue& value) {
  FULCRUM_RETURN_IF_ERROR(value.expect_map(
      {"listen", "workers", "accept", "policy", "backends", "timeouts", "limits", "retries",
       "health_check", "scrape", "passive_health", "admin", "access_log", "log_decisions"}));
  GatewayConfig config;
  if (value.has("listen"))
    FULCRUM_ASSIGN_OR_RETURN(config.listeners, read_listeners(value["listen"]));
  FULCRUM_RETURN_IF_ERROR(read_int_into(value, "workers", 0, 1024, config.workers));
  if (value.has("accept")) {
    std::string accept;
    FULCRUM_ASSIGN_OR_RETURN(accept, value["accept"].as_string());
    if (accept == "reuseport") {
      config.accept = GatewayConfig::AcceptMode::kReusePort;
    } else if (accept == "shared") {
      config.accept = GatewayConfig::AcceptMode::kShared;
    } else {
      return value["accept"].error("accept must be reuseport or shared, not \"" + accept + "\"");
    }
  }
  FULCRUM_ASSIGN_OR_RETURN(config.policy, read_policy_choice(value["policy"], config.policy));
  if (auto picker = make_picker(config.policy.name, config.policy.params); !picker.ok()) {
    return value["policy"].error(picker.error_message());
  }
  std::vector<YamlValue> backend_items;
  if (value.has("backends")) {
    FULCRUM_RETURN_IF_ERROR(value["backends"].expect_sequence());
    backend_items = value["backends"].items();
  }
  for (const YamlValue& item : backend_items) {
    BackendConfig backend;
    FULCRUM_ASSIGN_OR_RETURN(backend, read_backend(item));
    for (const BackendConfig& other : config.backends) {
      if (other.name == backend.name) {
        return item.error("duplicate backend name \"" + backend.name + "\"");
      }
    }
    config.backends.push_back(std::move(backend));
  }
  FULCRUM_RETURN_IF_ERROR(read_timeouts(value["timeouts"], config.timeouts));
  FULCRUM_RETURN_IF_ERROR(read_limits(value["limits"], config.limits));
  FULCRUM_RETURN_IF_ERROR(read_retries(value["retries"], config.retries));
  FULCRUM_RETURN_IF_ERROR(read_health_check(value["health_check"], config.health_check));
  FULCRUM_RETURN_IF_ERROR(read_scrape(value["scrape"], config.scrape));
  FULCRUM_RETURN_IF_ERROR(read_passive_health(value["passive_health"], config.passive_health));
  FULCRUM_RETURN_IF_ERROR(read_admin(value["admin"], config.admin));
  FULCRUM_RETURN_IF_ERROR(read_access_log(value["access_log"], config.access_log));
  if (value.has("log_decisions")) {
    FULCRUM_ASSIGN_OR_RETURN(config.log_decisions, value["log_decisions"].as_bool());
  }
  return config;
}

Result<BackendConfig> parse_backend_url(const std::string& url) {
  constexpr std::string_view kScheme = "http://";
  if (url.rfind(kScheme, 0) != 0) {
    return invalid_argument("expected a URL such as http://10.0.0.5:8000, got \"" + url + "\"");
  }
  std::string authority = url.substr(kScheme.size());
  if (!authority.empty() && authority.back() == '/') authority.pop_back();
  if (authority.empty() || authority.find('/') != std::string::npos) {
    return invalid_argument("expected http://host:port without a path, got \"" + url + "\"");
  }
  BackendConfig backend;
  backend.port = 80;
  size_t colon = authority.rfind(':');
  backend.host = authority;
  if (colon != std::string::npos) {
    backend.host = authority.substr(0, colon);
    auto port = parse_port(authority.substr(colon + 1));
    if (!port.ok()) return invalid_argument(url + ": " + port.error_message());
    backend.port = *port;
  }
  if (backend.host.empty()) return invalid_argument("missing host in \"" + url + "\"");
  backend.name = backend.host + ":" + std::to_string(backend.port);
  return backend;
}

Result<GatewayConfig> parse_gateway_config(std::string_view yaml_text,
                                           const std::string& file_name) {
  auto document = YamlValue::parse(yaml_text, file_name);
  if (!document.ok()) return document.status();
  if (!document->has("gateway")) return document->error("missing the gateway: section");
  const YamlValue section = (*document)["gateway"];
  // Alone, a gateway needs backends; under `fulcrum serve` the emulators can be its backends.
  if (!section.has("backends")) return section.error("missing required key backends");
  return read_gateway_section(section);
}

Result<GatewayConfig> load_gateway_config(const std::string& path) {
  auto text = read_text_file(path);
  if (!text.ok()) return text.status();
  return parse_gateway_config(*text, path);
}

}  // namespace fulcrum
