// llm_loadgen: an open-loop load generator that speaks OpenAI streaming. It replays a slice of a
// real trace (Mooncake FAST'25 conversation trace or Azure LLM inference 2023) against
// /v1/completions with "stream": true: each request starts at its trace arrival time whatever
// the earlier ones are doing, and its time to first token, time per output token and end-to-end
// latency are measured from the SSE chunks. Prompts are synthetic text of the trace's token
// length; Mooncake's hash_ids become fixed pseudo-random text blocks of 512 tokens, so requests
// sharing leading hash_ids share a text prefix (and, through the tokenizer stand-in, KV blocks).
//
//   llm_loadgen --target 127.0.0.1:9000 --trace mooncake --start-s 0 --duration-s 60
//               [--rate-scale R] [--speed X] [--max-output N] [--csv FILE]
//
// --trace tenants generates the llm-d benchmark's shape instead: Poisson arrivals at --rate per
// second for --duration-s, each from a uniformly drawn one of --tenants tenants whose prompt is
// the tenant's shared context (--context-tokens, whole 512-token blocks) then a fresh question
// (--question-tokens), asking for --output-tokens.
//
// Each request carries X-Request-Id: its index in the slice, so that the gateway's access log and
// the emulators' --request-log lines can be joined with the CSV's rows.
//
// --rate-scale multiplies the trace's request rate; --speed matches the emulators' --speed: the
// experiment runs X times faster and reported times are multiplied back by X (modeled seconds).
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/json.hpp>

#include "core/random.h"
#include "core/status.h"
#include "emulator/trace_prompt.h"
#include "http/chunked.h"
#include "http/json.h"
#include "http/parser.h"
#include "sim/cluster_replay.h"
#include "sim/llm_trace.h"

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace {

constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);

struct TraceRequest {
  double arrival_s = 0;  // from the start of the slice
  int64_t input_tokens = 0;
  int64_t output_tokens = 0;
  std::vector<uint64_t> hash_ids;
};

struct Outcome {
  bool ok = false;
  int status = 0;
  std::string error;
  int64_t output_tokens = 0;  // chunks received
  int64_t prompt_tokens = 0;  // from the usage chunk
  int64_t cached_tokens = 0;
  double ttft_s = 0;
  double tpot_s = 0;
  double e2e_s = 0;
};

struct Options {
  std::string target = "127.0.0.1:8000";
  std::string trace = "mooncake";
  std::string trace_file;
  std::string model;
  double start_s = 0;
  double duration_s = 60;
  double rate_scale = 1;
  double speed = 1;
  int64_t max_output = 0;  // 0: the trace's output lengths
  int64_t max_requests = 0;
  std::string csv_file;
  // --trace tenants
  int64_t tenants = 150;
  int64_t context_tokens = 6144;
  int64_t question_tokens = 1200;
  int64_t output_tokens = 1000;
  double rate = 1;
  uint64_t seed = 1;
};

bool in_slice(double time_s, const Options& options) {
  return time_s >= options.start_s && time_s < options.start_s + options.duration_s;
}

// The slice [start_s, start_s + duration_s) of a real trace, read by the simulator's readers (the
// same records `fulcrum sim route` replays), arrivals made relative to the slice's start.
fulcrum::Result<std::vector<TraceRequest>> read_trace_slice(const std::string& path,
                                                            const Options& options) {
  auto format = fulcrum::sim::parse_llm_trace_format(options.trace);
  if (!format.ok()) return format.status();
  auto reader = fulcrum::sim::open_llm_trace(*format, path);
  if (!reader.ok()) return reader.status();
  std::vector<TraceRequest> requests;
  fulcrum::sim::LlmRequest record;
  for (;;) {
    auto more = (*reader)->next(record);
    if (!more.ok()) return more.status();
    if (!*more) break;
    const double time_s = std::chrono::duration<double>(record.arrival).count();
    if (time_s >= options.start_s + options.duration_s) break;  // arrivals are in trace order
    if (!in_slice(time_s, options)) continue;
    TraceRequest request;
    request.arrival_s = time_s - options.start_s;
    request.input_tokens = record.input_tokens;
    request.output_tokens = record.output_tokens;
    request.hash_ids = std::move(record.hash_ids);
    requests.push_back(std::move(request));
  }
  return requests;
}

