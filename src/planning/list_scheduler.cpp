#include "planning/list_scheduler.h"

#include <algorithm>
#include <limits>
#include <queue>
#include <string>

#include "core/yaml_reader.h"

namespace fulcrum {

namespace {

struct Interval {
  int64_t start_ms;
  int64_t end_ms;
  const ResourceVector* demand;
};

// The intervals already placed on each node, with the room checks the placement needs.
class Timelines {
 public:
  explicit Timelines(const PlanProblem& problem)
      : problem_(problem), intervals_(problem.node_count()) {}

  bool fits(size_t node, int64_t start_ms, int64_t end_ms, const ResourceVector& demand) const {
    if (end_ms <= start_ms) return true;
    const std::vector<Interval>& placed = intervals_[node];
    if (!usage_fits(node, start_ms, demand)) return false;
    for (const Interval& interval : placed) {
      if (interval.start_ms > start_ms && interval.start_ms < end_ms &&
          !usage_fits(node, interval.start_ms, demand)) {
        return false;
      }
    }
    return true;
  }

  // Earliest start >= ready_ms where `duration_ms` fits on `node`.
  int64_t earliest_start(size_t node, int64_t ready_ms, int64_t duration_ms,
                         const ResourceVector& demand) const {
    if (fits(node, ready_ms, ready_ms + duration_ms, demand)) return ready_ms;
    std::vector<int64_t> candidates;
    for (const Interval& interval : intervals_[node]) {
      if (interval.end_ms > ready_ms) candidates.push_back(interval.end_ms);
    }
    std::sort(candidates.begin(), candidates.end());
    for (int64_t candidate : candidates) {
      if (fits(node, candidate, candidate + duration_ms, demand)) return candidate;
    }
    return std::numeric_limits<int64_t>::max();  // only when demand exceeds the free capacity
  }

  void add(size_t node, int64_t start_ms, int64_t end_ms, const ResourceVector& demand) {
    intervals_[node].push_back({start_ms, end_ms, &demand});
  }
  void remove_last(size_t node) { intervals_[node].pop_back(); }

  // Interval ends at or after `ready_ms` on any of `nodes`, sorted, with `ready_ms` first.
  std::vector<int64_t> start_candidates(const std::vector<size_t>& nodes, int64_t ready_ms) const {
    std::vector<int64_t> candidates{ready_ms};
    for (size_t node : nodes) {
      for (const Interval& interval : intervals_[node]) {
        if (interval.end_ms > ready_ms) candidates.push_back(interval.end_ms);
      }
    }
    std::sort(candidates.begin(), candidates.end());
    candidates.erase(std::unique(candidates.begin(), candidates.end()), candidates.end());
    return candidates;
  }

 private:
  bool usage_fits(size_t node, int64_t time_ms, const ResourceVector& demand) const {
    ResourceVector usage = demand;
    for (const Interval& interval : intervals_[node]) {
      if (interval.start_ms <= time_ms && time_ms < interval.end_ms) usage += *interval.demand;
    }
    return usage.fits_in(problem_.capacity(node));
  }

