// `fulcrum sim cluster --mode saturation` run as a user runs it, on a two-GPU node list.
#include <unistd.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "cli_support.h"

namespace {

using fulcrum::testing::CommandResult;
using fulcrum::testing::contains;
using fulcrum::testing::run_fulcrum;

CommandResult run(const std::string& arguments) { return run_fulcrum("sim cluster " + arguments); }

std::string read_file(const std::filesystem::path& path) {
  std::ifstream file(path);
  std::stringstream text;
  text << file.rdbuf();
  return text.str();
}

class SimSaturationCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("fulcrum_saturation_cli_" + std::to_string(getpid()));
    std::filesystem::create_directories(dir_);
    std::ofstream(dir_ / "nodes.csv") << "sn,cpu_milli,memory_mib,gpu,model\n"
                                         "n0,16000,65536,2,T4\n";
    std::ofstream(dir_ / "pods.csv") << "name,cpu_milli,memory_mib,num_gpu,gpu_milli\n"
                                        "p,1000,1024,1,600\n";
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string files() const {
    return "--mode saturation --nodes " + (dir_ / "nodes.csv").string() + " --pods " +
           (dir_ / "pods.csv").string();
  }

  std::filesystem::path dir_;
};

TEST_F(SimSaturationCliTest, PrintsTheTableAndWritesTheCsv) {
  // Every task asks for 0.6 of a GPU: two fit, the next two (up to 1.2 x 2 GPUs) fail and
  // 0.4 + 0.4 of the GPUs stay unallocated and unusable.
  CommandResult result = run(files() + " --placement best_fit,fgd --seeds 2" +
                             " --arrival-ratio 1.2 --csv " + (dir_ / "out").string());
  ASSERT_EQ(result.exit_code, 0) << result.output;
  EXPECT_TRUE(contains(result.output, "onto 1 nodes until arrivals reach 1.2x the GPU capacity"))
      << result.output;
  EXPECT_TRUE(contains(result.output, "best_fit  40.00% (40.00-40.00%)  40.00%      40.00%"))
      << result.output;
  EXPECT_TRUE(contains(result.output, "90.00%                  2             1.000x"))
      << result.output;
  std::string summary = read_file(dir_ / "out" / "saturation_summary.csv");
  EXPECT_TRUE(contains(summary, "best_fit,1,0.4,0.4,0.4,0.9,4,2\nbest_fit,2,0.4,0.4,0.4,0.9,4,2\n"))
      << summary;
  std::string curve = read_file(dir_ / "out" / "saturation_curve.csv");
  EXPECT_TRUE(contains(curve, "fgd,2,1.2,0.6,0.4,0.4,4,2\n")) << curve;
}

TEST_F(SimSaturationCliTest, BadInputNamesTheValue) {
  CommandResult unknown = run(files() + " --placement worst_fit");
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_TRUE(contains(unknown.output, "unknown placement policy \"worst_fit\"")) << unknown.output;
  CommandResult seeds = run(files() + " --placement fgd --seeds 0");
  EXPECT_EQ(seeds.exit_code, 2);
  EXPECT_TRUE(contains(seeds.output, "--seeds must be at least 1, got 0")) << seeds.output;
  CommandResult missing = run("--mode saturation --nodes /nonexistent.csv --pods " +
                              (dir_ / "pods.csv").string() + " --placement fgd");
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_TRUE(contains(missing.output, "/nonexistent.csv")) << missing.output;
}

}  // namespace
