// session_affinity: requests of one session (the affinity key: a configured header or the body's
// `user` field, filled in by the gateway) keep reaching the same backend through consistent
// hashing with bounded loads; requests without a key go to the least loaded backend.
#pragma once

#include <string_view>

#include "policy/backend_scan.h"
#include "policy/consistent_hash.h"
#include "policy/registry.h"

namespace fulcrum {

class SessionAffinityPicker final : public Picker {
 public:
  static constexpr std::string_view kName = "session_affinity";

  explicit SessionAffinityPicker(const ConsistentHashConfig& config) : ring_(config) {}

  std::string_view name() const override { return kName; }
  PickResult pick(const RequestView& request, std::span<const BackendView> backends) override;
  bool needs_request_body() const override { return true; }
  void on_backends_changed(std::span<const BackendView> backends) override {
    ring_.on_backends_changed(backends);
  }

 private:
  ConsistentHashPicker ring_;
  Rotation rotation_;
};

PickerEntry session_affinity_entry();

}  // namespace fulcrum
