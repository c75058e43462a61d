#include "gateway/metrics.h"

#include <array>
#include <charconv>
#include <cmath>
#include <vector>

namespace fulcrum {

namespace {

uint64_t load(const std::atomic<uint64_t>& counter) {
  return counter.load(std::memory_order_relaxed);
}

struct Counter {
  std::string_view name;
  std::string_view help;
  const std::atomic<uint64_t> GatewayStats::*field;
};

constexpr std::array<Counter, 11> kCounters = {{
    {"fulcrum_gateway_requests_total", "Requests whose head the gateway read.",
     &GatewayStats::requests},
    {"fulcrum_gateway_retries_total", "Requests sent again to another backend.",
     &GatewayStats::retries},
    {"fulcrum_gateway_upstream_connects_total", "TCP connections opened to backends.",
     &GatewayStats::upstream_connects},
    {"fulcrum_gateway_upstream_connect_errors_total", "Failed TCP connects to backends.",
     &GatewayStats::upstream_connect_errors},
    {"fulcrum_gateway_upstream_aborted_total",
     "Responses a backend ended before their end (the client connection is closed).",
     &GatewayStats::upstream_aborted},
    {"fulcrum_gateway_ejections_total", "Times a backend was ejected after consecutive failures.",
     &GatewayStats::ejections},
    {"fulcrum_gateway_bad_requests_total", "Malformed requests answered with an error.",
     &GatewayStats::bad_requests},
    {"fulcrum_gateway_connections_accepted_total", "Client connections accepted.",
     &GatewayStats::connections_accepted},
    {"fulcrum_gateway_connections_refused_total",
     "Client connections closed at once because limits.connections were open.",
     &GatewayStats::connections_refused},
    {"fulcrum_gateway_prefix_query_blocks_total",
     "Whole 64-byte prompt blocks of the requests routed by content.",
     &GatewayStats::prefix_query_blocks},
    {"fulcrum_gateway_prefix_predicted_blocks_total",
     "Of those, the leading blocks the picker expected the chosen backend to hold in its cache.",
     &GatewayStats::prefix_predicted_blocks},
}};

void append_counters(PrometheusText& out, const GatewayStats& stats) {
  for (const Counter& counter : kCounters) {
    out.family(counter.name, "counter", counter.help);
    out.sample(counter.name, {}, static_cast<double>(load(stats.*counter.field)));
  }
  out.family("fulcrum_gateway_responses_total", "counter",
             "Responses sent to clients, by status class.");
  constexpr std::array<std::string_view, 6> kClasses = {"", "1xx", "2xx", "3xx", "4xx", "5xx"};
  for (size_t index = 1; index < kClasses.size(); ++index) {
    out.sample("fulcrum_gateway_responses_total", {{"code", kClasses[index]}},
               static_cast<double>(load(stats.responses_by_class[index])));
  }
  out.family("fulcrum_gateway_connections_open", "gauge", "Client connections open now.");
  out.sample("fulcrum_gateway_connections_open", {},
             static_cast<double>(load(stats.connections_open)));
  out.family("fulcrum_gateway_connections_parked", "gauge",
             "Idle keep-alive client connections that gave their buffers back.");
  out.sample("fulcrum_gateway_connections_parked", {},
             static_cast<double>(load(stats.connections_parked)));
  out.family("fulcrum_gateway_prefix_index_bytes", "gauge",
             "Estimated bytes held by the prefix indexes of the workers' pickers, summed.");
  out.sample("fulcrum_gateway_prefix_index_bytes", {},
             static_cast<double>(stats.prefix_index_bytes.load(std::memory_order_relaxed)));
}

// One gauge family with a sample per backend.
template <typename Read>
void append_backend_gauge(PrometheusText& out, const BackendList& backends, std::string_view name,
                          std::string_view type, std::string_view help, Read read) {
  out.family(name, type, help);
  for (const auto& backend : backends) {
    out.sample(name, {{"backend", backend->config.name}}, static_cast<double>(read(*backend)));
  }
}

void append_backend_responses(PrometheusText& out, const BackendList& backends,
                              std::string_view policy_name) {
  constexpr std::string_view kName = "fulcrum_gateway_backend_responses_total";
  out.family(kName, "counter",
             "Responses received from each backend, by status class and routing policy.");
  constexpr std::array<std::string_view, 6> kClasses = {"", "1xx", "2xx", "3xx", "4xx", "5xx"};
  for (const auto& backend : backends) {
    for (size_t index = 1; index < kClasses.size(); ++index) {
      out.sample(
          kName,
          {{"backend", backend->config.name}, {"code", kClasses[index]}, {"policy", policy_name}},
          static_cast<double>(load(backend->responses_by_class[index])));
    }
  }
}

constexpr auto kRelaxed = std::memory_order_relaxed;

// What the gateway knows of each backend: in flight, health, drain, weight, what it answered.
void append_backend_state(PrometheusText& out, const BackendList& backends, int64_t now_ns) {
  append_backend_gauge(out, backends, "fulcrum_gateway_backend_in_flight", "gauge",
                       "Requests outstanding on the backend.",
                       [](const Backend& backend) { return backend.in_flight.load(kRelaxed); });
  append_backend_gauge(out, backends, "fulcrum_gateway_backend_healthy", "gauge",
                       "1 when the backend may take requests (not failed, not ejected).",
                       [now_ns](const Backend& backend) { return backend.healthy_at(now_ns); });
  append_backend_gauge(out, backends, "fulcrum_gateway_backend_check_up", "gauge",
                       "1 while the active health check passes (always 1 without health_check).",
                       [](const Backend& backend) { return backend.check_healthy.load(kRelaxed); });
  append_backend_gauge(
      out, backends, "fulcrum_gateway_backend_health_check_failures_total", "counter",
      "Active health checks the backend failed.",
      [](const Backend& backend) { return backend.health_check_failures.load(kRelaxed); });
  append_backend_gauge(out, backends, "fulcrum_gateway_backend_draining", "gauge",
                       "1 when the backend finishes its requests but takes no new ones.",
                       [](const Backend& backend) { return backend.draining.load(kRelaxed); });
  append_backend_gauge(out, backends, "fulcrum_gateway_backend_weight", "gauge",
                       "The backend's routing weight.",
                       [](const Backend& backend) { return backend.weight.load(kRelaxed); });
  append_backend_gauge(out, backends, "fulcrum_gateway_backend_ejections_total", "counter",
                       "Times the backend was ejected.",
                       [](const Backend& backend) { return backend.ejections.load(kRelaxed); });
  append_backend_gauge(out, backends, "fulcrum_gateway_backend_requests_total", "counter",
                       "Responses received from the backend (their heads; any status).",
                       [](const Backend& backend) { return backend.response_latency.count(); });
}

// The load each backend reports on its own /metrics, as last scraped.
void append_reported_load(PrometheusText& out, const BackendList& backends, int64_t now_ns) {
  append_backend_gauge(
      out, backends, "fulcrum_gateway_backend_scrape_failures_total", "counter",
      "Load scrapes of the backend's /metrics that failed or held no load.",
      [](const Backend& backend) { return backend.scrape_failures.load(kRelaxed); });
  append_backend_gauge(out, backends, "fulcrum_gateway_backend_load_report_age_seconds", "gauge",
                       "Seconds since the backend's load was last scraped; -1 when it never was.",
                       [now_ns](const Backend& backend) {
                         const int64_t at = backend.reported_at_ns.load(kRelaxed);
                         return at == 0 ? -1.0 : static_cast<double>(now_ns - at) / 1e9;
                       });
  append_backend_gauge(
      out, backends, "fulcrum_gateway_backend_reported_queue_depth", "gauge",
      "Requests waiting on the backend, as it last reported.",
      [](const Backend& backend) { return backend.reported_queue_depth.load(kRelaxed); });
  append_backend_gauge(
      out, backends, "fulcrum_gateway_backend_reported_running", "gauge",
      "Requests running on the backend, as it last reported.",
      [](const Backend& backend) { return backend.reported_running.load(kRelaxed); });
  append_backend_gauge(
      out, backends, "fulcrum_gateway_backend_reported_kv_cache_usage", "gauge",
      "KV-cache use (0..1) of the backend, as it last reported.",
      [](const Backend& backend) { return backend.reported_kv_cache_usage.load(kRelaxed); });
  append_backend_gauge(
      out, backends, "fulcrum_gateway_backend_prefix_cache_queries_total", "counter",
      "The backend's own prefix-cache queries counter (vllm:prefix_cache_queries_total; vLLM "
      "counts tokens), as last scraped.",
      [](const Backend& backend) { return backend.reported_prefix_queries.load(kRelaxed); });
  append_backend_gauge(
      out, backends, "fulcrum_gateway_backend_prefix_cache_hits_total", "counter",
      "The backend's own prefix-cache hits counter (vllm:prefix_cache_hits_total), as last "
      "scraped.",
      [](const Backend& backend) { return backend.reported_prefix_hits.load(kRelaxed); });
}

void append_latency_histograms(PrometheusText& out, const BackendList& backends) {
  constexpr std::string_view kLatency = "fulcrum_gateway_backend_response_seconds";
  out.family(kLatency, "histogram",
             "Seconds from the start of an attempt on the backend to its response head.");
  std::array<double, LatencyHistogram::kBoundsUs.size()> bounds_seconds{};
  for (size_t index = 0; index < bounds_seconds.size(); ++index) {
    bounds_seconds[index] = static_cast<double>(LatencyHistogram::kBoundsUs[index]) / 1e6;
  }
  std::array<uint64_t, LatencyHistogram::kBoundsUs.size() + 1> counts{};
  for (const auto& backend : backends) {
    const LatencyHistogram& histogram = backend->response_latency;
    for (size_t index = 0; index < counts.size(); ++index) {
      counts[index] = histogram.counts[index].load(kRelaxed);
    }
    double sum_seconds = static_cast<double>(histogram.sum_us.load(kRelaxed)) / 1e6;
    out.histogram(kLatency, {{"backend", backend->config.name}}, bounds_seconds, counts,
                  sum_seconds);
  }
}

void append_backends(PrometheusText& out, const BackendList& backends, int64_t now_ns,
                     std::string_view policy_name) {
  out.family("fulcrum_gateway_backends", "gauge", "Backends in the pool.");
  out.sample("fulcrum_gateway_backends", {}, static_cast<double>(backends.size()));
  append_backend_state(out, backends, now_ns);
  append_backend_responses(out, backends, policy_name);
  append_reported_load(out, backends, now_ns);
  append_latency_histograms(out, backends);
}

}  // namespace

std::string render_gateway_metrics(const GatewayStats& stats, const BackendList& backends,
                                   std::string_view policy_name, int64_t now_ns) {
  PrometheusText out;
  out.family("fulcrum_gateway_info", "gauge", "Version and routing policy of this gateway.");
  out.sample("fulcrum_gateway_info", {{"version", FULCRUM_VERSION}, {"policy", policy_name}}, 1);
  append_counters(out, stats);
  append_backends(out, backends, now_ns, policy_name);
  return out.text();
}

}  // namespace fulcrum
