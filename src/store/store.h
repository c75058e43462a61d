// SQLite persistence for the scheduler: tasks, nodes and the event log in one database file in
// WAL mode. A write is one transaction (group commit: a batch of submissions costs one sync), so
// when write() returns ok the rows survive a crash of the process. The schema is versioned in a
// schema_version table and brought up to date by numbered migrations when the file is opened.
//
// The store knows rows, not scheduler types: a task or node is kept as its JSON text plus the few
// columns queries need, so the scheduler's record format can grow without a migration.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/status.h"

struct sqlite3;
struct sqlite3_stmt;

namespace fulcrum {

struct StoredTask {
  std::string id;
  std::string state;
  std::string record_json;
};

struct StoredNode {
  std::string id;
  std::string record_json;
};

struct StoredEvent {
  int64_t seq = 0;  // increasing, assigned by the scheduler
  int64_t time_ms = 0;
  std::string kind;  // "task", "node", "scale_out", "scale_in"
  std::string task_id;
  std::string node_id;
  std::string from_state;
  std::string to_state;
  std::string reason;
  int attempt = 0;
};

// Everything one scheduler step changed, written in one transaction.
struct StoreWrite {
  std::vector<StoredTask> tasks;  // inserted or replaced by id
  std::vector<StoredNode> nodes;  // inserted or replaced by id
  std::vector<std::string> removed_nodes;
  std::vector<StoredEvent> events;

  bool empty() const {
    return tasks.empty() && nodes.empty() && removed_nodes.empty() && events.empty();
  }
};

class Store {
 public:
  enum class Durability {
    kFull,    // every commit is synced: survives power loss
    kNormal,  // WAL synced at checkpoints: survives a process crash, not a power loss
  };

  static constexpr int kSchemaVersion = 1;

  // Opens or creates the database at `path` and migrates it; the error names the path.
  static Result<std::unique_ptr<Store>> open(const std::string& path,
                                             Durability durability = Durability::kFull);
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  Result<int> schema_version();
  Status write(const StoreWrite& changes);

  Result<std::vector<StoredTask>> load_tasks();
  Result<std::vector<StoredNode>> load_nodes();
  // Events with seq > after_seq, oldest first, at most `limit`.
  Result<std::vector<StoredEvent>> load_events(int64_t after_seq, int64_t limit);
  Result<std::vector<StoredEvent>> task_events(const std::string& task_id);
  // The highest event seq stored, 0 when there is none.
  Result<int64_t> last_event_seq();

 private:
  explicit Store(sqlite3* database) : database_(database) {}
  Status execute(const char* sql);
  Status migrate();
  Status prepare_statements();
  Status write_rows(const StoreWrite& changes);
  Status error(const std::string& what) const;

  sqlite3* database_;
  sqlite3_stmt* upsert_task_ = nullptr;
  sqlite3_stmt* upsert_node_ = nullptr;
  sqlite3_stmt* delete_node_ = nullptr;
  sqlite3_stmt* insert_event_ = nullptr;
};

}  // namespace fulcrum
