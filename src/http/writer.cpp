#include "http/writer.h"

#include <algorithm>
#include <array>
#include <cassert>
#include <charconv>
#include <cstring>

#include "http/ascii.h"

namespace fulcrum::http {
namespace {

constexpr std::string_view kCrlf = "\r\n";

void append_number(OutputBuffer& out, std::uint64_t value, int base) {
  char digits[20];  // 2^64 has 20 decimal digits
  const auto [end, error] = std::to_chars(digits, digits + sizeof(digits), value, base);
  assert(error == std::errc());
  out.append(std::string_view(digits, static_cast<std::size_t>(end - digits)));
}

void append_version(OutputBuffer& out, Version version) {
  out.append("HTTP/");
  out.append(static_cast<char>('0' + version.major));
  out.append('.');
  out.append(static_cast<char>('0' + version.minor));
}

// Hop-by-hop fields by definition (RFC 9110 §7.6.1), plus Proxy-Connection, which old clients
// still send and which must not reach the upstream.
constexpr std::array<std::string_view, 6> kHopByHopFields = {
    "connection", "keep-alive", "proxy-connection", "te", "trailer", "upgrade"};
// What a re-framed body no longer carries.
constexpr std::array<std::string_view, 2> kFramingFields = {"transfer-encoding", "content-length"};

// Bit n set when one of `names` has n characters (all are shorter than 64).
template <std::size_t N>
constexpr std::uint64_t length_mask(const std::array<std::string_view, N>& names) {
  std::uint64_t mask = 0;
  for (std::string_view name : names) mask |= std::uint64_t{1} << name.size();
  return mask;
}

bool has_length_in(std::string_view name, std::uint64_t mask) {
  return name.size() < 64 && ((mask >> name.size()) & 1) != 0;
}

// Most field names are ruled out by their length alone.
bool is_hop_by_hop(std::string_view name, bool reframe) {
  constexpr std::uint64_t kHopByHopLengths = length_mask(kHopByHopFields);
  constexpr std::uint64_t kFramingLengths = length_mask(kFramingFields);
  if (has_length_in(name, kHopByHopLengths) && equals_any_ignore_case(name, kHopByHopFields)) {
    return true;
  }
  return reframe && has_length_in(name, kFramingLengths) &&
         equals_any_ignore_case(name, kFramingFields);
}

// The options of a message's Connection fields, which name further hop-by-hop fields. Read once
// per message; a message with unusually many options falls back to re-reading the lists.
class ConnectionOptions {
 public:
  explicit ConnectionOptions(std::span<const Header> fields) : fields_(fields) {
    for (const Header& field : fields) {
      if (!equals_ignore_case(field.name, "connection")) continue;
      for_each_list_element(field.value, [this](std::string_view option) {
        overflowed_ = count_ == options_.size();
        if (!overflowed_) options_[count_++] = option;
        return !overflowed_;
      });
    }
  }

  bool names(std::string_view field_name) const {
    for (std::size_t i = 0; i < count_; ++i) {
      if (equals_ignore_case(options_[i], field_name)) return true;
    }
    return overflowed_ && listed_in_any(field_name);
  }

 private:
  bool listed_in_any(std::string_view field_name) const {
    for (const Header& field : fields_) {
      if (equals_ignore_case(field.name, "connection") && list_contains(field.value, field_name)) {
        return true;
      }
    }
    return false;
  }

