#pragma once
// storage/metadata_store.h: the interface every object definition is kept behind.
//
// Documents are JSON objects addressed by (kind, scope, id): kind names the object type
// ("project", "dataset", "user"...), scope is the owning project key ("" for instance-wide
// objects). Events are append-only records (timeline entries, metric history...).

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/json.h"

namespace dss::storage {

struct Document {
  std::string kind, scope, id;
  std::shared_ptr<const Json> data;
  int64_t version = 0;  // 1 on creation, +1 per write
  int64_t created_ms = 0;
  int64_t modified_ms = 0;
};

struct Event {
  int64_t seq = 0;
  int64_t ts_ms = 0;
  Json data;
};

/// Reads and writes inside one atomic transaction. Reads see the transaction's own writes.
class Txn {
 public:
  virtual ~Txn() = default;
  virtual std::optional<Document> Get(const std::string& kind, const std::string& scope,
                                      const std::string& id) = 0;
  /// Documents of one kind in one scope, ordered by id.
  virtual std::vector<Document> List(const std::string& kind, const std::string& scope) = 0;
  /// Creates or replaces. Returns the new version.
  virtual int64_t Put(const std::string& kind, const std::string& scope, const std::string& id,
                      Json data) = 0;
  /// Returns whether a document was removed.
  virtual bool Delete(const std::string& kind, const std::string& scope, const std::string& id) = 0;
  /// Removes every document and event of `scope` (a deleted project). Returns the count.
  virtual int DeleteScope(const std::string& scope) = 0;
  virtual int64_t AppendEvent(const std::string& kind, const std::string& scope, Json data) = 0;
};

class MetadataStore {
 public:
  virtual ~MetadataStore() = default;

  /// Returns the document or nullopt. Thread-safe; never blocks on writers for long.
  virtual std::optional<Document> Get(const std::string& kind, const std::string& scope,
                                      const std::string& id) const = 0;
  /// Documents of one kind in one scope, ordered by id. Thread-safe.
  virtual std::vector<Document> List(const std::string& kind, const std::string& scope) const = 0;
  /// Documents of one kind in every scope, ordered by (scope, id). Thread-safe.
  virtual std::vector<Document> ListAll(const std::string& kind) const = 0;

  /// Runs `fn` as one atomic, durable transaction; transactions are serialised. If `fn`
  /// throws, nothing is written and the exception propagates. Thread-safe.
  virtual void Transact(const std::function<void(Txn&)>& fn) = 0;

  /// Reloads the cached documents if another process (e.g. dsscli) committed since the last
  /// check. Returns whether anything was reloaded. Reads call it on their own at most every
  /// ~200 ms; call it directly before concluding that something does not exist when a
  /// concurrent writer is plausible (API-key lookups). Thread-safe.
  virtual bool RefreshIfChanged() const { return false; }

  /// Newest-first events of (kind, scope), at most `limit`. Thread-safe.
  virtual std::vector<Event> ListEvents(const std::string& kind, const std::string& scope,
                                        int limit) const = 0;

  // Single-document conveniences, each one transaction.
  int64_t Put(const std::string& kind, const std::string& scope, const std::string& id, Json data);
  bool Delete(const std::string& kind, const std::string& scope, const std::string& id);
  int64_t AppendEvent(const std::string& kind, const std::string& scope, Json data);
};

using MetadataStorePtr = std::unique_ptr<MetadataStore>;

/// Opens (creating and migrating) the SQLite store at `path`. Throws ApiError(kInternal) when
/// the file cannot be opened or migrated.
MetadataStorePtr OpenSqliteMetadataStore(const std::string& path);

}  // namespace dss::storage
