// libFuzzer target for the HTTP/1.1 codec. Runs every input through the request parser, the
// response parser and the chunked decoder, and aborts when an invariant breaks:
//  - a parsed head lies inside the input (head_bytes and every view);
//  - a head is complete exactly at head_bytes: one byte less is incomplete;
//  - parsing with a ScanHint over two calls agrees with parsing at once;
//  - the chunked decoder never consumes more than it is given and decodes the same whether the
//    input arrives whole or split.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "http/chunked.h"
#include "http/parser.h"
#include "http/writer.h"

namespace {

using namespace fulcrum::http;

void check(bool condition, const char* invariant) {
  if (condition) return;
  std::fprintf(stderr, "invariant broken: %s\n", invariant);
  std::abort();
}

bool lies_inside(std::string_view part, std::string_view whole) {
  if (part.empty()) return true;
  return part.data() >= whole.data() && part.data() + part.size() <= whole.data() + whole.size();
}

// The parser's two entry points behind one signature.
struct RequestParser {
  using Head = RequestHead;
  ParseResult operator()(std::string_view input, Head& head, const Limits& limits,
                         ScanHint* hint) const {
    return parse_request(input, head, limits, hint);
  }
};

struct ResponseParser {
  bool request_was_head = false;
  using Head = ResponseHead;
  ParseResult operator()(std::string_view input, Head& head, const Limits& limits,
                         ScanHint* hint) const {
    return parse_response(input, request_was_head, head, limits, hint);
  }
};

void check_views(const RequestHead& head, std::string_view input) {
  check(lies_inside(head.method, input) && lies_inside(head.target, input), "request line views");
}

void check_views(const ResponseHead& head, std::string_view input) {
  check(lies_inside(head.reason, input), "reason view");
  check(head.status_code >= 100 && head.status_code <= 599, "status code range");
}

void check_complete_head(const MessageHead& head, std::string_view input, const Limits& limits) {
  check(head.head_bytes <= input.size(), "head_bytes <= input size");
  check(head.head_bytes <= limits.max_head_bytes, "head_bytes <= limit");
  check(head.header_count <= kMaxHeaderCount, "header count <= capacity");
  check(head.content_length <= static_cast<std::uint64_t>(INT64_MAX), "content length fits");
  const std::string_view parsed = input.substr(0, head.head_bytes);
  for (const Header& field : head.fields()) {
    check(lies_inside(field.name, parsed) && lies_inside(field.value, parsed), "field views");
    check(!field.name.empty(), "field name not empty");
  }
}

template <typename Parser>
void fuzz_parser(const Parser& parser, std::string_view input, const Limits& limits,
                 std::size_t split) {
  typename Parser::Head head;
  const ParseResult whole = parser(input, head, limits, nullptr);
  check(!whole.error() || whole.error_status >= 400, "error carries a status");
  if (whole.complete()) {
    check_complete_head(head, input, limits);
    check_views(head, input);
    typename Parser::Head shorter;
    const std::string_view cut = input.substr(0, head.head_bytes - 1);
    check(parser(cut, shorter, limits, nullptr).incomplete(), "one byte less is incomplete");
  }

  // The same input in two calls sharing a hint: what the first call settles, the whole input
  // settles the same way; after the second call, completeness agrees and any error is the one the
  // whole input gives (without a hint, errors may show earlier, while the head is incomplete).
  typename Parser::Head hinted_head;
  ScanHint hint;
  ParseResult hinted = parser(input.substr(0, split), hinted_head, limits, &hint);
  if (hinted.incomplete()) {
    hinted = parser(input, hinted_head, limits, &hint);
    check(hinted.complete() == whole.complete(), "hinted and whole agree on completeness");
  }
  if (hinted.complete()) {
    check(whole.complete(), "hinted complete means whole complete");
    check(hinted_head.head_bytes == head.head_bytes, "hinted head_bytes");
    check(hinted_head.header_count == head.header_count, "hinted header count");
    check(hinted_head.framing == head.framing, "hinted framing");
    check(hinted_head.content_length == head.content_length, "hinted content length");
    check(hinted_head.keep_alive == head.keep_alive, "hinted keep-alive");
  }
  if (hinted.error()) {
    check(whole.error() && whole.error_status == hinted.error_status, "hinted error status");
  }
}

// Re-serialises a parsed request as a proxy would; the result is a whole head, so parsing it
// can fail but never be incomplete.
void fuzz_forwarding(std::string_view input) {
  RequestHead head;
  if (!parse_request(input, head).complete()) return;
  OutputBuffer out;
  append_forwarded_request(out, head);
  RequestHead again;
  check(!parse_request(out.view(), again).incomplete(), "forwarded head is whole");
}

struct DecodedBody {
  std::string payload;
  std::size_t consumed = 0;
  bool complete = false;
  std::string_view error_reason;
};

DecodedBody decode_chunked(std::string_view input, std::size_t piece_size,
                           const ChunkedLimits& limits) {
  ChunkedDecoder decoder(limits);
  DecodedBody body;
  for (std::size_t at = 0; at < input.size(); at += piece_size) {
    const std::string_view piece = input.substr(at, piece_size);
    const ChunkedProgress progress = decoder.feed(piece, [&](std::string_view data) {
      check(lies_inside(data, piece), "payload run inside its piece");
      body.payload += data;
    });
    check(progress.consumed <= piece.size(), "decoder consumes at most the piece");
    body.consumed += progress.consumed;
    body.complete = progress.complete;
    body.error_reason = progress.error_reason;
    if (progress.complete || progress.error()) break;
    check(progress.consumed == piece.size(), "an unfinished body consumes the whole piece");
  }
  check(body.payload.size() <= body.consumed, "payload no larger than its framing");
  return body;
}

void fuzz_chunked(std::string_view input, std::size_t split, const ChunkedLimits& limits) {
  const DecodedBody whole = decode_chunked(input, input.size() + 1, limits);
  const DecodedBody split_once = decode_chunked(input, split + 1, limits);
  const DecodedBody bytewise = decode_chunked(input, 1, limits);
  for (const DecodedBody* other : {&split_once, &bytewise}) {
    check(other->consumed == whole.consumed, "split decoding consumes the same");
    check(other->complete == whole.complete, "split decoding completes the same");
    check(other->error_reason == whole.error_reason, "split decoding fails the same");
    check(other->payload == whole.payload, "split decoding yields the same payload");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  // The last byte steers the split point and, sometimes, tight limits; it stays part of the input.
  const std::uint8_t knob = size > 0 ? data[size - 1] : 0;
  const std::size_t split = size > 0 ? (knob * 131u) % size : 0;

  Limits limits;
  ChunkedLimits chunked_limits;
  if (knob & 1u) {
    limits.max_head_bytes = 24 + knob;
    limits.max_header_count = knob % 8;
    chunked_limits.max_size_line_bytes = 1 + knob % 32;
    chunked_limits.max_trailer_bytes = knob;
  }

  fuzz_parser(RequestParser{}, input, limits, split);
  fuzz_parser(ResponseParser{(knob & 2u) != 0}, input, limits, split);
  fuzz_forwarding(input);
  fuzz_chunked(input, split, chunked_limits);
  return 0;
}
