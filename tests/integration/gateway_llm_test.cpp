// `fulcrum gateway` in front of `fulcrum emulate` replicas: SSE streams pass through token by
// token, a replica killed mid-stream gives the client a closed stream (never a [DONE] it did not
// send) and later requests go elsewhere; X-Fulcrum-Debug explains decisions to the admin token's
// holder; /metrics compares the prefix hits the picker predicted with those the replicas report.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <boost/json.hpp>

#include "fixtures.h"
#include "http_client.h"

namespace fulcrum::integration {
namespace {

constexpr std::string_view kAdminToken = "debug-secret";

// "abcd" and 63 more words of 3 letters, each after a space: 256 bytes (four 64-byte routing
// blocks), 64 tokens (sixteen 4-token KV blocks of the test profile).
std::string four_block_prompt() {
  std::string prompt = "abcd";
  for (int word = 1; word < 64; ++word) prompt += word % 2 == 0 ? " abc" : " xyz";
  return prompt;
}

std::string completion_body(std::string_view prompt, int max_tokens, bool stream) {
  boost::json::object body{{"prompt", prompt}, {"max_tokens", max_tokens}, {"ignore_eos", true}};
  if (stream) body["stream"] = true;
  return boost::json::serialize(body);
}

// The text of each streamed completion chunk, in order, and whether [DONE] ended the stream.
struct StreamedText {
  std::vector<std::string> pieces;
  bool done = false;
};

StreamedText streamed_text(std::string_view body) {
  StreamedText result;
  for (const std::string& data : event_data(body)) {
    if (data == "[DONE]") {
      result.done = true;
      continue;
    }
    boost::json::object chunk = boost::json::parse(data).as_object();
    result.pieces.emplace_back(chunk.at("choices").as_array().at(0).at("text").as_string());
  }
  return result;
}

class GatewayLlmTest : public ::testing::Test {
 protected:
  // Two replicas behind one gateway worker with `policy`; extra emulator arguments for both.
  void start(const std::string& policy, const std::vector<std::string>& emulator_arguments = {}) {
    for (auto& replica : replicas_) {
      replica = std::make_unique<TestEmulator>();
      ASSERT_TRUE(replica->start(emulator_arguments)) << replica->log();
    }
    admin_port_ = find_free_port();
    gateway_ = TestGateway::start(
        {BackendEntry{"e0", replicas_[0]->port(), 1, ""},
         BackendEntry{"e1", replicas_[1]->port(), 1, ""}},
        "  workers: 1\n  policy: {policy: " + policy +
            "}\n  scrape: {interval: 50ms, timeout: 50ms}\n  admin: {listen: 127.0.0.1:" +
            std::to_string(admin_port_) + ", token: " + std::string(kAdminToken) +
            "}\n  log_decisions: true\n");
    ASSERT_TRUE(gateway_);
  }

  std::optional<HttpResponse> complete(std::string_view body, std::string_view extra_fields = {}) {
    return fetch_once(gateway_->port(), post_request("/v1/completions", body, extra_fields));
  }

  std::string metrics() {
    auto response = fetch_once(
        admin_port_,
        get_request("/metrics", "Authorization: Bearer " + std::string(kAdminToken) + "\r\n"));
    return response ? response->body : "";
  }

  double backend_sum(const std::string& exposition, const std::string& name) {
    double sum = 0;
    for (std::string_view backend : {"e0", "e1"}) {
      sum += metric_value(exposition, name + "{backend=\"" + std::string(backend) + "\"}")
                 .value_or(-1000);
    }
    return sum;
  }

