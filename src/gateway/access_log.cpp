#include "gateway/access_log.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/log.h"
#include "core/resources.h"
#include "http/json.h"

namespace fulcrum {

namespace {

constexpr size_t kFlushBytes = 64 * 1024;

}  // namespace

AccessLog::~AccessLog() { close(); }

void AccessLog::close() {
  flush();
  if (owns_fd_ && fd_ >= 0) ::close(fd_);
  fd_ = -1;
  owns_fd_ = false;
}

Status AccessLog::open(const AccessLogConfig& config) {
  close();
  if (!config.enabled) return Status::ok_status();
  if (config.path == "-" || config.path == "stdout") {
    fd_ = STDOUT_FILENO;
    return Status::ok_status();
  }
  int fd = ::open(config.path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) {
    return Status(ErrorCode::kUnavailable,
                  "access_log: cannot open \"" + config.path + "\": " + std::strerror(errno));
  }
  fd_ = fd;
  owns_fd_ = true;
  return Status::ok_status();
}

void AccessLog::append(std::string_view line) {
  if (fd_ < 0) return;
  pending_.append(line);
  pending_ += '\n';
  if (pending_.size() >= kFlushBytes) flush();
}

void AccessLog::flush() {
  size_t written = 0;
  while (fd_ >= 0 && written < pending_.size()) {
    ssize_t result = ::write(fd_, pending_.data() + written, pending_.size() - written);
    if (result < 0 && errno == EINTR) continue;
    if (result <= 0) break;  // a full disk must not stop the proxy: the lines are dropped
    written += static_cast<size_t>(result);
  }
  pending_.clear();
}

void AccessLogLine::begin(int64_t unix_ms, std::string_view client, std::string_view method,
                          std::string_view target, std::string_view request_id) {
  text_ = "{\"time\":\"" + format_utc_millis(unix_ms) + "\",\"client\":";
  http::append_json_string(text_, client);
  text_ += ",\"method\":";
  http::append_json_string(text_, method);
  text_ += ",\"target\":";
  http::append_json_string(text_, target);
  text_ += ",\"request_id\":";
  http::append_json_string(text_, request_id);
}

std::string_view AccessLogLine::finish(int status, uint64_t bytes, double duration_ms,
                                       std::string_view backend, int attempts,
                                       std::string_view error) {
  text_ += ",\"status\":" + std::to_string(status);
  text_ += ",\"bytes\":" + std::to_string(bytes);
  text_ += ",\"duration_ms\":" +
           format_number(static_cast<double>(static_cast<int64_t>(duration_ms * 1000.0)) / 1000.0);
  if (!backend.empty()) {
    text_ += ",\"backend\":";
    http::append_json_string(text_, backend);
  }
  text_ += ",\"attempts\":" + std::to_string(attempts);
  if (!error.empty()) {
    text_ += ",\"error\":";
    http::append_json_string(text_, error);
  }
  text_ += '}';
  return text_;
}

}  // namespace fulcrum
