// The explanation of a routing decision, sent as X-Fulcrum-Decision to authorized debug requests
// and logged as `routing_decision` with log_decisions: "policy -> chosen; name score (detail);
// ...".
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>

#include "policy/picker.h"

namespace fulcrum {

// The most bytes of an X-Fulcrum-Decision value; longer explanations end with "...".
inline constexpr std::size_t kMaxDecisionBytes = 1024;

// `candidates` are the views the picker chose `chosen` from, `scores` what it said of each.
// Control characters in names and details become '?', so the text is a valid field value.
std::string describe_decision(std::string_view policy, std::span<const BackendView> candidates,
                              std::size_t chosen, std::span<const CandidateScore> scores);

}  // namespace fulcrum
