#include "gateway/decision_text.h"

#include <algorithm>
#include <cmath>

#include "core/resources.h"

namespace fulcrum {

namespace {

void append_printable(std::string& out, std::string_view text) {
  for (char c : text) out += static_cast<unsigned char>(c) < 0x20 || c == 0x7f ? '?' : c;
}

std::string_view name_of(std::span<const BackendView> candidates, uint32_t backend_id) {
  auto view = std::find_if(candidates.begin(), candidates.end(),
                           [backend_id](const BackendView& each) { return each.id == backend_id; });
  return view == candidates.end() ? std::string_view("?") : view->name;
}

}  // namespace

std::string describe_decision(std::string_view policy, std::span<const BackendView> candidates,
                              std::size_t chosen, std::span<const CandidateScore> scores) {
  std::string text(policy);
  text += " -> ";
  append_printable(text, candidates[chosen].name);
  for (const CandidateScore& score : scores) {
    text += "; ";
    append_printable(text, name_of(candidates, score.backend_id));
    text += ' ';
    text += format_number(std::round(score.score * 1000) / 1000);
    text += " (";
    append_printable(text, score.detail);
    text += ')';
    if (text.size() > kMaxDecisionBytes) break;
  }
  if (text.size() > kMaxDecisionBytes) {
    text.resize(kMaxDecisionBytes - 3);
    text += "...";
  }
  return text;
}

}  // namespace fulcrum
