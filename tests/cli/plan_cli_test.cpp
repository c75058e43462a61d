// `fulcrum plan` run as a user runs it, on the seed example.
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace {

struct CommandResult {
  int exit_code = -1;
  std::string output;
};

// `environment` ("NAME=value ...") is put before the command.
CommandResult run_plan(const std::string& arguments, const std::string& environment = "") {
  std::string seed = std::string(FULCRUM_SOURCE_DIR) + "/examples/";
  std::string command = environment + " " + std::string(FULCRUM_BINARY) + " plan --cluster " +
                        seed + "seed-cluster.yaml --tasks " + seed + "seed-tasks.yaml " +
                        arguments + " 2>&1";
  CommandResult result;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return result;
  std::array<char, 4096> buffer{};
  size_t count = 0;
  while ((count = fread(buffer.data(), 1, buffer.size(), pipe)) > 0)
    result.output.append(buffer.data(), count);
  int status = pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST(PlanCliTest, MilpPrintsTheProvenOptimumOfTheSeed) {
  CommandResult result = run_plan("--solver milp --objective makespan");
  ASSERT_EQ(result.exit_code, 0) << result.output;
  EXPECT_TRUE(contains(result.output, "TASK  NODE      START    END")) << result.output;
  // T2 -> T1 -> T5 is the critical path (20 + 40 + 30 minutes); T5 runs last.
  EXPECT_TRUE(contains(result.output, "1:00:00  1:30:00\n\nmakespan")) << result.output;
  EXPECT_TRUE(contains(result.output,
                       "makespan: 1:30:00 (5400000 ms)\nbound: 1:30:00 (5400000 ms)\n"
                       "gap: 0%\nstatus: optimal\nsolver: milp\n"))
      << result.output;
  EXPECT_FALSE(contains(result.output, "Welcome to the CBC")) << result.output;
}

TEST(PlanCliTest, WeightedCompletionAndHeuristics) {
  CommandResult weighted = run_plan("--objective weighted_completion");
  EXPECT_TRUE(contains(weighted.output, "weighted_completion: 815 weight x min\n"))
      << weighted.output;
  for (const std::string solver : {"heft", "anneal", "greedy"}) {
    CommandResult result = run_plan("--solver " + solver);
    EXPECT_EQ(result.exit_code, 0) << result.output;
    EXPECT_TRUE(contains(result.output, "solver: " + solver + "\n")) << result.output;
  }
}

TEST(PlanCliTest, BalanceAndEnergyPlaceWaveByWave) {
  CommandResult energy = run_plan("--objective energy");
  ASSERT_EQ(energy.exit_code, 0) << energy.output;
  EXPECT_TRUE(contains(energy.output, "status: optimal\n")) << energy.output;
  EXPECT_TRUE(contains(energy.output, "waves: 3, makespan 1:30:00\n")) << energy.output;
  // Every wave packs onto gpu-v100 (idle 300 W, peak 900 W, power by GPU share):
  // {T2, T4} both GPUs, 900 W for 20 min; {T1, T3} one GPU, 600 W for 40 min; {T5} 900 W for
  // 30 min. 900 x 20 + 600 x 40 + 900 x 30 = 69,000 W min = 1.15 kWh.
  EXPECT_TRUE(contains(energy.output, "energy: 1.15 kWh (each wave's power draw x its duration)\n"))
      << energy.output;
  CommandResult wrong = run_plan("--objective balance --solver heft");
  EXPECT_EQ(wrong.exit_code, 2);
  EXPECT_TRUE(contains(wrong.output, "use --solver milp or greedy")) << wrong.output;
}

TEST(PlanCliTest, GanttAndModelFilesAreWritten) {
  std::filesystem::path folder =
      std::filesystem::temp_directory_path() / ("fulcrum-plan-cli-" + std::to_string(::getpid()));
  std::filesystem::create_directories(folder);
  std::string gantt = (folder / "plan.svg").string();
  std::string model = (folder / "plan.lp").string();
  CommandResult result = run_plan("--gantt " + gantt + " --write-model " + model);
  ASSERT_EQ(result.exit_code, 0) << result.output;
  std::stringstream svg;
  svg << std::ifstream(gantt).rdbuf();
  EXPECT_TRUE(contains(svg.str(), "<svg")) << svg.str();
  EXPECT_TRUE(contains(svg.str(), ">T5</text>"));
  EXPECT_TRUE(std::filesystem::file_size(model) > 0);
  CommandResult jpeg = run_plan("--gantt " + (folder / "plan.jpg").string());
  EXPECT_EQ(jpeg.exit_code, 2);
  EXPECT_TRUE(contains(jpeg.output, "plan.jpg\": expected a file name ending in .svg or .png"))
      << jpeg.output;
  std::filesystem::remove_all(folder);
}

// Big-endian 32-bit integer at `offset` of `bytes`.
uint32_t big_endian(const std::string& bytes, size_t offset) {
  uint32_t value = 0;
  for (size_t index = 0; index < 4; ++index)
    value = value << 8 | static_cast<unsigned char>(bytes[offset + index]);
  return value;
}

TEST(PlanCliTest, PngGanttIsDrawnWithMatplotlibOrNamesWhatIsMissing) {
  std::filesystem::path folder =
      std::filesystem::temp_directory_path() / ("fulcrum-plan-png-" + std::to_string(::getpid()));
  std::filesystem::create_directories(folder);
  std::string png = (folder / "plan.png").string();
  CommandResult result = run_plan("--solver heft --gantt " + png);
  bool matplotlib = std::system("/usr/bin/python3 -c 'import matplotlib' >/dev/null 2>&1") == 0;
  if (matplotlib) {
    ASSERT_EQ(result.exit_code, 0) << result.output;
    std::stringstream bytes;
    bytes << std::ifstream(png, std::ios::binary).rdbuf();
    std::string data = bytes.str();
    ASSERT_GE(data.size(), 24u);
    EXPECT_EQ(data.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8));
    EXPECT_EQ(data.substr(12, 4), "IHDR");
    // tools/plot_gantt.py: 10 x (1 + 0.45 per node) inches at 100 dpi; the seed has 5 nodes.
    EXPECT_EQ(big_endian(data, 16), 1000u);
    EXPECT_EQ(big_endian(data, 20), 325u);
  } else {
    EXPECT_EQ(result.exit_code, 2) << result.output;
    EXPECT_TRUE(contains(result.output, "plots need matplotlib")) << result.output;
  }
  // A python3 without matplotlib (a stand-in that fails the import): the error says so.
  std::string fake = (folder / "python3").string();
  std::ofstream(fake) << "#!/bin/sh\ncase \"$2\" in *matplotlib*) exit 1;; esac\nexit 0\n";
  std::filesystem::permissions(fake, std::filesystem::perms::owner_all);
  CommandResult missing = run_plan("--solver heft --gantt " + (folder / "other.png").string(),
                                   "FULCRUM_PYTHON=" + fake);
  EXPECT_EQ(missing.exit_code, 2) << missing.output;
  EXPECT_TRUE(contains(
      missing.output, "--gantt \"" + (folder / "other.png").string() + "\": plots need matplotlib"))
      << missing.output;
  EXPECT_TRUE(contains(missing.output, "install python3-matplotlib")) << missing.output;
  EXPECT_FALSE(std::filesystem::exists(folder / "other.png"));
  std::filesystem::remove_all(folder);
}

TEST(PlanCliTest, FormulationIsChecked) {
  // The seed's HEFT plan meets the bound, so either formulation proves it without a model.
  CommandResult disjunctive = run_plan("--formulation disjunctive");
  EXPECT_EQ(disjunctive.exit_code, 0) << disjunctive.output;
  EXPECT_TRUE(contains(disjunctive.output, "status: optimal\n")) << disjunctive.output;
  CommandResult bad = run_plan("--formulation big_m");
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_TRUE(contains(bad.output, "formulation \"big_m\": expected time_indexed or disjunctive"))
      << bad.output;
}

TEST(PlanCliTest, UnknownSolverIsBadInput) {
  CommandResult result = run_plan("--solver genetic");
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_TRUE(contains(result.output, "unknown planner \"genetic\"")) << result.output;
}

}  // namespace
