#include "scheduler/local_executor.h"

#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>

namespace fulcrum {

namespace {

constexpr mode_t kLogMode = 0640;

std::string describe_exit(int wait_status, int& exit_code) {
  if (WIFSIGNALED(wait_status)) {
    exit_code = 128 + WTERMSIG(wait_status);
    return "killed by signal " + std::to_string(WTERMSIG(wait_status));
  }
  exit_code = WEXITSTATUS(wait_status);
  return "exit code " + std::to_string(exit_code);
}

std::string device_list(const std::vector<int>& devices) {
  std::string text;
  for (int device : devices) text += (text.empty() ? "" : ",") + std::to_string(device);
  return text;
}

// Everything the child needs, prepared before fork: after it, only async-signal-safe calls.
struct ChildSetup {
  std::vector<std::string> environment;
  std::vector<char*> environment_pointers;
  std::string command;
  std::string work_dir;
  int stdout_fd = -1;
  int stderr_fd = -1;
  int64_t memory_limit_bytes = 0;
  std::optional<uid_t> uid;
  std::optional<gid_t> gid;
};

// Runs in the child with every signal blocked (see spawn): the parent's handlers (asio's
// signal_set writes to a pipe the parent reads) must never run here, so a stop that arrives before
// exec waits until the default actions are back, then ends the child.
[[noreturn]] void run_child(const ChildSetup& setup) {
  for (int signal_number = 1; signal_number < NSIG; ++signal_number) signal(signal_number, SIG_DFL);
  setpgid(0, 0);
  dup2(setup.stdout_fd, STDOUT_FILENO);
  dup2(setup.stderr_fd, STDERR_FILENO);
  int null_fd = open("/dev/null", O_RDONLY);
  if (null_fd >= 0) dup2(null_fd, STDIN_FILENO);
  for (int fd = 3; fd < 1024; ++fd) close(fd);
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  if (setup.memory_limit_bytes > 0) {
    rlimit limit{static_cast<rlim_t>(setup.memory_limit_bytes),
                 static_cast<rlim_t>(setup.memory_limit_bytes)};
    setrlimit(RLIMIT_AS, &limit);
  }
  if (setup.gid && (setgroups(0, nullptr) != 0 || setgid(*setup.gid) != 0)) _exit(126);
  if (setup.uid && setuid(*setup.uid) != 0) _exit(126);
  if (chdir(setup.work_dir.c_str()) != 0 && chdir("/") != 0) _exit(126);
  execle("/bin/sh", "sh", "-c", setup.command.c_str(), static_cast<char*>(nullptr),
         setup.environment_pointers.data());
  _exit(127);
}

// The uid and gid of `run_as`, which matter only when the scheduler runs as root.
Status resolve_run_as(const std::string& run_as, LocalExecutorOptions& options) {
  if (run_as.empty() || geteuid() != 0) return {};
  passwd* user = getpwnam(run_as.c_str());
  if (user == nullptr) return invalid_argument("run_as: no user named \"" + run_as + "\"");
  if (user->pw_uid == 0) return invalid_argument("run_as: must not be root");
  options.run_as_uid = user->pw_uid;
  options.run_as_gid = user->pw_gid;
  return {};
}

Result<std::unique_ptr<Executor>> create_local(const ExecutorParams& params) {
  LocalExecutorOptions options;
  FULCRUM_ASSIGN_OR_RETURN(options.log_dir, params.get_path("log_dir", options.log_dir));
  FULCRUM_ASSIGN_OR_RETURN(options.kill_grace_ms,
                           params.get_duration_ms("kill_grace", options.kill_grace_ms));
  FULCRUM_ASSIGN_OR_RETURN(options.limit_memory,
                           params.get_bool("memory_limit", options.limit_memory));
  std::string run_as;
  FULCRUM_ASSIGN_OR_RETURN(run_as, params.get_string("run_as", ""));
  FULCRUM_RETURN_IF_ERROR(resolve_run_as(run_as, options));
  auto executor = LocalExecutor::create(std::move(options));
  if (!executor.ok()) return executor.status();
  return std::unique_ptr<Executor>(std::move(*executor));
}

}  // namespace

ExecutorEntry local_executor_entry() {
  return {"local",
          "runs each replica as /bin/sh -c COMMAND on this machine, logs in log_dir",
          {{"log_dir", "fulcrum-logs",
            "folder of TASK.stdout and TASK.stderr (relative: to the "
            "config file)"},
           {"run_as", "", "user whose uid/gid commands get when the scheduler runs as root"},
           {"kill_grace", "5s", "between SIGTERM and SIGKILL when a task is stopped"},
           {"memory_limit", "true", "the task's memory demand as its address-space limit"}},
          create_local};
}

Result<std::unique_ptr<LocalExecutor>> LocalExecutor::create(LocalExecutorOptions options) {
  if (geteuid() == 0 && !options.run_as_uid) {
    return invalid_argument(
        "run_as: required when the scheduler runs as root (for example run_as: nobody)");
  }
  return std::make_unique<LocalExecutor>(std::move(options));
}

Status LocalExecutor::prepare() {
  std::error_code error;
  std::filesystem::create_directories(options_.log_dir, error);
  if (error) {
    return invalid_argument("log_dir: cannot create \"" + options_.log_dir +
                            "\": " + error.message());
  }
  return {};
}

LocalExecutor::~LocalExecutor() {
  for (const auto& [pid, process] : processes_) kill(-pid, SIGKILL);
  for (const auto& [pid, process] : processes_) waitpid(pid, nullptr, 0);
}

std::optional<std::string> LocalExecutor::log_path(const std::string& task_id,
                                                   std::string_view stream) const {
  if (stream != "stdout" && stream != "stderr") return std::nullopt;
  return options_.log_dir + "/" + task_id + "." + std::string(stream);
}

Result<pid_t> LocalExecutor::spawn(const LaunchSpec& launch, const LaunchSpec::Replica& replica) {
  ChildSetup setup;
  setup.command = launch.command;
  setup.work_dir = options_.log_dir;
  setup.uid = options_.run_as_uid;
  setup.gid = options_.run_as_gid;
  if (options_.limit_memory) setup.memory_limit_bytes = launch.memory_bytes;
  setup.environment = {
      "PATH=/usr/local/bin:/usr/bin:/bin",
      "HOME=/tmp",
      "FULCRUM_TASK_ID=" + launch.task_id,
      "FULCRUM_NODE=" + replica.node_id,
      "FULCRUM_REPLICA=" + std::to_string(replica.replica),
      "FULCRUM_ATTEMPT=" + std::to_string(launch.attempt),
      "CUDA_VISIBLE_DEVICES=" + device_list(replica.gpu_devices),
  };
  for (std::string& entry : setup.environment) setup.environment_pointers.push_back(entry.data());
  setup.environment_pointers.push_back(nullptr);
  std::string out_path = *log_path(launch.task_id, "stdout");
  std::string err_path = *log_path(launch.task_id, "stderr");
  setup.stdout_fd = open(out_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, kLogMode);
  setup.stderr_fd = open(err_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, kLogMode);
  auto close_logs = [&setup] {
    if (setup.stdout_fd >= 0) close(setup.stdout_fd);
    if (setup.stderr_fd >= 0) close(setup.stderr_fd);
  };
  if (setup.stdout_fd < 0 || setup.stderr_fd < 0) {
    close_logs();
    return Status(ErrorCode::kInternal,
                  "cannot open the log files of " + launch.task_id + ": " + std::strerror(errno));
  }
  sigset_t all_signals;
  sigset_t parent_mask;
  sigfillset(&all_signals);
  pthread_sigmask(SIG_SETMASK, &all_signals, &parent_mask);
  pid_t pid = fork();
  if (pid == 0) run_child(setup);
  int fork_errno = errno;
  pthread_sigmask(SIG_SETMASK, &parent_mask, nullptr);
  close_logs();
  if (pid < 0) {
    return Status(ErrorCode::kInternal, std::string("fork: ") + std::strerror(fork_errno));
  }
  setpgid(pid, pid);  // also here, so that a stop right away reaches the group
  return pid;
}

Status LocalExecutor::start(const LaunchSpec& launch, int64_t now_ms) {
  stop(launch.task_id, now_ms);
  std::vector<pid_t> started;
  for (const LaunchSpec::Replica& replica : launch.replicas) {
    auto pid = spawn(launch, replica);
    if (!pid.ok()) {
      for (pid_t running : started) {
        kill(-running, SIGKILL);
        processes_[running].stopping = true;
      }
      return pid.status();
    }
    started.push_back(*pid);
    processes_[*pid] = Process{launch.task_id, launch.attempt};
  }
  runs_[launch.task_id] = Run{launch.attempt, static_cast<int>(started.size()), std::nullopt};
  return {};
}

void LocalExecutor::stop(const std::string& task_id, int64_t now_ms) {
  stop_with_grace(task_id, now_ms, options_.kill_grace_ms);
}

void LocalExecutor::stop_with_grace(const std::string& task_id, int64_t now_ms, int64_t grace_ms) {
  if (runs_.erase(task_id) == 0) return;
  for (auto& [pid, process] : processes_) {
    if (process.task_id != task_id || process.stopping) continue;
    process.stopping = true;
    process.kill_at_ms = now_ms + grace_ms;
    kill(-pid, SIGTERM);
  }
}

bool LocalExecutor::stopping(const std::string& task_id) const {
  return std::any_of(processes_.begin(), processes_.end(), [&task_id](const auto& entry) {
    return entry.second.stopping && entry.second.task_id == task_id;
  });
}

std::vector<TaskExit> LocalExecutor::poll(int64_t now_ms) {
  std::vector<TaskExit> exits;
  for (auto entry = processes_.begin(); entry != processes_.end();) {
    auto& [pid, process] = *entry;
    int wait_status = 0;
    pid_t waited = waitpid(pid, &wait_status, WNOHANG);
    if (waited == 0) {
      if (process.stopping && now_ms >= process.kill_at_ms) kill(-pid, SIGKILL);
      ++entry;
      continue;
    }
    if (!process.stopping) {
      TaskExit exit{process.task_id, process.attempt, 0, {}};
      exit.reason =
          waited < 0 ? "lost track of the process" : describe_exit(wait_status, exit.exit_code);
      if (waited < 0) exit.exit_code = 1;
      Run& run = runs_[process.task_id];
      if (exit.exit_code != 0 && !run.first_failure) run.first_failure = exit;
      if (--run.replicas_left <= 0) {
        exits.push_back(run.first_failure ? *run.first_failure : exit);
        runs_.erase(process.task_id);
      }
    }
    // Whatever else of the group is left goes with the leader.
    kill(-pid, SIGKILL);
    entry = processes_.erase(entry);
  }
  return exits;
}

}  // namespace fulcrum
