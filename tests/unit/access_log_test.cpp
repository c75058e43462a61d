#include "gateway/access_log.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

namespace fulcrum {
namespace {

std::string read_all(const std::string& path) {
  std::ifstream file(path);
  std::stringstream text;
  text << file.rdbuf();
  return text.str();
}

TEST(AccessLogLineTest, HoldsTheRequestAndItsOutcome) {
  AccessLogLine line;
  EXPECT_FALSE(line.started());
  line.begin(0, "10.0.0.7", "POST", "/v1/completions?x=\"1\"", "abc");
  EXPECT_TRUE(line.started());
  EXPECT_EQ(line.finish(200, 5123, 12.4171, "gpu-a", 2, ""),
            R"({"time":"1970-01-01T00:00:00.000Z","client":"10.0.0.7","method":"POST",)"
            R"("target":"/v1/completions?x=\"1\"","request_id":"abc","status":200,"bytes":5123,)"
            R"("duration_ms":12.417,"backend":"gpu-a","attempts":2})");
  line.clear();
  line.begin(0, "::1", "", "", "");
  EXPECT_EQ(line.finish(400, 120, 0.5, "", 0, "malformed header"),
            R"({"time":"1970-01-01T00:00:00.000Z","client":"::1","method":"","target":"",)"
            R"("request_id":"","status":400,"bytes":120,"duration_ms":0.5,"attempts":0,)"
            R"("error":"malformed header"})");
}

TEST(AccessLogTest, AppendsWholeLinesToTheFileOnFlush) {
  char dir_template[] = "/tmp/fulcrum-access-XXXXXX";
  ASSERT_NE(::mkdtemp(dir_template), nullptr);
  const std::string path = std::string(dir_template) + "/access.log";
  {
    std::ofstream existing(path);
    existing << "earlier line\n";
  }
  AccessLog log;
  ASSERT_TRUE(log.open({true, path}).ok());
  EXPECT_TRUE(log.enabled());
  log.append(R"({"status":200})");
  log.append(R"({"status":404})");
  EXPECT_EQ(read_all(path), "earlier line\n");  // collected, not yet written
  log.flush();
  EXPECT_EQ(read_all(path), "earlier line\n{\"status\":200}\n{\"status\":404}\n");
  // Reopening (log rotation) after the file was moved away starts a new file.
  ASSERT_EQ(std::rename(path.c_str(), (path + ".1").c_str()), 0);
  ASSERT_TRUE(log.open({true, path}).ok());
  log.append(R"({"status":500})");
  log.flush();
  EXPECT_EQ(read_all(path), "{\"status\":500}\n");
  std::remove((path + ".1").c_str());
  std::remove(path.c_str());
  std::remove(dir_template);
}

TEST(AccessLogTest, AnUnwritablePathIsAnErrorThatNamesIt) {
  AccessLog log;
  Status opened = log.open({true, "/nonexistent-dir/access.log"});
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.message(),
            "access_log: cannot open \"/nonexistent-dir/access.log\": No such file or directory");
  EXPECT_FALSE(log.enabled());
  EXPECT_TRUE(log.open({false, ""}).ok());
  EXPECT_FALSE(log.enabled());
}

}  // namespace
}  // namespace fulcrum