  const PlanProblem& problem_;
  std::vector<std::vector<Interval>> intervals_;
};

int64_t ready_time(const PlanProblem& problem, size_t task, const std::vector<int64_t>& finish) {
  int64_t ready_ms = 0;
  for (size_t predecessor : problem.predecessors(task)) {
    ready_ms = std::max(ready_ms, finish[predecessor]);
  }
  return ready_ms;
}

struct Choice {
  size_t node = 0;
  int64_t start_ms = std::numeric_limits<int64_t>::max();
  int64_t finish_ms = std::numeric_limits<int64_t>::max();
};

bool better(const Choice& candidate, const Choice& best, NodeRule rule) {
  if (rule == NodeRule::kEarliestFinish) {
    return std::tie(candidate.finish_ms, candidate.start_ms) <
           std::tie(best.finish_ms, best.start_ms);
  }
  return std::tie(candidate.start_ms, candidate.finish_ms) <
         std::tie(best.start_ms, best.finish_ms);
}

std::optional<Choice> choose_single(const PlanProblem& problem, const Timelines& timelines,
                                    size_t task, int64_t ready_ms, NodeRule rule,
                                    std::optional<size_t> pinned) {
  std::optional<Choice> best;
  const ResourceVector& demand = problem.task(task).demand;
  for (size_t node : problem.eligible_nodes(task)) {
    if (pinned && node != *pinned) continue;
    int64_t duration_ms = problem.duration(task, node);
    // No start is before ready_ms: when even that could not beat the best, skip the search.
    if (best && !better({node, ready_ms, ready_ms + duration_ms}, *best, rule)) continue;
    Choice candidate{node, timelines.earliest_start(node, ready_ms, duration_ms, demand), 0};
    if (candidate.start_ms == std::numeric_limits<int64_t>::max()) continue;
    candidate.finish_ms = candidate.start_ms + duration_ms;
    if (!best || better(candidate, *best, rule)) best = candidate;
  }
  return best;
}

// All replicas at the earliest common start; each replica takes the node where it finishes first.
std::optional<std::vector<Choice>> choose_gang(const PlanProblem& problem, Timelines& timelines,
                                               size_t task, int64_t ready_ms) {
  const Task& spec = problem.task(task);
  const std::vector<size_t>& nodes = problem.eligible_nodes(task);
  for (int64_t start_ms : timelines.start_candidates(nodes, ready_ms)) {
    std::vector<Choice> chosen;
    for (int replica = 0; replica < spec.replicas; ++replica) {
      std::optional<Choice> best;
      for (size_t node : nodes) {
        Choice candidate{node, start_ms, start_ms + problem.duration(task, node)};
        if (best && !better(candidate, *best, NodeRule::kEarliestFinish)) continue;
        if (timelines.fits(node, start_ms, candidate.finish_ms, spec.demand)) best = candidate;
      }
      if (!best) break;
      timelines.add(best->node, best->start_ms, best->finish_ms, spec.demand);
      chosen.push_back(*best);
    }
    for (auto it = chosen.rbegin(); it != chosen.rend(); ++it) timelines.remove_last(it->node);
    if (static_cast<int>(chosen.size()) == spec.replicas) return chosen;
  }
  return std::nullopt;
}

}  // namespace

Status check_plannable(const PlanProblem& problem) {
  for (const Task& task : problem.tasks()) {
    FULCRUM_RETURN_IF_ERROR(check_task_placeable(task, problem.nodes()));
  }
  return Status::ok_status();
}

Result<Plan> list_schedule(const PlanProblem& problem, const std::vector<double>& keys,
                           const ListScheduleOptions& options) {
  FULCRUM_RETURN_IF_ERROR(check_plannable(problem));
  size_t task_count = problem.task_count();
  std::vector<size_t> waiting_on(task_count);
  using Entry = std::pair<double, int64_t>;  // (key, -index): highest key, then lowest index
  std::priority_queue<Entry> ready;
  for (size_t task = 0; task < task_count; ++task) {
    waiting_on[task] = problem.predecessors(task).size();
    if (waiting_on[task] == 0) ready.emplace(keys[task], -static_cast<int64_t>(task));
  }
  Timelines timelines(problem);
  std::vector<int64_t> finish(task_count, 0);
  Plan plan;
  while (!ready.empty()) {
    auto task = static_cast<size_t>(-ready.top().second);
    ready.pop();
    const Task& spec = problem.task(task);
    int64_t ready_ms = ready_time(problem, task, finish);
    std::vector<Choice> chosen;
    if (spec.replicas == 1) {
      std::optional<size_t> pinned;
      if (task < options.pinned_node.size()) pinned = options.pinned_node[task];
      auto single = choose_single(problem, timelines, task, ready_ms, options.rule, pinned);
      if (!single && pinned)
        single = choose_single(problem, timelines, task, ready_ms, options.rule, {});
      if (single) chosen.push_back(*single);
    } else if (auto gang = choose_gang(problem, timelines, task, ready_ms)) {
      chosen = std::move(*gang);
    }
    if (chosen.empty()) {
      return Status(ErrorCode::kResourceExhausted,
                    "gang: no common start found for the replicas of task " + spec.id);
    }
    for (size_t replica = 0; replica < chosen.size(); ++replica) {
      const Choice& choice = chosen[replica];
      timelines.add(choice.node, choice.start_ms, choice.finish_ms, spec.demand);
      plan.replicas.push_back(
          {task, static_cast<int>(replica), choice.node, choice.start_ms, choice.finish_ms});
      finish[task] = std::max(finish[task], choice.finish_ms);
    }
    for (size_t successor : problem.successors(task)) {
      if (--waiting_on[successor] == 0) {
        ready.emplace(keys[successor], -static_cast<int64_t>(successor));
      }
    }
  }
  return plan;
}

}  // namespace fulcrum
