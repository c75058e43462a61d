// The gateway's configuration: the `gateway:` section of a config file (docs/gateway.md).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/config.h"
#include "core/status.h"

namespace fulcrum {

struct ListenAddress {
  std::string address = "127.0.0.1";
  uint16_t port = 8080;
};

struct BackendConfig {
  std::string name;  // defaults to host:port
  std::string host;
  uint16_t port = 80;
  uint32_t weight = 1;
  std::map<std::string, std::string> labels;  // e.g. model: llama-3-8b
};

struct GatewayTimeouts {
  int64_t connect_ms = 2000;      // TCP connect to a backend
  int64_t header_ms = 10000;      // a client's request head must arrive within this (else 408)
  int64_t first_byte_ms = 60000;  // from request sent to the first response byte (else 504)
  int64_t idle_ms = 60000;        // an idle keep-alive connection (client or upstream) is closed
  // From the whole request received to the last response byte, retries included; 0: no limit.
  // Past it: 504 when nothing was sent yet, else the client connection is closed.
  int64_t total_ms = 0;
};

struct GatewayLimits {
  int64_t header_bytes = 16 * 1024;         // request head larger than this: 431
  int64_t body_bytes = 64LL * 1024 * 1024;  // request body larger than this: 413
  // The most of a request body the gateway reads to route by its content (model, prompt): 413
  // above it on the OpenAI endpoints when the policy or model routing needs the body.
  int64_t inspect_body_bytes = 4LL * 1024 * 1024;
  int64_t connections = 100000;            // client connections per gateway; more are refused
  int64_t upstream_idle_per_backend = 64;  // pooled keep-alive connections per backend per worker
};

struct RetryConfig {
  int attempts = 2;           // further backends tried after the first fails
  double budget_ratio = 0.2;  // retries may add at most this share of requests
};

struct PassiveHealthConfig {
  int consecutive_failures = 5;      // connect errors or 5xx in a row that eject a backend
  int64_t base_ejection_ms = 10000;  // first ejection; doubles on each repeat
  int64_t max_ejection_ms = 300000;
};

// Active checks: every interval, `GET path` on each backend; a status in [expect_status_min,
// expect_status_max] within the timeout passes. `fall` failures in a row take a backend out, `rise`
// passes in a row bring it back. A backend starts up; until its first check it goes down after a
// single failure (as HAProxy does).
struct HealthCheckConfig {
  bool enabled = false;
  std::string path = "/health";
  int64_t interval_ms = 5000;
  int64_t timeout_ms = 2000;
  int rise = 2;
  int fall = 3;
  int expect_status_min = 200;
  int expect_status_max = 399;
};

// Load scrapes: every interval, `GET path` on each backend, read with vLLM's and SGLang's metric
// names. A report older than stale_after is not used (the gateway's own counts stand in).
struct ScrapeConfig {
  bool enabled = false;
  std::string path = "/metrics";
  int64_t interval_ms = 1000;
  int64_t timeout_ms = 500;
  int64_t stale_after_ms = 5000;
};

// One JSON line per request; `path` "-" or "stdout" writes to standard output.
struct AccessLogConfig {
  bool enabled = false;
  std::string path;
};

struct AdminConfig {
  bool enabled = false;
  ListenAddress listen{"127.0.0.1", 8081};
  std::string token;  // bearer token; empty leaves the admin API open (loopback only advised)
};

struct GatewayConfig {
  std::vector<ListenAddress> listeners{ListenAddress{}};
  int workers = 0;  // 0: one per core
  // How workers share a listener: each its own socket bound with SO_REUSEPORT (the kernel spreads
  // connections by hash), or one socket whose descriptor every worker waits on (the first worker
  // ready accepts).
  enum class AcceptMode { kReusePort, kShared };
  AcceptMode accept = AcceptMode::kReusePort;
  PolicyChoice policy{"round_robin", {}, ""};
  std::vector<BackendConfig> backends;
  GatewayTimeouts timeouts;
  GatewayLimits limits;
  RetryConfig retries;
  HealthCheckConfig health_check;
  ScrapeConfig scrape;
  PassiveHealthConfig passive_health;
  AdminConfig admin;
  AccessLogConfig access_log;
  // Every routing decision (each candidate's score) as a `routing_decision` event in the log.
  bool log_decisions = false;
};

// "http://host:port" (the only scheme spoken to backends); the error names what is wrong.
Result<BackendConfig> parse_backend_url(const std::string& url);

// Reads a `gateway:` section; `backends` may be absent (an empty list).
Result<GatewayConfig> read_gateway_section(const YamlValue& section);
// Reads the `gateway:` section of a YAML config file, which must list backends.
Result<GatewayConfig> parse_gateway_config(std::string_view yaml_text,
                                           const std::string& file_name);
Result<GatewayConfig> load_gateway_config(const std::string& path);

}  // namespace fulcrum
