// first_fit: the first node in cluster order that can host the task.
#pragma once

#include "placement/placer.h"
#include "placement/registry.h"

namespace fulcrum {

class FirstFitPlacer final : public Placer {
 public:
  std::string_view name() const override { return "first_fit"; }

 protected:
  std::optional<size_t> choose_node(const Cluster& cluster, const Task& task,
                                    NodePool pool) override;
};

PlacerEntry first_fit_entry();

}  // namespace fulcrum
