#include "http/body_framing.h"

namespace fulcrum::http {

std::uint64_t BodyFramer::payload_bytes() const {
  switch (framing_) {
    case BodyFraming::kNone: return 0;
    case BodyFraming::kContentLength: return declared_bytes_;
    case BodyFraming::kChunked: return chunked_.payload_bytes();
    case BodyFraming::kUntilClose: return until_close_bytes_;
  }
  return 0;
}

BodyFraming event_stream_framing(const Version& client_version) {
  return client_version.major == 1 && client_version.minor == 0 ? BodyFraming::kUntilClose
                                                                : BodyFraming::kChunked;
}

}  // namespace fulcrum::http
