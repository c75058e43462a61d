// Child processes for integration tests: started with fork/exec, killed and reaped when their
// owner goes away, so that a failing test never leaves a process behind.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace fulcrum::integration {

class ChildProcess {
 public:
  // Starts `arguments[0]` with `arguments`. Its stdout goes to a pipe read by read_line();
  // its stderr is appended to `stderr_path` (or inherited when empty). The child gets SIGKILL
  // if the test process dies first.
  static std::unique_ptr<ChildProcess> start(const std::vector<std::string>& arguments,
                                             const std::string& stderr_path = {});
  // Takes over a started child and the read end of its stdout pipe; start() is the way in.
  ChildProcess(pid_t pid, int stdout_fd) : pid_(pid), stdout_fd_(stdout_fd) {}
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }
  // The next line of stdout without its newline; nullopt on timeout or end of output.
  std::optional<std::string> read_line(std::chrono::milliseconds timeout);
  void send_signal(int signal_number) const;
  // Waits for the process to end; its exit code, or 128 + signal, or nullopt on timeout.
  std::optional<int> wait_exit(std::chrono::milliseconds timeout);
  bool running();
  // SIGKILL and reap; safe to call more than once.
  void kill_now();

 private:
  pid_t pid_;
  int stdout_fd_;
  std::string stdout_pending_;
  std::optional<int> exit_code_;
};

// A TCP port on 127.0.0.1 that was free a moment ago (the kernel's pick for port 0).
uint16_t find_free_port();

// How many file descriptors the process has open (entries of /proc/PID/fd).
size_t count_open_fds(pid_t pid);

// A fresh folder under the system temp dir, removed with its contents on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  std::string write_file(const std::string& name, const std::string& content) const;

 private:
  std::string path_;
};

std::string read_file(const std::string& path);

}  // namespace fulcrum::integration
