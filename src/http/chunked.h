// Incremental message-body framing: a strict chunked decoder/validator (RFC 9112 §7.1) and a
// Content-Length counter. Both take the body in pieces split anywhere and say exactly how many
// bytes of each piece belong to the message, so a proxy can forward a body verbatim and leave
// the bytes of the next pipelined message where they are.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace fulcrum::http {

struct ChunkedLimits {
  std::size_t max_size_line_bytes = 4096;  // chunk-size, extensions and the CR ending the line
  std::size_t max_trailer_bytes = std::size_t{16} * 1024;
};

struct [[nodiscard]] ChunkedProgress {
  std::size_t consumed = 0;  // bytes at the start of the piece that belong to the message body
  bool complete = false;     // the last chunk and the trailer section ended within `consumed`
  // Non-empty once the body is malformed; static text. Requests with a malformed body get 400,
  // malformed upstream responses 502.
  std::string_view error_reason;

  bool error() const { return !error_reason.empty(); }
};

class ChunkedDecoder {
 public:
  explicit ChunkedDecoder(const ChunkedLimits& limits = {}) : limits_(limits) {}

  // Consumes the next piece of the body and calls on_data(std::string_view) for each run of
  // payload bytes in it, in order (the views point into `piece`). Stops after the last byte of
  // the message: bytes beyond `consumed` are not looked at. After completion or an error, further
  // calls consume nothing and repeat the outcome.
  template <typename OnData>
  ChunkedProgress feed(std::string_view piece, OnData&& on_data);

  // Validation only, for forwarding a chunked body as it is.
  ChunkedProgress feed(std::string_view piece) {
    return feed(piece, [](std::string_view) {});
  }

  bool complete() const { return state_ == State::kDone; }
  bool failed() const { return state_ == State::kFailed; }
  // Total payload bytes decoded so far.
  std::uint64_t payload_bytes() const { return payload_bytes_; }

 private:
  enum class State : std::uint8_t {
    kSizeStart,            // first hex digit of chunk-size
    kSizeDigits,           // more hex digits, or what follows the size
    kExtensionWhitespace,  // BWS, which must lead to ';'
    kExtensionNameStart,   // after ';'
    kExtensionName,
    kExtensionAfterName,   // BWS after a name: '=' or ';' next
    kExtensionValueStart,  // after '='
    kExtensionToken,
    kExtensionQuoted,
    kExtensionQuotedPair,  // after a backslash inside a quoted string
    kExtensionValueEnd,    // after the closing quote
    kSizeLineLf,
    kData,
    kDataCr,
    kDataLf,
    kTrailerLineStart,
    kTrailerName,
    kTrailerValue,
    kTrailerLineLf,
    kFinalLf,
    kDone,
    kFailed,
  };

  // The bytes consumed by one call to advance(); `data` is a payload run within them, if any.
  struct Step {
    std::size_t consumed = 0;
    std::string_view data;
  };

  bool finished() const { return state_ == State::kDone || state_ == State::kFailed; }
  ChunkedProgress progress(std::size_t consumed) const;
  // Consumes framing bytes from the front of `rest` until a payload run, the end of `rest`, the
  // end of the body or an error.
  Step advance(std::string_view rest);
  void take_data(std::string_view rest, Step& step);
  void on_framing_byte(char c);
  void on_size_line_byte(char c);
  void on_extension_byte(char c);
  void on_quoted_byte(char c);
  void on_trailer_byte(char c);
  void add_size_digit(char c);
  void after_size_or_value(char c);
  void end_size_line();
  void go(State next) { state_ = next; }
  void expect(char c, char wanted, State next, std::string_view reason);
  void fail(std::string_view reason);

  ChunkedLimits limits_;
  State state_ = State::kSizeStart;
  std::uint64_t chunk_size_ = 0;
  std::uint64_t chunk_remaining_ = 0;
  std::uint64_t payload_bytes_ = 0;
  std::size_t size_digits_ = 0;
  std::size_t size_line_bytes_ = 0;
  std::size_t trailer_bytes_ = 0;
  std::string_view error_reason_;
};

template <typename OnData>
ChunkedProgress ChunkedDecoder::feed(std::string_view piece, OnData&& on_data) {
  std::size_t consumed = 0;
  while (consumed < piece.size() && !finished()) {
    const Step step = advance(piece.substr(consumed));
    consumed += step.consumed;
    if (!step.data.empty()) on_data(step.data);
  }
  return progress(consumed);
}

// Counts a Content-Length body through its pieces.
class ContentLengthBody {
 public:
  explicit ContentLengthBody(std::uint64_t length) : remaining_(length) {}

  // How many of the next `available` bytes belong to the body; they count as consumed.
  std::size_t consume(std::size_t available) {
    const auto taken = static_cast<std::size_t>(std::min<std::uint64_t>(remaining_, available));
    remaining_ -= taken;
    return taken;
  }

  bool complete() const { return remaining_ == 0; }
  std::uint64_t remaining() const { return remaining_; }

 private:
  std::uint64_t remaining_;
};

}  // namespace fulcrum::http
