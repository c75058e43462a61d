// Where a message body ends, whatever frames it: nothing, Content-Length, chunked transfer coding,
// or the end of the connection (responses without length, and Server-Sent Event streams sent to
// HTTP/1.0 clients). Fed the bytes after the head in pieces split anywhere, it says how many of
// each piece belong to the body, so a proxy forwards them verbatim and leaves the bytes of a
// pipelined next message where they are. One helper for the gateway and the API server.
#pragma once

#include <cstdint>
#include <string_view>

#include "http/chunked.h"
#include "http/parser.h"

namespace fulcrum::http {

// consumed: bytes of the piece that belong to the body; complete: the body ended within them;
// error_reason: not empty once the framing is malformed (chunked only).
using BodyProgress = ChunkedProgress;

class BodyFramer {
 public:
  BodyFramer(BodyFraming framing, std::uint64_t content_length)
      : framing_(framing), length_(framing == BodyFraming::kContentLength ? content_length : 0) {}
  explicit BodyFramer(const MessageHead& head) : BodyFramer(head.framing, head.content_length) {}

  // Consumes the next piece and calls on_data(std::string_view) for each run of payload bytes in
  // it (chunk framing removed). After completion or an error it consumes nothing more.
  template <typename OnData>
  BodyProgress feed(std::string_view piece, OnData&& on_data);
  // Framing only, for forwarding the body as it is.
  BodyProgress feed(std::string_view piece) {
    return feed(piece, [](std::string_view) {});
  }

  // Whether the end of the connection ends this body well (close-delimited) rather than cutting it.
  bool ends_at_close() const { return framing_ == BodyFraming::kUntilClose; }
  // Payload bytes: as declared by Content-Length (known before they arrive), else decoded or seen
  // so far. What a body-size limit is checked against.
  std::uint64_t payload_bytes() const;

 private:
  BodyFraming framing_;
  ContentLengthBody length_;
  ChunkedDecoder chunked_;
  std::uint64_t declared_bytes_ = length_.remaining();
  std::uint64_t until_close_bytes_ = 0;
};

// How a Server-Sent Event stream goes out: as chunks to HTTP/1.1 clients, until the close to
// HTTP/1.0 ones (which know no chunks).
BodyFraming event_stream_framing(const Version& client_version);

template <typename OnData>
BodyProgress BodyFramer::feed(std::string_view piece, OnData&& on_data) {
  switch (framing_) {
    case BodyFraming::kNone: return {0, true, {}};
    case BodyFraming::kUntilClose:
      if (!piece.empty()) on_data(piece);
      until_close_bytes_ += piece.size();
      return {piece.size(), false, {}};
    case BodyFraming::kContentLength: {
      const std::size_t taken = length_.consume(piece.size());
      if (taken > 0) on_data(piece.substr(0, taken));
      return {taken, length_.complete(), {}};
    }
    case BodyFraming::kChunked: return chunked_.feed(piece, on_data);
  }
  return {0, false, "unknown body framing"};
}

}  // namespace fulcrum::http
