// pick() time of every routing policy at 8, 64 and 1024 backends: all eligible, weights 1-4,
// varied in-flight counts that move as picks land and requests finish, fresh load reports, and
// a latency history for the learning policies.
#include <benchmark/benchmark.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/random.h"
#include "policy/registry.h"

namespace fulcrum {
namespace {

struct BenchPool {
  std::vector<std::string> names;  // owns what the views point at
  std::vector<BackendView> backends;
};

BenchPool make_pool(std::size_t count) {
  BenchPool pool;
  for (std::size_t index = 0; index < count; ++index) {
    pool.names.push_back("replica-" + std::to_string(index));
  }
  Rng rng(count);
  for (std::size_t index = 0; index < count; ++index) {
    BackendView backend;
    backend.id = static_cast<uint32_t>(index);
    backend.name = pool.names[index];
    backend.weight = static_cast<uint32_t>(1 + index % 4);
    backend.in_flight = static_cast<uint32_t>(rng.uniform(32));
    backend.load = {true, static_cast<double>(rng.uniform(16)),
                    static_cast<double>(rng.uniform(64)), rng.uniform01()};
    pool.backends.push_back(backend);
  }
  return pool;
}

// Latencies of 1-10 ms, so that peak_ewma has real estimates to compare.
void observe_history(Picker& picker, std::span<const BackendView> backends) {
  Rng rng(7);
  for (const BackendView& backend : backends) {
    const Nanos latency{static_cast<int64_t>(1'000'000 + rng.uniform(9'000'000))};
    picker.observe({backend.id, latency, Nanos{0}, true});
  }
}

void bm_pick(benchmark::State& state, const PickerEntry* entry) {
  const std::size_t count = static_cast<std::size_t>(state.range(0));
  BenchPool pool = make_pool(count);
  Result<std::unique_ptr<Picker>> created = entry->create({});
  if (!created.ok()) {
    state.SkipWithError(created.error_message().c_str());
    return;
  }
  Picker& picker = **created;
  picker.on_backends_changed(pool.backends);
  observe_history(picker, pool.backends);
  RequestView request;
  std::size_t finishing = 0;
  for (auto _ : state) {
    ++request.hash_key;
    PickResult chosen = picker.pick(request, pool.backends);
    benchmark::DoNotOptimize(chosen);
    // The chosen backend gains a request; one backend in turn finishes one.
    ++pool.backends[*chosen].in_flight;
    if (pool.backends[finishing].in_flight > 0) --pool.backends[finishing].in_flight;
    if (++finishing == count) finishing = 0;
  }
}

const bool kRegistered = [] {
  for (const PickerEntry& entry : picker_registry()) {
    const std::string name = "BM_pick/" + entry.name;
    benchmark::RegisterBenchmark(name.c_str(), bm_pick, &entry)->Arg(8)->Arg(64)->Arg(1024);
  }
  return true;
}();

}  // namespace
}  // namespace fulcrum
