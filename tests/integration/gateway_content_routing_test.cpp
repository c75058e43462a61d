// Routing by request content through `fulcrum gateway`: the JSON body of OpenAI-style requests is
// read when backends are labelled by model, requests go to that model's backends, an unknown
// model is a 404, a body that is not JSON a 400, and large or chunked bodies arrive intact.
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <boost/json.hpp>

#include "fixtures.h"
#include "http_client.h"

namespace fulcrum::integration {
namespace {

using Tally = std::map<std::string, int>;

class GatewayContentRoutingTest : public ::testing::Test {
 protected:
  void SetUp() override {
    llama_ = TestBackend::start("llama-1");
    qwen_a_ = TestBackend::start("qwen-1");
    qwen_b_ = TestBackend::start("qwen-2");
    ASSERT_TRUE(llama_ && qwen_a_ && qwen_b_);
    BackendEntry llama = entry(*llama_);
    llama.labels = "{model: llama-3-8b}";
    BackendEntry qwen_a = entry(*qwen_a_);
    qwen_a.labels = "{model: qwen-2.5-7b}";
    BackendEntry qwen_b = entry(*qwen_b_);
    qwen_b.labels = "{model: qwen-2.5-7b}";
    gateway_ = TestGateway::start({llama, qwen_a, qwen_b},
                                  "  workers: 1\n  limits: {inspect_body_bytes: 256Ki}\n");
    ASSERT_TRUE(gateway_);
  }

  // Which backend answered each request, by the JSON the test backend returns.
  Tally tally(const std::string& request, int count) {
    Tally counts;
    for (int i = 0; i < count; ++i) {
      auto response = fetch_once(gateway_->port(), request);
      if (!response || response->status != 200) {
        ++counts["status " + std::to_string(response ? response->status : 0)];
        continue;
      }
      ++counts[response->header("X-Fulcrum-Backend")];
    }
    return counts;
  }

  std::unique_ptr<TestBackend> llama_;
  std::unique_ptr<TestBackend> qwen_a_;
  std::unique_ptr<TestBackend> qwen_b_;
  std::unique_ptr<TestGateway> gateway_;
};

TEST_F(GatewayContentRoutingTest, RequestsGoToTheBackendsOfTheirModel) {
  EXPECT_EQ(tally(post_request("/v1/completions", R"({"model":"qwen-2.5-7b","prompt":"hi"})"), 4),
            (Tally{{"qwen-1", 2}, {"qwen-2", 2}}));
  EXPECT_EQ(
      tally(post_request("/v1/chat/completions",
                         R"({"model":"llama-3-8b","messages":[{"role":"user","content":"hi"}]})"),
            3),
      (Tally{{"llama-1", 3}}));
  // Requests without a model, and other paths, use every backend.
  EXPECT_EQ(tally(post_request("/v1/completions", R"({"prompt":"hi"})"), 3),
            (Tally{{"llama-1", 1}, {"qwen-1", 1}, {"qwen-2", 1}}));
  EXPECT_EQ(tally(get_request("/"), 3), (Tally{{"llama-1", 1}, {"qwen-1", 1}, {"qwen-2", 1}}));
}

// Routing by model filters the candidates: when none of the model's backends is eligible, the
// error counts those, not the other models' backends as well.
TEST(GatewayModelRoutingTest, NoEligibleBackendCountsOnlyTheModelsBackends) {
  auto llama = TestBackend::start("llama-1");
  auto qwen_a = TestBackend::start("qwen-1");
  auto qwen_b = TestBackend::start("qwen-2");
  ASSERT_TRUE(llama && qwen_a && qwen_b);
  BackendEntry llama_entry = entry(*llama);
  llama_entry.labels = "{model: llama-3-8b}";
  BackendEntry qwen_a_entry = entry(*qwen_a, 0);
  qwen_a_entry.labels = "{model: qwen-2.5-7b}";
  BackendEntry qwen_b_entry = entry(*qwen_b, 0);
  qwen_b_entry.labels = "{model: qwen-2.5-7b}";
  auto gateway = TestGateway::start({llama_entry, qwen_a_entry, qwen_b_entry}, "  workers: 1\n");
  ASSERT_TRUE(gateway);

  auto refused = fetch_once(
      gateway->port(), post_request("/v1/completions", R"({"model":"qwen-2.5-7b","prompt":"hi"})"));
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 503);
  boost::json::object error = boost::json::parse(refused->body).as_object().at("error").as_object();
  EXPECT_EQ(error.at("code").as_string(), "unavailable");
  EXPECT_EQ(error.at("message").as_string(), "no eligible backend among 2: 2 weight 0");

