// The shadow time is found by releasing running tasks in order of expected end on copies of just
// the nodes they ran on: before any release the head fits nowhere (a gang: on too few nodes), so
// only a touched node can add a place for it. O(r log r + r * replicas) for r running tasks.
#include "queue/backfill.h"

#include <map>

#include "core/node_fit.h"

namespace fulcrum {

std::optional<Nanos> shadow_time(const Cluster& cluster, const Task& head,
                                 std::span<const RunningTask> running_by_end) {
  std::map<size_t, Node> touched;
  int needed = std::max(head.replicas, 1);
  std::map<size_t, bool> can_host_now;
  int hosting = 0;   // nodes that can host a replica now
  if (needed > 1) {  // a gang may have failed for want of nodes while some fit already
    for (size_t index = 0; index < cluster.size(); ++index) {
      if (cluster.can_host(index, head)) can_host_now[index] = true, ++hosting;
    }
  }
  for (const RunningTask& running : running_by_end) {
    for (const Assignment& assignment : *running.assignments) {
      Node& node = touched.try_emplace(assignment.node_index, cluster.node(assignment.node_index))
                       .first->second;
      node.gpus.release(assignment.gpu_devices, assignment.demand.gpu_milli);
      node.allocated -= assignment.demand;
      bool hosts = node_can_host(node, head);
      bool& hosted = can_host_now[assignment.node_index];
      if (hosts && !hosted) ++hosting;
      hosted = hosts;
    }
    if (hosting >= needed) return running.expected_end;
  }
  return std::nullopt;
}

}  // namespace fulcrum
