// Handing freed heap memory back to the kernel, whichever allocator the binary runs on.
#pragma once

namespace fulcrum {

// Returns the pages of freed memory to the kernel now: with jemalloc (the fulcrum binary links it,
// see FULCRUM_JEMALLOC) the calling thread's cache is flushed and every arena purged; else
// glibc's malloc_trim. Costs a walk of the heap: call it after bursts of frees, not per request.
void release_free_heap_memory();

// "jemalloc" or "glibc": which allocator serves this process.
const char* heap_allocator_name();

}  // namespace fulcrum
