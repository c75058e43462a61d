#include "store/store.h"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <filesystem>
#include <string>

namespace fulcrum {
namespace {

class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("fulcrum-store-test-" + std::to_string(getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    path_ = (dir_ / "scheduler.db").string();
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::unique_ptr<Store> open() {
    auto store = Store::open(path_);
    EXPECT_TRUE(store.ok()) << store.status().to_string();
    return store.ok() ? std::move(*store) : nullptr;
  }

  std::filesystem::path dir_;
  std::string path_;
};

StoredEvent event(int64_t seq, std::string task_id, std::string to) {
  StoredEvent stored;
  stored.seq = seq;
  stored.time_ms = 1000 + seq;
  stored.kind = "task";
  stored.task_id = std::move(task_id);
  stored.to_state = std::move(to);
  stored.reason = "because";
  stored.attempt = 1;
  return stored;
}

TEST_F(StoreTest, NewFileIsMigratedToTheCurrentSchemaInWalMode) {
  auto store = open();
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(*store->schema_version(), Store::kSchemaVersion);
  sqlite3* database = nullptr;
  ASSERT_EQ(sqlite3_open(path_.c_str(), &database), SQLITE_OK);
  sqlite3_stmt* statement = nullptr;
  sqlite3_prepare_v2(database, "PRAGMA journal_mode", -1, &statement, nullptr);
  ASSERT_EQ(sqlite3_step(statement), SQLITE_ROW);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(sqlite3_column_text(statement, 0))), "wal");
  sqlite3_finalize(statement);
  sqlite3_close(database);
}

TEST_F(StoreTest, ReopenRestoresTasksNodesAndEvents) {
  {
    auto store = open();
    StoreWrite write;
    write.tasks = {{"T1", "queued", R"({"id":"T1"})"}, {"T2", "waiting", R"({"id":"T2"})"}};
    write.nodes = {{"n1", R"({"id":"n1"})"}, {"n2", R"({"id":"n2"})"}};
    write.events = {event(1, "T1", "pending"), event(2, "T1", "queued"), event(3, "T2", "pending")};
    ASSERT_TRUE(store->write(write).ok());
    StoreWrite update;
    update.tasks = {{"T1", "running", R"({"id":"T1","state":"running"})"}};
    update.removed_nodes = {"n2"};
    update.events = {event(4, "T1", "running")};
    ASSERT_TRUE(store->write(update).ok());
  }
  auto store = open();
  auto tasks = store->load_tasks();
  ASSERT_TRUE(tasks.ok());
  ASSERT_EQ(tasks->size(), 2u);
  std::map<std::string, std::string> state_by_id;
  for (const StoredTask& task : *tasks) state_by_id[task.id] = task.state;
  EXPECT_EQ(state_by_id["T1"], "running");
  EXPECT_EQ(state_by_id["T2"], "waiting");
  auto nodes = store->load_nodes();
  ASSERT_EQ(nodes->size(), 1u);
  EXPECT_EQ(nodes->front().id, "n1");
  EXPECT_EQ(*store->last_event_seq(), 4);
  auto history = store->task_events("T1");
  ASSERT_EQ(history->size(), 3u);
  EXPECT_EQ((*history)[2].to_state, "running");
  EXPECT_EQ((*history)[2].time_ms, 1004);
  EXPECT_EQ((*history)[0].reason, "because");
  auto page = store->load_events(1, 2);
  ASSERT_EQ(page->size(), 2u);
  EXPECT_EQ((*page)[0].seq, 2);
  EXPECT_EQ((*page)[1].seq, 3);
}

TEST_F(StoreTest, FailedWriteLeavesNothingBehind) {
  auto store = open();
  StoreWrite first;
  first.events = {event(1, "T1", "pending")};
  ASSERT_TRUE(store->write(first).ok());
  StoreWrite clash;  // a new task plus an event whose seq exists: the whole write is refused
  clash.tasks = {{"T9", "queued", "{}"}};
  clash.events = {event(1, "T9", "pending")};
  Status written = store->write(clash);
  EXPECT_FALSE(written.ok());
  EXPECT_TRUE(store->load_tasks()->empty());
  EXPECT_EQ(*store->last_event_seq(), 1);
}

TEST_F(StoreTest, NewerSchemaIsRefusedWithThePath) {
  { auto store = open(); }
  sqlite3* database = nullptr;
  ASSERT_EQ(sqlite3_open(path_.c_str(), &database), SQLITE_OK);
  ASSERT_EQ(
      sqlite3_exec(database, "UPDATE schema_version SET version = 99", nullptr, nullptr, nullptr),
      SQLITE_OK);
  sqlite3_close(database);
  auto store = Store::open(path_);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.error_message(),
            "store " + path_ + ": schema version 99 is newer than this program's (1)");
}

TEST_F(StoreTest, UnopenablePathIsNamed) {
  auto store = Store::open((dir_ / "missing" / "x.db").string());
  ASSERT_FALSE(store.ok());
  EXPECT_NE(store.error_message().find("missing/x.db: cannot open"), std::string::npos);
}

}  // namespace
}  // namespace fulcrum
