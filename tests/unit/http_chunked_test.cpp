#include "http/chunked.h"

#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "core/random.h"
#include "http/writer.h"

namespace fulcrum::http {
namespace {

using namespace std::string_literals;

struct Decoded {
  std::string payload;
  std::size_t consumed = 0;
  bool complete = false;
  std::string error_reason;
};

// Feeds `wire` in pieces of `piece_size` bytes (0: all at once) until the body ends or fails.
Decoded decode(std::string_view wire, std::size_t piece_size = 0,
               const ChunkedLimits& limits = {}) {
  ChunkedDecoder decoder(limits);
  Decoded decoded;
  const std::size_t step = piece_size == 0 ? wire.size() : piece_size;
  for (std::size_t at = 0; at < wire.size(); at += step) {
    const std::string_view piece = wire.substr(at, step);
    const ChunkedProgress progress =
        decoder.feed(piece, [&decoded](std::string_view data) { decoded.payload += data; });
    decoded.consumed += progress.consumed;
    decoded.complete = progress.complete;
    decoded.error_reason = std::string(progress.error_reason);
    if (progress.complete || progress.error()) break;
    EXPECT_EQ(progress.consumed, piece.size());
  }
  return decoded;
}

void expect_invalid(std::string_view wire, std::string_view reason) {
  for (std::size_t piece_size : {std::size_t{0}, std::size_t{1}}) {
    const Decoded decoded = decode(wire, piece_size);
    EXPECT_FALSE(decoded.complete) << wire;
    EXPECT_EQ(decoded.error_reason, reason) << wire << " in pieces of " << piece_size;
  }
}

TEST(HttpChunkedTest, DecodesChunksUntilTheLastChunk) {
  const std::string wire = "5\r\nhello\r\n7\r\n, world\r\n0\r\n\r\n";
  const Decoded decoded = decode(wire);
  EXPECT_TRUE(decoded.complete);
  EXPECT_EQ(decoded.payload, "hello, world");
  EXPECT_EQ(decoded.consumed, wire.size());
  EXPECT_EQ(decoded.error_reason, "");
}

TEST(HttpChunkedTest, HexSizesInEitherCase) {
  const std::string data(0x1A, 'x');
  EXPECT_EQ(decode("1A\r\n" + data + "\r\n0\r\n\r\n").payload, data);
  EXPECT_EQ(decode("001a\r\n" + data + "\r\n0\r\n\r\n").payload, data);
}

TEST(HttpChunkedTest, StopsAtTheEndOfTheMessage) {
  const std::string body = "3\r\nabc\r\n0\r\n\r\n";
  const std::string pipelined = body + "GET /next HTTP/1.1\r\n";
  ChunkedDecoder decoder;
  const ChunkedProgress progress = decoder.feed(pipelined);
  EXPECT_TRUE(progress.complete);
  EXPECT_EQ(progress.consumed, body.size());
  EXPECT_EQ(decoder.payload_bytes(), 3u);

  const ChunkedProgress again = decoder.feed("more");
  EXPECT_TRUE(again.complete);
  EXPECT_EQ(again.consumed, 0u);
}

TEST(HttpChunkedTest, ReportsPayloadRunsInsideEachPiece) {
  ChunkedDecoder decoder;
  std::vector<std::string> runs;
  const auto collect = [&runs](std::string_view data) { runs.emplace_back(data); };
  ChunkedProgress progress = decoder.feed("4\r\nabcd\r\n2\r\nef", collect);
  EXPECT_EQ(progress.consumed, 14u);
  EXPECT_FALSE(progress.complete);
  progress = decoder.feed("\r\n3\r\nghi\r\n0\r\n\r\n", collect);
  EXPECT_TRUE(progress.complete);
  EXPECT_EQ(runs, (std::vector<std::string>{"abcd", "ef", "ghi"}));
}

TEST(HttpChunkedTest, AcceptsValidExtensions) {
  for (std::string_view line : {"5;name", "5;name=value", "5;a=1;b=2", "5 ;a", "5; a = b",
                                "5;a=\"quoted ; \\\" string\"", "5;a=\"\"", "5;a=\"\t\xe9\""}) {
    const Decoded decoded = decode(std::string(line) + "\r\nhello\r\n0;last\r\n\r\n");
    EXPECT_TRUE(decoded.complete) << line << ": " << decoded.error_reason;
    EXPECT_EQ(decoded.payload, "hello") << line;
  }
}

TEST(HttpChunkedTest, RejectsMalformedExtensions) {
  expect_invalid("5;\r\nhello\r\n0\r\n\r\n", "invalid chunk extension name");
  expect_invalid("5;=v\r\nhello\r\n0\r\n\r\n", "invalid chunk extension name");
  expect_invalid("5;a=\r\nhello\r\n0\r\n\r\n", "invalid chunk extension value");
  expect_invalid("5;a=b c\r\nhello\r\n0\r\n\r\n",
                 "whitespace in chunk size line not followed by ';'");
  expect_invalid("5;a b\r\nhello\r\n0\r\n\r\n", "invalid chunk extension");
  expect_invalid("5;a=\"x\0y\"\r\nhello\r\n0\r\n\r\n"s, "control character in chunk extension");
  expect_invalid("5;a=\"x\r\nhello\r\n0\r\n\r\n", "control character in chunk extension");
  expect_invalid("5;a=\"x\"y\r\nhello\r\n0\r\n\r\n", "invalid character in chunk size line");
}

TEST(HttpChunkedTest, ReadsAndBoundsTheTrailerSection) {
  const std::string body = "2\r\nhi\r\n0\r\nX-Checksum: 1234\r\nX-Other:\tv\r\n\r\n";
  const Decoded decoded = decode(body + "NEXT");
  EXPECT_TRUE(decoded.complete);
  EXPECT_EQ(decoded.payload, "hi");
  EXPECT_EQ(decoded.consumed, body.size());

  ChunkedLimits limits;
  limits.max_trailer_bytes = 16;
  EXPECT_TRUE(decode("0\r\nX-A: 0123456\r\n\r\n", 0, limits).complete);  // 16 bytes
  EXPECT_EQ(decode("0\r\nX-A: 01234567\r\n\r\n", 0, limits).error_reason,
            "trailer section too large");
}

TEST(HttpChunkedTest, RejectsMalformedTrailers) {
  expect_invalid("0\r\nX-A: 1\r\n folded\r\n\r\n", "obsolete line folding in trailer section");
  expect_invalid("0\r\nX-A : 1\r\n\r\n", "whitespace between trailer name and colon");
  expect_invalid("0\r\n: 1\r\n\r\n", "invalid trailer field name");
  expect_invalid("0\r\nX-A: 1\0\r\n\r\n"s, "control character in trailer value");
  expect_invalid("0\r\nX-A: 1\n\r\n", "control character in trailer value");
  expect_invalid("0\r\nX-A: 1\r\r\n", "CR not followed by LF in trailer section");
  expect_invalid("0\r\n\rX", "CR not followed by LF after trailer section");
}

TEST(HttpChunkedTest, ChunkSizeIsBoundedToSixteenDigitsAndSixtyThreeBits) {
  ChunkedDecoder largest;
  const ChunkedProgress progress = largest.feed("7fffffffffffffff\r\nabc");
  EXPECT_FALSE(progress.error());
  EXPECT_EQ(progress.consumed, 21u);
  expect_invalid("8000000000000000\r\n", "chunk size too large");
  expect_invalid("ffffffffffffffffff\r\n", "chunk size too large");
  expect_invalid("00000000000000001\r\nx\r\n0\r\n\r\n", "chunk size has more than 16 hex digits");
}

TEST(HttpChunkedTest, RejectsMalformedSizeLines) {
  expect_invalid("\r\nhello\r\n0\r\n\r\n", "missing chunk size");
  expect_invalid(";a\r\nhello\r\n0\r\n\r\n", "missing chunk size");
  expect_invalid("-5\r\nhello\r\n0\r\n\r\n", "missing chunk size");
  expect_invalid("0x5\r\nhello\r\n0\r\n\r\n", "invalid character in chunk size line");
  expect_invalid("5\nhello\r\n0\r\n\r\n", "bare LF in chunk size line");
  expect_invalid("5\rhello\r\n0\r\n\r\n", "CR not followed by LF in chunk size line");
  expect_invalid("5 \r\nhello\r\n0\r\n\r\n", "whitespace in chunk size line not followed by ';'");
}

TEST(HttpChunkedTest, SizeLineLongerThanTheLimitIsRejected) {
  ChunkedLimits limits;
  limits.max_size_line_bytes = 16;
  EXPECT_TRUE(decode("5;ext=123456789\r\nhello\r\n0\r\n\r\n", 1, limits).complete);
  EXPECT_EQ(decode("5;ext=1234567890\r\nhello\r\n0\r\n\r\n", 1, limits).error_reason,
            "chunk size line too long");
}

TEST(HttpChunkedTest, DataMustBeFollowedByCrlf) {
  expect_invalid("5\r\nhelloX\r\n0\r\n\r\n", "missing CRLF after chunk data");
  expect_invalid("5\r\nhello\n0\r\n\r\n", "missing CRLF after chunk data");
  expect_invalid("5\r\nhello\rX0\r\n\r\n", "missing CRLF after chunk data");
}

TEST(HttpChunkedTest, ErrorsAreStickyAndConsumeNothingMore) {
  ChunkedDecoder decoder;
  const ChunkedProgress first = decoder.feed("2\r\nabZZ");
  EXPECT_TRUE(first.error());
  EXPECT_EQ(first.consumed, 5u);  // up to, not including, the offending byte
  EXPECT_TRUE(decoder.failed());
  const ChunkedProgress second = decoder.feed("\r\n0\r\n\r\n");
  EXPECT_TRUE(second.error());
  EXPECT_EQ(second.consumed, 0u);
}

std::string random_chunked_body(Rng& rng, std::string& payload) {
  OutputBuffer out;
  const std::size_t chunks = rng.uniform(8);
  for (std::size_t i = 0; i < chunks; ++i) {
    std::string data(1 + rng.uniform(100), 'a');
    for (char& c : data) c = static_cast<char>(rng.uniform(256));
    payload += data;
    out.append_hex(data.size());
    if (rng.uniform(3) == 0) out.append(";ext=\"v;\\\"\" ; flag");
    out.append("\r\n");
    out.append(data);
    out.append("\r\n");
  }
  out.append("0\r\n");
  if (rng.uniform(2) == 0) out.append("X-Trailer: yes\r\n");
  out.append("\r\n");
  return std::string(out.view());
}

TEST(HttpChunkedTest, ByteByByteEqualsWhole) {
  Rng rng(7);
  for (int round = 0; round < 200; ++round) {
    std::string payload;
    const std::string wire = random_chunked_body(rng, payload) + "GET";
    const Decoded whole = decode(wire);
    const Decoded bytewise = decode(wire, 1);
    const Decoded random_pieces = decode(wire, 1 + rng.uniform(30));
    ASSERT_TRUE(whole.complete) << whole.error_reason;
    EXPECT_EQ(whole.payload, payload);
    EXPECT_EQ(whole.consumed, wire.size() - 3);
    for (const Decoded* other : {&bytewise, &random_pieces}) {
      EXPECT_EQ(other->payload, whole.payload);
      EXPECT_EQ(other->consumed, whole.consumed);
      EXPECT_TRUE(other->complete);
    }
  }
}

TEST(HttpContentLengthBodyTest, CountsPiecesUpToTheLength) {
  ContentLengthBody body(10);
  EXPECT_EQ(body.consume(4), 4u);
  EXPECT_FALSE(body.complete());
  EXPECT_EQ(body.remaining(), 6u);
  EXPECT_EQ(body.consume(100), 6u);
  EXPECT_TRUE(body.complete());
  EXPECT_EQ(body.consume(5), 0u);
}

TEST(HttpContentLengthBodyTest, EmptyBodyIsCompleteAtOnce) {
  ContentLengthBody body(0);
  EXPECT_TRUE(body.complete());
  EXPECT_EQ(body.consume(3), 0u);
}

}  // namespace
}  // namespace fulcrum::http
