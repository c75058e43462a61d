#include "core/log.h"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>

#include "core/json_text.h"
#include "core/resources.h"

namespace fulcrum {

namespace {

std::atomic<LogLevel> g_level{LogLevel::kInfo};
std::atomic<int> g_fd{2};

std::string_view level_name(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug: return "debug";
    case LogLevel::kInfo: return "info";
    case LogLevel::kWarn: return "warn";
    case LogLevel::kError: return "error";
  }
  return "info";
}

}  // namespace

LogField log_number(std::string_view key, double value) {
  return {key, format_number(value), true};
}

void set_log_level(LogLevel level) { g_level.store(level, std::memory_order_relaxed); }

void set_log_fd(int fd) { g_fd.store(fd, std::memory_order_relaxed); }

int64_t unix_now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string format_utc_millis(int64_t unix_ms) {
  std::time_t seconds = static_cast<std::time_t>(unix_ms / 1000);
  std::tm parts{};
  gmtime_r(&seconds, &parts);
  char text[96];
  std::snprintf(text, sizeof text, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", parts.tm_year + 1900,
                parts.tm_mon + 1, parts.tm_mday, parts.tm_hour, parts.tm_min, parts.tm_sec,
                static_cast<int>(unix_ms % 1000));
  return text;
}

void log_event(LogLevel level, std::string_view event, std::initializer_list<LogField> fields) {
  if (level < g_level.load(std::memory_order_relaxed)) return;
  std::string line = "{\"time\":\"" + format_utc_millis(unix_now_ms()) + "\",\"level\":\"";
  line += level_name(level);
  line += "\",\"event\":";
  append_json_string(line, event);
  for (const LogField& field : fields) {
    line += ',';
    append_json_string(line, field.key);
    line += ':';
    if (field.number) {
      line += field.value;
    } else {
      append_json_string(line, field.value);
    }
  }
  line += "}\n";
  // One write per line keeps lines whole when threads log at once.
  ssize_t ignored = ::write(g_fd.load(std::memory_order_relaxed), line.data(), line.size());
  (void)ignored;
}

}  // namespace fulcrum