  auto served = fetch_once(
      gateway->port(), post_request("/v1/completions", R"({"model":"llama-3-8b","prompt":"hi"})"));
  ASSERT_TRUE(served);
  EXPECT_EQ(served->status, 200);
  EXPECT_EQ(served->header("X-Fulcrum-Backend"), "llama-1");
}

// The ids in an OpenAI model list body, in order.
std::vector<std::string> model_ids(const std::string& body) {
  std::vector<std::string> ids;
  const boost::json::value list = boost::json::parse(body);
  for (const boost::json::value& model : list.at("data").as_array()) {
    ids.emplace_back(model.at("id").as_string());
  }
  return ids;
}

// GET /v1/models answers every model the gateway routes to, whichever replica would have been
// picked: the union of the eligible backends' lists, each model once.
TEST(GatewayModelListTest, IsTheUnionOfTheEligibleBackendsLists) {
  TestEmulator qwen_a;
  TestEmulator qwen_b;
  TestEmulator llama;
  TestEmulator mistral;
  ASSERT_TRUE(qwen_a.start({"--model", "qwen-2.5-7b"}));
  ASSERT_TRUE(qwen_b.start({"--model", "qwen-2.5-7b"}));
  ASSERT_TRUE(llama.start({"--model", "llama-3-8b"}));
  ASSERT_TRUE(mistral.start({"--model", "mistral-7b"}));
  // Weight 0 takes mistral's replica out of rotation: its model is not offered.
  auto gateway = TestGateway::start(
      {BackendEntry{"qwen-1", qwen_a.port(), 1, ""}, BackendEntry{"llama-1", llama.port(), 1, ""},
       BackendEntry{"qwen-2", qwen_b.port(), 1, ""},
       BackendEntry{"mistral-1", mistral.port(), 0, ""}},
      "  workers: 1\n");
  ASSERT_TRUE(gateway);
  for (int round = 0; round < 3; ++round) {
    auto response = fetch_once(gateway->port(), get_request("/v1/models"));
    ASSERT_TRUE(response);
    ASSERT_EQ(response->status, 200) << response->body;
    EXPECT_EQ(boost::json::parse(response->body).at("object").as_string(), "list");
    EXPECT_EQ(model_ids(response->body), (std::vector<std::string>{"qwen-2.5-7b", "llama-3-8b"}))
        << "round " << round;
  }
}

TEST_F(GatewayContentRoutingTest, UnknownModelIs404AndNonJsonIs400) {
  auto unknown = fetch_once(gateway_->port(),
                            post_request("/v1/completions", R"({"model":"gpt-9","prompt":"x"})"));
  ASSERT_TRUE(unknown);
  EXPECT_EQ(unknown->status, 404);
  boost::json::object error = boost::json::parse(unknown->body).as_object().at("error").as_object();
  EXPECT_EQ(error.at("code").as_string(), "model_not_found");
  EXPECT_EQ(error.at("message").as_string(), "The model `gpt-9` does not exist.");

  auto not_json = fetch_once(gateway_->port(), post_request("/v1/completions", "prompt=hello"));
  ASSERT_TRUE(not_json);
  EXPECT_EQ(not_json->status, 400);
  EXPECT_NE(not_json->body.find("request body is not JSON"), std::string::npos) << not_json->body;
  auto bad_messages =
      fetch_once(gateway_->port(), post_request("/v1/chat/completions", R"({"messages":"hello"})"));
  ASSERT_TRUE(bad_messages);
  EXPECT_EQ(bad_messages->status, 400);
  EXPECT_NE(bad_messages->body.find("\\\"messages\\\" must be an array of objects"),
            std::string::npos)
      << bad_messages->body;
  // None of these reached a backend.
  EXPECT_EQ(llama_->stats()->requests + qwen_a_->stats()->requests + qwen_b_->stats()->requests,
            0u);
}

TEST_F(GatewayContentRoutingTest, LargeChunkedAndExpectContinueBodiesArriveWhole) {
  const std::string prompt(100 * 1024, 'p');  // far beyond the 16 KiB request buffer
  const std::string large = R"({"model":"llama-3-8b","prompt":")" + prompt + "\"}";
  auto response = fetch_once(gateway_->port(), post_request("/v1/completions", large));
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->body,
            "{\"backend\":\"llama-1\",\"body_bytes\":" + std::to_string(large.size()) + "}\n");

  const std::string body = R"({"model":"qwen-2.5-7b","prompt":"chunked"})";
  auto chunked =
      fetch_once(gateway_->port(),
                 "POST /v1/completions HTTP/1.1\r\nHost: gw\r\nTransfer-Encoding: chunked\r\n\r\n" +
                     std::string("10\r\n") + body.substr(0, 16) + "\r\n" +
                     (std::stringstream() << std::hex << body.size() - 16).str() + "\r\n" +
                     body.substr(16) + "\r\n0\r\n\r\n");
  ASSERT_TRUE(chunked);
  EXPECT_EQ(chunked->status, 200);
  EXPECT_EQ(chunked->header("X-Fulcrum-Backend").rfind("qwen-", 0), 0u);

  // The client waits for 100 Continue before it sends the body the gateway must read.
  auto connection = RawConnection::open(gateway_->port());
  ASSERT_TRUE(connection);
  const std::string waited = R"({"model":"llama-3-8b","prompt":"after continue"})";
  ASSERT_TRUE(
      connection->send("POST /v1/completions HTTP/1.1\r\nHost: gw\r\nExpect: "
                       "100-continue\r\nContent-Length: " +
                       std::to_string(waited.size()) + "\r\n\r\n"));
  ASSERT_TRUE(connection->read_until_contains("HTTP/1.1 100 Continue\r\n\r\n"));
  ASSERT_TRUE(connection->send(waited));
  ASSERT_TRUE(connection->read_until_contains("body_bytes"));
  EXPECT_NE(connection->received().find("X-Fulcrum-Backend: llama-1"), std::string::npos)
      << connection->received();
}

