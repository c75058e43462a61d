#include "core/heap.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

namespace fulcrum {
namespace {

// The unit tests run on glibc's allocator (only the fulcrum binary links jemalloc; the CLI test
// of --version checks that one).
TEST(HeapTest, NamesTheAllocatorAndReleasesAfterFrees) {
  EXPECT_EQ(std::string(heap_allocator_name()), "glibc");
  std::vector<std::unique_ptr<char[]>> blocks;
  for (int i = 0; i < 256; ++i) blocks.push_back(std::make_unique<char[]>(4096));
  blocks.clear();
  release_free_heap_memory();  // must not disturb live allocations
  auto after = std::make_unique<char[]>(64);
  after[0] = 'x';
  EXPECT_EQ(after[0], 'x');
}

}  // namespace
}  // namespace fulcrum
