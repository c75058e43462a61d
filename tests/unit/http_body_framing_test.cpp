#include "http/body_framing.h"

#include <gtest/gtest.h>

#include <string>
#include <string_view>

namespace fulcrum::http {
namespace {

struct Framed {
  std::string payload;
  std::size_t consumed = 0;  // bytes of the input that belong to the body
  bool complete = false;
  std::string error_reason;
  std::uint64_t payload_bytes = 0;
};

// Feeds `wire` (the bytes after a head) in pieces of `piece_size` bytes until the body ends.
Framed frame(BodyFraming framing, std::uint64_t content_length, std::string_view wire,
             std::size_t piece_size) {
  BodyFramer framer(framing, content_length);
  Framed framed;
  for (std::size_t at = 0; at < wire.size() || at == 0; at += piece_size) {
    const std::string_view piece = wire.substr(std::min(at, wire.size()), piece_size);
    BodyProgress progress =
        framer.feed(piece, [&framed](std::string_view data) { framed.payload.append(data); });
    framed.consumed += progress.consumed;
    framed.complete = progress.complete;
    framed.error_reason = std::string(progress.error_reason);
    if (progress.complete || progress.error()) break;
    if (at >= wire.size()) break;
  }
  framed.payload_bytes = framer.payload_bytes();
  return framed;
}

class BodyFramerPieces : public ::testing::TestWithParam<std::size_t> {};

// Every framing gives the same payload and the same end whatever the pieces' size.
TEST_P(BodyFramerPieces, ContentLengthEndsAtItsLengthAndLeavesTheNextMessage) {
  const Framed framed = frame(BodyFraming::kContentLength, 5, "helloGET / HTTP/1.1", GetParam());
  EXPECT_EQ(framed.payload, "hello");
  EXPECT_EQ(framed.consumed, 5u);
  EXPECT_TRUE(framed.complete);
  EXPECT_EQ(framed.payload_bytes, 5u);
}

TEST_P(BodyFramerPieces, ChunkedDecodesAndEndsAfterTheLastChunk) {
  const Framed framed =
      frame(BodyFraming::kChunked, 0, "5\r\nhello\r\n3\r\nabc\r\n0\r\n\r\nNEXT", GetParam());
  EXPECT_EQ(framed.payload, "helloabc");
  EXPECT_EQ(framed.consumed, 23u);  // 10 + 8 + 5: everything before "NEXT"
  EXPECT_TRUE(framed.complete);
  EXPECT_EQ(framed.payload_bytes, 8u);
}

TEST_P(BodyFramerPieces, UntilCloseTakesEverythingAndNeverCompletes) {
  const Framed framed = frame(BodyFraming::kUntilClose, 0, "data: 1\n\ndata: 2\n\n", GetParam());
  EXPECT_EQ(framed.payload, "data: 1\n\ndata: 2\n\n");
  EXPECT_EQ(framed.consumed, 18u);
  EXPECT_FALSE(framed.complete);
  EXPECT_EQ(framed.payload_bytes, 18u);
}

INSTANTIATE_TEST_SUITE_P(PieceSizes, BodyFramerPieces, ::testing::Values(1, 2, 7, 1000));

TEST(BodyFramerTest, NoBodyIsCompleteAtOnceAndTakesNothing) {
  BodyFramer framer(BodyFraming::kNone, 0);
  BodyProgress progress = framer.feed("GET /next HTTP/1.1\r\n\r\n");
  EXPECT_TRUE(progress.complete);
  EXPECT_EQ(progress.consumed, 0u);
  EXPECT_EQ(framer.payload_bytes(), 0u);
}

TEST(BodyFramerTest, EmptyContentLengthIsCompleteAtOnce) {
  BodyFramer framer(BodyFraming::kContentLength, 0);
  BodyProgress progress = framer.feed("");
  EXPECT_TRUE(progress.complete);
  EXPECT_EQ(progress.consumed, 0u);
}

// A size limit can be checked before a Content-Length body arrives.
TEST(BodyFramerTest, ContentLengthPayloadIsKnownBeforeItArrives) {
  BodyFramer framer(BodyFraming::kContentLength, 1 << 20);
  EXPECT_EQ(framer.payload_bytes(), 1u << 20);
  BodyProgress progress = framer.feed("abc");
  EXPECT_EQ(progress.consumed, 3u);
  EXPECT_FALSE(progress.complete);
  EXPECT_EQ(framer.payload_bytes(), 1u << 20);
}

TEST(BodyFramerTest, MalformedChunkedFramingIsAnError) {
  BodyFramer framer(BodyFraming::kChunked, 0);
  BodyProgress progress = framer.feed("zz\r\n");
  EXPECT_TRUE(progress.error());
  EXPECT_FALSE(progress.complete);
}

TEST(BodyFramerTest, OnlyCloseDelimitedBodiesEndWellAtTheClose) {
  EXPECT_TRUE(BodyFramer(BodyFraming::kUntilClose, 0).ends_at_close());
  EXPECT_FALSE(BodyFramer(BodyFraming::kContentLength, 10).ends_at_close());
  EXPECT_FALSE(BodyFramer(BodyFraming::kChunked, 0).ends_at_close());
}

TEST(BodyFramerTest, TakesTheFramingOfAParsedHead) {
  ResponseHead head;
  const std::string wire = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1";
  ASSERT_TRUE(parse_response(wire, false, head).complete());
  BodyFramer framer(head);
  BodyProgress progress = framer.feed(std::string_view(wire).substr(head.head_bytes));
  EXPECT_EQ(progress.consumed, 2u);
  EXPECT_TRUE(progress.complete);
}

// Server-Sent Events go out as chunks, but HTTP/1.0 clients know no chunks.
TEST(BodyFramerTest, EventStreamsAreChunkedButForHttp10) {
  EXPECT_EQ(event_stream_framing({1, 1}), BodyFraming::kChunked);
  EXPECT_EQ(event_stream_framing({1, 0}), BodyFraming::kUntilClose);
}

}  // namespace
}  // namespace fulcrum::http
