// SQLite implementation of MetadataStore: WAL, synchronous=FULL, with an in-memory copy of
// every document so reads never touch the disk. The cache is updated only after a commit
// succeeds, so readers see committed state only. Commits by other processes (dsscli) are
// noticed through `PRAGMA data_version`: reads check it at most every kRefreshIntervalMs,
// and every transaction checks it once it holds the database write lock, so a transaction
// never works from a stale cache.
#include <sqlite3.h>

#include <atomic>
#include <map>
#include <mutex>
#include <shared_mutex>
#include <thread>
#include <tuple>

#include "common/api_error.h"
#include "common/clock.h"
#include "storage/metadata_store.h"

namespace dss::storage {

int64_t MetadataStore::Put(const std::string& kind, const std::string& scope, const std::string& id,
                           Json data) {
  int64_t v = 0;
  Transact([&](Txn& t) { v = t.Put(kind, scope, id, std::move(data)); });
  return v;
}

bool MetadataStore::Delete(const std::string& kind, const std::string& scope,
                           const std::string& id) {
  bool removed = false;
  Transact([&](Txn& t) { removed = t.Delete(kind, scope, id); });
  return removed;
}

int64_t MetadataStore::AppendEvent(const std::string& kind, const std::string& scope, Json data) {
  int64_t seq = 0;
  Transact([&](Txn& t) { seq = t.AppendEvent(kind, scope, std::move(data)); });
  return seq;
}

namespace {

using Key = std::tuple<std::string, std::string, std::string>;

constexpr int64_t kRefreshIntervalMs = 200;

// Each migration moves the schema from user_version N to N+1. Never edit a shipped one.
const char* const kMigrations[] = {
    R"(CREATE TABLE objects(
         kind TEXT NOT NULL, scope TEXT NOT NULL, id TEXT NOT NULL,
         version INTEGER NOT NULL, created INTEGER NOT NULL, modified INTEGER NOT NULL,
         data TEXT NOT NULL, PRIMARY KEY(kind, scope, id)) WITHOUT ROWID;
       CREATE TABLE events(seq INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT NOT NULL,
         scope TEXT NOT NULL, ts INTEGER NOT NULL, data TEXT NOT NULL);
       CREATE INDEX events_by_kind ON events(kind, scope, seq);)",
};

