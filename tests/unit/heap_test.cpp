#include "core/heap.h"

#include <unistd.h>

#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

namespace fulcrum {
namespace {

// Resident pages of this process (the second field of /proc/self/statm).
long resident_pages() {
  std::ifstream statm("/proc/self/statm");
  long total = 0;
  long resident = 0;
  statm >> total >> resident;
  return resident;
}

// The unit tests run on glibc's allocator (only the fulcrum binary links jemalloc; the CLI test
// of --version checks that one).
TEST(HeapTest, NamesTheAllocatorItRunsOn) {
  EXPECT_EQ(std::string(heap_allocator_name()), "glibc");
}

// 8 MiB of small blocks, touched, then freed below a block still in use (so that free() alone
// cannot hand them back by shrinking the heap): the release returns most of their pages.
TEST(HeapTest, ReleaseReturnsFreedPagesToTheKernel) {
#if defined(__SANITIZE_ADDRESS__)
  GTEST_SKIP() << "AddressSanitizer's allocator keeps freed blocks in quarantine";
#endif
  constexpr size_t kBlocks = 2048;
  constexpr size_t kBlockBytes = 4096;
  std::vector<std::unique_ptr<char[]>> blocks;
  blocks.reserve(kBlocks);
  for (size_t i = 0; i < kBlocks; ++i) {
    blocks.push_back(std::make_unique<char[]>(kBlockBytes));
    std::memset(blocks.back().get(), 1, kBlockBytes);
  }
  std::unique_ptr<char[]> pinned_top = std::move(blocks.back());  // the last one, nearest the top
  blocks.pop_back();
  blocks.clear();
  const long before = resident_pages();
  release_free_heap_memory();
  const long released = before - resident_pages();
  const long page_bytes = sysconf(_SC_PAGESIZE);
  EXPECT_GE(released * page_bytes, static_cast<long>(kBlocks * kBlockBytes / 2))
      << released << " pages released";
  EXPECT_EQ(pinned_top[kBlockBytes - 1], 1);  // live allocations stay as they were
}

}  // namespace
}  // namespace fulcrum
