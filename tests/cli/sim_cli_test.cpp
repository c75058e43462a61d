// `fulcrum sim cluster` run as a user runs it.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "cli_support.h"

namespace {

using fulcrum::testing::CommandResult;
using fulcrum::testing::contains;
using fulcrum::testing::run_fulcrum;
using fulcrum::testing::TempFile;

const std::string kPodHeader =
    "name,cpu_milli,memory_mib,num_gpu,gpu_milli,gpu_spec,qos,pod_phase,creation_time,"
    "deletion_time,scheduled_time\n";
// One node with 4 GPUs; A (2 GPUs, 10 s) at 0, B (4 GPUs, 5 s) at 1, C (1 GPU, 5 s) at 2, D (1 GPU,
// 20 s) at 3.
const std::string kNodes = "sn,cpu_milli,memory_mib,gpu,model\nn1,8000,32768,4,A\n";
const std::string kPods = kPodHeader +
                          "A,1000,1024,2,1000,,LS,Running,0,10,0\n"
                          "B,1000,1024,4,1000,,LS,Running,1,6,1\n"
                          "C,1000,1024,1,1000,,LS,Running,2,7,2\n"
                          "D,1000,1024,1,1000,,LS,Running,3,23,3\n";

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::filesystem::path temp_dir(const std::string& name) {
  auto dir = std::filesystem::temp_directory_path() /
             ("fulcrum-sim-cli-" + std::to_string(::getpid()) + "-" + name);
  std::filesystem::remove_all(dir);
  return dir;
}

TEST(SimCliTest, ReplaysATinyTraceWithTwoQueuesSideBySide) {
  TempFile nodes("nodes.csv", kNodes);
  TempFile pods("pods.csv", kPods);
  auto csv = temp_dir("tiny");
  CommandResult result =
      run_fulcrum("sim cluster --nodes " + nodes.path() + " --pods " + pods.path() +
                  " --queue fifo,easy_backfill --csv " + csv.string());
  ASSERT_EQ(result.exit_code, 0) << result.output;
  EXPECT_TRUE(contains(result.output, "cluster: 1 nodes; jobs: 4\n")) << result.output;
  EXPECT_TRUE(contains(result.output, "QUEUE          PLACEMENT  JOBS  DONE  AVG JCT"))
      << result.output;
  // fifo: JCT 10, 27, 5, 20 (B waits for every GPU until 23); easy_backfill: 10, 14, 5, 32.
  std::string summary = read_file(csv / "summary.csv");
  EXPECT_TRUE(contains(summary, "\nfifo,first_fit,4,4,0,0,15.500,27.000,")) << summary;
  EXPECT_TRUE(contains(summary, "\neasy_backfill,first_fit,4,4,0,0,15.250,32.000,")) << summary;
  std::string jobs = read_file(csv / "easy_backfill+first_fit" / "jobs.csv");
  EXPECT_TRUE(contains(jobs, "\nB,finished,1.000,10.000,15.000,9.000,14.000,5.000,4000,n1,0,0\n"))
      << jobs;
  EXPECT_TRUE(std::filesystem::exists(csv / "fifo+first_fit" / "util.csv"));
  std::filesystem::remove_all(csv);
}

TEST(SimCliTest, RunsOnTheRealAlibabaTrace) {
  CommandResult result =
      run_fulcrum("sim cluster --limit 300 --queue fifo --placement first_fit,best_fit");
  ASSERT_EQ(result.exit_code, 0) << result.output;
  EXPECT_TRUE(contains(result.output, "cluster: 1523 nodes; jobs: 300\n")) << result.output;
  EXPECT_TRUE(contains(result.output, "fifo   best_fit")) << result.output;
}

TEST(SimCliTest, SameSeedSameCsvBytes) {
  auto first = temp_dir("seed-a");
  auto second = temp_dir("seed-b");
  std::string arguments =
      "sim cluster --trace synthetic --jobs 400 --rate 0.02 --node-sample 0.02 --fail-rate 2 "
      "--queue las --placement least_loaded --seed 9 --csv ";
  ASSERT_EQ(run_fulcrum(arguments + first.string()).exit_code, 0);
  ASSERT_EQ(run_fulcrum(arguments + second.string()).exit_code, 0);
  for (const std::string file :
       {"summary.csv", "las+least_loaded/jobs.csv", "las+least_loaded/util.csv"}) {
    std::string text = read_file(first / file);
    EXPECT_GT(text.size(), 100u) << file;
    EXPECT_EQ(text, read_file(second / file)) << file;
  }
  std::filesystem::remove_all(first);
  std::filesystem::remove_all(second);
}

TEST(SimCliTest, MissingTraceFileIsBadInput) {
  CommandResult result = run_fulcrum("sim cluster --pods /nonexistent/pods.csv");
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_EQ(result.output,
            "error: cannot open trace /nonexistent/pods.csv: No such file or directory\n");
}

TEST(SimCliTest, MalformedLineStopsOrIsSkipped) {
  TempFile nodes("nodes.csv", kNodes);
  TempFile pods("pods.csv", kPods + "E,1000,1024,1,1000,,LS,Running,4,x9,4\n");
  std::string arguments = "sim cluster --nodes " + nodes.path() + " --pods " + pods.path();
  CommandResult stopped = run_fulcrum(arguments);
  EXPECT_EQ(stopped.exit_code, 2);
  EXPECT_EQ(stopped.output,
            "error: " + pods.path() + ":6:34: deletion_time: expected an integer ('x9')\n");
  CommandResult skipped = run_fulcrum(arguments + " --on-error skip");
  EXPECT_EQ(skipped.exit_code, 0) << skipped.output;
  EXPECT_TRUE(contains(skipped.output, "warning: " + pods.path() +
                                           ": skipped 1 malformed lines, e.g.\n  " + pods.path() +
                                           ":6:34: deletion_time: expected an integer ('x9')\n"))
      << skipped.output;
  EXPECT_TRUE(contains(skipped.output, "jobs: 4\n")) << skipped.output;
}

TEST(SimCliTest, UnknownPolicyIsNamed) {
  CommandResult result = run_fulcrum("sim cluster --limit 5 --placement worst_fit");
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_TRUE(contains(result.output, "error: unknown placement policy \"worst_fit\""))
      << result.output;
}

// --plots through the shared plot-script runner (cli/plot_script.h): the PNGs when python3 has
// matplotlib, and an error naming what is missing otherwise.
TEST(SimCliTest, PlotsAreDrawnOrTheMissingPieceIsNamed) {
  TempFile nodes("nodes.csv", kNodes);
  TempFile pods("pods.csv", kPods);
  auto out = temp_dir("plots");
  std::string arguments = "sim cluster --nodes " + nodes.path() + " --pods " + pods.path() +
                          " --plots " + out.string();
  bool has_matplotlib = std::system("/usr/bin/python3 -c 'import matplotlib' 2>/dev/null") == 0;
  if (has_matplotlib) {
    CommandResult drawn = run_fulcrum(arguments);
    ASSERT_EQ(drawn.exit_code, 0) << drawn.output;
    EXPECT_TRUE(contains(drawn.output, "plots written to " + out.string())) << drawn.output;
    EXPECT_TRUE(std::filesystem::exists(out / "csv" / "summary.csv"));
  }
  ::setenv("FULCRUM_PYTHON", "/nonexistent/python3", 1);
  CommandResult no_python = run_fulcrum(arguments);
  ::unsetenv("FULCRUM_PYTHON");
  EXPECT_EQ(no_python.exit_code, 1);
  EXPECT_TRUE(contains(no_python.output,
                       "error: plots need python3, and '/nonexistent/python3' did not run"))
      << no_python.output;
  ::setenv("FULCRUM_TOOLS_DIR", "/nonexistent/tools", 1);
  CommandResult no_script = run_fulcrum(arguments);
  ::unsetenv("FULCRUM_TOOLS_DIR");
  EXPECT_EQ(no_script.exit_code, 1);
  EXPECT_TRUE(contains(no_script.output,
                       "error: plot script /nonexistent/tools/sim_plots.py not found"))
      << no_script.output;
  std::filesystem::remove_all(out);
}

}  // namespace