class Stmt {
 public:
  Stmt(sqlite3* db, const char* sql) : db_(db) {
    if (sqlite3_prepare_v2(db, sql, -1, &s_, nullptr) != SQLITE_OK)
      throw ApiError::Internal(std::string("sqlite prepare: ") + sqlite3_errmsg(db));
  }
  ~Stmt() { sqlite3_finalize(s_); }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  Stmt& Bind(int i, const std::string& v) {
    sqlite3_bind_text(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Stmt& Bind(int i, int64_t v) {
    sqlite3_bind_int64(s_, i, v);
    return *this;
  }
  bool Step() {
    int rc = sqlite3_step(s_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    throw ApiError::Internal(std::string("sqlite step: ") + sqlite3_errmsg(db_));
  }
  void Reset() {
    sqlite3_reset(s_);
    sqlite3_clear_bindings(s_);
  }
  int64_t Int(int c) { return sqlite3_column_int64(s_, c); }
  std::string Text(int c) {
    const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(s_, c));
    return p ? std::string(p, static_cast<size_t>(sqlite3_column_bytes(s_, c))) : std::string();
  }

 private:
  sqlite3* db_;
  sqlite3_stmt* s_ = nullptr;
};

class SqliteStore;

class SqliteTxn : public Txn {
 public:
  SqliteTxn(SqliteStore& store, int64_t now) : store_(store), now_(now) {}
  std::optional<Document> Get(const std::string& kind, const std::string& scope,
                              const std::string& id) override;
  std::vector<Document> List(const std::string& kind, const std::string& scope) override;
  int64_t Put(const std::string& kind, const std::string& scope, const std::string& id,
              Json data) override;
  bool Delete(const std::string& kind, const std::string& scope, const std::string& id) override;
  int DeleteScope(const std::string& scope) override;
  int64_t AppendEvent(const std::string& kind, const std::string& scope, Json data) override;

  // Pending document changes: nullopt value = deleted.
  std::map<Key, std::optional<Document>> pending;

 private:
  SqliteStore& store_;
  int64_t now_;
};

class SqliteStore : public MetadataStore {
 public:
  explicit SqliteStore(const std::string& path) {
    if (sqlite3_open_v2(path.c_str(), &db_,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                        nullptr) != SQLITE_OK) {
      std::string msg = db_ ? sqlite3_errmsg(db_) : "out of memory";
      sqlite3_close(db_);
      throw ApiError::Internal("Cannot open metadata store " + path + ": " + msg);
    }
    sqlite3_busy_timeout(db_, 5000);
    Exec("PRAGMA journal_mode=WAL");
    Exec("PRAGMA synchronous=FULL");
    Exec("PRAGMA foreign_keys=ON");
    Migrate();
    cache_ = LoadAll();
    data_version_ = DataVersion();
    last_check_ms_ = NowMs();
  }
  ~SqliteStore() override { sqlite3_close(db_); }

  std::optional<Document> Get(const std::string& kind, const std::string& scope,
                              const std::string& id) const override {
    MaybeRefresh();
    std::shared_lock lock(cache_mu_);
    auto it = cache_.find(Key{kind, scope, id});
    if (it == cache_.end()) return std::nullopt;
    return it->second;
  }

  std::vector<Document> List(const std::string& kind, const std::string& scope) const override {
    MaybeRefresh();
    std::shared_lock lock(cache_mu_);
    return ListLocked(kind, scope);
  }

  std::vector<Document> ListAll(const std::string& kind) const override {
    MaybeRefresh();
    std::shared_lock lock(cache_mu_);
    std::vector<Document> out;
    for (auto it = cache_.lower_bound(Key{kind, "", ""});
         it != cache_.end() && std::get<0>(it->first) == kind; ++it)
      out.push_back(it->second);
    return out;
  }

  void Transact(const std::function<void(Txn&)>& fn) override {
    std::lock_guard<std::mutex> lock(write_mu_);
    // Lets reads made from inside `fn` (services often call store.Get in a transaction) see
    // that this thread already holds write_mu_ and skip refreshing.
    writer_.store(std::this_thread::get_id());
    struct ClearWriter {
      std::atomic<std::thread::id>& w;
      ~ClearWriter() { w.store(std::thread::id()); }
    } clear_writer{writer_};
    SqliteTxn txn(*this, NowMs());
    Exec("BEGIN IMMEDIATE");
    try {
      // Holding the database write lock: nobody can commit until we do, so after this check
      // the cache is exactly the database state the transaction builds on.
      ReloadIfChangedLocked();
      fn(txn);
      Exec("COMMIT");
    } catch (...) {
      sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
      throw;
    }
    std::unique_lock cl(cache_mu_);
    for (auto& [k, v] : txn.pending) {
      if (v)
        cache_[k] = std::move(*v);
      else
        cache_.erase(k);
    }
    // Our own commit does not change data_version for this connection.
  }

  bool RefreshIfChanged() const override {
    // Inside a transaction the cache was already checked under the database write lock.
    if (writer_.load() == std::this_thread::get_id()) return false;
    std::lock_guard<std::mutex> lock(write_mu_);
    return ReloadIfChangedLocked();
  }

  std::vector<Event> ListEvents(const std::string& kind, const std::string& scope,
                                int limit) const override {
    std::lock_guard<std::mutex> lock(write_mu_);
    Stmt s(db_,
           "SELECT seq, ts, data FROM events WHERE kind=? AND scope=? ORDER BY seq DESC LIMIT ?");
    s.Bind(1, kind).Bind(2, scope).Bind(3, static_cast<int64_t>(limit));
    std::vector<Event> out;
    while (s.Step()) {
      Event e;
      e.seq = s.Int(0);
      e.ts_ms = s.Int(1);
      e.data = Json::parse(s.Text(2), nullptr, false);
      out.push_back(std::move(e));
    }
    return out;
  }

  // --- used by SqliteTxn (write mutex held) ---
  std::optional<Document> CachedLocked(const Key& k) const {
    std::shared_lock lock(cache_mu_);
    auto it = cache_.find(k);
    if (it == cache_.end()) return std::nullopt;
    return it->second;
  }
  std::vector<Document> ListLocked(const std::string& kind, const std::string& scope) const {
    std::vector<Document> out;
    for (auto it = cache_.lower_bound(Key{kind, scope, ""});
         it != cache_.end() && std::get<0>(it->first) == kind && std::get<1>(it->first) == scope;
         ++it)
      out.push_back(it->second);
    return out;
  }
  std::vector<Key> KeysOfScope(const std::string& scope) const {
    std::shared_lock lock(cache_mu_);
    std::vector<Key> out;
    for (auto& [k, v] : cache_)
      if (std::get<1>(k) == scope) out.push_back(k);
    return out;
  }
  sqlite3* db() { return db_; }
  mutable std::shared_mutex cache_mu_;

 private:
  void Exec(const char* sql) {
    char* err = nullptr;
    if (sqlite3_exec(db_, sql, nullptr, nullptr, &err) != SQLITE_OK) {
      std::string msg = err ? err : "unknown";
      sqlite3_free(err);
      throw ApiError::Internal(std::string("sqlite: ") + msg + " in " + sql);
    }
  }

  void Migrate() {
    Stmt v(db_, "PRAGMA user_version");
    v.Step();
    int64_t current = v.Int(0);
    int64_t target = static_cast<int64_t>(std::size(kMigrations));
    for (int64_t i = current; i < target; ++i) {
      Exec("BEGIN IMMEDIATE");
      Exec(kMigrations[i]);
      Exec(("PRAGMA user_version=" + std::to_string(i + 1)).c_str());
      Exec("COMMIT");
    }
  }

  // Reads are frequent: only look at the database every kRefreshIntervalMs, and never wait
  // for a running transaction (it checks by itself once it holds the write lock; and a read
  // made from inside a transaction callback must not re-enter write_mu_).
  void MaybeRefresh() const {
    int64_t now = NowMs();
    int64_t last = last_check_ms_.load(std::memory_order_relaxed);
    if (now - last < kRefreshIntervalMs) return;
    if (writer_.load() == std::this_thread::get_id()) return;
    if (!last_check_ms_.compare_exchange_strong(last, now)) return;
    std::unique_lock<std::mutex> lock(write_mu_, std::try_to_lock);
    if (!lock.owns_lock()) return;
    try {
      ReloadIfChangedLocked();
    } catch (...) {
      // A failed refresh leaves the previous cache: still a committed state.
    }
  }

  // Requires write_mu_.
  bool ReloadIfChangedLocked() const {
    int64_t v = DataVersion();
    last_check_ms_.store(NowMs(), std::memory_order_relaxed);
    if (v == data_version_) return false;
    auto fresh = LoadAll();
    {
      std::unique_lock cl(cache_mu_);
      cache_.swap(fresh);
    }
    data_version_ = v;
    return true;
  }

  int64_t DataVersion() const {
    Stmt s(db_, "PRAGMA data_version");
    s.Step();
    return s.Int(0);
  }

  std::map<Key, Document> LoadAll() const {
    std::map<Key, Document> cache;
    Stmt s(db_, "SELECT kind, scope, id, version, created, modified, data FROM objects");
    while (s.Step()) {
      Document d;
      d.kind = s.Text(0);
      d.scope = s.Text(1);
      d.id = s.Text(2);
      d.version = s.Int(3);
      d.created_ms = s.Int(4);
      d.modified_ms = s.Int(5);
      d.data = std::make_shared<const Json>(Json::parse(s.Text(6)));
      cache[Key{d.kind, d.scope, d.id}] = std::move(d);
    }
    return cache;
  }

  sqlite3* db_ = nullptr;
  mutable std::mutex write_mu_;
  mutable std::map<Key, Document> cache_;  // guarded by cache_mu_
  mutable int64_t data_version_ = 0;       // guarded by write_mu_
  mutable std::atomic<int64_t> last_check_ms_{0};
  std::atomic<std::thread::id> writer_{};  // the thread inside Transact, if any
};

std::optional<Document> SqliteTxn::Get(const std::string& kind, const std::string& scope,
                                       const std::string& id) {
  Key k{kind, scope, id};
  auto it = pending.find(k);
  if (it != pending.end()) return it->second;
  return store_.CachedLocked(k);
}

std::vector<Document> SqliteTxn::List(const std::string& kind, const std::string& scope) {
  std::map<std::string, Document> merged;
  {
    std::shared_lock lock(store_.cache_mu_);
    for (auto& d : store_.ListLocked(kind, scope)) merged[d.id] = d;
  }
  for (auto& [k, v] : pending) {
    if (std::get<0>(k) != kind || std::get<1>(k) != scope) continue;
    if (v)
      merged[std::get<2>(k)] = *v;
    else
      merged.erase(std::get<2>(k));
  }
  std::vector<Document> out;
  for (auto& [id, d] : merged) out.push_back(std::move(d));
  return out;
}

int64_t SqliteTxn::Put(const std::string& kind, const std::string& scope, const std::string& id,
                       Json data) {
  auto prev = Get(kind, scope, id);
  Document d;
  d.kind = kind;
  d.scope = scope;
  d.id = id;
  d.version = prev ? prev->version + 1 : 1;
  d.created_ms = prev ? prev->created_ms : now_;
  d.modified_ms = now_;
  std::string text = data.dump();
  d.data = std::make_shared<const Json>(std::move(data));
  Stmt s(store_.db(),
         "INSERT INTO objects(kind, scope, id, version, created, modified, data) "
         "VALUES(?,?,?,?,?,?,?) ON CONFLICT(kind, scope, id) DO UPDATE SET "
         "version=excluded.version, modified=excluded.modified, data=excluded.data");
  s.Bind(1, kind).Bind(2, scope).Bind(3, id).Bind(4, d.version).Bind(5, d.created_ms);
  s.Bind(6, d.modified_ms).Bind(7, text);
  s.Step();
  int64_t v = d.version;
  pending[Key{kind, scope, id}] = std::move(d);
  return v;
}

bool SqliteTxn::Delete(const std::string& kind, const std::string& scope, const std::string& id) {
  if (!Get(kind, scope, id)) return false;
  Stmt s(store_.db(), "DELETE FROM objects WHERE kind=? AND scope=? AND id=?");
  s.Bind(1, kind).Bind(2, scope).Bind(3, id);
  s.Step();
  pending[Key{kind, scope, id}] = std::nullopt;
  return true;
}

int SqliteTxn::DeleteScope(const std::string& scope) {
  int n = 0;
  for (auto& k : store_.KeysOfScope(scope)) {
    if (!pending.count(k) || pending[k]) {
      pending[k] = std::nullopt;
      ++n;
    }
  }
  for (auto& [k, v] : pending)
    if (std::get<1>(k) == scope && v) {
      v = std::nullopt;
      ++n;
    }
  Stmt s(store_.db(), "DELETE FROM objects WHERE scope=?");
  s.Bind(1, scope);
  s.Step();
  Stmt e(store_.db(), "DELETE FROM events WHERE scope=?");
  e.Bind(1, scope);
  e.Step();
  return n;
}

int64_t SqliteTxn::AppendEvent(const std::string& kind, const std::string& scope, Json data) {
  Stmt s(store_.db(), "INSERT INTO events(kind, scope, ts, data) VALUES(?,?,?,?)");
  s.Bind(1, kind).Bind(2, scope).Bind(3, now_).Bind(4, data.dump());
  s.Step();
  return sqlite3_last_insert_rowid(store_.db());
}

}  // namespace

MetadataStorePtr OpenSqliteMetadataStore(const std::string& path) {
  return std::make_unique<SqliteStore>(path);
}

}  // namespace dss::storage
