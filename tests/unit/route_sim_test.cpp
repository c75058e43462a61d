#include "sim/route_sim.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <limits>
#include <sstream>
#include <typeinfo>

#include "policy/registry.h"
#include "sim/route_report.h"

namespace fulcrum::sim {
namespace {

// Round numbers, so that expected times are easy to compute by hand.
emulator::EngineProfile test_profile() {
  emulator::EngineProfile profile;
  profile.model = "test-model";
  profile.block_size = 16;
  profile.num_gpu_blocks = 1024;
  profile.max_num_seqs = 8;
  profile.max_num_batched_tokens = 2048;
  profile.max_model_len = 8192;
  profile.step_overhead_s = 0.005;
  profile.prefill_per_token_s = 0.0001;
  profile.decode_per_sequence_s = 0.0002;
  profile.attention_per_context_token_s = 0.000001;
  return profile;
}

RouteSimOptions options_with(int replicas) {
  RouteSimOptions options;
  options.profile = test_profile();
  options.replicas = replicas;
  return options;
}

LlmRequest request_at(double arrival_s, int64_t input_tokens, int64_t output_tokens,
                      std::vector<uint64_t> hash_ids = {}) {
  LlmRequest request;
  request.arrival = Nanos(static_cast<int64_t>(arrival_s * 1e9));
  request.input_tokens = input_tokens;
  request.output_tokens = output_tokens;
  request.hash_ids = std::move(hash_ids);
  return request;
}

RouteRun run_policy(const std::string& policy, const RouteSimOptions& options,
                    const std::vector<LlmRequest>& requests) {
  auto picker = make_route_picker(policy, {}, 1);
  EXPECT_TRUE(picker.ok()) << picker.error_message();
  auto run = simulate_routing(options, requests, **picker);
  EXPECT_TRUE(run.ok()) << run.error_message();
  return std::move(*run);
}

TEST(RouteSimTest, LoneRequestFollowsTheProfileFormula) {
  const emulator::EngineProfile profile = test_profile();
  constexpr int64_t kPrompt = 100;  // one token per word of the synthetic text
  constexpr int64_t kOutput = 4;
  RouteRun run = run_policy("round_robin", options_with(1), {request_at(2.5, kPrompt, kOutput)});
  ASSERT_EQ(run.requests.size(), 1u);
  const RequestOutcome& outcome = run.requests[0];
  ASSERT_TRUE(outcome.ok) << outcome.error;
  EXPECT_EQ(outcome.replica, "r0");
  EXPECT_EQ(outcome.prompt_tokens, kPrompt);
  EXPECT_EQ(outcome.cached_tokens, 0);
  EXPECT_EQ(outcome.output_tokens, kOutput);
  // TTFT = overhead + P x (prefill + attention) = 0.005 + 100 x 0.000101 = 0.0151 s.
  EXPECT_NEAR(outcome.ttft_s, 0.0151, 1e-9);
  // Decode step k (k = 1..3) costs overhead + decode + (P + k) x attention = 0.0052 + 0.000101,
  // 0.000102, 0.000103: TPOT is their mean, 0.005302 s.
  EXPECT_NEAR(outcome.tpot_s, 0.005302, 1e-9);
  EXPECT_NEAR(outcome.e2e_s, 0.0151 + 3 * 0.005302, 1e-9);
  EXPECT_NEAR(run.end_s, 2.5 + outcome.e2e_s, 1e-9);
}

TEST(RouteSimTest, SharedPrefixOnOneReplicaIsAPrefixCacheHit) {
  // Both prompts start with trace block 7 (512 tokens); the second arrives after the first ended.
  std::vector<LlmRequest> requests = {request_at(0, 1024, 2, {7, 8}),
                                      request_at(1, 1024, 2, {7, 9})};
  RouteRun run = run_policy("round_robin", options_with(1), requests);
  ASSERT_TRUE(run.requests[0].ok && run.requests[1].ok);
  EXPECT_EQ(run.requests[0].cached_tokens, 0);
  EXPECT_EQ(run.requests[1].cached_tokens, 512);
  // The first prefills 1024 tokens, the second only 512 on a context of 1024:
  // 0.005 + 1024 x 0.000101 = 0.108424 s and 0.005 + 512 x 0.0001 + 1024 x 0.000001 = 0.057224 s.
  EXPECT_NEAR(run.requests[0].ttft_s, 0.108424, 1e-9);
  EXPECT_NEAR(run.requests[1].ttft_s, 0.057224, 1e-9);
  RouteSummary summary = summarize_route_run(run);
  EXPECT_DOUBLE_EQ(summary.prefix_hit_rate, 512.0 / 2048.0);
}

TEST(RouteSimTest, RoundRobinAlternatesAndCountsRequestsPerReplica) {
  std::vector<LlmRequest> requests;
  for (int index = 0; index < 5; ++index) requests.push_back(request_at(index * 0.01, 50, 3));
  RouteRun run = run_policy("round_robin", options_with(2), requests);
  std::vector<std::string> replicas;
  for (const RequestOutcome& outcome : run.requests) replicas.push_back(outcome.replica);
  EXPECT_EQ(replicas, (std::vector<std::string>{"r0", "r1", "r0", "r1", "r0"}));
  ASSERT_EQ(run.replicas.size(), 2u);
  EXPECT_EQ(run.replicas[0].requests, 3);
  EXPECT_EQ(run.replicas[1].requests, 2);
  // max / mean requests: 3 / 2.5.
  EXPECT_DOUBLE_EQ(summarize_route_run(run).request_imbalance, 1.2);
}

TEST(RouteSimTest, ARequestOverTheModelLengthFailsAsTheEmulatorAnswers) {
  RouteRun run = run_policy("least_connections", options_with(1), {request_at(0, 8000, 500)});
  ASSERT_FALSE(run.requests[0].ok);
  EXPECT_EQ(run.requests[0].error.rfind("400: ", 0), 0u) << run.requests[0].error;
  EXPECT_EQ(summarize_route_run(run).failed, 1);
}

std::string csv_of(const RouteRun& run) {
  std::ostringstream out;
  write_route_requests_csv(out, std::span<const RouteRun>(&run, 1));
  RouteSummary summary = summarize_route_run(run);
  write_route_summary_csv(out, std::span<const RouteSummary>(&summary, 1));
  return out.str();
}

TEST(RouteSimTest, SameInputsAndSeedGiveByteIdenticalCsv) {
  std::vector<LlmRequest> requests;
  for (int index = 0; index < 60; ++index) {
    requests.push_back(request_at(index * 0.02, 200 + (index * 37) % 900, 1 + index % 7,
                                  {static_cast<uint64_t>(index % 3)}));
  }
  RouteSimOptions with_ingest = options_with(3);
  with_ingest.ingest = {0.004, 2e-6, 1e-6, 0.001};  // jitter, relay, inspection, transfer
  for (const RouteSimOptions& options : {options_with(3), with_ingest}) {
    for (const std::string policy : {"power_of_two_choices", "prefix_aware", "kv_cost"}) {
      std::string first = csv_of(run_policy(policy, options, requests));
      std::string second = csv_of(run_policy(policy, options, requests));
      EXPECT_EQ(first, second) << policy;
      EXPECT_NE(first.find(policy + ",59,"), std::string::npos) << policy;
    }
  }
}

TEST(RouteSimTest, UsesTheGatewaysPickersFromTheRegistry) {
  std::vector<std::string> registry;
  for (const PickerEntry& entry : picker_registry()) registry.push_back(entry.name);
  EXPECT_EQ(routing_policy_names(), registry);
  for (const std::string& name : registry) {
    auto simulated = make_route_picker(name, {}, 7);
    auto gateway = make_picker(name);
    ASSERT_TRUE(simulated.ok() && gateway.ok()) << name;
    EXPECT_EQ(typeid(**simulated), typeid(**gateway)) << name;
    EXPECT_EQ((*simulated)->name(), name);
  }
  EXPECT_FALSE(make_route_picker("no_such_policy", {}, 1).ok());
}

// Records what the simulator tells a picker, and picks the backend with the fewest in flight.
class RecordingPicker final : public Picker {
 public:
  std::string_view name() const override { return "recording"; }
  bool needs_request_body() const override { return true; }
  PickResult pick(const RequestView& request, std::span<const BackendView> backends) override {
    std::ostringstream line;
    line << "pick " << request.request_id << " blocks " << request.prefix_blocks.size() << " out "
         << request.expected_output_tokens;
    for (const BackendView& backend : backends) {
      line << " | " << backend.name << " in_flight " << backend.in_flight << " fresh "
           << backend.load.fresh << " running " << backend.load.running;
    }
    calls.push_back(line.str());
    std::size_t chosen = 0;
    for (std::size_t index = 1; index < backends.size(); ++index) {
      if (backends[index].in_flight < backends[chosen].in_flight) chosen = index;
    }
    return chosen;
  }
  void observe(const Outcome& outcome) override {
    calls.push_back("observe " + std::to_string(outcome.request_id) + " on " +
                    std::to_string(outcome.backend_id));
  }
  void first_byte(uint64_t request_id, uint32_t backend_id) override {
    calls.push_back("first byte " + std::to_string(request_id) + " on " +
                    std::to_string(backend_id));
  }
  void request_finished(uint64_t request_id, uint32_t backend_id) override {
    calls.push_back("finished " + std::to_string(request_id) + " on " + std::to_string(backend_id));
  }

