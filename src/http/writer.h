// Serialising HTTP/1.1 heads and chunked framing into one contiguous buffer, so a whole head goes
// out in one write. Inputs are trusted to be valid (field names are tokens, values hold no CR or
// LF); callers that put untrusted text into a field check it with is_valid_field_value first.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>

#include "http/parser.h"

namespace fulcrum::http {

// A growable contiguous byte buffer.
class OutputBuffer {
 public:
  void append(std::string_view bytes) { bytes_.append(bytes); }
  void append(char byte) { bytes_.push_back(byte); }
  // Several pieces with one size check, e.g. the parts of a field line.
  void append_all(std::initializer_list<std::string_view> parts);
  void append_decimal(std::uint64_t value);
  void append_hex(std::uint64_t value);  // lower-case, no leading zeros

  std::string_view view() const { return bytes_; }
  std::size_t size() const { return bytes_.size(); }
  bool empty() const { return bytes_.empty(); }
  void clear() { bytes_.clear(); }
  void reserve(std::size_t bytes) { bytes_.reserve(bytes); }
  // Drops the first `bytes` bytes, e.g. once they have been written out.
  void consume(std::size_t bytes) { bytes_.erase(0, bytes); }

 private:
  std::string bytes_;
};

// The canonical reason phrase of a status code (RFC 9110 §15 and the IANA registry); empty for
// codes without one.
std::string_view reason_phrase(int status_code);

bool is_valid_field_name(std::string_view name);    // a token
bool is_valid_field_value(std::string_view value);  // no controls other than HTAB

void append_request_line(OutputBuffer& out, std::string_view method, std::string_view target,
                         Version version = {});
// "HTTP/1.1 404 Not Found\r\n"; the canonical reason phrase when `reason` is empty.
void append_status_line(OutputBuffer& out, int status_code, std::string_view reason = {},
                        Version version = {});
void append_header(OutputBuffer& out, std::string_view name, std::string_view value);
void append_content_length(OutputBuffer& out, std::uint64_t length);
// The empty line that ends a head.
void end_head(OutputBuffer& out);

// One chunk with its framing; nothing for empty data, which would otherwise end the body.
void append_chunk(OutputBuffer& out, std::string_view data);
// Only the "size CRLF" line, for sending large data from its own buffer; the caller follows it
// with the data and CRLF.
void append_chunk_size_line(OutputBuffer& out, std::uint64_t size);
// The last chunk and an empty trailer section: "0\r\n\r\n".
void append_last_chunk(OutputBuffer& out);

// How a proxy rewrites the fields of a message it forwards.
struct ForwardRewrite {
  // The body goes out with new framing: drop Transfer-Encoding and Content-Length as well, the
  // caller adds the framing field it chose to `added`.
  bool reframe = false;
  std::span<const Header> added;              // appended after the kept fields, in order
  std::span<const std::string_view> dropped;  // field names left out (any case)
};

// Appends the received fields without the hop-by-hop ones (RFC 9110 §7.6.1: Connection,
// Keep-Alive, Proxy-Connection, TE, Trailer, Upgrade and every field the Connection options
// name), then the added ones. Transfer-Encoding is kept unless re-framing, since a chunked body
// forwarded verbatim needs it.
void append_forwarded_fields(OutputBuffer& out, std::span<const Header> fields,
                             const ForwardRewrite& rewrite = {});

// A whole head to forward, ending with the empty line. The version is always our own, HTTP/1.1
// (RFC 9110 §6.2), whatever the received one was.
void append_forwarded_request(OutputBuffer& out, const RequestHead& head,
                              const ForwardRewrite& rewrite = {});
void append_forwarded_response(OutputBuffer& out, const ResponseHead& head,
                               const ForwardRewrite& rewrite = {});

}  // namespace fulcrum::http
