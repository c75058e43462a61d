#include "scheduler/preemption.h"

#include <algorithm>
#include <map>
#include <set>
#include <tuple>

#include "core/node_fit.h"

namespace fulcrum {

namespace {

struct Scored {
  const PreemptionCandidate* candidate = nullptr;
  double work = 0;
};

using Victims = std::vector<Scored>;
// Whether `task` fits once `victims` are gone.
using FitTest = bool (*)(const Cluster&, const Task&, const Victims&, Placer&, size_t node_index);

double share(int64_t demand, int64_t capacity) {
  return capacity > 0 ? static_cast<double>(demand) / static_cast<double>(capacity) : 0.0;
}

double dominant_share(const Node& node, const ResourceVector& demand) {
  return std::max({share(demand.cpu_millis, node.capacity.cpu_millis),
                   share(demand.memory_bytes, node.capacity.memory_bytes),
                   share(demand.gpu_milli, node.capacity.gpu_milli)});
}

// Candidates of lower priority than `task`, least work first (then lower priority, then id).
Victims eligible(const Cluster& cluster, const Task& task,
                 std::span<const PreemptionCandidate> candidates) {
  Victims scored;
  for (const PreemptionCandidate& candidate : candidates) {
    if (candidate.priority >= task.priority) continue;
    scored.push_back({&candidate, preemption_work(cluster, candidate)});
  }
  std::sort(scored.begin(), scored.end(), [](const Scored& a, const Scored& b) {
    return std::tie(a.work, a.candidate->priority, a.candidate->task_id) <
           std::tie(b.work, b.candidate->priority, b.candidate->task_id);
  });
  return scored;
}

// `cluster` with the victims' allocations released.
Cluster without(const Cluster& cluster, const Victims& victims) {
  Cluster copy = cluster;
  for (const Scored& victim : victims) {
    for (Assignment assignment : victim.candidate->assignments) {
      auto index = copy.find(assignment.node_id);
      if (!index) continue;
      assignment.node_index = *index;
      copy.release(assignment);
    }
  }
  return copy;
}

bool placer_places(const Cluster& cluster, const Task& task, const Victims& victims, Placer& placer,
                   size_t /*node_index*/) {
  Cluster trial = without(cluster, victims);
  return placer.place(trial, std::span<const Task>(&task, 1)).all_placed();
}

// One node alone, with what the victims hold there released, can host the task.
bool fits_on_node(const Cluster& cluster, const Task& task, const Victims& victims,
                  Placer& /*placer*/, size_t node_index) {
  const Node& node = cluster.node(node_index);
  Cluster alone;
  if (!alone.add_node(node).ok()) return false;
  for (const Scored& victim : victims) {
    for (Assignment assignment : victim.candidate->assignments) {
      if (assignment.node_id != node.id) continue;
      assignment.node_index = 0;
      alone.release(assignment);
    }
  }
  return alone.can_host(0, task);
}

// Takes `ordered` victims one by one until the task fits; nullopt when it never does.
std::optional<Victims> greedy_prefix(const Cluster& cluster, const Task& task,
                                     const Victims& ordered, Placer& placer, size_t node_index,
                                     FitTest fits) {
  Victims chosen;
  for (const Scored& victim : ordered) {
    chosen.push_back(victim);
    if (fits(cluster, task, chosen, placer, node_index)) return chosen;
  }
  return std::nullopt;
}

// Drops every victim the task still fits without, trying the most work first.
void prune(const Cluster& cluster, const Task& task, Victims& chosen, Placer& placer,
           size_t node_index, FitTest fits) {
  for (size_t i = chosen.size(); i-- > 0;) {
    Victims fewer = chosen;
    fewer.erase(fewer.begin() + static_cast<std::ptrdiff_t>(i));
    if (fits(cluster, task, fewer, placer, node_index)) chosen = std::move(fewer);
  }
}

double total_work(const Victims& victims) {
  double work = 0;
  for (const Scored& victim : victims) work += victim.work;
  return work;
}

PreemptionChoice to_choice(const Victims& victims) {
  PreemptionChoice choice;
  for (const Scored& victim : victims) choice.victims.push_back(victim.candidate->task_id);
  choice.work = total_work(victims);
  return choice;
}

// The victims with a replica on each node, by node index, each list least work first.
std::map<size_t, Victims> by_node(const Cluster& cluster, const Victims& ordered) {
  std::map<size_t, Victims> groups;
  for (const Scored& victim : ordered) {
    std::set<size_t> nodes;
    for (const Assignment& assignment : victim.candidate->assignments) {
      if (auto index = cluster.find(assignment.node_id)) nodes.insert(*index);
    }
    for (size_t node_index : nodes) groups[node_index].push_back(victim);
  }
  return groups;
}

// Per node: the least work that makes room there; the cheapest node the placer agrees with.
std::optional<PreemptionChoice> choose_for_single(const Cluster& cluster, const Task& task,
                                                  const Victims& ordered, Placer& placer) {
  struct Option {
    double work;
    size_t victims;
    size_t node_index;
    Victims chosen;
  };
  std::vector<Option> options;
  for (const auto& [node_index, here] : by_node(cluster, ordered)) {
    std::vector<const std::vector<Assignment>*> held;
    for (const Scored& victim : here) held.push_back(&victim.candidate->assignments);
    auto count = victims_to_make_room(cluster.node(node_index), task, held);
    if (!count) continue;
    Victims chosen(here.begin(), here.begin() + static_cast<std::ptrdiff_t>(*count));
    prune(cluster, task, chosen, placer, node_index, fits_on_node);
    options.push_back({total_work(chosen), chosen.size(), node_index, std::move(chosen)});
  }
  std::sort(options.begin(), options.end(), [](const Option& a, const Option& b) {
    return std::tie(a.work, a.victims, a.node_index) < std::tie(b.work, b.victims, b.node_index);
  });
  for (const Option& option : options) {
    if (placer_places(cluster, task, option.chosen, placer, option.node_index)) {
      return to_choice(option.chosen);
    }
  }
  return std::nullopt;
}

// A gang: the least work cluster-wide that lets the placer place every replica.
std::optional<PreemptionChoice> choose_for_gang(const Cluster& cluster, const Task& task,
                                                const Victims& ordered, Placer& placer) {
  auto chosen = greedy_prefix(cluster, task, ordered, placer, 0, placer_places);
  if (!chosen) return std::nullopt;
  prune(cluster, task, *chosen, placer, 0, placer_places);
  return to_choice(*chosen);
}

}  // namespace

std::optional<size_t> victims_to_make_room(
    const Node& node, const Task& task, std::span<const std::vector<Assignment>* const> victims,
    size_t most) {
  Node scratch = node;
  for (size_t count = 0; count < victims.size() && count < most; ++count) {
    for (const Assignment& assignment : *victims[count]) {
      if (assignment.node_id != node.id) continue;
      scratch.gpus.release(assignment.gpu_devices, assignment.demand.gpu_milli);
      scratch.allocated -= assignment.demand;
    }
    if (node_can_host(scratch, task)) return count + 1;
  }
  return std::nullopt;
}

double preemption_work(const Cluster& cluster, const PreemptionCandidate& candidate) {
  double shares = 0;
  for (const Assignment& assignment : candidate.assignments) {
    auto index = cluster.find(assignment.node_id);
    if (index) shares += dominant_share(cluster.node(*index), assignment.demand);
  }
  double run_seconds = static_cast<double>(std::max<int64_t>(candidate.run_ms, 1)) / 1000.0;
  return run_seconds * shares;
}

std::optional<PreemptionChoice> choose_victims(const Cluster& cluster, const Task& task,
                                               std::span<const PreemptionCandidate> candidates,
                                               Placer& placer) {
  Victims ordered = eligible(cluster, task, candidates);
  if (ordered.empty()) return std::nullopt;
  if (task.replicas > 1) return choose_for_gang(cluster, task, ordered, placer);
  return choose_for_single(cluster, task, ordered, placer);
}

}  // namespace fulcrum