  std::vector<std::string> calls;
};

TEST(RouteSimTest, FeedsThePickerAsTheGatewayDoes) {
  RouteSimOptions options = options_with(2);
  options.scrape_interval_s = 1;
  options.stale_after_s = 2;
  // 128 tokens are 640 bytes of text: 10 prefix blocks of 64 bytes. Request 1 runs from 0.5 s for
  // 0.005 + 128 x 0.000101 + 999 decode steps of about 5.3 ms: past 1 s, the second scrape.
  std::vector<LlmRequest> requests = {request_at(0.5, 128, 1000), request_at(1.5, 128, 1),
                                      request_at(4.5, 128, 1)};
  RecordingPicker picker;
  auto run = simulate_routing(options, requests, picker);
  ASSERT_TRUE(run.ok());
  const std::vector<std::string> expected = {
      // Scraped at 0 s: fresh, nothing running.
      "pick 1 blocks 10 out 1000 | r0 in_flight 0 fresh 1 running 0 | r1 in_flight "
      "0 fresh 1 running 0",
      "observe 1 on 0",
      "first byte 1 on 0",  // its first token, at 0.5 + 0.005 + 128 x 0.000101 s
      // Scraped at 1 s: r0 runs request 1, which the gateway counts in flight.
      "pick 2 blocks 10 out 1 | r0 in_flight 1 fresh 1 running 1 | r1 in_flight 0 "
      "fresh 1 running 0",
      "observe 2 on 1",
      "first byte 2 on 1",
      "finished 2 on 1",
      // Request 1 ends near 6.3 s; at 4.5 s the scrape of 4 s is fresh.
      "pick 3 blocks 10 out 1 | r0 in_flight 1 fresh 1 running 1 | r1 in_flight 0 "
      "fresh 1 running 0",
      "observe 3 on 1",
      "first byte 3 on 1",
      "finished 3 on 1",
      "finished 1 on 0",
  };
  EXPECT_EQ(picker.calls, expected);
}

TEST(RouteSimTest, LoadReportsAreTheLastScrape) {
  RouteSimOptions options = options_with(1);
  options.scrape_interval_s = 10;
  options.stale_after_s = 10;
  RecordingPicker picker;
  // Request 1 runs from 0.5 s to about 6 s; request 2 at 3 s still sees the scrape of 0 s, request
  // 3 at 10.5 s the one of 10 s.
  const std::vector<LlmRequest> requests = {request_at(0.5, 16, 1000), request_at(3, 16, 1),
                                            request_at(10.5, 16, 1)};
  auto run = simulate_routing(options, requests, picker);
  ASSERT_TRUE(run.ok());
  ASSERT_EQ(picker.calls.size(), 12u);  // each: pick, observe, first byte, finished
  EXPECT_EQ(picker.calls[0], "pick 1 blocks 1 out 1000 | r0 in_flight 0 fresh 1 running 0");
  EXPECT_EQ(picker.calls[3], "pick 2 blocks 1 out 1 | r0 in_flight 1 fresh 1 running 0");
  EXPECT_EQ(picker.calls[8], "pick 3 blocks 1 out 1 | r0 in_flight 0 fresh 1 running 0");
}

// A burst of 160 requests at 0 s (each 200 tokens in, 400 out) then one request every 10 s: the
// queue stays above 2 per replica until the fleet has grown, then falls to 0.
std::vector<LlmRequest> burst_then_trickle() {
  std::vector<LlmRequest> requests;
  for (int index = 0; index < 160; ++index) requests.push_back(request_at(0, 200, 400));
  for (int index = 1; index <= 12; ++index) requests.push_back(request_at(index * 10.0, 20, 2));
  return requests;
}

AutoscaleConfig crafted_autoscaler() {
  AutoscaleConfig config;
  config.interval_s = 1;
  config.window_s = 2;
  config.cooldown_s = 5;
  config.scale_out_above = 2;
  config.scale_in_below = 0.5;
  config.startup_s = 3;
  config.min_replicas = 1;
  config.max_replicas = 3;
  return config;
}

TEST(RouteSimTest, AutoscalerScalesOutUnderABurstAndInWhenItIsOver) {
  RouteSimOptions options = options_with(1);
  options.autoscale = crafted_autoscaler();
  RouteRun run = run_policy("least_connections", options, burst_then_trickle());
  ASSERT_EQ(run.scale_events.size(), 4u);
  // The tick at 1 s reads the scrape of 0 s: 152 waiting (8 run). High since 1 s, so after the
  // 2 s window the fleet grows at 3 s; the condition's clock restarts, high again from 4 s, and
  // the 5 s cooldown allows the next step at 8 s. Then max_replicas (3) holds it.
  const ScaleEvent& first = run.scale_events[0];
  EXPECT_EQ(first.action, ScaleAction::kScaleOut);
  EXPECT_DOUBLE_EQ(first.at_s, 3);
  EXPECT_EQ(first.replica, "r1");
  EXPECT_DOUBLE_EQ(first.load, 152);
  EXPECT_EQ(first.replicas_after, 2);
  EXPECT_EQ(run.scale_events[1].action, ScaleAction::kScaleOut);
  EXPECT_DOUBLE_EQ(run.scale_events[1].at_s, 8);
  EXPECT_EQ(run.scale_events[1].replicas_after, 3);
  // Once the burst has drained the queue stays empty: the newest idle replica goes first, the
  // next one a cooldown later, down to min_replicas.
  const ScaleEvent& in = run.scale_events[2];
  EXPECT_EQ(in.action, ScaleAction::kScaleIn);
  EXPECT_EQ(in.replica, "r2");
  EXPECT_DOUBLE_EQ(in.load, 0);
  EXPECT_EQ(in.replicas_after, 2);
  EXPECT_EQ(run.scale_events[3].action, ScaleAction::kScaleIn);
  EXPECT_EQ(run.scale_events[3].replica, "r1");
  EXPECT_DOUBLE_EQ(run.scale_events[3].at_s, in.at_s + 5);
  EXPECT_EQ(run.scale_events[3].replicas_after, 1);
  ASSERT_EQ(run.replicas.size(), 3u);
  EXPECT_DOUBLE_EQ(run.replicas[1].added_s, 3);
  EXPECT_DOUBLE_EQ(run.replicas[1].serving_s, 6);  // after the 3 s start-up
  EXPECT_DOUBLE_EQ(run.replicas[2].serving_s, 11);
  EXPECT_EQ(run.replicas[2].removed_s, in.at_s);
  EXPECT_FALSE(run.replicas[0].removed_s.has_value());
  // r0 for the whole run, r1 from 3 s and r2 from 8 s until each was removed.
  EXPECT_NEAR(run.replica_seconds(), run.end_s + (run.scale_events[3].at_s - 3) + (in.at_s - 8),
              1e-9);
}

TEST(RouteSimTest, AutoscalingIsComparedWithTheSmallestFixedFleetOfTheSameTail) {
  RouteSimOptions options = options_with(1);
  options.autoscale = crafted_autoscaler();
  const std::vector<LlmRequest> requests = burst_then_trickle();
  auto comparison = compare_autoscaling(
      options, requests, [] { return make_route_picker("least_connections", {}, 1); });
  ASSERT_TRUE(comparison.ok()) << comparison.error_message();
  EXPECT_EQ(comparison->autoscaled.max_replicas, 3);
  EXPECT_EQ(comparison->autoscaled.started_replicas, 3);  // the first and two scale-outs
  EXPECT_EQ(comparison->fixed.max_replicas, 1);
  ASSERT_TRUE(comparison->matching.has_value());
  // Fixed fleets are tried from min_replicas up; the first with a p99 TTFT no worse matches.
  ASSERT_FALSE(comparison->searched.empty());
  for (std::size_t index = 0; index + 1 < comparison->searched.size(); ++index) {
    EXPECT_EQ(comparison->searched[index].max_replicas, static_cast<int>(index) + 1);
    EXPECT_GT(comparison->searched[index].ttft_p99_s, comparison->autoscaled.ttft_p99_s);
  }
  EXPECT_EQ(comparison->matching->max_replicas, comparison->searched.back().max_replicas);
  EXPECT_LE(comparison->matching->ttft_p99_s, comparison->autoscaled.ttft_p99_s);
  EXPECT_DOUBLE_EQ(*comparison->replica_hours_saved,
                   comparison->matching->replica_hours - comparison->autoscaled.replica_hours);
  std::ostringstream csv;
  write_autoscale_csv(csv, std::span<const AutoscaleComparison>(&*comparison, 1));
  EXPECT_EQ(csv.str().rfind("policy,fleet,replicas,ttft_p50_s,ttft_p99_s,replica_hours,"
                            "matches_autoscaled,started_replicas\nleast_connections,auto,3,",
                            0),
            0u)
      << csv.str();
}

TEST(RouteSimTest, InvalidOptionsNameTheField) {
  RouteSimOptions options = options_with(0);
  RecordingPicker picker;
  auto run = simulate_routing(options, {}, picker);
  ASSERT_FALSE(run.ok());
  EXPECT_EQ(run.error_message(), "replicas: must be at least 1, got 0");
  options = options_with(1);
  options.stale_after_s = 0.5;
  EXPECT_EQ(simulate_routing(options, {}, picker).error_message(),
            "stale_after: must be at least the scrape interval (1 s), got 0.5");
  options = options_with(1);
  options.ingest.relay_s_per_token = -1e-6;
  EXPECT_EQ(simulate_routing(options, {}, picker).error_message(),
            "relay time per token: must be a finite non-negative time, got -1e-06");
  options = options_with(1);
  options.ingest.arrival_jitter_s = std::numeric_limits<double>::infinity();
  EXPECT_EQ(simulate_routing(options, {}, picker).error_message(),
            "arrival jitter: must be a finite non-negative time, got inf");
}

// Two requests sent together to one idle replica: a long one (index 0) and a short one.
std::vector<LlmRequest> long_then_short() {
  return {request_at(0, 1000, 2), request_at(0, 200, 2)};
}

TEST(RouteSimTest, WithoutAnIngestModelRequestsReachTheEngineInTraceOrder) {
  RouteRun run = run_policy("round_robin", options_with(1), long_then_short());
  EXPECT_DOUBLE_EQ(run.requests[0].queued_s, 0);
  EXPECT_DOUBLE_EQ(run.requests[1].queued_s, 0);
  // The long one has the first step to itself: 0.005 + 1000 x 0.000101 = 0.106 s.
  EXPECT_NEAR(run.requests[0].ttft_s, 0.106, 1e-9);
  EXPECT_GT(run.requests[1].ttft_s, 0.106);
}

TEST(RouteSimTest, TheRelaySharesItsPaceSoAShortBodyOvertakesALongOne) {
  RouteSimOptions options = options_with(1);
  options.ingest.relay_s_per_token = 1e-5;
  RouteRun run = run_policy("round_robin", options, long_then_short());
  // Both bodies move at half pace: the short one is through after 200 x 2 x 10 us = 4 ms, then
  // the long one's last 800 tokens at full pace take 8 ms more.
  EXPECT_NEAR(run.requests[1].queued_s, 0.004, 1e-9);
  EXPECT_NEAR(run.requests[0].queued_s, 0.012, 1e-9);
  // The short one has the first step to itself (0.005 + 200 x 0.000101 = 0.0252 s); its TTFT
  // runs from the client's send at 0.
  EXPECT_NEAR(run.requests[1].ttft_s, 0.004 + 0.0252, 1e-9);
  EXPECT_GT(run.requests[0].ttft_s, 0.004 + 0.0252);
}

TEST(RouteSimTest, TransferTimeDelaysTheEngineAndCountsInTtft) {
  RouteSimOptions options = options_with(1);
  options.ingest.transfer_s = 0.003;
  RouteRun run = run_policy("round_robin", options, {request_at(2.5, 100, 4)});
  EXPECT_NEAR(run.requests[0].queued_s, 2.503, 1e-9);
  EXPECT_NEAR(run.requests[0].ttft_s, 0.003 + 0.0151, 1e-9);
}

TEST(RouteSimTest, ABodyReadingPickerWaitsForTheGatewayToHashEachBodyInTurn) {
  RouteSimOptions options = options_with(1);
  options.ingest.inspect_s_per_token = 1e-5;
  // prefix_aware reads bodies: 1000 tokens hashed in 10 ms, then 200 in 2 ms.
  RouteRun body_reading = run_policy("prefix_aware", options, long_then_short());
  EXPECT_NEAR(body_reading.requests[0].queued_s, 0.010, 1e-9);
  EXPECT_NEAR(body_reading.requests[1].queued_s, 0.012, 1e-9);
  // round_robin picks at the head: no hashing.
  RouteRun head_only = run_policy("round_robin", options, long_then_short());
  EXPECT_DOUBLE_EQ(head_only.requests[0].queued_s, 0);
  EXPECT_DOUBLE_EQ(head_only.requests[1].queued_s, 0);
}

TEST(RouteSimTest, ArrivalJitterStaysInItsBoundAndFollowsTheSeed) {
  std::vector<LlmRequest> requests;
  for (int index = 0; index < 40; ++index) requests.push_back(request_at(1, 100, 1));
  RouteSimOptions options = options_with(4);
  options.ingest.arrival_jitter_s = 0.01;
  auto delays = [&requests](const RouteSimOptions& with) {
    RouteRun run = run_policy("round_robin", with, requests);
    std::vector<double> result;
    for (const RequestOutcome& outcome : run.requests) {
      result.push_back(outcome.queued_s - outcome.arrival_s);
    }
    return result;
  };
  const std::vector<double> first = delays(options);
  for (double delay : first) {
    EXPECT_GE(delay, 0);
    EXPECT_LT(delay, 0.01);
  }
  EXPECT_GT(
      *std::max_element(first.begin(), first.end()) - *std::min_element(first.begin(), first.end()),
      0.005);  // 40 uniform draws spread over more than half the range
  EXPECT_EQ(delays(options), first);
  options.seed = 2;
  EXPECT_NE(delays(options), first);
}

}  // namespace
}  // namespace fulcrum::sim
