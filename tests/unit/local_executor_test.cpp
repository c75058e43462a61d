#include "scheduler/local_executor.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <thread>

namespace fulcrum {
namespace {

class LocalExecutorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("fulcrum-local-executor-" + std::to_string(getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    LocalExecutorOptions options;
    options.log_dir = dir_.string();
    options.kill_grace_ms = 200;
    if (geteuid() == 0) {  // root must hand commands to another user
      options.run_as_uid = 65534;
      options.run_as_gid = 65534;
    }
    auto created = LocalExecutor::create(options);
    ASSERT_TRUE(created.ok()) << created.status().to_string();
    executor_ = std::move(*created);
    ASSERT_TRUE(executor_->prepare().ok());
    std::filesystem::permissions(dir_, std::filesystem::perms::all);
  }
  void TearDown() override {
    executor_.reset();
    std::filesystem::remove_all(dir_);
  }

  // Calls `done` until it returns true or the deadline passes; returns its last answer.
  static bool poll_until(const std::function<bool()>& done,
                         std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      if (done()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return done();
  }

  // Polls until the task's run ends; a run that does not end within the deadline fails the test.
  TaskExit wait_for_exit(int64_t now_ms = 0) {
    std::vector<TaskExit> exits;
    bool ended = poll_until([&] {
      exits = executor_->poll(now_ms);
      return !exits.empty();
    });
    EXPECT_TRUE(ended) << "no run ended within the deadline";
    return ended ? exits.front() : TaskExit{"", 0, -1, "did not end"};
  }

  std::string log(const std::string& task_id, const std::string& stream) {
    std::ifstream file(*executor_->log_path(task_id, stream));
    std::stringstream text;
    text << file.rdbuf();
    return text.str();
  }

  static LaunchSpec launch(std::string id, std::string command) {
    LaunchSpec spec;
    spec.task_id = std::move(id);
    spec.command = std::move(command);
    spec.replicas = {{0, "gpu-a100", {0, 1}}};
    return spec;
  }

  std::filesystem::path dir_;
  std::unique_ptr<LocalExecutor> executor_;
};

TEST_F(LocalExecutorTest, RunsTheCommandWithItsEnvironmentAndLogs) {
  LaunchSpec spec = launch("T1",
                           "echo $FULCRUM_TASK_ID $FULCRUM_NODE $CUDA_VISIBLE_DEVICES; "
                           "echo oops >&2");
  ASSERT_TRUE(executor_->start(spec, 0).ok());
  TaskExit exit = wait_for_exit();
  EXPECT_EQ(exit.task_id, "T1");
  EXPECT_EQ(exit.exit_code, 0);
  EXPECT_EQ(exit.reason, "exit code 0");
  EXPECT_EQ(log("T1", "stdout"), "T1 gpu-a100 0,1\n");
  EXPECT_EQ(log("T1", "stderr"), "oops\n");
}

TEST_F(LocalExecutorTest, ReportsExitCodesAndSignals) {
  ASSERT_TRUE(executor_->start(launch("fails", "exit 7"), 0).ok());
  EXPECT_EQ(wait_for_exit().exit_code, 7);
  ASSERT_TRUE(executor_->start(launch("killed", "kill -9 $$"), 0).ok());
  TaskExit killed = wait_for_exit();
  EXPECT_EQ(killed.exit_code, 137);
  EXPECT_EQ(killed.reason, "killed by signal 9");
}

TEST_F(LocalExecutorTest, StopSendsTermThenKillAndReportsNothing) {
  // The command ignores SIGTERM (once it says so), so only the SIGKILL after the grace period
  // ends it.
  ASSERT_TRUE(
      executor_->start(launch("stubborn", "trap '' TERM; echo ready; sleep 30 & wait"), 0).ok());
  ASSERT_TRUE(poll_until([&] { return log("stubborn", "stdout") == "ready\n"; }));
  executor_->stop("stubborn", 0);
  EXPECT_TRUE(executor_->poll(10).empty());
  EXPECT_EQ(executor_->active(), 1u);
  std::vector<TaskExit> reported;
  EXPECT_TRUE(poll_until([&] {
    for (TaskExit& exit : executor_->poll(1000)) reported.push_back(exit);
    return executor_->active() == 0;
  }));
  EXPECT_TRUE(reported.empty());
}

// The scheduler's own SIGTERM handler (asio's signal_set) writes to a pipe its event loop reads. A
// stop that reaches a child between fork and exec must end the child with the default action: if
// the inherited handler ran there instead, the parent would read a SIGTERM it never got (and shut
// down), and the child would go on to run its command.
int term_handler_pipe = -1;

TEST_F(LocalExecutorTest, AStopBeforeTheChildExecsEndsItWithoutRunningTheParentsHandler) {
  int pipe_fds[2];
  ASSERT_EQ(pipe2(pipe_fds, O_CLOEXEC | O_NONBLOCK), 0);
  term_handler_pipe = pipe_fds[1];
  struct sigaction on_term {};
  on_term.sa_handler = [](int) {
    char byte = 1;
    (void)!write(term_handler_pipe, &byte, 1);
  };
  struct sigaction previous {};
  ASSERT_EQ(sigaction(SIGTERM, &on_term, &previous), 0);
  constexpr int kStarts = 200;
  for (int start = 0; start < kStarts; ++start) {
    const std::string id = "early-stop-" + std::to_string(start);
    ASSERT_TRUE(executor_->start(launch(id, "sleep 30"), 0).ok());
    executor_->stop_with_grace(id, 0, 600'000);  // no SIGKILL within the test: SIGTERM must do
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (executor_->active() > 0 && std::chrono::steady_clock::now() < deadline) {
    EXPECT_TRUE(executor_->poll(0).empty());  // stopped runs report nothing
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  EXPECT_EQ(executor_->active(), 0u);
  char byte = 0;
  EXPECT_EQ(read(pipe_fds[0], &byte, 1), -1) << "a child ran the parent's SIGTERM handler";
  sigaction(SIGTERM, &previous, nullptr);
  close(pipe_fds[0]);
  close(pipe_fds[1]);
}

TEST_F(LocalExecutorTest, LogPathsAreOnlyTheTwoStreams) {
  EXPECT_EQ(*executor_->log_path("T1", "stdout"), dir_.string() + "/T1.stdout");
  EXPECT_FALSE(executor_->log_path("T1", "../../etc/passwd").has_value());
}

}  // namespace
}  // namespace fulcrum
