// `fulcrum sim route` run as a user runs it.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "cli_support.h"

namespace {

using fulcrum::testing::CommandResult;
using fulcrum::testing::contains;
using fulcrum::testing::fresh_temp_dir;
using fulcrum::testing::read_text_file;
using fulcrum::testing::run_fulcrum;
using fulcrum::testing::TempFile;

// Four requests in Mooncake's format: two pairs sharing their first 512-token block.
const std::string kTrace =
    "{\"timestamp\": 0, \"input_length\": 600, \"output_length\": 4, \"hash_ids\": [1, 2]}\n"
    "{\"timestamp\": 100, \"input_length\": 600, \"output_length\": 4, \"hash_ids\": [3, 4]}\n"
    "{\"timestamp\": 2000, \"input_length\": 700, \"output_length\": 2, \"hash_ids\": [1, 5]}\n"
    "{\"timestamp\": 2100, \"input_length\": 700, \"output_length\": 2, \"hash_ids\": [3, 6]}\n";

TEST(SimRouteCliTest, ReplaysATinyTraceWithTwoPoliciesSideBySide) {
  TempFile trace("tiny.jsonl", kTrace);
  auto csv = fresh_temp_dir("route-tiny");
  CommandResult result =
      run_fulcrum("sim route --file " + trace.path() +
                  " --replicas 2 --policy round_robin,prefix_aware --csv " + csv.string());
  ASSERT_EQ(result.exit_code, 0) << result.output;
  EXPECT_TRUE(contains(result.output, "fulcrum sim route: 4 requests from " + trace.path()))
      << result.output;
  EXPECT_TRUE(contains(result.output, "POLICY        REQS  FAILED  TTFT_P50")) << result.output;
  const std::string requests = read_text_file(csv / "route_requests.csv");
  // round robin alternates r0, r1, r0, r1: each second request of a pair meets its prefix.
  EXPECT_TRUE(contains(requests, "\nround_robin,0,0.000000,0.000000,r0,1,,600,0,4,")) << requests;
  EXPECT_TRUE(contains(requests, "\nround_robin,2,2.000000,2.000000,r0,1,,700,512,2,")) << requests;
  EXPECT_TRUE(contains(requests, "\nround_robin,3,2.100000,2.100000,r1,1,,700,512,2,")) << requests;
  const std::string summary = read_text_file(csv / "route_summary.csv");
  EXPECT_TRUE(contains(summary, "\nround_robin,4,0,")) << summary;
  EXPECT_TRUE(contains(summary, "\nprefix_aware,4,0,")) << summary;
  std::filesystem::remove_all(csv);
}

// --plots through the CLI's plot-script runner: the TTFT CDF PNG when python3 has matplotlib, an
// error naming what is missing otherwise.
TEST(SimRouteCliTest, PlotsTheTtftCdfPerPolicy) {
  TempFile trace("plots.jsonl", kTrace);
  auto out = fresh_temp_dir("route-plots");
  CommandResult result =
      run_fulcrum("sim route --file " + trace.path() +
                  " --replicas 2 --policy round_robin,least_load --plots " + out.string());
  if (std::system("/usr/bin/python3 -c 'import matplotlib' 2>/dev/null") == 0) {
    ASSERT_EQ(result.exit_code, 0) << result.output;
    EXPECT_TRUE(contains(result.output, "wrote " + (out / "route_ttft_cdf.png").string()))
        << result.output;
    EXPECT_GT(std::filesystem::file_size(out / "route_ttft_cdf.png"), 1000u);
  } else {
    EXPECT_EQ(result.exit_code, 1) << result.output;
    EXPECT_TRUE(contains(result.output, "matplotlib")) << result.output;
  }
  std::filesystem::remove_all(out);
}

TEST(SimRouteCliTest, SameSeedSameCsvBytes) {
  auto first = fresh_temp_dir("route-seed-a");
  auto second = fresh_temp_dir("route-seed-b");
  const std::string arguments =
      "sim route --trace synthetic --requests 150 --rate 20 --input-tokens lognormal:600:0.5 "
      "--output-tokens lognormal:20:0.5 --replicas 3 --policy power_of_two_choices,kv_cost "
      "--seed 5 --csv ";
  ASSERT_EQ(run_fulcrum(arguments + first.string()).exit_code, 0);
  ASSERT_EQ(run_fulcrum(arguments + second.string()).exit_code, 0);
  const std::string requests = read_text_file(first / "route_requests.csv");
  EXPECT_TRUE(contains(requests, "\nkv_cost,149,")) << requests;
  EXPECT_EQ(requests, read_text_file(second / "route_requests.csv"));
  EXPECT_EQ(read_text_file(first / "route_summary.csv"),
            read_text_file(second / "route_summary.csv"));
  std::filesystem::remove_all(first);
  std::filesystem::remove_all(second);
}

TEST(SimRouteCliTest, RunsOnTheRealMooncakeTraceByDefault) {
  CommandResult result =
      run_fulcrum("sim route --duration-s 20 --policy round_robin,least_load --quiet");
  ASSERT_EQ(result.exit_code, 0) << result.output;
  // The Mooncake trace's first 20 s hold 65 requests (timestamp < 20000 ms).
  EXPECT_TRUE(contains(result.output,
                       "fulcrum sim route: 65 requests from "
                       "../shared/data/mooncake-fast25/conversation_trace.jsonl"))
      << result.output;
  EXPECT_TRUE(contains(result.output, "\nleast_load ")) << result.output;
}

TEST(SimRouteCliTest, AutoscaledFleetIsComparedWithFixedFleets) {
  auto csv = fresh_temp_dir("route-autoscale");
  CommandResult result = run_fulcrum(
      "sim route --trace synthetic --requests 300 --rate 30 --input-tokens constant:2000 "
      "--output-tokens constant:50 --replicas 1 --policy least_connections --autoscale "
      "--autoscale-interval-s 1 --window-s 2 --cooldown-s 3 --startup-s 2 --scale-out-above 2 "
      "--scale-in-below 0.5 --min-replicas 1 --max-replicas 4 --csv " +
      csv.string());
  ASSERT_EQ(result.exit_code, 0) << result.output;
  EXPECT_TRUE(contains(result.output, "autoscaling: queue > 2 scales out, < 0.5 scales in"))
      << result.output;
  const std::string autoscale = read_text_file(csv / "route_autoscale.csv");
  EXPECT_TRUE(contains(autoscale, "policy,fleet,replicas,ttft_p50_s,ttft_p99_s,replica_hours,"))
      << autoscale;
  EXPECT_TRUE(contains(autoscale, "\nleast_connections,auto,")) << autoscale;
  EXPECT_TRUE(contains(autoscale, "\nleast_connections,fixed,1,")) << autoscale;
  std::filesystem::remove_all(csv);
}

// Bursts at 80/s on one replica: the autoscaler scales out, in on a lull and out again, so it
// starts 6 replicas over the run but has at most 3 at once, within --max-replicas 4.
TEST(SimRouteCliTest, AutoMaxIsThePeakFleetNotTheReplicasEverStarted) {
  auto csv = fresh_temp_dir("route-autoscale-peak");
  CommandResult result = run_fulcrum(
      "sim route --trace synthetic --requests 3000 --rate 80 --arrivals bursty "
      "--input-tokens constant:2000 --output-tokens constant:200 --replicas 1 "
      "--policy least_connections --autoscale --autoscale-interval-s 1 --window-s 2 "
      "--cooldown-s 3 --startup-s 2 --scale-out-above 1 --scale-in-below 0.5 --min-replicas 1 "
      "--max-replicas 4 --quiet --csv " +
      csv.string());
  ASSERT_EQ(result.exit_code, 0) << result.output;
  EXPECT_TRUE(contains(result.output, "AUTO_MAX  AUTO_STARTED")) << result.output;
  EXPECT_TRUE(
      contains(result.output, "\nleast_connections  2.549     0.036           3         6 "))
      << result.output;
  const std::string autoscale = read_text_file(csv / "route_autoscale.csv");
  EXPECT_TRUE(contains(autoscale, "\nleast_connections,auto,3,")) << autoscale;
  EXPECT_TRUE(contains(autoscale, ",started_replicas\n")) << autoscale;
  std::filesystem::remove_all(csv);
}

// Two requests sent at once: with a relay the short body reaches the engine first.
TEST(SimRouteCliTest, TheIngestModelLetsAShortBodyOvertakeALongOne) {
  TempFile trace(
      "burst.jsonl",
      "{\"timestamp\": 0, \"input_length\": 4000, \"output_length\": 2, \"hash_ids\": []}\n"
      "{\"timestamp\": 0, \"input_length\": 600, \"output_length\": 2, \"hash_ids\": []}\n");
  auto csv = fresh_temp_dir("route-ingest");
  CommandResult result = run_fulcrum(
      "sim route --file " + trace.path() +
      " --replicas 1 --policy round_robin --relay-us-per-token 10 --transfer-ms 1 --csv " +
      csv.string());
  ASSERT_EQ(result.exit_code, 0) << result.output;
  const std::string requests = read_text_file(csv / "route_requests.csv");
  // Sharing the relay, the short body is through after 600 x 2 x 10 us = 12 ms and the long one's
  // last 3,400 tokens take 34 ms more; each then needs the 1 ms transfer.
  EXPECT_TRUE(contains(requests, "\nround_robin,1,0.000000,0.013000,r0,1,,600,")) << requests;
  EXPECT_TRUE(contains(requests, "\nround_robin,0,0.000000,0.047000,r0,1,,4000,")) << requests;
  std::filesystem::remove_all(csv);
}

TEST(SimRouteCliTest, BadFlagsAndLinesAreNamed) {
  CommandResult unknown = run_fulcrum("sim route --trace synthetic --policy round_robin,fastest");
  EXPECT_EQ(unknown.exit_code, 2) << unknown.output;
  EXPECT_TRUE(contains(unknown.output, "fastest")) << unknown.output;

  CommandResult scale = run_fulcrum("sim route --trace synthetic --rate-scale 0");
  EXPECT_EQ(scale.exit_code, 2) << scale.output;
  EXPECT_TRUE(contains(scale.output, "error: --rate-scale: must be positive, got 0"))
      << scale.output;

  CommandResult replicas = run_fulcrum("sim route --trace synthetic --autoscale --min-replicas 0");
  EXPECT_EQ(replicas.exit_code, 2) << replicas.output;
  EXPECT_TRUE(contains(replicas.output, "error: --min-replicas 0: ")) << replicas.output;

  CommandResult jitter = run_fulcrum("sim route --trace synthetic --arrival-jitter-ms -1");
  EXPECT_EQ(jitter.exit_code, 2) << jitter.output;
  EXPECT_TRUE(contains(jitter.output, "error: --arrival-jitter-ms: must be a non-negative number"))
      << jitter.output;

  CommandResult without = run_fulcrum("sim route --trace synthetic --cooldown-s 5");
  EXPECT_EQ(without.exit_code, 2) << without.output;
  EXPECT_TRUE(contains(without.output, "error: --cooldown-s: needs --autoscale")) << without.output;

  TempFile trace("bad.jsonl", kTrace + "{\"timestamp\": 3000, \"input_length\": \"many\"}\n");
  CommandResult line = run_fulcrum("sim route --policy round_robin --file " + trace.path());
  EXPECT_EQ(line.exit_code, 2) << line.output;
  EXPECT_TRUE(contains(line.output, trace.path() + ":5:")) << line.output;
  CommandResult skipped =
      run_fulcrum("sim route --policy round_robin --on-error skip --file " + trace.path());
  EXPECT_EQ(skipped.exit_code, 0) << skipped.output;
  EXPECT_TRUE(contains(skipped.output, "warning: skipped 1 malformed lines of " + trace.path()))
      << skipped.output;
}

}  // namespace
