// chunked-body = *chunk last-chunk trailer-section CRLF            (RFC 9112 §7.1)
// chunk        = chunk-size [ chunk-ext ] CRLF chunk-data CRLF
// chunk-ext    = *( BWS ";" BWS chunk-ext-name [ BWS "=" BWS chunk-ext-val ] )
// chunk-ext-val = token / quoted-string
// One byte at a time through the framing, whole runs at a time through the data, so a body split
// at any byte boundary decodes exactly as it does in one piece.
#include "http/chunked.h"

#include <limits>

#include "http/ascii.h"

namespace fulcrum::http {
namespace {

// Chunk sizes must fit a signed 64-bit count, as Content-Length does.
constexpr std::uint64_t kMaxChunkSize = std::numeric_limits<std::int64_t>::max();
constexpr std::size_t kMaxSizeDigits = 16;

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

ChunkedProgress ChunkedDecoder::progress(std::size_t consumed) const {
  return {consumed, state_ == State::kDone, error_reason_};
}

ChunkedDecoder::Step ChunkedDecoder::advance(std::string_view rest) {
  Step step;
  while (step.consumed < rest.size() && !finished()) {
    if (state_ == State::kData) {
      take_data(rest, step);
      return step;
    }
    on_framing_byte(rest[step.consumed]);
    if (state_ != State::kFailed) ++step.consumed;
  }
  return step;
}

void ChunkedDecoder::take_data(std::string_view rest, Step& step) {
  const std::size_t available = rest.size() - step.consumed;
  const auto taken = static_cast<std::size_t>(std::min<std::uint64_t>(chunk_remaining_, available));
  step.data = rest.substr(step.consumed, taken);
  step.consumed += taken;
  chunk_remaining_ -= taken;
  payload_bytes_ += taken;
  if (chunk_remaining_ == 0) state_ = State::kDataCr;
}

void ChunkedDecoder::on_framing_byte(char c) {
  switch (state_) {
    case State::kSizeLineLf:
      return expect(c, '\n', chunk_remaining_ == 0 ? State::kTrailerLineStart : State::kData,
                    "CR not followed by LF in chunk size line");
    case State::kDataCr: return expect(c, '\r', State::kDataLf, "missing CRLF after chunk data");
    case State::kDataLf: return expect(c, '\n', State::kSizeStart, "missing CRLF after chunk data");
    case State::kTrailerLineStart:
    case State::kTrailerName:
    case State::kTrailerValue:
    case State::kTrailerLineLf:
    case State::kFinalLf: return on_trailer_byte(c);
    case State::kData:
    case State::kDone:
    case State::kFailed: return;
    default: return on_size_line_byte(c);
  }
}

void ChunkedDecoder::on_size_line_byte(char c) {
  if (++size_line_bytes_ > limits_.max_size_line_bytes) return fail("chunk size line too long");
  switch (state_) {
    case State::kSizeStart:
      if (hex_value(c) < 0) return fail("missing chunk size");
      state_ = State::kSizeDigits;
      return add_size_digit(c);
    case State::kSizeDigits:
      if (hex_value(c) >= 0) return add_size_digit(c);
      return after_size_or_value(c);
    case State::kExtensionQuoted:
    case State::kExtensionQuotedPair: return on_quoted_byte(c);
    default: return on_extension_byte(c);
  }
}

void ChunkedDecoder::add_size_digit(char c) {
  if (++size_digits_ > kMaxSizeDigits) return fail("chunk size has more than 16 hex digits");
  if (chunk_size_ > (kMaxChunkSize >> 4)) return fail("chunk size too large");
  chunk_size_ = (chunk_size_ << 4) | static_cast<std::uint64_t>(hex_value(c));
}

// What may follow the size or an extension value: ';' for another extension, BWS that must lead
// to ';', or the CR ending the line.
void ChunkedDecoder::after_size_or_value(char c) {
  if (c == '\r') return end_size_line();
  if (c == ';') return go(State::kExtensionNameStart);
  if (is_ows(c)) return go(State::kExtensionWhitespace);
  fail(c == '\n' ? "bare LF in chunk size line" : "invalid character in chunk size line");
}

void ChunkedDecoder::end_size_line() {
  state_ = State::kSizeLineLf;
  chunk_remaining_ = chunk_size_;
  chunk_size_ = 0;
  size_digits_ = 0;
  size_line_bytes_ = 0;
}

void ChunkedDecoder::on_extension_byte(char c) {
  switch (state_) {
    case State::kExtensionWhitespace:
      if (is_ows(c)) return;
      if (c == ';') return go(State::kExtensionNameStart);
      return fail("whitespace in chunk size line not followed by ';'");
    case State::kExtensionNameStart:
      if (is_ows(c)) return;
      if (!is_tchar(c)) return fail("invalid chunk extension name");
      return go(State::kExtensionName);
    case State::kExtensionName:
      if (is_tchar(c)) return;
      if (c == '=') return go(State::kExtensionValueStart);
      if (is_ows(c)) return go(State::kExtensionAfterName);
      return after_size_or_value(c);
    case State::kExtensionAfterName:
      if (is_ows(c)) return;
      if (c == '=') return go(State::kExtensionValueStart);
      if (c == ';') return go(State::kExtensionNameStart);
      return fail("invalid chunk extension");
    case State::kExtensionValueStart:
      if (is_ows(c)) return;
      if (c == '"') return go(State::kExtensionQuoted);
      if (!is_tchar(c)) return fail("invalid chunk extension value");
      return go(State::kExtensionToken);
    case State::kExtensionToken:
      if (is_tchar(c)) return;
      return after_size_or_value(c);
    default: return after_size_or_value(c);  // kExtensionValueEnd
  }
}

// quoted-string = DQUOTE *( qdtext / quoted-pair ) DQUOTE (RFC 9110 §5.6.4).
void ChunkedDecoder::on_quoted_byte(char c) {
  if (state_ == State::kExtensionQuotedPair) {
    if (!is_field_text(c)) return fail("invalid quoted-pair in chunk extension");
    return go(State::kExtensionQuoted);
  }
  if (c == '"') return go(State::kExtensionValueEnd);
  if (c == '\\') return go(State::kExtensionQuotedPair);
  if (!is_field_text(c)) fail("control character in chunk extension");
}

// trailer-section = *( field-line CRLF ), held to the same rules as header fields.
void ChunkedDecoder::on_trailer_byte(char c) {
  if (++trailer_bytes_ > limits_.max_trailer_bytes) return fail("trailer section too large");
  switch (state_) {
    case State::kTrailerLineStart:
      if (c == '\r') return go(State::kFinalLf);
      if (!is_tchar(c)) {
        return fail(is_ows(c) ? "obsolete line folding in trailer section"
                              : "invalid trailer field name");
      }
      return go(State::kTrailerName);
    case State::kTrailerName:
      if (is_tchar(c)) return;
      if (c != ':') {
        return fail(is_ows(c) ? "whitespace between trailer name and colon"
                              : "invalid trailer field name");
      }
      return go(State::kTrailerValue);
    case State::kTrailerValue:
      if (c == '\r') return go(State::kTrailerLineLf);
      if (!is_field_text(c)) fail("control character in trailer value");
      return;
    case State::kTrailerLineLf:
      return expect(c, '\n', State::kTrailerLineStart, "CR not followed by LF in trailer section");
    default: return expect(c, '\n', State::kDone, "CR not followed by LF after trailer section");
  }
}

void ChunkedDecoder::expect(char c, char wanted, State next, std::string_view reason) {
  if (c != wanted) return fail(reason);
  go(next);
}

void ChunkedDecoder::fail(std::string_view reason) {
  state_ = State::kFailed;
  error_reason_ = reason;
}

}  // namespace fulcrum::http
