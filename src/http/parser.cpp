#include "http/parser.h"

#include <algorithm>
#include <array>
#include <bit>
#include <limits>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "http/ascii.h"

namespace fulcrum::http {
namespace {

constexpr ParseResult kDone{ParseOutcome::kComplete, 0, {}};
constexpr ParseResult kNeedMore{ParseOutcome::kIncomplete, 0, {}};

constexpr ParseResult fail(int status, std::string_view reason) {
  return {ParseOutcome::kError, status, reason};
}
constexpr ParseResult bad_request(std::string_view reason) { return fail(400, reason); }

// Content-Length and chunk sizes must fit a signed 64-bit count, as file offsets do.
constexpr std::uint64_t kMaxBodyLength = std::numeric_limits<std::int64_t>::max();

constexpr std::string_view kVersionShape = "HTTP/d.d";  // 'd' stands for one DIGIT

// The unparsed rest of the head window: [pos, end).
struct Cursor {
  const char* pos;
  const char* end;

  bool at_end() const { return pos == end; }
  std::size_t left() const { return static_cast<std::size_t>(end - pos); }
};

// ---- byte scanners ---------------------------------------------------------------------------
// A scanner skips the bytes of one class: 16 at a time through a block test that marks the bytes
// outside the class (SSE2, part of every x86-64 CPU, gives their exact position), then byte by
// byte through the partial last block or the rare in-class bytes the block test leaves out.

constexpr bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
constexpr bool is_visible_ascii(char c) { return c > 0x20 && c < 0x7F; }

constexpr std::ptrdiff_t kBlockBytes = 16;

#if defined(__SSE2__)
__m128i load_block(const char* p) { return _mm_loadu_si128(reinterpret_cast<const __m128i*>(p)); }

__m128i lanes_in_range(__m128i bytes, char low, char high) {
  const __m128i offset = _mm_sub_epi8(bytes, _mm_set1_epi8(low));
  return _mm_cmpeq_epi8(_mm_min_epu8(offset, _mm_set1_epi8(static_cast<char>(high - low))), offset);
}

unsigned lanes_outside(__m128i in_class) {
  return ~static_cast<unsigned>(_mm_movemask_epi8(in_class)) & 0xFFFFu;
}

unsigned invisible_bytes(const char* p) {
  return lanes_outside(lanes_in_range(load_block(p), 0x21, 0x7E));
}

// Marks CTLs (HTAB included) and DEL.
unsigned control_bytes(const char* p) {
  const __m128i bytes = load_block(p);
  const __m128i controls =
      _mm_or_si128(lanes_in_range(bytes, 0x00, 0x1F), _mm_cmpeq_epi8(bytes, _mm_set1_epi8(0x7F)));
  return static_cast<unsigned>(_mm_movemask_epi8(controls));
}

unsigned uncommon_name_bytes(const char* p) {
  const __m128i bytes = load_block(p);
  const __m128i letters =
      _mm_or_si128(lanes_in_range(bytes, 'a', 'z'), lanes_in_range(bytes, 'A', 'Z'));
  const __m128i digits_or_dash =
      _mm_or_si128(lanes_in_range(bytes, '0', '9'), _mm_cmpeq_epi8(bytes, _mm_set1_epi8('-')));
  return lanes_outside(_mm_or_si128(letters, digits_or_dash));
}
#else
// ALPHA, DIGIT or "-": the characters of nearly every field name.
constexpr bool is_common_name_char(char c) { return is_alpha(c) || is_digit(c) || c == '-'; }

template <typename InClass>
unsigned bytes_outside(const char* p, InClass in_class) {
  unsigned outside = 0;
  for (int i = 0; i < kBlockBytes; ++i) outside |= in_class(p[i]) ? 0u : 1u << i;
  return outside;
}
unsigned invisible_bytes(const char* p) { return bytes_outside(p, is_visible_ascii); }
unsigned control_bytes(const char* p) {
  return bytes_outside(p, [](char c) { return !is_control(c); });
}
unsigned uncommon_name_bytes(const char* p) { return bytes_outside(p, is_common_name_char); }
#endif

template <typename BlockStops, typename InClass>
const char* skip_class(const char* p, const char* end, BlockStops block_stops, InClass in_class) {
  for (; end - p >= kBlockBytes; p += kBlockBytes) {
    const unsigned stops = block_stops(p);
    if (stops != 0) {
      p += std::countr_zero(stops);
      break;
    }
  }
  while (p < end && in_class(*p)) ++p;
  return p;
}

// First byte in [p, end) outside VCHAR, or end.
const char* skip_visible_ascii(const char* p, const char* end) {
  return skip_class(p, end, invisible_bytes, is_visible_ascii);
}

// First control character other than HTAB in [p, end), or end: field values and reason phrases
// are HTAB / SP / VCHAR / obs-text (RFC 9110 §5.5, RFC 9112 §4). The block test stops at HTAB,
// the byte loop goes on.
const char* skip_field_text(const char* p, const char* end) {
  return skip_class(p, end, control_bytes, is_field_text);
}

// tchar per RFC 9110 §5.6.2.
const char* skip_token(const char* p, const char* end) {
  return skip_class(p, end, uncommon_name_bytes, is_tchar);
}

// ---- line structure --------------------------------------------------------------------------

// Consumes the CRLF at the cursor, which points at a CR or LF. Line endings are strictly CRLF:
// RFC 9112 §2.2 lets a recipient accept a bare LF, but a proxy that does so while its upstream
// does not (or the reverse) disagrees with it about where the head ends, so a bare LF is a 400.
ParseResult consume_crlf(Cursor& cursor) {
  if (*cursor.pos == '\n') return bad_request("bare LF line ending");
  if (cursor.left() < 2) return kNeedMore;
  if (cursor.pos[1] != '\n') return bad_request("CR not followed by LF");
  cursor.pos += 2;
  return kDone;
}

struct TextRules {
  std::string_view nul_reason;
  std::string_view control_reason;
};
constexpr TextRules kFieldValueText{"NUL in header value", "control character in header value"};
constexpr TextRules kReasonPhraseText{"NUL in reason phrase", "control character in reason phrase"};

// Reads field text up to the end of its line and consumes the CRLF. NUL, a lone CR, a bare LF
// and other controls inside the text are all 400 (RFC 9110 §5.5 allows rejecting them).
ParseResult read_line_text(Cursor& cursor, std::string_view& text, const TextRules& rules) {
  const char* start = cursor.pos;
  const char* stop = skip_field_text(cursor.pos, cursor.end);
  if (stop == cursor.end) return kNeedMore;
  if (*stop == '\0') return bad_request(rules.nul_reason);
  if (*stop != '\r' && *stop != '\n') return bad_request(rules.control_reason);
  text = trim_ows({start, static_cast<std::size_t>(stop - start)});
  cursor.pos = stop;
  return consume_crlf(cursor);
}

// ---- versions and start lines ----------------------------------------------------------------

// Whether `text` (possibly a prefix still arriving) has the shape "HTTP/" DIGIT "." DIGIT.
// HTTP-name is case-sensitive (RFC 9112 §2.3).
bool has_version_shape(std::string_view text) {
  if (text.size() > kVersionShape.size()) return false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const bool matches = kVersionShape[i] == 'd' ? is_digit(text[i]) : text[i] == kVersionShape[i];
    if (!matches) return false;
  }
  return true;
}

// Reads the 8-byte HTTP-version. Only 1.0 and 1.1 are spoken; another well-formed version is
// 505, including 1.2+ which RFC 9110 §2.5 would let us read as 1.1 (we answer only what we are).
ParseResult read_version(Cursor& cursor, Version& version) {
  const std::string_view available(cursor.pos, std::min(cursor.left(), kVersionShape.size()));
  if (!has_version_shape(available)) return bad_request("invalid HTTP version");
  if (available.size() < kVersionShape.size()) return kNeedMore;
  version = {available[5] - '0', available[7] - '0'};
  if (version.major != 1 || version.minor > 1) return fail(505, "unsupported HTTP version");
  cursor.pos += kVersionShape.size();
  return kDone;
}

// RFC 9112 §2.2: a server SHOULD ignore at least one empty line before the request line; exactly
// one is ignored here, a second one makes the request line empty (400).
ParseResult skip_leading_empty_line(Cursor& cursor) {
  if (cursor.at_end() || (*cursor.pos != '\r' && *cursor.pos != '\n')) return kDone;
  return consume_crlf(cursor);
}

// method = token, followed by exactly one SP (RFC 9112 §3).
ParseResult read_method(Cursor& cursor, std::string_view& method) {
  const char* start = cursor.pos;
  cursor.pos = skip_token(cursor.pos, cursor.end);
  if (cursor.at_end()) return kNeedMore;
  if (cursor.pos == start) return bad_request("missing method");
  if (*cursor.pos != ' ') return bad_request("invalid character in method");
  method = {start, static_cast<std::size_t>(cursor.pos - start)};
  ++cursor.pos;
  return kDone;
}

// request-target: visible ASCII only (no SP, controls or non-ASCII), followed by one SP.
ParseResult read_target(Cursor& cursor, std::string_view& target) {
  const char* start = cursor.pos;
  cursor.pos = skip_visible_ascii(cursor.pos, cursor.end);
  if (cursor.at_end()) return kNeedMore;
  if (*cursor.pos != ' ') return bad_request("invalid character in request-target");
  if (cursor.pos == start) return bad_request("empty request-target");
  target = {start, static_cast<std::size_t>(cursor.pos - start)};
  ++cursor.pos;
  return kDone;
}

constexpr bool is_hex_digit(char c) {
  return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

// reg-name / IPv4address characters: unreserved, pct-encoded and sub-delims (RFC 3986 §3.2.2).
constexpr detail::CharTable kRegNameTable = detail::make_alnum_table("-._~%!$&'()*+,;=");
constexpr bool is_reg_name_char(char c) { return kRegNameTable[static_cast<unsigned char>(c)]; }

template <typename CharTest>
constexpr bool all_of_chars(std::string_view text, CharTest&& test) {
  return std::all_of(text.begin(), text.end(), test);
}

// uri-host [ ":" port ] (RFC 3986 §3.2.2-3.2.3), the value of Host and of an authority-form
// target; IP literals are checked for their character set only.
bool is_valid_authority(std::string_view authority, bool port_required) {
  std::string_view rest;  // what follows the host: empty or ":" port
  if (authority.starts_with('[')) {
    const std::size_t close = authority.find(']');
    if (close == std::string_view::npos) return false;
    const std::string_view literal = authority.substr(1, close - 1);
    const bool literal_ok = !literal.empty() && all_of_chars(literal, [](char c) {
      return is_hex_digit(c) || c == ':' || c == '.';
    });
    if (!literal_ok) return false;
    rest = authority.substr(close + 1);
  } else {
    const std::size_t colon = authority.find(':');
    if (!all_of_chars(authority.substr(0, colon), is_reg_name_char)) return false;
    rest = colon == std::string_view::npos ? std::string_view() : authority.substr(colon);
  }
  if (rest.empty()) return !port_required;
  if (rest.front() != ':') return false;
  const std::string_view port = rest.substr(1);
  return all_of_chars(port, is_digit) && !(port_required && port.empty());
}

// scheme ":" per RFC 3986 §3.1: ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ).
bool starts_with_scheme(std::string_view target) {
  const std::size_t colon = target.find(':');
  if (colon == std::string_view::npos || colon == 0 || !is_alpha(target.front())) return false;
  return all_of_chars(target.substr(0, colon), [](char c) {
    return is_alpha(c) || is_digit(c) || c == '+' || c == '-' || c == '.';
  });
}

// RFC 9112 §3.2: origin-form ("/path?query") for ordinary requests, absolute-form
// ("http://host/path") for requests through a proxy, authority-form ("host:port") only and always
// for CONNECT, asterisk-form ("*") only for OPTIONS.
ParseResult check_target_form(std::string_view method, std::string_view target) {
  if (method == "CONNECT") {
    return is_valid_authority(target, true) ? kDone
                                            : bad_request("CONNECT needs an authority-form target");
  }
  if (target.front() == '/' || starts_with_scheme(target)) return kDone;
  if (target == "*") {
    return method == "OPTIONS" ? kDone : bad_request("asterisk-form target outside OPTIONS");
  }
  return bad_request("invalid request-target form");
}

// request-line = method SP request-target SP HTTP-version CRLF (RFC 9112 §3).
ParseResult read_request_line(Cursor& cursor, RequestHead& head) {
  ParseResult step = skip_leading_empty_line(cursor);
  if (!step.complete()) return step;
  step = read_method(cursor, head.method);
  if (!step.complete()) return step;
  step = read_target(cursor, head.target);
  if (!step.complete()) return step;
  step = read_version(cursor, head.version);
  if (!step.complete()) return step;
  if (cursor.at_end()) return kNeedMore;
  if (*cursor.pos != '\r' && *cursor.pos != '\n') return bad_request("invalid HTTP version");
  step = consume_crlf(cursor);
  if (!step.complete()) return step;
  return check_target_form(head.method, head.target);
}

// status-code = 3DIGIT within 100-599 (RFC 9110 §15).
ParseResult read_status_code(Cursor& cursor, int& status_code) {
  constexpr std::size_t kDigits = 3;
  const std::string_view available(cursor.pos, std::min(cursor.left(), kDigits));
  if (!all_of_chars(available, is_digit)) return bad_request("invalid status code");
  if (available.size() < kDigits) return kNeedMore;
  status_code = (available[0] - '0') * 100 + (available[1] - '0') * 10 + (available[2] - '0');
  if (status_code < 100 || status_code > 599) return bad_request("status code out of range");
  cursor.pos += kDigits;
  return kDone;
}

// status-line = HTTP-version SP status-code SP [ reason-phrase ] CRLF (RFC 9112 §4). The SP
// before an empty reason phrase may be missing: servers commonly omit it and the reason phrase
// carries no meaning, so this leniency cannot change how a message is framed.
ParseResult read_status_line(Cursor& cursor, ResponseHead& head) {
  ParseResult step = read_version(cursor, head.version);
  if (!step.complete()) return step;
  if (cursor.at_end()) return kNeedMore;
  if (*cursor.pos != ' ') return bad_request("invalid HTTP version");
  ++cursor.pos;
  step = read_status_code(cursor, head.status_code);
  if (!step.complete()) return step;
  if (cursor.at_end()) return kNeedMore;
  if (*cursor.pos == ' ') {
    ++cursor.pos;
  } else if (*cursor.pos != '\r' && *cursor.pos != '\n') {
    return bad_request("invalid status code");
  }
  return read_line_text(cursor, head.reason, kReasonPhraseText);
}

// ---- header fields ---------------------------------------------------------------------------

// What the framing and connection fields said, gathered line by line and resolved at the end.
struct FieldFacts {
  bool content_length_seen = false;
  std::uint64_t content_length = 0;
  bool transfer_encoding_seen = false;
  int chunked_count = 0;
  bool chunked_last = false;  // the last transfer coding so far is chunked
  bool unknown_coding = false;
  int host_count = 0;
  bool connection_close = false;
  bool connection_keep_alive = false;
  bool connection_upgrade = false;
  bool upgrade_field = false;
  bool expect_continue = false;
};

// Content-Length = 1*DIGIT (RFC 9110 §8.6). A second value (another field line or a list such as
// "5, 5") is a 400 even when the values agree: the RFC allows merging identical values, rejecting
// is the reading no peer can disagree with.
ParseResult note_content_length(std::string_view value, FieldFacts& facts) {
  if (facts.content_length_seen) return bad_request("duplicate Content-Length");
  facts.content_length_seen = true;
  if (value.empty()) return bad_request("empty Content-Length");
  std::uint64_t length = 0;
  for (char c : value) {
    if (c == ',') return bad_request("duplicate Content-Length");
    if (!is_digit(c)) return bad_request("invalid Content-Length");
    const auto digit = static_cast<std::uint64_t>(c - '0');
    if (length > (kMaxBodyLength - digit) / 10) return bad_request("Content-Length too large");
    length = length * 10 + digit;
  }
  facts.content_length = length;
  return kDone;
}

// Registered transfer codings (RFC 9112 §7, IANA registry) a proxy can pass through; "identity"
// is no longer one.
constexpr std::array<std::string_view, 6> kKnownCodings = {"chunked", "gzip",     "x-gzip",
                                                           "deflate", "compress", "x-compress"};

// Transfer-Encoding = #transfer-coding; several field lines form one list in order. Codings
// with parameters are refused: none of the registered ones takes any.
ParseResult note_transfer_encoding(std::string_view value, FieldFacts& facts) {
  facts.transfer_encoding_seen = true;
  int codings = 0;
  const bool all_tokens = for_each_list_element(value, [&](std::string_view coding) {
    if (!is_token(coding)) return false;
    ++codings;
    facts.chunked_last = equals_ignore_case(coding, "chunked");
    facts.chunked_count += facts.chunked_last ? 1 : 0;
    facts.unknown_coding = facts.unknown_coding || !equals_any_ignore_case(coding, kKnownCodings);
    return true;
  });
  if (!all_tokens) return bad_request("invalid Transfer-Encoding");
  if (codings == 0) return bad_request("empty Transfer-Encoding");
  return kDone;
}

void note_connection(std::string_view value, FieldFacts& facts) {
  for_each_list_element(value, [&facts](std::string_view option) {
    facts.connection_close = facts.connection_close || equals_ignore_case(option, "close");
    facts.connection_keep_alive =
        facts.connection_keep_alive || equals_ignore_case(option, "keep-alive");
    facts.connection_upgrade = facts.connection_upgrade || equals_ignore_case(option, "upgrade");
    return true;
  });
}

// RFC 9112 §3.2: more than one Host, or an invalid Host value, is a 400. An empty value is valid.
ParseResult note_host(std::string_view value, FieldFacts& facts) {
  if (++facts.host_count > 1) return bad_request("more than one Host");
  if (!is_valid_authority(value, false)) return bad_request("invalid Host");
  return kDone;
}

// Records what a field means for framing and the connection. Dispatch on the name's length
// first, so most fields cost one switch.
ParseResult note_field(const Header& field, FieldFacts& facts) {
  const std::string_view name = field.name;
  switch (name.size()) {
    case 4:
      if (equals_ignore_case(name, "host")) return note_host(field.value, facts);
      break;
    case 6:
      if (equals_ignore_case(name, "expect")) {
        facts.expect_continue = equals_ignore_case(field.value, "100-continue");
      }
      break;
    case 7: facts.upgrade_field = facts.upgrade_field || equals_ignore_case(name, "upgrade"); break;
    case 10:
      if (equals_ignore_case(name, "connection")) note_connection(field.value, facts);
      break;
    case 14:
      if (equals_ignore_case(name, "content-length")) {
        return note_content_length(field.value, facts);
      }
      break;
    case 17:
      if (equals_ignore_case(name, "transfer-encoding")) {
        return note_transfer_encoding(field.value, facts);
      }
      break;
    default: break;
  }
  return kDone;
}

// field-line = field-name ":" OWS field-value OWS CRLF (RFC 9112 §5). No whitespace is allowed
// between name and colon (RFC 9112 §5.1 requires a 400).
ParseResult read_field_line(Cursor& cursor, Header& field) {
  const char* start = cursor.pos;
  cursor.pos = skip_token(cursor.pos, cursor.end);
  if (cursor.at_end()) return kNeedMore;
  if (*cursor.pos != ':') {
    return bad_request(is_ows(*cursor.pos) ? "whitespace between header name and colon"
                                           : "invalid character in header name");
  }
  if (cursor.pos == start) return bad_request("empty header name");
  field.name = {start, static_cast<std::size_t>(cursor.pos - start)};
  ++cursor.pos;
  return read_line_text(cursor, field.value, kFieldValueText);
}

// Reads field lines up to and including the empty line that ends the head.
ParseResult read_fields(Cursor& cursor, MessageHead& head, FieldFacts& facts,
                        std::size_t max_fields) {
  while (true) {
    if (cursor.at_end()) return kNeedMore;
    const char first = *cursor.pos;
    if (first == '\r' || first == '\n') return consume_crlf(cursor);
    // RFC 9112 §5.2: obs-fold is 400 in requests; we refuse it in responses too. §2.2: whitespace
    // between the start line and the first field could hide a field, so it is refused as well.
    if (is_ows(first)) {
      return bad_request(head.header_count == 0 ? "whitespace before the first header field"
                                                : "obsolete line folding");
    }
    // Parsed in place, not copied in: a copy would reload the view just stored field by field.
    // A field beyond the limit is still read, to tell 431 from incomplete.
    Header beyond_limit;
    const bool has_room = head.header_count < max_fields;
    Header& field = has_room ? head.headers[head.header_count] : beyond_limit;
    ParseResult step = read_field_line(cursor, field);
    if (!step.complete()) return step;
    if (!has_room) return fail(431, "too many header fields");
    ++head.header_count;
    step = note_field(field, facts);
    if (!step.complete()) return step;
  }
}

// ---- resolving the head ----------------------------------------------------------------------

// HTTP/1.1 keeps the connection unless "close"; HTTP/1.0 closes unless "keep-alive" (RFC 9112
// §9.3).
bool wants_keep_alive(Version version, const FieldFacts& facts) {
  if (facts.connection_close) return false;
  return version.minor >= 1 || facts.connection_keep_alive;
}

// Checks shared by requests and responses that carry Transfer-Encoding.
ParseResult check_transfer_encoding(Version version, const FieldFacts& facts) {
  // RFC 9112 §6.1: Transfer-Encoding in an HTTP/1.0 message means faulty framing.
  if (version.minor == 0) return bad_request("Transfer-Encoding in an HTTP/1.0 message");
  // RFC 9112 §6.3 lets Transfer-Encoding override Content-Length but calls the pair a likely
  // smuggling attempt; we refuse it.
  if (facts.content_length_seen) return bad_request("both Content-Length and Transfer-Encoding");
  if (facts.chunked_count > 1) return bad_request("chunked applied more than once");
  return kDone;
}

// A request body is chunked only when chunked is the final coding (RFC 9112 §6.3). An unknown
// coding anywhere in the list is 501 (§6.1), checked first; with known codings only, chunked
// missing or not last is 400 because the body length cannot be determined.
ParseResult request_framing(RequestHead& head, const FieldFacts& facts) {
  if (facts.transfer_encoding_seen) {
    ParseResult checked = check_transfer_encoding(head.version, facts);
    if (!checked.complete()) return checked;
    if (facts.unknown_coding) return fail(501, "unknown transfer coding");
    if (!facts.chunked_last) return bad_request("chunked is not the final transfer coding");
    head.framing = BodyFraming::kChunked;
    return kDone;
  }
  head.content_length = facts.content_length;
  head.framing = facts.content_length_seen ? BodyFraming::kContentLength : BodyFraming::kNone;
  return kDone;
}

ParseResult finish_request(RequestHead& head, const FieldFacts& facts) {
  // RFC 9112 §3.2: an HTTP/1.1 request without Host is a 400.
  if (head.version.minor == 1 && facts.host_count == 0) return bad_request("missing Host");
  ParseResult framing = request_framing(head, facts);
  if (!framing.complete()) return framing;
  head.has_host = facts.host_count > 0;
  head.expect_continue = facts.expect_continue;
  // RFC 9110 §7.8: Upgrade needs the "upgrade" connection option and is ignored in HTTP/1.0.
  head.upgrade = facts.upgrade_field && facts.connection_upgrade && head.version.minor == 1;
  head.keep_alive = wants_keep_alive(head.version, facts);
  return kDone;
}

// RFC 9112 §6.3: 1xx, 204 and 304 responses and responses to HEAD have no body.
bool response_has_no_body(int status_code, bool request_was_head) {
  return request_was_head || status_code < 200 || status_code == 204 || status_code == 304;
}

// Response framing per RFC 9112 §6.3: chunked when it is the final coding, otherwise a
// Transfer-Encoding body runs until close; then Content-Length; then until close.
BodyFraming response_body_framing(const ResponseHead& head, const FieldFacts& facts,
                                  bool request_was_head) {
  if (response_has_no_body(head.status_code, request_was_head)) return BodyFraming::kNone;
  if (facts.transfer_encoding_seen) {
    return facts.chunked_last ? BodyFraming::kChunked : BodyFraming::kUntilClose;
  }
  return facts.content_length_seen ? BodyFraming::kContentLength : BodyFraming::kUntilClose;
}

ParseResult finish_response(ResponseHead& head, const FieldFacts& facts, bool request_was_head) {
  if (facts.transfer_encoding_seen) {
    ParseResult checked = check_transfer_encoding(head.version, facts);
    if (!checked.complete()) return checked;
  }
  head.content_length = facts.content_length;
  head.framing = response_body_framing(head, facts, request_was_head);
  head.keep_alive =
      wants_keep_alive(head.version, facts) && head.framing != BodyFraming::kUntilClose;
  return kDone;
}

// ---- driver ----------------------------------------------------------------------------------

void reset_message(MessageHead& head) {
  head.version = {};
  head.header_count = 0;  // the header array itself is left as is: only [0, count) is read
  head.head_bytes = 0;
  head.framing = BodyFraming::kNone;
  head.content_length = 0;
  head.keep_alive = false;
}

void reset_request(RequestHead& head) {
  reset_message(head);
  head.method = {};
  head.target = {};
  head.has_host = false;
  head.expect_continue = false;
  head.upgrade = false;
}

void reset_response(ResponseHead& head) {
  reset_message(head);
  head.status_code = 0;
  head.reason = {};
}

// Scans the new bytes for the end of the head. Returns true when a full parse is worth running:
// the empty line has arrived, or a bare LF did (the parse then reports it), or the window is
// full (the parse then tells a malformed head from an oversized one).
bool head_may_be_ready(std::string_view window, std::size_t max_head_bytes, ScanHint& hint) {
  if (window.size() >= max_head_bytes) return true;
  std::size_t from = std::min(hint.scanned_bytes, window.size());
  while (true) {
    const std::size_t lf = window.find('\n', from);
    if (lf == std::string_view::npos) break;
    if (lf == 0 || window[lf - 1] != '\r') return true;
    if (lf >= 3 && window[lf - 2] == '\n' && window[lf - 3] == '\r') return true;
    from = lf + 1;
  }
  hint.scanned_bytes = window.size();
  return false;
}

template <typename ReadStartLine, typename Finish>
ParseResult parse_head(std::string_view buffer, MessageHead& head, const Limits& limits,
                       ScanHint* hint, ReadStartLine&& read_start_line, Finish&& finish) {
  // Only the first max_head_bytes are ever looked at, so a head cannot exceed the limit unseen.
  const std::string_view window = buffer.substr(0, limits.max_head_bytes);
  // Once a full parse came out incomplete, later calls look at the new bytes first.
  const bool parsed_before = hint != nullptr && hint->scanned_bytes > 0;
  if (parsed_before && !head_may_be_ready(window, limits.max_head_bytes, *hint)) return kNeedMore;
  Cursor cursor{window.data(), window.data() + window.size()};
  FieldFacts facts;
  ParseResult step = read_start_line(cursor);
  if (step.complete()) {
    step = read_fields(cursor, head, facts, std::min(limits.max_header_count, kMaxHeaderCount));
  }
  if (step.incomplete() && window.size() >= limits.max_head_bytes) {
    return fail(431, "head too large");
  }
  if (step.incomplete() && hint != nullptr) hint->scanned_bytes = window.size();
  if (!step.complete()) return step;
  head.head_bytes = static_cast<std::size_t>(cursor.pos - window.data());
  return finish(facts);
}

}  // namespace

const Header* MessageHead::find(std::string_view name) const {
  for (const Header& field : fields()) {
    if (equals_ignore_case(field.name, name)) return &field;
  }
  return nullptr;
}

ParseResult parse_request(std::string_view buffer, RequestHead& head, const Limits& limits,
                          ScanHint* hint) {
  reset_request(head);
  return parse_head(
      buffer, head, limits, hint,
      [&head](Cursor& cursor) { return read_request_line(cursor, head); },
      [&head](const FieldFacts& facts) { return finish_request(head, facts); });
}

ParseResult parse_response(std::string_view buffer, bool request_was_head, ResponseHead& head,
                           const Limits& limits, ScanHint* hint) {
  reset_response(head);
  ParseResult result = parse_head(
      buffer, head, limits, hint,
      [&head](Cursor& cursor) { return read_status_line(cursor, head); },
      [&](const FieldFacts& facts) { return finish_response(head, facts, request_was_head); });
  // Whatever is wrong with an upstream response, the client is owed a 502 (RFC 9110 §15.6.3).
  if (result.error()) result.error_status = 502;
  return result;
}

}  // namespace fulcrum::http
