#include "http/parser.h"

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/random.h"
#include "http/chunked.h"
#include "http/writer.h"

namespace fulcrum::http {
namespace {

using namespace std::string_literals;

ParseResult parse(std::string_view text, RequestHead& head, const Limits& limits = {}) {
  return parse_request(text, head, limits);
}

// Parses `text` as a request and checks it is rejected with `status` for `reason`.
void expect_rejected(std::string_view text, int status, std::string_view reason) {
  RequestHead head;
  const ParseResult result = parse(text, head);
  ASSERT_TRUE(result.error()) << "accepted: " << text;
  EXPECT_EQ(result.error_status, status) << text;
  EXPECT_EQ(result.error_reason, reason) << text;
}

void expect_request_with_field_rejected(std::string_view field_lines, int status,
                                        std::string_view reason) {
  expect_rejected("POST /submit HTTP/1.1\r\nHost: a\r\n"s + std::string(field_lines) + "\r\n",
                  status, reason);
}

// ---- well-formed requests ---------------------------------------------------------------------

TEST(HttpParserTest, ParsesARequestHead) {
  const std::string text =
      "GET /v1/models?limit=2 HTTP/1.1\r\n"
      "Host: gateway.local:8080\r\n"
      "User-Agent: curl/8.0\r\n"
      "Accept: */*\r\n"
      "\r\n";
  RequestHead head;
  ASSERT_TRUE(parse(text, head).complete());
  EXPECT_EQ(head.method, "GET");
  EXPECT_EQ(head.target, "/v1/models?limit=2");
  EXPECT_EQ(head.version, (Version{1, 1}));
  ASSERT_EQ(head.header_count, 3u);
  EXPECT_EQ(head.headers[0].name, "Host");
  EXPECT_EQ(head.headers[0].value, "gateway.local:8080");
  EXPECT_EQ(head.headers[2].name, "Accept");
  EXPECT_EQ(head.headers[2].value, "*/*");
  EXPECT_EQ(head.head_bytes, text.size());
  EXPECT_EQ(head.framing, BodyFraming::kNone);
  EXPECT_TRUE(head.keep_alive);
  EXPECT_TRUE(head.has_host);
  EXPECT_FALSE(head.expect_continue);
  EXPECT_FALSE(head.upgrade);
}

TEST(HttpParserTest, ViewsPointIntoTheCallersBuffer) {
  const std::string text = "GET / HTTP/1.1\r\nHost: a\r\n\r\n";
  RequestHead head;
  ASSERT_TRUE(parse(text, head).complete());
  EXPECT_EQ(head.method.data(), text.data());
  EXPECT_EQ(head.headers[0].value.data(), text.data() + text.find("a\r\n"));
}

TEST(HttpParserTest, FindIgnoresCaseAndReturnsTheFirstField) {
  RequestHead head;
  ASSERT_TRUE(parse("GET / HTTP/1.1\r\nHost: a\r\nX-Id: 1\r\nx-id: 2\r\n\r\n", head).complete());
  ASSERT_NE(head.find("X-ID"), nullptr);
  EXPECT_EQ(head.find("X-ID")->value, "1");
  EXPECT_EQ(head.find("x-missing"), nullptr);
}

TEST(HttpParserTest, TrimsWhitespaceAroundValuesButKeepsItInside) {
  RequestHead head;
  ASSERT_TRUE(
      parse("GET / HTTP/1.1\r\nHost:a\r\nX-A: \t one  two \t\r\nX-B:\r\nX-C:   \r\n\r\n", head)
          .complete());
  EXPECT_EQ(head.headers[0].value, "a");
  EXPECT_EQ(head.headers[1].value, "one  two");
  EXPECT_EQ(head.headers[2].value, "");
  EXPECT_EQ(head.headers[3].value, "");
}

TEST(HttpParserTest, AcceptsTabsAndObsTextInValues) {
  RequestHead head;
  ASSERT_TRUE(
      parse("GET / HTTP/1.1\r\nHost: a\r\nX-Name: caf\xc3\xa9\tau lait\r\n\r\n", head).complete());
  EXPECT_EQ(head.headers[1].value, "caf\xc3\xa9\tau lait");
}

TEST(HttpParserTest, KeepAliveFollowsVersionAndConnection) {
  struct Case {
    std::string text;
    bool keep_alive;
  };
  const std::vector<Case> cases = {
      {"GET / HTTP/1.1\r\nHost: a\r\n\r\n", true},
      {"GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n", false},
      {"GET / HTTP/1.1\r\nHost: a\r\nConnection: Keep-Alive, CLOSE\r\n\r\n", false},
      {"GET / HTTP/1.0\r\n\r\n", false},
      {"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", true},
      {"GET / HTTP/1.0\r\nConnection: te, Keep-Alive\r\n\r\n", true},
  };
  for (const Case& c : cases) {
    RequestHead head;
    ASSERT_TRUE(parse(c.text, head).complete()) << c.text;
    EXPECT_EQ(head.keep_alive, c.keep_alive) << c.text;
  }
}

TEST(HttpParserTest, HttpOneZeroNeedsNoHost) {
  RequestHead head;
  ASSERT_TRUE(parse("GET / HTTP/1.0\r\n\r\n", head).complete());
  EXPECT_EQ(head.version, (Version{1, 0}));
  EXPECT_FALSE(head.has_host);
}

TEST(HttpParserTest, ContentLengthFramesTheBody) {
  RequestHead head;
  ASSERT_TRUE(parse("POST /v1/completions HTTP/1.1\r\nHost: a\r\nContent-Length: 42\r\n\r\n", head)
                  .complete());
  EXPECT_EQ(head.framing, BodyFraming::kContentLength);
  EXPECT_EQ(head.content_length, 42u);
}

TEST(HttpParserTest, LargestContentLengthIsTwoToTheSixtyThreeMinusOne) {
  RequestHead head;
  ASSERT_TRUE(
      parse("PUT /f HTTP/1.1\r\nHost: a\r\nContent-Length: 9223372036854775807\r\n\r\n", head)
          .complete());
  EXPECT_EQ(head.content_length, 9223372036854775807u);
}

TEST(HttpParserTest, ChunkedIsTheFinalCoding) {
  for (std::string_view codings : {"chunked", "Chunked", "gzip, chunked", "gzip,chunked"}) {
    RequestHead head;
    const std::string text =
        "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: "s + std::string(codings) + "\r\n\r\n";
    ASSERT_TRUE(parse(text, head).complete()) << codings;
    EXPECT_EQ(head.framing, BodyFraming::kChunked) << codings;
  }
}

TEST(HttpParserTest, TransferCodingsAcrossFieldLinesFormOneList) {
  RequestHead head;
  ASSERT_TRUE(parse("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n"
                    "Transfer-Encoding: chunked\r\n\r\n",
                    head)
                  .complete());
  EXPECT_EQ(head.framing, BodyFraming::kChunked);
}

TEST(HttpParserTest, ReportsExpectContinueAndUpgrade) {
  RequestHead head;
  ASSERT_TRUE(parse("POST / HTTP/1.1\r\nHost: a\r\nExpect: 100-Continue\r\nContent-Length: 5\r\n"
                    "Connection: Upgrade\r\nUpgrade: websocket\r\n\r\n",
                    head)
                  .complete());
  EXPECT_TRUE(head.expect_continue);
  EXPECT_TRUE(head.upgrade);
}

TEST(HttpParserTest, UpgradeNeedsTheConnectionOptionAndHttpOneOne) {
  RequestHead head;
  ASSERT_TRUE(parse("GET / HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\n\r\n", head).complete());
  EXPECT_FALSE(head.upgrade);
  ASSERT_TRUE(parse("GET / HTTP/1.0\r\nConnection: upgrade\r\nUpgrade: websocket\r\n\r\n", head)
                  .complete());
  EXPECT_FALSE(head.upgrade);
}

TEST(HttpParserTest, AcceptsExtensionMethodsThatAreTokens) {
  RequestHead head;
  ASSERT_TRUE(parse("M-SEARCH / HTTP/1.1\r\nHost: a\r\n\r\n", head).complete());
  EXPECT_EQ(head.method, "M-SEARCH");
  ASSERT_TRUE(parse("PURGE_ALL! /cache HTTP/1.1\r\nHost: a\r\n\r\n", head).complete());
  EXPECT_EQ(head.method, "PURGE_ALL!");
}

TEST(HttpParserTest, AcceptsEveryRequestTargetForm) {
  for (std::string_view line :
       {"GET /a/b?c=d&e=%20 HTTP/1.1", "GET http://up:80/x HTTP/1.1", "OPTIONS * HTTP/1.1",
        "CONNECT up.example:443 HTTP/1.1", "CONNECT [::1]:8443 HTTP/1.1"}) {
    RequestHead head;
    const std::string text = std::string(line) + "\r\nHost: up\r\n\r\n";
    EXPECT_TRUE(parse(text, head).complete()) << line;
  }
}

TEST(HttpParserTest, AcceptsValidHostValues) {
  for (std::string_view host : {"example.com", "example.com:8080", "10.0.0.1:80", "[::1]:80",
                                "[2001:db8::7]", "", "xn--caf-dma.example"}) {
    RequestHead head;
    const std::string text = "GET / HTTP/1.1\r\nHost: "s + std::string(host) + "\r\n\r\n";
    EXPECT_TRUE(parse(text, head).complete()) << host;
  }
}

TEST(HttpParserTest, IgnoresOneEmptyLineBeforeTheRequestLine) {
  const std::string text = "\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n";
  RequestHead head;
  ASSERT_TRUE(parse(text, head).complete());
  EXPECT_EQ(head.method, "GET");
  EXPECT_EQ(head.head_bytes, text.size());
}

// ---- strictness: every rule with its status ---------------------------------------------------

TEST(HttpParserTest, RejectsNonTokenMethods) {
  expect_rejected("G(T / HTTP/1.1\r\nHost: a\r\n\r\n", 400, "invalid character in method");
  expect_rejected("GET\t/ HTTP/1.1\r\nHost: a\r\n\r\n", 400, "invalid character in method");
  expect_rejected(" GET / HTTP/1.1\r\nHost: a\r\n\r\n", 400, "missing method");
}

TEST(HttpParserTest, RejectsSpacesAndControlsInTheTarget) {
  expect_rejected("GET /a\x01z HTTP/1.1\r\nHost: a\r\n\r\n", 400,
                  "invalid character in request-target");
  expect_rejected("GET /caf\xc3\xa9 HTTP/1.1\r\nHost: a\r\n\r\n", 400,
                  "invalid character in request-target");
  expect_rejected("GET /a\x7f HTTP/1.1\r\nHost: a\r\n\r\n", 400,
                  "invalid character in request-target");
  expect_rejected("GET /a b HTTP/1.1\r\nHost: a\r\n\r\n", 400, "invalid HTTP version");
  expect_rejected("GET  / HTTP/1.1\r\nHost: a\r\n\r\n", 400, "empty request-target");
}

TEST(HttpParserTest, RejectsTargetsOfTheWrongForm) {
  expect_rejected("GET index.html HTTP/1.1\r\nHost: a\r\n\r\n", 400, "invalid request-target form");
  expect_rejected("GET * HTTP/1.1\r\nHost: a\r\n\r\n", 400, "asterisk-form target outside OPTIONS");
  expect_rejected("CONNECT /x HTTP/1.1\r\nHost: a\r\n\r\n", 400,
                  "CONNECT needs an authority-form target");
  expect_rejected("CONNECT up.example HTTP/1.1\r\nHost: a\r\n\r\n", 400,
                  "CONNECT needs an authority-form target");
}

TEST(HttpParserTest, OnlyHttpOneZeroAndOneOneAreSpoken) {
  expect_rejected("GET / HTTP/2.0\r\nHost: a\r\n\r\n", 505, "unsupported HTTP version");
  expect_rejected("GET / HTTP/0.9\r\nHost: a\r\n\r\n", 505, "unsupported HTTP version");
  expect_rejected("GET / HTTP/1.2\r\nHost: a\r\n\r\n", 505, "unsupported HTTP version");
  expect_rejected("GET / HTTP/1.10\r\nHost: a\r\n\r\n", 400, "invalid HTTP version");
  expect_rejected("GET / http/1.1\r\nHost: a\r\n\r\n", 400, "invalid HTTP version");
  expect_rejected("GET / HTTP/1\r\nHost: a\r\n\r\n", 400, "invalid HTTP version");
  expect_rejected("GET / HTTP/1.1 \r\nHost: a\r\n\r\n", 400, "invalid HTTP version");
  expect_rejected("GET /\r\n\r\n", 400, "invalid character in request-target");
}

TEST(HttpParserTest, RejectsBareLineFeeds) {
  expect_rejected("GET / HTTP/1.1\nHost: a\n\n", 400, "bare LF line ending");
  expect_rejected("GET / HTTP/1.1\r\nHost: a\n\r\n", 400, "bare LF line ending");
  expect_rejected("GET / HTTP/1.1\r\nHost: a\r\n\n", 400, "bare LF line ending");
  expect_rejected("\nGET / HTTP/1.1\r\nHost: a\r\n\r\n", 400, "bare LF line ending");
}

TEST(HttpParserTest, RejectsACarriageReturnNotFollowedByLineFeed) {
  expect_rejected("GET / HTTP/1.1\rHost: a\r\n\r\n", 400, "CR not followed by LF");
  expect_request_with_field_rejected("X-A: 1\r2\r\n", 400, "CR not followed by LF");
}

TEST(HttpParserTest, RejectsWhitespaceBetweenNameAndColon) {
  expect_request_with_field_rejected("Content-Length : 5\r\n", 400,
                                     "whitespace between header name and colon");
  expect_request_with_field_rejected("X-A\t: 5\r\n", 400,
                                     "whitespace between header name and colon");
}

TEST(HttpParserTest, RejectsObsoleteLineFolding) {
  expect_request_with_field_rejected("X-A: one\r\n two\r\n", 400, "obsolete line folding");
  expect_request_with_field_rejected("X-A: one\r\n\ttwo\r\n", 400, "obsolete line folding");
  expect_rejected("GET / HTTP/1.1\r\n Host: a\r\n\r\n", 400,
                  "whitespace before the first header field");
}

TEST(HttpParserTest, RejectsNulCrLfAndOtherControlsInValues) {
  expect_request_with_field_rejected("X-A: a\0b\r\n"s, 400, "NUL in header value");
  expect_request_with_field_rejected("X-A: a\nb\r\n", 400, "bare LF line ending");
  expect_request_with_field_rejected("X-A: a\rb\r\n", 400, "CR not followed by LF");
  expect_request_with_field_rejected("X-A: a\x01z\r\n", 400, "control character in header value");
  expect_request_with_field_rejected("X-A: a\x7fz\r\n", 400, "control character in header value");
}

TEST(HttpParserTest, RejectsBadHeaderNames) {
  expect_request_with_field_rejected(": empty\r\n", 400, "empty header name");
  expect_request_with_field_rejected("X(A): 1\r\n", 400, "invalid character in header name");
  expect_request_with_field_rejected("X\xc3\xa9: 1\r\n", 400, "invalid character in header name");
  expect_request_with_field_rejected("NoColon\r\n", 400, "invalid character in header name");
}

TEST(HttpParserTest, ContentLengthIsDigitsOnly) {
  expect_request_with_field_rejected("Content-Length: \r\n", 400, "empty Content-Length");
  expect_request_with_field_rejected("Content-Length: -1\r\n", 400, "invalid Content-Length");
  expect_request_with_field_rejected("Content-Length: +5\r\n", 400, "invalid Content-Length");
  expect_request_with_field_rejected("Content-Length: 0x10\r\n", 400, "invalid Content-Length");
  expect_request_with_field_rejected("Content-Length: 1 2\r\n", 400, "invalid Content-Length");
}

TEST(HttpParserTest, ContentLengthOverflowIsRejected) {
  expect_request_with_field_rejected("Content-Length: 9223372036854775808\r\n", 400,
                                     "Content-Length too large");
  expect_request_with_field_rejected("Content-Length: 18446744073709551616\r\n", 400,
                                     "Content-Length too large");
  expect_request_with_field_rejected("Content-Length: 99999999999999999999999999\r\n", 400,
                                     "Content-Length too large");
}

TEST(HttpParserTest, HttpOneOneNeedsExactlyOneValidHost) {
  expect_rejected("GET / HTTP/1.1\r\n\r\n", 400, "missing Host");
  expect_rejected("GET / HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n", 400, "more than one Host");
  expect_rejected("GET / HTTP/1.0\r\nHost: a\r\nhost: b\r\n\r\n", 400, "more than one Host");
  expect_rejected("GET / HTTP/1.1\r\nHost: a b\r\n\r\n", 400, "invalid Host");
  expect_rejected("GET / HTTP/1.1\r\nHost: a/b\r\n\r\n", 400, "invalid Host");
  expect_rejected("GET / HTTP/1.1\r\nHost: user@a\r\n\r\n", 400, "invalid Host");
  expect_rejected("GET / HTTP/1.1\r\nHost: a:80x\r\n\r\n", 400, "invalid Host");
  expect_rejected("GET / HTTP/1.1\r\nHost: [::1\r\n\r\n", 400, "invalid Host");
}

TEST(HttpParserTest, IgnoresOnlyOneEmptyLineBeforeTheRequestLine) {
  expect_rejected("\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n", 400, "missing method");
}

TEST(HttpParserTest, TooManyHeaderFieldsIs431) {
  Limits limits;
  limits.max_header_count = 3;
  RequestHead head;
  ASSERT_TRUE(parse("GET / HTTP/1.1\r\nHost: a\r\nA: 1\r\nB: 2\r\n\r\n", head, limits).complete());
  const ParseResult result =
      parse("GET / HTTP/1.1\r\nHost: a\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n", head, limits);
  ASSERT_TRUE(result.error());
  EXPECT_EQ(result.error_status, 431);
  EXPECT_EQ(result.error_reason, "too many header fields");
}

TEST(HttpParserTest, DefaultCapacityHoldsAHundredFields) {
  std::string text = "GET / HTTP/1.1\r\nHost: a\r\n";
  for (int i = 1; i < 100; ++i) text += "X-" + std::to_string(i) + ": v\r\n";
  RequestHead head;
  ASSERT_TRUE(parse(text + "\r\n", head).complete());
  EXPECT_EQ(head.header_count, 100u);
  const ParseResult result = parse(text + "X-Extra: v\r\n\r\n", head);
  EXPECT_EQ(result.error_status, 431);
}

TEST(HttpParserTest, HeadLargerThanTheLimitIs431) {
  Limits limits;
  limits.max_head_bytes = 64;
  const std::string small = "GET / HTTP/1.1\r\nHost: a\r\n\r\n";
  const std::string padded =
      "GET / HTTP/1.1\r\nHost: a\r\nX-Pad: " + std::string(64 - small.size() - 9, 'p') + "\r\n\r\n";
  ASSERT_EQ(padded.size(), 64u);
  RequestHead head;
  EXPECT_TRUE(parse(padded, head, limits).complete());

  const std::string too_big = "GET / HTTP/1.1\r\nHost: a\r\nX-Pad: " + std::string(40, 'p');
  EXPECT_TRUE(parse(too_big.substr(0, 63), head, limits).incomplete());
  const ParseResult waiting = parse(too_big + "\r\n", head, limits);
  ASSERT_TRUE(waiting.error());
  EXPECT_EQ(waiting.error_status, 431);
  EXPECT_EQ(waiting.error_reason, "head too large");
}

TEST(HttpParserTest, BytesAfterTheHeadAreNotPartOfIt) {
  const std::string head_text = "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\n";
  RequestHead head;
  ASSERT_TRUE(parse(head_text + "abcGET / HTTP/1.1\r\n", head).complete());
  EXPECT_EQ(head.head_bytes, head_text.size());
}

// ---- request smuggling ------------------------------------------------------------------------

TEST(HttpSmugglingTest, ContentLengthWithTransferEncodingIs400) {
  expect_request_with_field_rejected("Content-Length: 5\r\nTransfer-Encoding: chunked\r\n", 400,
                                     "both Content-Length and Transfer-Encoding");
  expect_request_with_field_rejected("Transfer-Encoding: chunked\r\nContent-Length: 5\r\n", 400,
                                     "both Content-Length and Transfer-Encoding");
  expect_request_with_field_rejected("Transfer-Encoding: chunked\r\nContent-Length: 0\r\n", 400,
                                     "both Content-Length and Transfer-Encoding");
}

TEST(HttpSmugglingTest, DuplicateContentLengthIs400EvenWhenEqual) {
  expect_request_with_field_rejected("Content-Length: 5\r\nContent-Length: 5\r\n", 400,
                                     "duplicate Content-Length");
  expect_request_with_field_rejected("Content-Length: 5\r\ncontent-length: 6\r\n", 400,
                                     "duplicate Content-Length");
  expect_request_with_field_rejected("Content-Length: 5, 5\r\n", 400, "duplicate Content-Length");
  expect_request_with_field_rejected("Content-Length: 5,\r\n", 400, "duplicate Content-Length");
}

TEST(HttpSmugglingTest, UnknownTransferCodingIs501) {
  expect_request_with_field_rejected("Transfer-Encoding: xchunked\r\n", 501,
                                     "unknown transfer coding");
  expect_request_with_field_rejected("Transfer-Encoding: chunked-false\r\n", 501,
                                     "unknown transfer coding");
  // "identity" left the transfer-coding registry with RFC 7230; unknown codings are checked first.
  expect_request_with_field_rejected("Transfer-Encoding: chunked, identity\r\n", 501,
                                     "unknown transfer coding");
}

TEST(HttpSmugglingTest, ChunkedNotLastOrRepeatedIs400) {
  expect_request_with_field_rejected("Transfer-Encoding: chunked, gzip\r\n", 400,
                                     "chunked is not the final transfer coding");
  expect_request_with_field_rejected("Transfer-Encoding: gzip\r\n", 400,
                                     "chunked is not the final transfer coding");
  expect_request_with_field_rejected("Transfer-Encoding: chunked\r\nTransfer-Encoding: gzip\r\n",
                                     400, "chunked is not the final transfer coding");
  expect_request_with_field_rejected("Transfer-Encoding: chunked, chunked\r\n", 400,
                                     "chunked applied more than once");
}

TEST(HttpSmugglingTest, MalformedTransferEncodingIs400) {
  expect_request_with_field_rejected("Transfer-Encoding: \r\n", 400, "empty Transfer-Encoding");
  expect_request_with_field_rejected("Transfer-Encoding: , ,\r\n", 400, "empty Transfer-Encoding");
  expect_request_with_field_rejected("Transfer-Encoding: chunked;q=1\r\n", 400,
                                     "invalid Transfer-Encoding");
  expect_request_with_field_rejected("Transfer-Encoding: \"chunked\"\r\n", 400,
                                     "invalid Transfer-Encoding");
}

TEST(HttpSmugglingTest, TransferEncodingInHttpOneZeroIs400) {
  expect_rejected("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", 400,
                  "Transfer-Encoding in an HTTP/1.0 message");
}

TEST(HttpSmugglingTest, SpaceBeforeColonCannotHideTransferEncoding) {
  expect_request_with_field_rejected("Transfer-Encoding : chunked\r\nContent-Length: 5\r\n", 400,
                                     "whitespace between header name and colon");
}

TEST(HttpSmugglingTest, FoldedTransferEncodingIsRejected) {
  expect_request_with_field_rejected("Transfer-Encoding: gzip,\r\n chunked\r\n", 400,
                                     "obsolete line folding");
}

TEST(HttpSmugglingTest, NulCannotTruncateAField) {
  expect_request_with_field_rejected("Transfer-Encoding: chunked\0\r\n"s, 400,
                                     "NUL in header value");
}

// ---- incremental parsing ----------------------------------------------------------------------

const std::string kFullRequest =
    "\r\nPOST /v1/chat/completions?stream=true HTTP/1.1\r\n"
    "Host: gateway.local\r\n"
    "Content-Type: application/json\r\n"
    "X-Tab:\tvalue\twith tabs \r\n"
    "Connection: keep-alive\r\n"
    "Transfer-Encoding: chunked\r\n"
    "\r\n";

void expect_same_head(const RequestHead& a, const RequestHead& b) {
  EXPECT_EQ(a.method, b.method);
  EXPECT_EQ(a.target, b.target);
  EXPECT_EQ(a.version, b.version);
  ASSERT_EQ(a.header_count, b.header_count);
  for (std::size_t i = 0; i < a.header_count; ++i) {
    EXPECT_EQ(a.headers[i].name, b.headers[i].name);
    EXPECT_EQ(a.headers[i].value, b.headers[i].value);
  }
  EXPECT_EQ(a.head_bytes, b.head_bytes);
  EXPECT_EQ(a.framing, b.framing);
  EXPECT_EQ(a.content_length, b.content_length);
  EXPECT_EQ(a.keep_alive, b.keep_alive);
}

TEST(HttpIncrementalTest, ByteByByteIsIncompleteUntilTheLastByte) {
  RequestHead whole;
  ASSERT_TRUE(parse(kFullRequest, whole).complete());
  RequestHead head;
  for (std::size_t size = 0; size < kFullRequest.size(); ++size) {
    ASSERT_TRUE(parse(std::string_view(kFullRequest).substr(0, size), head).incomplete()) << size;
  }
  ASSERT_TRUE(parse(kFullRequest, head).complete());
  expect_same_head(head, whole);
}

TEST(HttpIncrementalTest, ScanHintGivesTheSameResultByteByByte) {
  RequestHead whole;
  ASSERT_TRUE(parse(kFullRequest, whole).complete());
  RequestHead head;
  ScanHint hint;
  for (std::size_t size = 0; size < kFullRequest.size(); ++size) {
    const std::string_view prefix = std::string_view(kFullRequest).substr(0, size);
    ASSERT_TRUE(parse_request(prefix, head, {}, &hint).incomplete()) << size;
    EXPECT_EQ(hint.scanned_bytes, size);
  }
  ASSERT_TRUE(parse_request(kFullRequest, head, {}, &hint).complete());
  expect_same_head(head, whole);
}

TEST(HttpIncrementalTest, WithoutAHintErrorsShowBeforeTheHeadIsComplete) {
  RequestHead head;
  const ParseResult result = parse("GET / HTTP/1.1\r\nBad Name: x", head);
  EXPECT_EQ(result.error_status, 400);
}

TEST(HttpIncrementalTest, ScanHintReportsBareLineFeedsAtOnce) {
  RequestHead head;
  ScanHint hint;
  const ParseResult result = parse_request("GET / HTTP/1.1\nHost: a", head, {}, &hint);
  ASSERT_TRUE(result.error());
  EXPECT_EQ(result.error_reason, "bare LF line ending");
}

TEST(HttpIncrementalTest, ScanHintStillEnforcesTheLimit) {
  Limits limits;
  limits.max_head_bytes = 32;
  RequestHead head;
  ScanHint hint;
  const std::string text = "GET / HTTP/1.1\r\nX-Pad: " + std::string(40, 'p');
  ASSERT_TRUE(
      parse_request(std::string_view(text).substr(0, 20), head, limits, &hint).incomplete());
  const ParseResult result = parse_request(text, head, limits, &hint);
  EXPECT_EQ(result.error_status, 431);
}

// Parses a body that follows a head at `offset`, returning where the message ends.
std::size_t skip_body(std::string_view buffer, std::size_t offset, const RequestHead& head) {
  if (head.framing == BodyFraming::kContentLength) return offset + head.content_length;
  if (head.framing != BodyFraming::kChunked) return offset;
  ChunkedDecoder decoder;
  const ChunkedProgress progress = decoder.feed(buffer.substr(offset));
  EXPECT_TRUE(progress.complete);
  return offset + progress.consumed;
}

TEST(HttpIncrementalTest, PipelinedRequestsParseOneAfterTheOther) {
  const std::string buffer =
      "GET /first HTTP/1.1\r\nHost: a\r\n\r\n"
      "POST /second HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello"
      "POST /third HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
      "3\r\nabc\r\n0\r\n\r\n"
      "GET /fourth HTTP/1.0\r\n\r\n"
      "GET /fifth HTTP/1.1\r\nHo";
  std::vector<std::string_view> targets;
  std::size_t offset = 0;
  RequestHead head;
  ParseResult result;
  while ((result = parse(std::string_view(buffer).substr(offset), head)).complete()) {
    targets.push_back(head.target);
    offset = skip_body(buffer, offset + head.head_bytes, head);
  }
  EXPECT_TRUE(result.incomplete());
  EXPECT_EQ(targets, (std::vector<std::string_view>{"/first", "/second", "/third", "/fourth"}));
  EXPECT_EQ(buffer.substr(offset), "GET /fifth HTTP/1.1\r\nHo");
}

// ---- property: writer output, split anywhere, parses back equal -------------------------------

struct GeneratedRequest {
  std::string method;
  std::string target;
  std::vector<std::pair<std::string, std::string>> fields;
  std::string body;
  bool chunked = false;
};

std::string random_text(Rng& rng, std::string_view alphabet, std::size_t min, std::size_t max) {
  std::string text(min + rng.uniform(max - min + 1), ' ');
  for (char& c : text) c = alphabet[rng.uniform(alphabet.size())];
  return text;
}

constexpr std::string_view kTokenChars =
    "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
constexpr std::string_view kPathChars =
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~!$&'()*+,;=:@/?%";

GeneratedRequest random_request(Rng& rng) {
  GeneratedRequest request;
  request.method = random_text(rng, kTokenChars, 1, 10);
  request.target = "/" + random_text(rng, kPathChars, 0, 60);
  const std::size_t field_count = rng.uniform(12);
  for (std::size_t i = 0; i < field_count; ++i) {
    // Values: visible text with inner spaces and tabs, no outer whitespace.
    std::string value = random_text(rng, "abc XYZ\t019:;/\"\x80\xff", 0, 40);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.erase(0, 1);
    while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.pop_back();
    request.fields.emplace_back("X-" + random_text(rng, kTokenChars, 1, 16), value);
  }
  request.body = random_text(rng, "abcdefghij\r\n0", 0, 300);
  request.chunked = rng.uniform(2) == 1;
  return request;
}

std::string serialise(const GeneratedRequest& request, Rng& rng) {
  OutputBuffer out;
  append_request_line(out, request.method, request.target);
  append_header(out, "Host", "backend.local:9000");
  for (const auto& [name, value] : request.fields) append_header(out, name, value);
  if (!request.chunked) {
    append_content_length(out, request.body.size());
    end_head(out);
    out.append(request.body);
    return std::string(out.view());
  }
  append_header(out, "Transfer-Encoding", "chunked");
  end_head(out);
  for (std::size_t at = 0; at < request.body.size();) {
    const std::size_t size = 1 + rng.uniform(64);
    append_chunk(out, std::string_view(request.body).substr(at, size));
    at += size;
  }
  append_last_chunk(out);
  return std::string(out.view());
}

// Feeds `wire` in random pieces as a connection would, parsing the head with a scan hint and then
// decoding the body; returns the decoded body.
std::string receive(const std::string& wire, Rng& rng, RequestHead& head) {
  ScanHint hint;
  std::size_t received = 0;
  ParseResult result = ParseResult{ParseOutcome::kIncomplete, 0, {}};
  while (result.incomplete()) {
    received = std::min(wire.size(), received + 1 + rng.uniform(40));
    result = parse_request(std::string_view(wire).substr(0, received), head, {}, &hint);
    EXPECT_FALSE(result.error()) << result.error_reason;
    if (result.error()) return {};
  }
  std::string body;
  std::size_t offset = head.head_bytes;
  if (head.framing == BodyFraming::kContentLength) return wire.substr(offset, head.content_length);
  ChunkedDecoder decoder;
  while (!decoder.complete() && !decoder.failed()) {
    const std::size_t piece = std::min(wire.size() - offset, 1 + rng.uniform(50));
    const ChunkedProgress progress = decoder.feed(std::string_view(wire).substr(offset, piece),
                                                  [&body](std::string_view data) { body += data; });
    offset += progress.consumed;
  }
  EXPECT_TRUE(decoder.complete());
  EXPECT_EQ(offset, wire.size());
  return body;
}

TEST(HttpPropertyTest, RandomRequestsSplitAnywhereParseBackEqual) {
  Rng rng(20240611);
  for (int round = 0; round < 400; ++round) {
    const GeneratedRequest request = random_request(rng);
    const std::string wire = serialise(request, rng);
    RequestHead head;
    const std::string body = receive(wire, rng, head);
    ASSERT_EQ(head.method, request.method) << wire;
    EXPECT_EQ(head.target, request.target);
    ASSERT_EQ(head.header_count, request.fields.size() + 2);
    EXPECT_EQ(head.headers[0].value, "backend.local:9000");
    for (std::size_t i = 0; i < request.fields.size(); ++i) {
      EXPECT_EQ(head.headers[i + 1].name, request.fields[i].first);
      EXPECT_EQ(head.headers[i + 1].value, request.fields[i].second);
    }
    EXPECT_EQ(head.framing, request.chunked ? BodyFraming::kChunked : BodyFraming::kContentLength);
    EXPECT_EQ(body, request.body);
  }
}

// ---- responses ---------------------------------------------------------------------------------

ParseResult parse_reply(std::string_view text, ResponseHead& head, bool request_was_head = false) {
  return parse_response(text, request_was_head, head);
}

TEST(HttpResponseParserTest, ParsesAStatusLineAndFraming) {
  const std::string text =
      "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
      "Content-Length: 12\r\n\r\n";
  ResponseHead head;
  ASSERT_TRUE(parse_reply(text, head).complete());
  EXPECT_EQ(head.status_code, 200);
  EXPECT_EQ(head.reason, "OK");
  EXPECT_EQ(head.framing, BodyFraming::kContentLength);
  EXPECT_EQ(head.content_length, 12u);
  EXPECT_TRUE(head.keep_alive);
  EXPECT_EQ(head.head_bytes, text.size());
}

TEST(HttpResponseParserTest, ReasonPhraseMayBeEmptyOrMissing) {
  ResponseHead head;
  ASSERT_TRUE(parse_reply("HTTP/1.1 404 \r\nContent-Length: 0\r\n\r\n", head).complete());
  EXPECT_EQ(head.reason, "");
  ASSERT_TRUE(parse_reply("HTTP/1.1 404\r\nContent-Length: 0\r\n\r\n", head).complete());
  EXPECT_EQ(head.status_code, 404);
  ASSERT_TRUE(parse_reply("HTTP/1.1 503 Service  Unavailable\r\n\r\n", head).complete());
  EXPECT_EQ(head.reason, "Service  Unavailable");
}

TEST(HttpResponseParserTest, BodylessStatusesAndHeadHaveNoBody) {
  ResponseHead head;
  for (std::string_view line : {"HTTP/1.1 100 Continue", "HTTP/1.1 101 Switching Protocols",
                                "HTTP/1.1 204 No Content", "HTTP/1.1 304 Not Modified"}) {
    const std::string text = std::string(line) + "\r\nContent-Length: 10\r\n\r\n";
    ASSERT_TRUE(parse_reply(text, head).complete()) << line;
    EXPECT_EQ(head.framing, BodyFraming::kNone) << line;
  }
  ASSERT_TRUE(parse_reply("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n", head, true).complete());
  EXPECT_EQ(head.framing, BodyFraming::kNone);
  EXPECT_EQ(head.content_length, 10u);
  EXPECT_TRUE(head.keep_alive);
}

TEST(HttpResponseParserTest, ChunkedOrUntilClose) {
  ResponseHead head;
  ASSERT_TRUE(
      parse_reply("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", head).complete());
  EXPECT_EQ(head.framing, BodyFraming::kChunked);
  EXPECT_TRUE(head.keep_alive);
  ASSERT_TRUE(
      parse_reply("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\n", head).complete());
  EXPECT_EQ(head.framing, BodyFraming::kUntilClose);
  EXPECT_FALSE(head.keep_alive);
  ASSERT_TRUE(parse_reply("HTTP/1.1 200 OK\r\nServer: x\r\n\r\n", head).complete());
  EXPECT_EQ(head.framing, BodyFraming::kUntilClose);
  EXPECT_FALSE(head.keep_alive);
}

TEST(HttpResponseParserTest, HttpOneZeroResponsesCloseUnlessKeepAlive) {
  ResponseHead head;
  ASSERT_TRUE(parse_reply("HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\n", head).complete());
  EXPECT_FALSE(head.keep_alive);
  ASSERT_TRUE(
      parse_reply("HTTP/1.0 200 OK\r\nContent-Length: 1\r\nConnection: keep-alive\r\n\r\n", head)
          .complete());
  EXPECT_TRUE(head.keep_alive);
}

void expect_reply_rejected(std::string_view text, std::string_view reason) {
  ResponseHead head;
  const ParseResult result = parse_reply(text, head);
  ASSERT_TRUE(result.error()) << "accepted: " << text;
  EXPECT_EQ(result.error_status, 502) << text;
  EXPECT_EQ(result.error_reason, reason) << text;
}

TEST(HttpResponseParserTest, MalformedResponsesAre502) {
  expect_reply_rejected("HTTP/1.1 099 Odd\r\n\r\n", "status code out of range");
  expect_reply_rejected("HTTP/1.1 600 Odd\r\n\r\n", "status code out of range");
  expect_reply_rejected("HTTP/1.1 20 OK\r\n\r\n", "invalid status code");
  expect_reply_rejected("HTTP/1.1 2000 OK\r\n\r\n", "invalid status code");
  expect_reply_rejected("HTTP/2 200 OK\r\n\r\n", "invalid HTTP version");
  expect_reply_rejected("HTTP/2.0 200 OK\r\n\r\n", "unsupported HTTP version");
  expect_reply_rejected("HTTP/1.1 200 OK\nContent-Length: 0\r\n\r\n", "bare LF line ending");
  expect_reply_rejected("HTTP/1.1 200 O\x01K\r\n\r\n", "control character in reason phrase");
  expect_reply_rejected("HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\n",
                        "duplicate Content-Length");
  expect_reply_rejected(
      "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n",
      "both Content-Length and Transfer-Encoding");
  expect_reply_rejected("HTTP/1.1 200 OK\r\nX-A: 1\r\n 2\r\n\r\n", "obsolete line folding");
  expect_reply_rejected("HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
                        "Transfer-Encoding in an HTTP/1.0 message");
}

TEST(HttpResponseParserTest, ByteByByteIsIncompleteUntilTheLastByte) {
  const std::string text = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nX-A: b\r\n\r\n";
  ResponseHead head;
  for (std::size_t size = 0; size < text.size(); ++size) {
    ASSERT_TRUE(parse_reply(std::string_view(text).substr(0, size), head).incomplete()) << size;
  }
  ASSERT_TRUE(parse_reply(text, head).complete());
  EXPECT_EQ(head.find("x-a")->value, "b");
}

}  // namespace
}  // namespace fulcrum::http
