// Executors by name: `executor: {type: NAME, ...}` in the scheduler's config. Adding an executor
// is one file (the class and its entry) plus one line in executor_registry.cpp.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/registry.h"
#include "scheduler/executor.h"

namespace fulcrum {

using ExecutorEntry = RegistryEntry<Executor, ExecutorParams>;

const std::vector<ExecutorEntry>& executor_registry();

// The entry called `type`; the error names it and lists the known executors.
Result<const ExecutorEntry*> find_executor(const std::string& type);

// Creates the named executor (unprepared: see Executor::prepare); unknown types and bad
// parameters give an error naming them.
Result<std::unique_ptr<Executor>> make_executor(const std::string& type,
                                                const ExecutorParams& params);

}  // namespace fulcrum
