// fgd (Fragmentation Gradient Descent, Weng et al., USENIX ATC'23): over every node n that can
// host and every distinct device choice g on it, choose
//   argmin  F_n'(M) - F_n(M),   F_n(M) = sum over task shapes m of p_m * F_n(m)
// where n' is n after the placement and F_n(m) is the free GPU capacity of n that shape m could
// not use (gpu_fragmentation.h). The workload M (shapes m, frequencies p_m) is the one given by
// set_target_workload (a trace's pod list), else the tasks seen so far. Ties go to the earlier
// node, then the lower device. O(n · d · groups) per placement for n nodes of d devices.
#include "placement/fgd.h"

#include "placement/placer_factory.h"

namespace fulcrum {

FragmentationPlacer::Score FgdPlacer::score(const Node& /*node*/, const Task& /*task*/,
                                            const DeviceChoice& choice) {
  return {choice.fragmentation_delta, 0, 0};
}

PlacerEntry fgd_entry() {
  return {"fgd",
          "fragmentation gradient descent: least growth of expected GPU fragmentation (ATC'23)",
          {},
          create_placer<FgdPlacer>};
}

}  // namespace fulcrum