  std::span<const Header> fields_;
  std::array<std::string_view, 16> options_;
  std::size_t count_ = 0;
  bool overflowed_ = false;
};

}  // namespace

void OutputBuffer::append_all(std::initializer_list<std::string_view> parts) {
  std::size_t total = 0;
  for (std::string_view part : parts) total += part.size();
  std::size_t at = bytes_.size();
  bytes_.resize(at + total);
  for (std::string_view part : parts) {
    std::memcpy(bytes_.data() + at, part.data(), part.size());
    at += part.size();
  }
}

void OutputBuffer::append_decimal(std::uint64_t value) { append_number(*this, value, 10); }

void OutputBuffer::append_hex(std::uint64_t value) { append_number(*this, value, 16); }

std::string_view reason_phrase(int status_code) {
  switch (status_code) {
    case 100: return "Continue";
    case 101: return "Switching Protocols";
    case 102: return "Processing";
    case 103: return "Early Hints";
    case 200: return "OK";
    case 201: return "Created";
    case 202: return "Accepted";
    case 203: return "Non-Authoritative Information";
    case 204: return "No Content";
    case 205: return "Reset Content";
    case 206: return "Partial Content";
    case 207: return "Multi-Status";
    case 208: return "Already Reported";
    case 226: return "IM Used";
    case 300: return "Multiple Choices";
    case 301: return "Moved Permanently";
    case 302: return "Found";
    case 303: return "See Other";
    case 304: return "Not Modified";
    case 305: return "Use Proxy";
    case 307: return "Temporary Redirect";
    case 308: return "Permanent Redirect";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 402: return "Payment Required";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 406: return "Not Acceptable";
    case 407: return "Proxy Authentication Required";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 410: return "Gone";
    case 411: return "Length Required";
    case 412: return "Precondition Failed";
    case 413: return "Content Too Large";
    case 414: return "URI Too Long";
    case 415: return "Unsupported Media Type";
    case 416: return "Range Not Satisfiable";
    case 417: return "Expectation Failed";
    case 421: return "Misdirected Request";
    case 422: return "Unprocessable Content";
    case 423: return "Locked";
    case 424: return "Failed Dependency";
    case 425: return "Too Early";
    case 426: return "Upgrade Required";
    case 428: return "Precondition Required";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 451: return "Unavailable For Legal Reasons";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    case 505: return "HTTP Version Not Supported";
    case 506: return "Variant Also Negotiates";
    case 507: return "Insufficient Storage";
    case 508: return "Loop Detected";
    case 511: return "Network Authentication Required";
    default: return {};
  }
}

bool is_valid_field_name(std::string_view name) { return is_token(name); }

bool is_valid_field_value(std::string_view value) {
  return std::all_of(value.begin(), value.end(), is_field_text);
}

void append_request_line(OutputBuffer& out, std::string_view method, std::string_view target,
                         Version version) {
  out.append(method);
  out.append(' ');
  out.append(target);
  out.append(' ');
  append_version(out, version);
  out.append(kCrlf);
}

void append_status_line(OutputBuffer& out, int status_code, std::string_view reason,
                        Version version) {
  assert(status_code >= 100 && status_code <= 999);
  append_version(out, version);
  out.append(' ');
  out.append_decimal(static_cast<std::uint64_t>(status_code));
  out.append(' ');
  out.append(reason.empty() ? reason_phrase(status_code) : reason);
  out.append(kCrlf);
}

void append_header(OutputBuffer& out, std::string_view name, std::string_view value) {
  assert(is_valid_field_name(name) && is_valid_field_value(value));
  out.append_all({name, ": ", value, kCrlf});
}

void append_content_length(OutputBuffer& out, std::uint64_t length) {
  out.append("Content-Length: ");
  out.append_decimal(length);
  out.append(kCrlf);
}

void end_head(OutputBuffer& out) { out.append(kCrlf); }

void append_chunk(OutputBuffer& out, std::string_view data) {
  if (data.empty()) return;
  append_chunk_size_line(out, data.size());
  out.append(data);
  out.append(kCrlf);
}

void append_chunk_size_line(OutputBuffer& out, std::uint64_t size) {
  out.append_hex(size);
  out.append(kCrlf);
}

void append_last_chunk(OutputBuffer& out) { out.append("0\r\n\r\n"); }

void append_forwarded_fields(OutputBuffer& out, std::span<const Header> fields,
                             const ForwardRewrite& rewrite) {
  const ConnectionOptions connection(fields);
  for (const Header& field : fields) {
    if (is_hop_by_hop(field.name, rewrite.reframe) || connection.names(field.name)) continue;
    if (std::any_of(
            rewrite.dropped.begin(), rewrite.dropped.end(),
            [&field](std::string_view name) { return equals_ignore_case(field.name, name); })) {
      continue;
    }
    append_header(out, field.name, field.value);
  }
  for (const Header& field : rewrite.added) append_header(out, field.name, field.value);
}

void append_forwarded_request(OutputBuffer& out, const RequestHead& head,
                              const ForwardRewrite& rewrite) {
  append_request_line(out, head.method, head.target);
  append_forwarded_fields(out, head.fields(), rewrite);
  end_head(out);
}

void append_forwarded_response(OutputBuffer& out, const ResponseHead& head,
                               const ForwardRewrite& rewrite) {
  append_status_line(out, head.status_code, head.reason);
  append_forwarded_fields(out, head.fields(), rewrite);
  end_head(out);
}

}  // namespace fulcrum::http
