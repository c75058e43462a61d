#include "gateway/backends.h"

#include <gtest/gtest.h>

namespace fulcrum {
namespace {

BackendConfig backend(std::string name, uint16_t port, uint32_t weight = 1) {
  BackendConfig config;
  config.name = std::move(name);
  config.host = "127.0.0.1";
  config.port = port;
  config.weight = weight;
  return config;
}

TEST(BackendRegistryTest, SyncKeepsUnchangedBackendsWithTheirStateAndReportsChanges) {
  BackendRegistry registry;
  ASSERT_TRUE(registry.add(backend("a", 9001)).ok());
  ASSERT_TRUE(registry.add(backend("b", 9002)).ok());
  std::shared_ptr<Backend> a = registry.find("a");
  a->draining.store(true);
  const uint64_t generation = registry.generation();

  auto changes = registry.sync({backend("a", 9001, 5), backend("b", 9003), backend("c", 9004)});
  ASSERT_TRUE(changes.ok()) << changes.error_message();
  EXPECT_EQ(*changes, (std::vector<std::string>{"backend \"a\" weight 1 -> 5",
                                                "backend \"b\" replaced", "backend \"c\" added"}));
  EXPECT_GT(registry.generation(), generation);
  EXPECT_EQ(registry.find("a").get(), a.get());  // same object: drain state and counters kept
  EXPECT_TRUE(a->draining.load());
  EXPECT_EQ(a->weight.load(), 5u);
  EXPECT_EQ(registry.find("b")->endpoint.port(), 9003);
  ASSERT_EQ(registry.snapshot()->size(), 3u);

  changes = registry.sync({backend("c", 9004)});
  ASSERT_TRUE(changes.ok());
  EXPECT_EQ(*changes, (std::vector<std::string>{"backend \"a\" removed", "backend \"b\" removed"}));
  ASSERT_EQ(registry.snapshot()->size(), 1u);
  EXPECT_EQ(registry.find("a"), nullptr);
}

TEST(BackendRegistryTest, SyncChangesNothingWhenAHostDoesNotResolve) {
  BackendRegistry registry;
  ASSERT_TRUE(registry.add(backend("a", 9001)).ok());
  BackendConfig bad = backend("bad", 80);
  bad.host = "no-such-host.invalid";
  auto changes = registry.sync({bad});
  ASSERT_FALSE(changes.ok());
  EXPECT_NE(changes.error_message().find("cannot resolve host \"no-such-host.invalid\""),
            std::string::npos)
      << changes.error_message();
  ASSERT_EQ(registry.snapshot()->size(), 1u);
  EXPECT_NE(registry.find("a"), nullptr);
}

}  // namespace
}  // namespace fulcrum