// Tenant t's context is the hash blocks kTenantBlockBase + t * 1024 + k, far from Mooncake's ids.
std::vector<TraceRequest> generate_tenants(const Options& options) {
  constexpr uint64_t kTenantBlockBase = uint64_t{1} << 40;
  const int64_t context_blocks =
      (options.context_tokens + fulcrum::emulator::kTraceBlockTokens - 1) /
      fulcrum::emulator::kTraceBlockTokens;
  fulcrum::Rng rng(options.seed);
  std::vector<TraceRequest> requests;
  for (double time_s = 0;;) {
    time_s += -std::log(1.0 - rng.uniform01()) / options.rate;
    if (time_s >= options.duration_s) break;
    TraceRequest request;
    request.arrival_s = time_s;
    const uint64_t tenant = rng.uniform(static_cast<uint64_t>(options.tenants));
    for (int64_t block = 0; block < context_blocks; ++block) {
      request.hash_ids.push_back(kTenantBlockBase + tenant * 1024 + static_cast<uint64_t>(block));
    }
    request.input_tokens =
        context_blocks * fulcrum::emulator::kTraceBlockTokens + options.question_tokens;
    request.output_tokens = options.output_tokens;
    requests.push_back(std::move(request));
  }
  return requests;
}

std::string request_bytes(const Options& options, const std::string& host,
                          const std::string& prompt, int64_t max_tokens, std::size_t index) {
  boost::json::object body{{"prompt", prompt},
                           {"max_tokens", max_tokens},
                           {"stream", true},
                           {"ignore_eos", true},
                           {"stream_options", {{"include_usage", true}}}};
  if (!options.model.empty()) body["model"] = options.model;
  std::string payload = boost::json::serialize(body);
  return "POST /v1/completions HTTP/1.1\r\nHost: " + host +
         "\r\nX-Request-Id: " + std::to_string(index) +
         "\r\nContent-Type: application/json\r\nAccept: text/event-stream\r\nConnection: close\r\n"
         "Content-Length: " +
         std::to_string(payload.size()) + "\r\n\r\n" + payload;
}

// Reads the SSE lines of `events` that are complete, updating `outcome`; true at [DONE].
bool take_events(std::string& events, Outcome& outcome, Clock::time_point start,
                 Clock::time_point& first_token, Clock::time_point& last_token) {
  std::size_t line_end = 0;
  bool done = false;
  while ((line_end = events.find('\n')) != std::string::npos) {
    std::string_view line(events.data(), line_end);
    if (line.rfind("data: ", 0) == 0) {
      std::string_view data = line.substr(6);
      if (data == "[DONE]") {
        done = true;
      } else if (data.find("\"usage\"") != std::string_view::npos &&
                 data.find("\"choices\":[]") != std::string_view::npos) {
        boost::system::error_code error;
        boost::json::value usage = boost::json::parse(data, error);
        if (!error) {
          const boost::json::object& object = usage.at("usage").as_object();
          outcome.prompt_tokens = object.at("prompt_tokens").to_number<int64_t>();
          if (const auto* details = object.if_contains("prompt_tokens_details")) {
            outcome.cached_tokens = details->at("cached_tokens").to_number<int64_t>();
          }
        }
      } else {
        Clock::time_point now = Clock::now();
        if (outcome.output_tokens == 0) first_token = now;
        last_token = now;
        ++outcome.output_tokens;
      }
    }
    events.erase(0, line_end + 1);
  }
  (void)start;
  return done;
}

asio::awaitable<Outcome> send_one(tcp::endpoint endpoint, std::string bytes, double speed) {
  Outcome outcome;
  Clock::time_point start = Clock::now();
  tcp::socket socket(co_await asio::this_coro::executor);
  auto [connect_error] = co_await socket.async_connect(endpoint, kNoThrow);
  if (connect_error) {
    outcome.error = "connect: " + connect_error.message();
    co_return outcome;
  }
  auto [write_error, written] = co_await asio::async_write(socket, asio::buffer(bytes), kNoThrow);
  if (write_error) {
    outcome.error = "write: " + write_error.message();
    co_return outcome;
  }
  std::string buffer;
  std::string events;
  fulcrum::http::ResponseHead head;
  bool have_head = false;
  fulcrum::http::ChunkedDecoder decoder;
  Clock::time_point first_token;
  Clock::time_point last_token;
  bool done = false;
  std::array<char, 16384> chunk;
  while (!done) {
    auto [read_error, received] = co_await socket.async_read_some(asio::buffer(chunk), kNoThrow);
    if (read_error) break;
    buffer.append(chunk.data(), received);
    if (!have_head) {
      fulcrum::http::ParseResult parsed = fulcrum::http::parse_response(buffer, false, head);
      if (parsed.incomplete()) continue;
      if (!parsed.complete()) {
        outcome.error = "malformed response head";
        break;
      }
      have_head = true;
      outcome.status = head.status_code;
      buffer.erase(0, head.head_bytes);
    }
    if (outcome.status != 200) continue;  // read the error body until the close
    if (head.framing == fulcrum::http::BodyFraming::kChunked) {
      fulcrum::http::ChunkedProgress progress =
          decoder.feed(buffer, [&events](std::string_view data) { events.append(data); });
      buffer.erase(0, progress.consumed);
    } else {
      events += buffer;
      buffer.clear();
    }
    done = take_events(events, outcome, start, first_token, last_token);
  }
  Clock::time_point end = Clock::now();
  if (outcome.status != 200 && outcome.error.empty()) {
    outcome.error = "status " + std::to_string(outcome.status) + ": " + buffer.substr(0, 200);
  }
  outcome.ok = done && outcome.status == 200 && outcome.output_tokens > 0;
  if (!outcome.ok && outcome.error.empty()) outcome.error = "stream ended before [DONE]";
  if (outcome.output_tokens > 0) {
    outcome.ttft_s = std::chrono::duration<double>(first_token - start).count() * speed;
    if (outcome.output_tokens > 1) {
      outcome.tpot_s = std::chrono::duration<double>(last_token - first_token).count() * speed /
                       static_cast<double>(outcome.output_tokens - 1);
    }
  }
  outcome.e2e_s = std::chrono::duration<double>(end - start).count() * speed;
  co_return outcome;
}

