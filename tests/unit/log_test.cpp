#include "core/log.h"

#include <unistd.h>

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <string>

namespace fulcrum {
namespace {

// Captures what log_event writes, through a pipe.
class LogCapture {
 public:
  LogCapture() {
    EXPECT_EQ(::pipe(fds_), 0);
    set_log_fd(fds_[1]);
  }
  ~LogCapture() {
    set_log_fd(2);
    set_log_level(LogLevel::kInfo);
    ::close(fds_[0]);
    ::close(fds_[1]);
  }
  std::string take() {
    ::close(fds_[1]);
    fds_[1] = ::dup(2);  // keeps the destructor's close harmless
    std::string text;
    char buffer[4096];
    for (ssize_t got; (got = ::read(fds_[0], buffer, sizeof buffer)) > 0;) text.append(buffer, got);
    return text;
  }

 private:
  int fds_[2] = {-1, -1};
};

TEST(LogTest, FormatsUtcTimesWithMilliseconds) {
  EXPECT_EQ(format_utc_millis(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(format_utc_millis(1795662600123), "2026-11-26T03:10:00.123Z");
}

TEST(LogTest, WritesOneJsonObjectPerLineWithEscapedFields) {
  LogCapture capture;
  log_event(LogLevel::kWarn, "backend_down",
            {{"backend", "gpu \"a\""}, {"reason", "line1\nline2"}, log_number("failures", 3)});
  std::string text = capture.take();
  ASSERT_FALSE(text.empty());
  EXPECT_EQ(text.back(), '\n');
  EXPECT_EQ(text.find('\n'), text.size() - 1);  // one line
  boost::json::object line = boost::json::parse(text).as_object();
  EXPECT_EQ(line.at("level").as_string(), "warn");
  EXPECT_EQ(line.at("event").as_string(), "backend_down");
  EXPECT_EQ(line.at("backend").as_string(), "gpu \"a\"");
  EXPECT_EQ(line.at("reason").as_string(), "line1\nline2");
  EXPECT_EQ(line.at("failures").as_int64(), 3);
  EXPECT_EQ(line.at("time").as_string().size(), 24u);
}

TEST(LogTest, DropsLinesBelowTheLevel) {
  LogCapture capture;
  set_log_level(LogLevel::kWarn);
  log_event(LogLevel::kInfo, "reloaded");
  log_event(LogLevel::kError, "reload_rejected");
  std::string text = capture.take();
  EXPECT_EQ(text.find("reloaded"), std::string::npos);
  EXPECT_NE(text.find("\"event\":\"reload_rejected\""), std::string::npos);
}

}  // namespace
}  // namespace fulcrum
