#include "sim/event_queue.h"

#include <gtest/gtest.h>

#include <utility>
#include <vector>

#include "core/random.h"

namespace fulcrum::sim {
namespace {

TEST(EventQueueTest, PopsByTimeThenInSchedulingOrder) {
  EventQueue queue;
  queue.push(Nanos{30}, 1, 100);
  queue.push(Nanos{10}, 1, 101);
  queue.push(Nanos{30}, 2, 102);
  queue.push(Nanos{20}, 1, 103);
  queue.push(Nanos{30}, 3, 104);
  queue.push(Nanos{10}, 2, 105);
  std::vector<uint64_t> subjects;
  while (!queue.empty()) subjects.push_back(queue.pop().subject);
  EXPECT_EQ(subjects, (std::vector<uint64_t>{101, 105, 103, 100, 102, 104}));
  EXPECT_EQ(queue.scheduled(), 6u);
}

TEST(EventQueueTest, CarriesKindSubjectAndTag) {
  EventQueue queue;
  EXPECT_EQ(queue.push(Nanos{5}, 7, 42, 3), 0u);
  EXPECT_EQ(queue.push(Nanos{5}, 8, 43, 4), 1u);
  Event event = queue.pop();
  EXPECT_EQ(event.time, Nanos{5});
  EXPECT_EQ(event.kind, 7u);
  EXPECT_EQ(event.subject, 42u);
  EXPECT_EQ(event.tag, 3u);
  EXPECT_EQ(event.sequence, 0u);
  EXPECT_EQ(queue.size(), 1u);
}

TEST(SimulationTest, AdvancesTheClockAndLetsHandlersScheduleMore) {
  Simulation simulation;
  simulation.at(Nanos{100}, 0, 1);
  std::vector<std::pair<int64_t, uint64_t>> seen;
  uint64_t handled = simulation.run([&](const Event& event) {
    seen.emplace_back(simulation.now().count(), event.subject);
    if (event.subject < 4) simulation.after(Nanos{50}, 0, event.subject + 1);
    if (event.subject == 2) simulation.at(Nanos{0}, 0, 99);  // the past runs now
  });
  EXPECT_EQ(handled, 5u);
  std::vector<std::pair<int64_t, uint64_t>> expected = {
      {100, 1}, {150, 2}, {150, 99}, {200, 3}, {250, 4}};
  EXPECT_EQ(seen, expected);
}

TEST(SimulationTest, RunStopsAfterTheGivenTimeAndResumes) {
  Simulation simulation;
  for (int64_t time : {10, 20, 30, 40}) simulation.at(Nanos{time}, 0, static_cast<uint64_t>(time));
  std::vector<uint64_t> seen;
  auto record = [&](const Event& event) { seen.push_back(event.subject); };
  EXPECT_EQ(simulation.run(record, Nanos{20}), 2u);
  EXPECT_EQ(simulation.now(), Nanos{20});
  EXPECT_EQ(simulation.events().size(), 2u);
  EXPECT_EQ(simulation.run(record), 2u);
  EXPECT_EQ(seen, (std::vector<uint64_t>{10, 20, 30, 40}));
  EXPECT_EQ(simulation.now(), Nanos{40});
}

// Many events at few distinct times, scheduled in a seeded random order: two runs give the same
// sequence, and within one time the events come out in scheduling order.
std::vector<uint64_t> random_run(uint64_t seed) {
  Rng rng(seed);
  Simulation simulation;
  for (uint64_t subject = 0; subject < 2000; ++subject) {
    simulation.at(Nanos{static_cast<int64_t>(rng.uniform(16))}, 0, subject);
  }
  std::vector<uint64_t> order;
  Nanos last{0};
  uint64_t last_subject_at_time = 0;
  simulation.run([&](const Event& event) {
    if (event.time == last && !order.empty()) {
      EXPECT_GT(event.subject, last_subject_at_time);
    }
    EXPECT_GE(event.time, last);
    last = event.time;
    last_subject_at_time = event.subject;
    order.push_back(event.subject);
  });
  return order;
}

TEST(SimulationTest, SameSeedSameOrder) {
  std::vector<uint64_t> first = random_run(7);
  EXPECT_EQ(first.size(), 2000u);
  EXPECT_EQ(first, random_run(7));
  EXPECT_NE(first, random_run(8));
}

}  // namespace
}  // namespace fulcrum::sim