  std::array<std::unique_ptr<TestEmulator>, 2> replicas_;
  uint16_t admin_port_ = 0;
  std::unique_ptr<TestGateway> gateway_;
};

TEST_F(GatewayLlmTest, StreamDeliversEveryTokenInOrderThenDone) {
  start("round_robin");
  const std::string prompt = "Tell me about the tides of the northern sea";
  // The emulator's words depend only on the prompt, so either replica's whole answer is the
  // reference for the stream.
  auto whole = fetch_once(replicas_[0]->port(),
                          post_request("/v1/completions", completion_body(prompt, 12, false)));
  ASSERT_TRUE(whole);
  ASSERT_EQ(whole->status, 200);
  const std::string expected(
      boost::json::parse(whole->body).at("choices").as_array().at(0).at("text").as_string());
  for (int request = 0; request < 2; ++request) {  // once through each replica
    auto response = complete(completion_body(prompt, 12, true));
    ASSERT_TRUE(response);
    ASSERT_TRUE(response->complete);
    EXPECT_EQ(response->status, 200);
    EXPECT_EQ(response->header("Content-Type"), "text/event-stream");
    EXPECT_EQ(response->header("X-Fulcrum-Backend"), request == 0 ? "e0" : "e1");
    StreamedText stream = streamed_text(response->body);
    EXPECT_TRUE(stream.done);
    EXPECT_TRUE(response->body.ends_with("data: [DONE]\n\n")) << response->body;
    ASSERT_EQ(stream.pieces.size(), 12u) << response->body;
    std::string joined;
    for (const std::string& piece : stream.pieces) {
      EXPECT_EQ(std::count(piece.begin(), piece.end(), ' '), 1) << piece;  // one word each
      joined += piece;
    }
    EXPECT_EQ(joined, expected);
  }
}

TEST_F(GatewayLlmTest, ReplicaKilledMidStreamClosesTheStreamAndLaterRequestsGoElsewhere) {
  // A hundred times slower steps: about 50 ms per token, so 200 tokens outlast the test's kill.
  start("round_robin", {"--speed", "0.01"});
  auto connection = RawConnection::open(gateway_->port());
  ASSERT_TRUE(connection);
  ASSERT_TRUE(connection->send(
      post_request("/v1/completions", completion_body("a long story please", 200, true))));
  ASSERT_TRUE(connection->read_until_contains("\"text\"", 10s)) << connection->received();
  HttpResponse head = parse_http_response(connection->received());
  ASSERT_TRUE(head.head_complete);
  const std::string streaming = head.header("X-Fulcrum-Backend");
  ASSERT_TRUE(streaming == "e0" || streaming == "e1") << streaming;
  const std::string other = streaming == "e0" ? "e1" : "e0";
  replicas_[streaming == "e0" ? 0 : 1]->process().kill_now();

  ASSERT_TRUE(connection->read_until_closed(10s));
  HttpResponse cut = parse_http_response(connection->received(), true);
  EXPECT_FALSE(cut.complete);  // the chunked body never got its last chunk
  EXPECT_FALSE(streamed_text(cut.body).done) << cut.body;
  EXPECT_EQ(connection->received().find("[DONE]"), std::string::npos);
  EXPECT_LT(streamed_text(cut.body).pieces.size(), 200u);

  for (int request = 0; request < 4; ++request) {
    auto response = complete(completion_body("and now a short one", 2, false));
    ASSERT_TRUE(response);
    EXPECT_EQ(response->status, 200) << response->body;
    EXPECT_EQ(response->header("X-Fulcrum-Backend"), other);
  }
}

// prefill_cost counts a request's prompt blocks on its replica until the first byte of its
// response (its first token) has passed the gateway, not until the stream ends.
TEST_F(GatewayLlmTest, PrefillCostReleasesARequestAtItsFirstToken) {
  start("prefill_cost", {"--speed", "0.002"});  // a prefill step of 64 tokens takes about 0.57 s
  const std::string debug =
      "X-Fulcrum-Debug: 1\r\nAuthorization: Bearer " + std::string(kAdminToken) + "\r\n";
  auto prompt_starting = [](std::string_view word) {
    return std::string(word) + four_block_prompt().substr(4);  // 4 blocks, its own first block
  };
  auto streaming = RawConnection::open(gateway_->port());
  ASSERT_TRUE(streaming);
  ASSERT_TRUE(streaming->send(
      post_request("/v1/completions", completion_body(prompt_starting("abcd"), 100, true))));
  ASSERT_TRUE(streaming->read_until_contains("\r\n\r\n", 10s)) << streaming->received();
  const std::string first = parse_http_response(streaming->received()).header("X-Fulcrum-Backend");
  ASSERT_TRUE(first == "e0" || first == "e1") << streaming->received();
  const std::string other = first == "e0" ? "e1" : "e0";

  // Before the first token: the streaming request's 4 blocks are pending on its replica.
  ASSERT_EQ(streaming->received().find("\"text\""), std::string::npos);
  auto second = complete(completion_body(prompt_starting("efgh"), 1, false), debug);
  ASSERT_TRUE(second);
  ASSERT_EQ(second->status, 200) << second->body;
  EXPECT_EQ(second->header("X-Fulcrum-Backend"), other);
  const std::string before = second->header("X-Fulcrum-Decision");
  EXPECT_NE(before.find(first + " 8 (prefill 4/4 blocks, active 4 blocks, cost 8)"),
            std::string::npos)
      << before;

  // After it, while the stream goes on: nothing pending anywhere.
  ASSERT_TRUE(streaming->read_until_contains("\"text\"", 10s)) << streaming->received();
  auto third = complete(completion_body(prompt_starting("ijkl"), 1, false), debug);
  ASSERT_TRUE(third);
  ASSERT_EQ(third->status, 200) << third->body;
  const std::string after = third->header("X-Fulcrum-Decision");
  EXPECT_NE(after.find(first + " 4 (prefill 4/4 blocks, active 0 blocks, cost 4)"),
            std::string::npos)
      << after;
  EXPECT_NE(after.find(other + " 4 (prefill 4/4 blocks, active 0 blocks, cost 4)"),
            std::string::npos)
      << after;
  EXPECT_EQ(streaming->received().find("[DONE]"), std::string::npos);  // still streaming
}

TEST_F(GatewayLlmTest, DebugHeaderExplainsTheDecisionOnlyWithTheAdminToken) {
  start("prefix_aware");
  const std::string body = completion_body(four_block_prompt(), 2, false);
  const std::string debug =
      "X-Fulcrum-Debug: 1\r\nAuthorization: Bearer " + std::string(kAdminToken) + "\r\n";

  auto first = complete(body, debug);
  ASSERT_TRUE(first);
  ASSERT_EQ(first->status, 200);
  const std::string chosen = first->header("X-Fulcrum-Backend");
  const std::string other = chosen == "e0" ? "e1" : "e0";
  // Nothing indexed yet: the prompt goes to its rendezvous home.
  EXPECT_EQ(first->header("X-Fulcrum-Decision"),
            "prefix_aware -> " + chosen + "; e0 0 (prefix 0/4 blocks, in_flight 0 (cap 1)" +
                (chosen == "e0" ? ", chosen: rendezvous on leading blocks under cap" : "") +
                "); e1 0 (prefix 0/4 blocks, in_flight 0 (cap 1)" +
                (chosen == "e1" ? ", chosen: rendezvous on leading blocks under cap" : "") + ")");

  auto second = complete(body, debug);
  ASSERT_TRUE(second);
  EXPECT_EQ(second->header("X-Fulcrum-Backend"), chosen);
  const std::string decision = second->header("X-Fulcrum-Decision");
  EXPECT_NE(decision.find("; " + chosen +
                          " 1 (prefix 4/4 blocks, in_flight 0 (cap 1), chosen: best prefix match "
                          "under cap)"),
            std::string::npos)
      << decision;
  EXPECT_NE(decision.find("; " + other + " 0 (prefix 0/4 blocks, in_flight 0 (cap 1))"),
            std::string::npos)
      << decision;
  // The same decision as a JSON event in the log (log_decisions: true).
  EXPECT_NE(gateway_->log().find("\"event\":\"routing_decision\""), std::string::npos);
  EXPECT_NE(gateway_->log().find("\"decision\":\"" + decision + "\""), std::string::npos)
      << gateway_->log();

  for (const std::string& fields :
       {std::string("X-Fulcrum-Debug: 1\r\n"),
        std::string("X-Fulcrum-Debug: 1\r\nAuthorization: Bearer not-the-token\r\n"),
        "Authorization: Bearer " + std::string(kAdminToken) + "\r\n"}) {
    auto response = complete(body, fields);
    ASSERT_TRUE(response);
    EXPECT_EQ(response->status, 200);
    EXPECT_FALSE(response->has_header("X-Fulcrum-Decision")) << fields;
  }
}

TEST_F(GatewayLlmTest, MetricsComparePredictedPrefixHitsWithTheReplicasCounters) {
  start("prefix_aware");
  const std::string body = completion_body(four_block_prompt(), 2, false);
  auto first = complete(body);
  auto second = complete(body);
  ASSERT_TRUE(first && second);
  ASSERT_EQ(second->status, 200);
  boost::json::object usage = boost::json::parse(second->body).at("usage").as_object();
  ASSERT_EQ(usage.at("prompt_tokens").as_int64(), 64);
  // Every whole 4-token block but the one holding the last token.
  ASSERT_EQ(usage.at("prompt_tokens_details").at("cached_tokens").as_int64(), 60);

  // The scrape every 50 ms catches up with both requests' 64 + 64 queried tokens.
  std::string exposition;
  for (int attempt = 0; attempt < 200; ++attempt) {
    exposition = metrics();
    if (backend_sum(exposition, "fulcrum_gateway_backend_prefix_cache_queries_total") == 128) break;
    std::this_thread::sleep_for(25ms);
  }
  EXPECT_EQ(backend_sum(exposition, "fulcrum_gateway_backend_prefix_cache_queries_total"), 128);
  EXPECT_EQ(backend_sum(exposition, "fulcrum_gateway_backend_prefix_cache_hits_total"), 60);
  // Routing blocks: 4 per request; the second was predicted to match all 4 where it went.
  EXPECT_EQ(metric_value(exposition, "fulcrum_gateway_prefix_query_blocks_total"), 8);
  EXPECT_EQ(metric_value(exposition, "fulcrum_gateway_prefix_predicted_blocks_total"), 4);
  // The index holds the 4 blocks once, for one backend, at 112 bytes per entry.
  EXPECT_EQ(metric_value(exposition, "fulcrum_gateway_prefix_index_bytes"), 4 * 112);
}

}  // namespace
}  // namespace fulcrum::integration
