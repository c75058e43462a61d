#include "store/store.h"

#include <sqlite3.h>

#include <array>

#include "core/yaml_reader.h"

namespace fulcrum {

namespace {

// Migration k (1-based) takes the schema from version k-1 to k. Append only; never edit one.
constexpr std::array<const char*, Store::kSchemaVersion> kMigrations = {
    R"sql(
CREATE TABLE tasks (
  id TEXT PRIMARY KEY,
  state TEXT NOT NULL,
  record TEXT NOT NULL
);
CREATE TABLE nodes (
  id TEXT PRIMARY KEY,
  record TEXT NOT NULL
);
CREATE TABLE events (
  seq INTEGER PRIMARY KEY,
  time_ms INTEGER NOT NULL,
  kind TEXT NOT NULL,
  task_id TEXT NOT NULL,
  node_id TEXT NOT NULL,
  from_state TEXT NOT NULL,
  to_state TEXT NOT NULL,
  reason TEXT NOT NULL,
  attempt INTEGER NOT NULL
);
CREATE INDEX events_by_task ON events (task_id, seq);
)sql",
};

// A prepared statement that finalizes itself.
class Statement {
 public:
  Statement(sqlite3* database, const char* sql) {
    sqlite3_prepare_v2(database, sql, -1, &statement_, nullptr);
  }
  ~Statement() { sqlite3_finalize(statement_); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  sqlite3_stmt* get() const { return statement_; }

 private:
  sqlite3_stmt* statement_ = nullptr;
};

void bind_text(sqlite3_stmt* statement, int index, const std::string& text) {
  sqlite3_bind_text(statement, index, text.data(), static_cast<int>(text.size()), SQLITE_STATIC);
}

std::string column_text(sqlite3_stmt* statement, int index) {
  const unsigned char* text = sqlite3_column_text(statement, index);
  if (text == nullptr) return {};
  return {reinterpret_cast<const char*>(text),
          static_cast<size_t>(sqlite3_column_bytes(statement, index))};
}

StoredEvent read_event(sqlite3_stmt* statement) {
  StoredEvent event;
  event.seq = sqlite3_column_int64(statement, 0);
  event.time_ms = sqlite3_column_int64(statement, 1);
  event.kind = column_text(statement, 2);
  event.task_id = column_text(statement, 3);
  event.node_id = column_text(statement, 4);
  event.from_state = column_text(statement, 5);
  event.to_state = column_text(statement, 6);
  event.reason = column_text(statement, 7);
  event.attempt = sqlite3_column_int(statement, 8);
  return event;
}

constexpr const char* kEventColumns =
    "SELECT seq, time_ms, kind, task_id, node_id, from_state, to_state, reason, attempt "
    "FROM events ";

}  // namespace

Result<std::unique_ptr<Store>> Store::open(const std::string& path, Durability durability) {
  sqlite3* database = nullptr;
  int opened =
      sqlite3_open_v2(path.c_str(), &database,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  std::unique_ptr<Store> store(new Store(database));  // NOLINT: the constructor is private
  if (opened != SQLITE_OK) return store->error("store " + path + ": cannot open");
  sqlite3_busy_timeout(database, 5000);
  FULCRUM_RETURN_IF_ERROR(store->execute("PRAGMA journal_mode=WAL"));
  FULCRUM_RETURN_IF_ERROR(store->execute(
      durability == Durability::kFull ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL"));
  if (Status migrated = store->migrate(); !migrated.ok()) {
    return Status(migrated.code(), "store " + path + ": " + migrated.message());
  }
  FULCRUM_RETURN_IF_ERROR(store->prepare_statements());
  return store;
}

Store::~Store() {
  for (sqlite3_stmt* statement : {upsert_task_, upsert_node_, delete_node_, insert_event_}) {
    sqlite3_finalize(statement);
  }
  sqlite3_close(database_);
}

Status Store::error(const std::string& what) const {
  return {ErrorCode::kInternal,
          what + ": " + (database_ != nullptr ? sqlite3_errmsg(database_) : "out of memory")};
}

Status Store::execute(const char* sql) {
  char* message = nullptr;
  if (sqlite3_exec(database_, sql, nullptr, nullptr, &message) == SQLITE_OK) return {};
  std::string text = message != nullptr ? message : "unknown error";
  sqlite3_free(message);
  return {ErrorCode::kInternal, text};
}

Result<int> Store::schema_version() {
  Statement query(database_, "SELECT version FROM schema_version");
  if (query.get() == nullptr) return error("schema_version");
  if (sqlite3_step(query.get()) != SQLITE_ROW) return 0;
  return sqlite3_column_int(query.get(), 0);
}

Status Store::migrate() {
  FULCRUM_RETURN_IF_ERROR(
      execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)"));
  int version = 0;
  FULCRUM_ASSIGN_OR_RETURN(version, schema_version());
  if (version > kSchemaVersion) {
    return {ErrorCode::kFailedPrecondition, "schema version " + std::to_string(version) +
                                                " is newer than this program's (" +
                                                std::to_string(kSchemaVersion) + ")"};
  }
  for (int next = version + 1; next <= kSchemaVersion; ++next) {
    FULCRUM_RETURN_IF_ERROR(execute("BEGIN IMMEDIATE"));
    Status applied = execute(kMigrations[static_cast<size_t>(next - 1)]);
    if (applied.ok()) {
      std::string record = "DELETE FROM schema_version; INSERT INTO schema_version VALUES (" +
                           std::to_string(next) + ")";
      applied = execute(record.c_str());
    }
    if (!applied.ok()) {
      (void)execute("ROLLBACK");
      return {applied.code(), "migration " + std::to_string(next) + ": " + applied.message()};
    }
    FULCRUM_RETURN_IF_ERROR(execute("COMMIT"));
  }
  return {};
}

Status Store::prepare_statements() {
  struct Wanted {
    sqlite3_stmt** statement;
    const char* sql;
  };
  const std::array<Wanted, 4> wanted = {{
      {&upsert_task_, "INSERT OR REPLACE INTO tasks (id, state, record) VALUES (?, ?, ?)"},
      {&upsert_node_, "INSERT OR REPLACE INTO nodes (id, record) VALUES (?, ?)"},
      {&delete_node_, "DELETE FROM nodes WHERE id = ?"},
      {&insert_event_,
       "INSERT INTO events (seq, time_ms, kind, task_id, node_id, from_state, to_state, reason, "
       "attempt) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"},
  }};
  for (const Wanted& entry : wanted) {
    if (sqlite3_prepare_v3(database_, entry.sql, -1, SQLITE_PREPARE_PERSISTENT, entry.statement,
                           nullptr) != SQLITE_OK) {
      return error("prepare");
    }
  }
  return {};
}

namespace {

bool step_done(sqlite3_stmt* statement) {
  int stepped = sqlite3_step(statement);
  sqlite3_reset(statement);
  sqlite3_clear_bindings(statement);
  return stepped == SQLITE_DONE;
}

}  // namespace

Status Store::write_rows(const StoreWrite& changes) {
  for (const StoredTask& task : changes.tasks) {
    bind_text(upsert_task_, 1, task.id);
    bind_text(upsert_task_, 2, task.state);
    bind_text(upsert_task_, 3, task.record_json);
    if (!step_done(upsert_task_)) return error("task " + task.id);
  }
  for (const StoredNode& node : changes.nodes) {
    bind_text(upsert_node_, 1, node.id);
    bind_text(upsert_node_, 2, node.record_json);
    if (!step_done(upsert_node_)) return error("node " + node.id);
  }
  for (const std::string& node_id : changes.removed_nodes) {
    bind_text(delete_node_, 1, node_id);
    if (!step_done(delete_node_)) return error("node " + node_id);
  }
  for (const StoredEvent& event : changes.events) {
    sqlite3_bind_int64(insert_event_, 1, event.seq);
    sqlite3_bind_int64(insert_event_, 2, event.time_ms);
    bind_text(insert_event_, 3, event.kind);
    bind_text(insert_event_, 4, event.task_id);
    bind_text(insert_event_, 5, event.node_id);
    bind_text(insert_event_, 6, event.from_state);
    bind_text(insert_event_, 7, event.to_state);
    bind_text(insert_event_, 8, event.reason);
    sqlite3_bind_int(insert_event_, 9, event.attempt);
    if (!step_done(insert_event_)) return error("event " + std::to_string(event.seq));
  }
  return {};
}

Status Store::write(const StoreWrite& changes) {
  if (changes.empty()) return {};
  FULCRUM_RETURN_IF_ERROR(execute("BEGIN IMMEDIATE"));
  Status written = write_rows(changes);
  if (!written.ok()) {
    (void)execute("ROLLBACK");
    return written;
  }
  return execute("COMMIT");
}

Result<std::vector<StoredTask>> Store::load_tasks() {
  Statement query(database_, "SELECT id, state, record FROM tasks ORDER BY rowid");
  if (query.get() == nullptr) return error("load tasks");
  std::vector<StoredTask> tasks;
  while (sqlite3_step(query.get()) == SQLITE_ROW) {
    tasks.push_back(
        {column_text(query.get(), 0), column_text(query.get(), 1), column_text(query.get(), 2)});
  }
  return tasks;
}

Result<std::vector<StoredNode>> Store::load_nodes() {
  Statement query(database_, "SELECT id, record FROM nodes ORDER BY rowid");
  if (query.get() == nullptr) return error("load nodes");
  std::vector<StoredNode> nodes;
  while (sqlite3_step(query.get()) == SQLITE_ROW) {
    nodes.push_back({column_text(query.get(), 0), column_text(query.get(), 1)});
  }
  return nodes;
}

Result<std::vector<StoredEvent>> Store::load_events(int64_t after_seq, int64_t limit) {
  std::string sql = std::string(kEventColumns) + "WHERE seq > ? ORDER BY seq LIMIT ?";
  Statement query(database_, sql.c_str());
  if (query.get() == nullptr) return error("load events");
  sqlite3_bind_int64(query.get(), 1, after_seq);
  sqlite3_bind_int64(query.get(), 2, limit);
  std::vector<StoredEvent> events;
  while (sqlite3_step(query.get()) == SQLITE_ROW) events.push_back(read_event(query.get()));
  return events;
}

Result<std::vector<StoredEvent>> Store::task_events(const std::string& task_id) {
  std::string sql = std::string(kEventColumns) + "WHERE task_id = ? ORDER BY seq";
  Statement query(database_, sql.c_str());
  if (query.get() == nullptr) return error("task events");
  bind_text(query.get(), 1, task_id);
  std::vector<StoredEvent> events;
  while (sqlite3_step(query.get()) == SQLITE_ROW) events.push_back(read_event(query.get()));
  return events;
}

Result<int64_t> Store::last_event_seq() {
  Statement query(database_, "SELECT COALESCE(MAX(seq), 0) FROM events");
  if (query.get() == nullptr || sqlite3_step(query.get()) != SQLITE_ROW) {
    return error("last event");
  }
  return sqlite3_column_int64(query.get(), 0);
}

}  // namespace fulcrum
