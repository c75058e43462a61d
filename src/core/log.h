// The structured event log: one JSON object per line on standard error, e.g.
//   {"time":"2026-11-26T03:10:00.123Z","level":"warn","event":"backend_down","backend":"a"}
// Services log what an operator acts on (a backend going down, a reload, a refused config), not
// every request. Thread-safe; a line is written with one write(2).
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>

namespace fulcrum {

enum class LogLevel : uint8_t { kDebug, kInfo, kWarn, kError };

// A field's value is written as a JSON string unless `number` is set (then it must be a JSON
// number already, e.g. "42" or "0.25").
struct LogField {
  std::string_view key;
  std::string value;
  bool number = false;
};

LogField log_number(std::string_view key, double value);

// Lines below `level` are dropped (default kInfo).
void set_log_level(LogLevel level);
// Where lines go: a file descriptor that stays open (default 2, standard error).
void set_log_fd(int fd);

void log_event(LogLevel level, std::string_view event, std::initializer_list<LogField> fields = {});

// "2026-11-26T03:10:00.123Z" for a system_clock time in milliseconds since the epoch.
std::string format_utc_millis(int64_t unix_ms);
int64_t unix_now_ms();

}  // namespace fulcrum