TEST_F(GatewayContentRoutingTest, BodiesOverTheInspectionLimitAre413) {
  // Refused on the declared length, before the body is read.
  auto connection = RawConnection::open(gateway_->port());
  ASSERT_TRUE(connection);
  ASSERT_TRUE(connection->send(
      "POST /v1/completions HTTP/1.1\r\nHost: gw\r\nContent-Length: 307200\r\n\r\n{\"model\":"));
  std::optional<HttpResponse> response = connection->read_response();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 413);
  EXPECT_NE(response->body.find("limits.inspect_body_bytes (262144 bytes)"), std::string::npos)
      << response->body;
}

TEST_F(GatewayContentRoutingTest, ChunkedFramingBeyondTheBufferBoundIs413) {
  // One-byte chunks carry 1 byte of payload in 6 of framing: 88 KiB of payload (under the
  // 256 KiB limit) fill the most the gateway buffers for it, head + 2 x limit + 4 KiB. It must
  // answer 413, not wait for more or grow without end. Exactly that many bytes are sent, so that
  // none is left unread when the gateway closes.
  const std::string head =
      "POST /v1/completions HTTP/1.1\r\nHost: gw\r\nTransfer-Encoding: chunked\r\n\r\n";
  const size_t bound = head.size() + 2 * 262144 + 4096;
  std::string framed = head;
  while (framed.size() + 6 <= bound) framed += "1\r\nx\r\n";
  framed += std::string("1\r\nx\r\n").substr(0, bound - framed.size());
  ASSERT_EQ(framed.size(), bound);
  auto connection = RawConnection::open(gateway_->port());
  ASSERT_TRUE(connection);
  ASSERT_TRUE(connection->send(framed));
  std::optional<HttpResponse> response = connection->read_response();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 413);
  EXPECT_NE(response->body.find("chunked request body framing exceeds twice "
                                "limits.inspect_body_bytes (262144 bytes)"),
            std::string::npos)
      << response->body;
}

}  // namespace
}  // namespace fulcrum::integration
