// The access log (access_log: in the gateway config): one JSON object per request and line, e.g.
//   {"time":"2026-11-26T03:10:00.123Z","client":"10.0.0.7","method":"POST",
//    "target":"/v1/completions","request_id":"6f1c...","status":200,"bytes":5123,
//    "duration_ms":12.417,"backend":"gpu-a","attempts":1}
// Each worker owns one: lines collect in memory and go out in one write(2) per 64 KiB or per
// worker tick (100 ms), on a descriptor opened with O_APPEND, so workers never interleave lines.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/status.h"
#include "gateway/config.h"

namespace fulcrum {

class AccessLog {
 public:
  AccessLog() = default;
  ~AccessLog();
  AccessLog(const AccessLog&) = delete;
  AccessLog& operator=(const AccessLog&) = delete;

  // Opens (or reopens, e.g. after log rotation) the configured file; a disabled config closes it.
  Status open(const AccessLogConfig& config);
  bool enabled() const { return fd_ >= 0; }

  // Appends one finished line's text; `line` holds the JSON object without the newline.
  void append(std::string_view line);
  // Writes out what has collected.
  void flush();

 private:
  void close();

  int fd_ = -1;
  bool owns_fd_ = false;
  std::string pending_;
};

// Builds one access-log line. The request part is filled when the head is read, because a
// streamed request body reuses the buffer the head was in.
class AccessLogLine {
 public:
  void begin(int64_t unix_ms, std::string_view client, std::string_view method,
             std::string_view target, std::string_view request_id);
  bool started() const { return !text_.empty(); }
  // Completes the line; `backend` and `error` are left out when empty.
  std::string_view finish(int status, uint64_t bytes, double duration_ms, std::string_view backend,
                          int attempts, std::string_view error);
  void clear() { text_.clear(); }

 private:
  std::string text_;
};

}  // namespace fulcrum