double percentile(std::vector<double> values, double fraction) {
  return fulcrum::sim::percentile(values, fraction);
}

void print_row(std::string_view name, const std::vector<double>& values) {
  double mean = 0;
  for (double value : values) mean += value;
  if (!values.empty()) mean /= static_cast<double>(values.size());
  std::printf("%-10s %10.4f %10.4f %10.4f %10.4f\n", std::string(name).c_str(),
              percentile(values, 0.5), percentile(values, 0.9), percentile(values, 0.99), mean);
}

int run(const Options& options) {
  std::string path = options.trace_file;
  if (path.empty()) {
    auto format = fulcrum::sim::parse_llm_trace_format(options.trace);
    if (format.ok()) path = fulcrum::sim::default_llm_trace_path(*format);
  }
  auto trace = options.trace == "tenants"
                   ? fulcrum::Result<std::vector<TraceRequest>>(generate_tenants(options))
                   : read_trace_slice(path, options);
  if (!trace.ok()) {
    std::cerr << "error: " << trace.error_message() << '\n';
    return 2;
  }
  std::vector<TraceRequest> requests = std::move(*trace);
  if (options.max_requests > 0 && static_cast<int64_t>(requests.size()) > options.max_requests) {
    requests.resize(static_cast<std::size_t>(options.max_requests));
  }
  std::size_t colon = options.target.rfind(':');
  boost::system::error_code error;
  auto address = asio::ip::make_address(options.target.substr(0, colon), error);
  if (error || colon == std::string::npos) {
    std::cerr << "error: --target: expected IP:PORT, got " << options.target << '\n';
    return 2;
  }
  tcp::endpoint endpoint(address,
                         static_cast<uint16_t>(std::stoi(options.target.substr(colon + 1))));

  asio::io_context context;
  std::vector<Outcome> outcomes(requests.size());
  Clock::time_point start = Clock::now() + std::chrono::milliseconds(100);
  double time_factor = 1.0 / (options.rate_scale * options.speed);
  for (std::size_t index = 0; index < requests.size(); ++index) {
    const TraceRequest& request = requests[index];
    int64_t max_tokens = std::max<int64_t>(1, request.output_tokens);
    if (options.max_output > 0) max_tokens = std::min(max_tokens, options.max_output);
    std::string bytes =
        request_bytes(options, options.target,
                      fulcrum::emulator::trace_prompt_text(request.hash_ids, request.input_tokens,
                                                           index + (options.seed << 32)),
                      max_tokens, index);
    auto at = start + std::chrono::duration_cast<Clock::duration>(
                          std::chrono::duration<double>(request.arrival_s * time_factor));
    asio::co_spawn(
        context,
        [&outcomes, index, endpoint, at, speed = options.speed,
         bytes = std::move(bytes)]() mutable -> asio::awaitable<void> {
          asio::steady_timer timer(co_await asio::this_coro::executor, at);
          co_await timer.async_wait(kNoThrow);
          outcomes[index] = co_await send_one(endpoint, std::move(bytes), speed);
        },
        asio::detached);
  }
  context.run();
  double makespan_s = std::chrono::duration<double>(Clock::now() - start).count() * options.speed;

  std::vector<double> ttft;
  std::vector<double> tpot;
  std::vector<double> e2e;
  int64_t failed = 0;
  int64_t output_tokens = 0;
  int64_t prompt_tokens = 0;
  int64_t cached_tokens = 0;
  for (const Outcome& outcome : outcomes) {
    if (!outcome.ok) {
      if (failed++ < 3) std::cerr << "failed: " << outcome.error << '\n';
      continue;
    }
    ttft.push_back(outcome.ttft_s);
    if (outcome.output_tokens > 1) tpot.push_back(outcome.tpot_s);
    e2e.push_back(outcome.e2e_s);
    output_tokens += outcome.output_tokens;
    prompt_tokens += outcome.prompt_tokens;
    cached_tokens += outcome.cached_tokens;
  }
  double throughput = makespan_s > 0 ? static_cast<double>(output_tokens) / makespan_s : 0;
  double hit_rate = prompt_tokens > 0
                        ? static_cast<double>(cached_tokens) / static_cast<double>(prompt_tokens)
                        : 0;
  std::printf("requests %zu  ok %zu  failed %lld  makespan %.1f s (modeled)\n", outcomes.size(),
              ttft.size(), static_cast<long long>(failed), makespan_s);
  std::printf("%-10s %10s %10s %10s %10s\n", "seconds", "p50", "p90", "p99", "mean");
  print_row("TTFT", ttft);
  print_row("TPOT", tpot);
  print_row("e2e", e2e);
  std::printf(
      "output tokens/s %.1f  prefix cache hit rate %.3f (cached %lld of %lld prompt tokens)\n",
      throughput, hit_rate, static_cast<long long>(cached_tokens),
      static_cast<long long>(prompt_tokens));
  std::printf(
      "SUMMARY requests=%zu makespan_s=%.2f ok=%zu failed=%lld ttft_p50=%.4f ttft_p90=%.4f "
      "ttft_p99=%.4f tpot_p50=%.4f "
      "tpot_p99=%.4f e2e_p99=%.4f tokens_per_s=%.1f hit_rate=%.4f\n",
      outcomes.size(), makespan_s, ttft.size(), static_cast<long long>(failed),
      percentile(ttft, 0.5), percentile(ttft, 0.9), percentile(ttft, 0.99), percentile(tpot, 0.5),
      percentile(tpot, 0.99), percentile(e2e, 0.99), throughput, hit_rate);
  if (!options.csv_file.empty()) {
    std::ofstream csv(options.csv_file);
    csv << "index,arrival_s,ok,status,prompt_tokens,cached_tokens,output_tokens,ttft_s,tpot_s,e2e_"
           "s\n";
    for (std::size_t index = 0; index < outcomes.size(); ++index) {
      const Outcome& outcome = outcomes[index];
      csv << index << ',' << requests[index].arrival_s << ',' << (outcome.ok ? 1 : 0) << ','
          << outcome.status << ',' << outcome.prompt_tokens << ',' << outcome.cached_tokens << ','
          << outcome.output_tokens << ',' << outcome.ttft_s << ',' << outcome.tpot_s << ','
          << outcome.e2e_s << '\n';
    }
  }
  return failed == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  CLI::App app("Open-loop OpenAI streaming load generator replaying an LLM trace");
  app.add_option("--target", options.target, "IP:PORT of the gateway or emulator")
      ->capture_default_str();
  app.add_option("--trace", options.trace, "mooncake, azure, or tenants (generated)")
      ->check(CLI::IsMember({"mooncake", "azure", "tenants"}))
      ->capture_default_str();
  app.add_option("--trace-file", options.trace_file, "Trace path (default: ../shared/data/...)");
  app.add_option("--model", options.model, "Model name to send (default: none)");
  app.add_option("--start-s", options.start_s, "Slice start in trace seconds")
      ->capture_default_str();
  app.add_option("--duration-s", options.duration_s, "Slice length in trace seconds")
      ->capture_default_str();
  app.add_option("--rate-scale", options.rate_scale, "Multiply the trace's request rate")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--speed", options.speed, "The emulators' --speed")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--max-output", options.max_output, "Cap output tokens per request (0: none)");
  app.add_option("--max-requests", options.max_requests, "Replay at most this many requests");
  app.add_option("--csv", options.csv_file, "Write one row per request here");
  app.add_option("--tenants", options.tenants, "tenants: how many share contexts")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--context-tokens", options.context_tokens,
                 "tenants: shared context per tenant (rounded up to 512-token blocks)")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--question-tokens", options.question_tokens, "tenants: fresh tokens per request")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  app.add_option("--output-tokens", options.output_tokens, "tenants: max_tokens per request")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--rate", options.rate, "tenants: requests per modeled second (Poisson)")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--seed", options.seed, "tenants: arrivals, tenants and questions")
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  return run(options);
}
