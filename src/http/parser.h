// Strict, zero-copy HTTP/1.1 message head parser (RFC 9110, RFC 9112). Parses a request or
// response head out of the caller's buffer without allocating: every string_view in the result
// points into that buffer, so the buffer must outlive (and not move under) the parsed head.
//
// Deliberately strict, because a proxy that is lenient where its peers are strict (or the other
// way round) can be made to see a different message boundary than they do (request smuggling).
// Every rejection names its reason; the rules are listed next to each check in parser.cpp.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace fulcrum::http {

// Fixed header capacity per message: enough for real clients (HAProxy's default is 101).
inline constexpr std::size_t kMaxHeaderCount = 100;

struct Header {
  std::string_view name;
  std::string_view value;  // leading and trailing OWS removed
};

struct Version {
  int major = 1;
  int minor = 1;
  friend bool operator==(const Version&, const Version&) = default;
};

// How the body after the head is delimited (RFC 9112 §6.3).
enum class BodyFraming : std::uint8_t {
  kNone,           // no body: no framing headers, or a 1xx/204/304 response, or a response to HEAD
  kContentLength,  // exactly content_length bytes
  kChunked,        // chunked transfer coding; decode or validate with ChunkedDecoder
  kUntilClose,     // responses only: the body runs until the server closes the connection
};

struct Limits {
  std::size_t max_head_bytes = std::size_t{16} * 1024;  // start line + fields + final CRLF
  std::size_t max_header_count = kMaxHeaderCount;       // values above kMaxHeaderCount act as it
};

// What requests and responses share. `headers[0, header_count)` are the field lines in order.
struct MessageHead {
  Version version;
  std::array<Header, kMaxHeaderCount> headers;
  std::size_t header_count = 0;
  // Bytes from the start of the buffer (an ignored leading empty line included) through the
  // final CRLFCRLF: what to consume before the body.
  std::size_t head_bytes = 0;
  BodyFraming framing = BodyFraming::kNone;
  std::uint64_t content_length = 0;  // meaningful when a Content-Length field was present
  bool keep_alive = false;           // the connection may carry another message after this one

  std::span<const Header> fields() const { return {headers.data(), header_count}; }
  // The first field with this name (ASCII case-insensitive), or nullptr.
  const Header* find(std::string_view name) const;
};

struct RequestHead : MessageHead {
  std::string_view method;
  std::string_view target;
  bool has_host = false;
  bool expect_continue = false;  // Expect: 100-continue
  bool upgrade = false;  // HTTP/1.1 with an Upgrade field and the "upgrade" Connection option
};

struct ResponseHead : MessageHead {
  int status_code = 0;
  std::string_view reason;
};

enum class ParseOutcome : std::uint8_t { kComplete, kIncomplete, kError };

struct [[nodiscard]] ParseResult {
  ParseOutcome outcome = ParseOutcome::kComplete;
  // On kError: the status to answer. Requests give 400, 431, 501 or 505; responses always give
  // 502, the status a gateway answers for a malformed upstream response.
  int error_status = 0;
  std::string_view error_reason;  // on kError: static text naming what was wrong

  bool complete() const { return outcome == ParseOutcome::kComplete; }
  bool incomplete() const { return outcome == ParseOutcome::kIncomplete; }
  bool error() const { return outcome == ParseOutcome::kError; }
};

// Lets repeated calls on one growing buffer cost O(new bytes) while the head is incomplete: after
// a call came out incomplete, the next one first looks for the end of the head in the bytes that
// arrived since, and parses the fields again only once it is there. Use one hint per message,
// starting from {}, and keep the buffer's beginning fixed while using it. Without a hint every
// call parses from the start (and may report an error before the whole head has arrived).
struct ScanHint {
  std::size_t scanned_bytes = 0;
};

// Parses the request head at the start of `buffer`. On kComplete the body (if any) starts at
// head.head_bytes; bytes after the body belong to the next pipelined request.
ParseResult parse_request(std::string_view buffer, RequestHead& head, const Limits& limits = {},
                          ScanHint* hint = nullptr);

// Parses a response head. `request_was_head` tells that the request was HEAD, whose responses
// have no body whatever their framing fields say.
ParseResult parse_response(std::string_view buffer, bool request_was_head, ResponseHead& head,
                           const Limits& limits = {}, ScanHint* hint = nullptr);

}  // namespace fulcrum::http
