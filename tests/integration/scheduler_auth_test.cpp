// The scheduler's API is closed by default: every mutating endpoint needs the token, the
// read-only token reads but changes nothing, and a public address needs a token to start at all.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "scheduler_fixture.h"

namespace fulcrum::integration {
namespace {

using namespace std::chrono_literals;

constexpr std::string_view kToken = "admin-secret";
constexpr std::string_view kReadToken = "dashboard-viewer";

struct Endpoint {
  std::string method;
  std::string path;
  std::string body;
};

class SchedulerAuthTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string cluster =
        dir_.write_file("cluster.yaml", "nodes:\n  - {id: n1, cpu: 4, memory: 8Gi}\n");
    scheduler_ =
        TestScheduler::start(dir_, "  cluster: " + cluster + "\n  store: {path: " + dir_.path() +
                                       "/s.db}\n  auth: {token: " + std::string(kToken) +
                                       ", read_token: " + std::string(kReadToken) + "}\n");
    ASSERT_TRUE(scheduler_);
    ASSERT_EQ(scheduler_->call("POST", "/v1/tasks", R"({"id": "t0", "cpu": 1})", kToken).status,
              201);
  }

  TempDir dir_;
  std::unique_ptr<TestScheduler> scheduler_;
};

// The check is the HTTP server's (http::bearer_matches): spaces after the scheme do not count,
// and a wrong token is named in the challenge as RFC 6750 asks.
TEST_F(SchedulerAuthTest, TheChallengeNamesAWrongTokenAndSpacesBeforeTheTokenDoNotCount) {
  ApiResponse missing = scheduler_->call("GET", "/v1/tasks");
  EXPECT_EQ(missing.status, 401);
  EXPECT_EQ(missing.www_authenticate, R"(Bearer realm="fulcrum")");
  ApiResponse wrong = scheduler_->call("GET", "/v1/tasks", {}, "wrong");
  EXPECT_EQ(wrong.status, 401);
  EXPECT_EQ(wrong.www_authenticate, R"(Bearer realm="fulcrum", error="invalid_token")");
  EXPECT_EQ(scheduler_->call("GET", "/v1/tasks", {}, "   " + std::string(kReadToken)).status, 200);
  EXPECT_EQ(scheduler_->call("POST", "/v1/tasks/t0/cancel", {}, "  " + std::string(kToken)).status,
            200);
}

TEST_F(SchedulerAuthTest, MutatingEndpointsNeedTheTokenAndRefuseTheReadOnlyOne) {
  std::vector<Endpoint> mutating = {
      {"POST", "/v1/tasks", R"({"id": "t1", "cpu": 1})"},
      {"POST", "/v1/tasks/t0/cancel", ""},
      {"DELETE", "/v1/tasks/t0", ""},
      {"POST", "/v1/nodes", R"({"id": "n2", "cpu": 1})"},
      {"POST", "/v1/nodes/n1/cordon", ""},
      {"POST", "/v1/nodes/n1/uncordon", ""},
      {"POST", "/v1/nodes/n1/drain", ""},
      {"POST", "/v1/nodes/n1/fail", ""},
      {"POST", "/v1/nodes/n1/heartbeat", ""},
      {"DELETE", "/v1/nodes/n1", ""},
  };
  for (const Endpoint& endpoint : mutating) {
    std::string what = endpoint.method + " " + endpoint.path;
    EXPECT_EQ(scheduler_->call(endpoint.method, endpoint.path, endpoint.body).status, 401) << what;
    EXPECT_EQ(scheduler_->call(endpoint.method, endpoint.path, endpoint.body, "wrong").status, 401)
        << what;
    EXPECT_EQ(scheduler_->call(endpoint.method, endpoint.path, endpoint.body, kReadToken).status,
              403)
        << what;
  }
  // Nothing changed.
  auto task = scheduler_->call("GET", "/v1/tasks/t0", {}, kToken).json();
  EXPECT_NE(task.at("state").as_string(), "cancelled");
  auto nodes = scheduler_->call("GET", "/v1/nodes", {}, kToken).json();
  ASSERT_EQ(nodes.at("nodes").as_array().size(), 1u);
  EXPECT_EQ(nodes.at("nodes").at(0).at("state").as_string(), "up");
}

TEST_F(SchedulerAuthTest, ReadEndpointsTakeEitherTokenAndHealthzNone) {
  for (std::string path : {"/v1/tasks", "/v1/tasks/t0", "/v1/nodes", "/v1/nodes/n1", "/metrics"}) {
    EXPECT_EQ(scheduler_->call("GET", path).status, 401) << path;
    EXPECT_EQ(scheduler_->call("GET", path, {}, kReadToken).status, 200) << path;
    EXPECT_EQ(scheduler_->call("GET", path, {}, kToken).status, 200) << path;
  }
  EXPECT_EQ(scheduler_->call("GET", "/healthz").status, 200);
  EXPECT_EQ(scheduler_->call("GET", "/v1/events?after=0").status, 401);
}

TEST(SchedulerStartTest, PublicAddressWithoutATokenIsRefused) {
  TempDir dir;
  std::string config = dir.write_file(
      "scheduler.yaml", "scheduler:\n  listen: {address: 0.0.0.0, port: 0}\n  store: {path: " +
                            dir.path() + "/s.db}\n");
  std::string log_path = dir.path() + "/log";
  auto process = ChildProcess::start({FULCRUM_BINARY, "scheduler", "--config", config}, log_path);
  ASSERT_TRUE(process);
  EXPECT_EQ(process->wait_exit(10s), 2);
  EXPECT_NE(read_file(log_path).find("listen.address: 0.0.0.0 is not a loopback address, so an "
                                     "auth.token (or FULCRUM_TOKEN) is required"),
            std::string::npos)
      << read_file(log_path);
}

}  // namespace
}  // namespace fulcrum::integration
