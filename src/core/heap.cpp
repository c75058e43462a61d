#include "core/heap.h"

#include <malloc.h>

#include <cstddef>

// jemalloc's control interface, present only when the binary links jemalloc; the library itself
// is also linked into programs that run on glibc's allocator.
extern "C" int mallctl(const char* name, void* old_value, size_t* old_length, void* new_value,
                       size_t new_length) __attribute__((weak));

namespace fulcrum {

namespace {

// 4096 is MALLCTL_ARENAS_ALL in jemalloc's header: the pseudo-arena index meaning every arena.
constexpr const char* kPurgeEveryArena = "arena.4096.purge";

}  // namespace

void release_free_heap_memory() {
  if (mallctl != nullptr) {
    // The calling thread's cache of freed small objects first, so that their pages can empty.
    mallctl("thread.tcache.flush", nullptr, nullptr, nullptr, 0);
    mallctl(kPurgeEveryArena, nullptr, nullptr, nullptr, 0);
    return;
  }
  ::malloc_trim(0);
}

const char* heap_allocator_name() { return mallctl != nullptr ? "jemalloc" : "glibc"; }

}  // namespace fulcrum
