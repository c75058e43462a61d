#include "http/writer.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "http/chunked.h"

namespace fulcrum::http {
namespace {

TEST(HttpWriterTest, StatusLineUsesTheCanonicalReason) {
  OutputBuffer out;
  append_status_line(out, 404);
  append_status_line(out, 429, "Slow Down");
  append_status_line(out, 200, {}, Version{1, 0});
  append_status_line(out, 299);
  EXPECT_EQ(out.view(),
            "HTTP/1.1 404 Not Found\r\n"
            "HTTP/1.1 429 Slow Down\r\n"
            "HTTP/1.0 200 OK\r\n"
            "HTTP/1.1 299 \r\n");
}

TEST(HttpWriterTest, ReasonPhrases) {
  EXPECT_EQ(reason_phrase(100), "Continue");
  EXPECT_EQ(reason_phrase(204), "No Content");
  EXPECT_EQ(reason_phrase(413), "Content Too Large");
  EXPECT_EQ(reason_phrase(431), "Request Header Fields Too Large");
  EXPECT_EQ(reason_phrase(502), "Bad Gateway");
  EXPECT_EQ(reason_phrase(505), "HTTP Version Not Supported");
  EXPECT_EQ(reason_phrase(299), "");
}

TEST(HttpWriterTest, BuildsARequestHeadInOneBuffer) {
  OutputBuffer out;
  append_request_line(out, "POST", "/v1/completions");
  append_header(out, "Host", "replica-1:8000");
  append_content_length(out, 1234567890123);
  end_head(out);
  EXPECT_EQ(out.view(),
            "POST /v1/completions HTTP/1.1\r\n"
            "Host: replica-1:8000\r\n"
            "Content-Length: 1234567890123\r\n"
            "\r\n");
}

TEST(HttpWriterTest, ChunkFraming) {
  OutputBuffer out;
  append_chunk(out, "data: {\"token\":\"hi\"}\n\n");
  append_chunk(out, "");
  append_chunk(out, std::string(300, 'x'));
  append_last_chunk(out);
  const std::string expected =
      "16\r\ndata: {\"token\":\"hi\"}\n\n\r\n12c\r\n" + std::string(300, 'x') + "\r\n0\r\n\r\n";
  EXPECT_EQ(out.view(), expected);

  ChunkedDecoder decoder;
  std::string payload;
  const ChunkedProgress progress =
      decoder.feed(out.view(), [&payload](std::string_view data) { payload += data; });
  EXPECT_TRUE(progress.complete);
  EXPECT_EQ(payload, "data: {\"token\":\"hi\"}\n\n" + std::string(300, 'x'));
}

TEST(HttpWriterTest, ChunkSizeLineForExternalData) {
  OutputBuffer out;
  append_chunk_size_line(out, 0xABCDEF);
  EXPECT_EQ(out.view(), "abcdef\r\n");
}

TEST(HttpWriterTest, OutputBufferConsumeAndClear) {
  OutputBuffer out;
  out.append("hello world");
  out.consume(6);
  EXPECT_EQ(out.view(), "world");
  out.append_decimal(0);
  out.append_hex(255);
  EXPECT_EQ(out.view(), "world0ff");
  out.clear();
  EXPECT_TRUE(out.empty());
}

TEST(HttpWriterTest, FieldValidity) {
  EXPECT_TRUE(is_valid_field_name("X-Forwarded-For"));
  EXPECT_FALSE(is_valid_field_name("X Forwarded"));
  EXPECT_FALSE(is_valid_field_name(""));
  EXPECT_TRUE(is_valid_field_value("10.0.0.1, 10.0.0.2\tok"));
  EXPECT_FALSE(is_valid_field_value("a\r\nInjected: yes"));
  EXPECT_FALSE(is_valid_field_value(std::string_view("a\0b", 3)));
}

// `text` must outlive the head: pass literals or strings that stay alive.
RequestHead parsed_request(std::string_view text) {
  RequestHead head;
  EXPECT_TRUE(parse_request(text, head).complete()) << text;
  return head;
}

TEST(HttpWriterTest, ForwardedRequestDropsHopByHopFields) {
  const std::string text =
      "POST /v1/chat HTTP/1.0\r\n"
      "Host: gw\r\n"
      "Connection: keep-alive, X-Secret-Hop\r\n"
      "Keep-Alive: timeout=5\r\n"
      "Proxy-Connection: keep-alive\r\n"
      "TE: trailers\r\n"
      "Trailer: X-Checksum\r\n"
      "Upgrade: h2c\r\n"
      "x-secret-hop: 1\r\n"
      "Content-Type: application/json\r\n"
      "Content-Length: 2\r\n"
      "\r\n";
  const RequestHead head = parsed_request(text);
  const std::vector<Header> added = {{"X-Forwarded-For", "192.0.2.7"}, {"Via", "1.1 fulcrum"}};
  OutputBuffer out;
  append_forwarded_request(out, head, {.reframe = false, .added = added, .dropped = {}});
  EXPECT_EQ(out.view(),
            "POST /v1/chat HTTP/1.1\r\n"
            "Host: gw\r\n"
            "Content-Type: application/json\r\n"
            "Content-Length: 2\r\n"
            "X-Forwarded-For: 192.0.2.7\r\n"
            "Via: 1.1 fulcrum\r\n"
            "\r\n");
}

TEST(HttpWriterTest, FieldsNamedByManyConnectionOptionsAreAllDropped) {
  std::string text = "GET / HTTP/1.1\r\nHost: gw\r\nConnection: close";
  for (int i = 0; i < 20; ++i) text += ", x-hop-" + std::to_string(i);
  text += "\r\nX-Hop-3: a\r\nX-Hop-19: b\r\nX-Kept: c\r\n\r\n";
  const RequestHead head = parsed_request(text);
  OutputBuffer out;
  append_forwarded_fields(out, head.fields());
  EXPECT_EQ(out.view(), "Host: gw\r\nX-Kept: c\r\n");
}

TEST(HttpWriterTest, DroppedFieldsAreLeftOutInAnyCase) {
  const RequestHead head = parsed_request(
      "GET / HTTP/1.1\r\nHost: gw\r\nauthorization: Bearer t\r\nX-Fulcrum-Debug: 1\r\n"
      "X-Kept: c\r\n\r\n");
  const std::vector<std::string_view> dropped = {"Authorization", "x-fulcrum-debug"};
  OutputBuffer out;
  append_forwarded_fields(out, head.fields(), {.reframe = false, .added = {}, .dropped = dropped});
  EXPECT_EQ(out.view(), "Host: gw\r\nX-Kept: c\r\n");
}

TEST(HttpWriterTest, TransferEncodingIsKeptUnlessReframing) {
  const RequestHead head =
      parsed_request("POST / HTTP/1.1\r\nHost: gw\r\nTransfer-Encoding: chunked\r\nX-A: 1\r\n\r\n");
  OutputBuffer verbatim;
  append_forwarded_fields(verbatim, head.fields());
  EXPECT_EQ(verbatim.view(), "Host: gw\r\nTransfer-Encoding: chunked\r\nX-A: 1\r\n");

  const std::vector<Header> framing = {{"Content-Length", "42"}};
  OutputBuffer reframed;
  append_forwarded_fields(reframed, head.fields(),
                          {.reframe = true, .added = framing, .dropped = {}});
  EXPECT_EQ(reframed.view(), "Host: gw\r\nX-A: 1\r\nContent-Length: 42\r\n");
}

TEST(HttpWriterTest, ReframingAlsoDropsContentLength) {
  const RequestHead head =
      parsed_request("POST / HTTP/1.1\r\nHost: gw\r\nContent-Length: 5\r\n\r\n");
  const std::vector<Header> framing = {{"Transfer-Encoding", "chunked"}};
  OutputBuffer out;
  append_forwarded_fields(out, head.fields(), {.reframe = true, .added = framing, .dropped = {}});
  EXPECT_EQ(out.view(), "Host: gw\r\nTransfer-Encoding: chunked\r\n");
}

TEST(HttpWriterTest, ForwardedResponseKeepsTheReceivedReason) {
  ResponseHead head;
  ASSERT_TRUE(
      parse_response("HTTP/1.0 200 Fine\r\nConnection: close\r\nServer: vllm\r\n\r\n", false, head)
          .complete());
  const std::vector<Header> added = {{"X-Fulcrum-Backend", "replica-2"}};
  OutputBuffer out;
  append_forwarded_response(out, head, {.reframe = false, .added = added, .dropped = {}});
  EXPECT_EQ(out.view(),
            "HTTP/1.1 200 Fine\r\nServer: vllm\r\nX-Fulcrum-Backend: replica-2\r\n\r\n");

  ASSERT_TRUE(parse_response("HTTP/1.1 503\r\n\r\n", false, head).complete());
  OutputBuffer canonical;
  append_forwarded_response(canonical, head);
  EXPECT_EQ(canonical.view(), "HTTP/1.1 503 Service Unavailable\r\n\r\n");
}

TEST(HttpWriterTest, ForwardedHeadParsesBackToTheSameFields) {
  const RequestHead head = parsed_request(
      "GET /x?y=1 HTTP/1.1\r\nHost: gw\r\nAccept: */*\r\nX-Empty:\r\nConnection: close\r\n\r\n");
  OutputBuffer out;
  append_forwarded_request(out, head);
  const std::string wire(out.view());
  const RequestHead again = parsed_request(wire);
  EXPECT_EQ(again.target, "/x?y=1");
  ASSERT_EQ(again.header_count, 3u);
  EXPECT_EQ(again.headers[2].name, "X-Empty");
  EXPECT_EQ(again.headers[2].value, "");
  EXPECT_TRUE(again.keep_alive);
  EXPECT_EQ(again.head_bytes, wire.size());
}

}  // namespace
}  // namespace fulcrum::http
