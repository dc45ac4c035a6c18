#pragma once
// core/flow_service.h: the project's Flow — the graph of datasets, folders and recipes built
// from recipe inputs/outputs (endpoints.md §3.10), cycle checks, and flow zones.
//
// Zones are documents "flow_zone"/PROJECT/ID {id, name, color, items, shared}. The default
// zone ("default") is implicit: it holds every object no other zone holds.

#include <string>
#include <vector>

#include "auth/principal.h"
#include "common/json.h"
#include "storage/metadata_store.h"

namespace dss::core {

inline constexpr const char* kKindFlowZone = "flow_zone";
inline constexpr const char* kDefaultZoneId = "default";

/// Thread-safe: every method is one store read or one transaction.
class FlowService {
 public:
  explicit FlowService(storage::MetadataStore& store) : store_(store) {}

  /// {nodes: {<id>: {type, ref, predecessors, successors}}}; same-project ids are the plain
  /// names. Throws ApiError(kProjectNotFound).
  Json Graph(const std::string& project) const;

  /// Throws ApiError(kRecipeCycle) naming a dataset on the cycle when the project's recipes,
  /// with `recipe` (a recipe JSON named `name`) added or replacing the stored one, would form
  /// a cycle, or ApiError(kBadRequest) when one of its outputs is already written by another
  /// recipe. Reads through `txn` so it sees the caller's pending writes.
  static void CheckRecipeFits(storage::Txn& txn, const std::string& project,
                              const std::string& name, const Json& recipe);

  /// Zones, default first. Throws kProjectNotFound.
  Json ListZones(const std::string& project) const;
  /// Creates a zone from {name, color?}; returns it. Throws kBadRequest for a missing name.
  Json CreateZone(const auth::Principal& who, const std::string& project, const Json& body);
  /// Throws ApiError(kZoneNotFound).
  Json GetZone(const std::string& project, const std::string& zone_id) const;
  /// Replaces name/color (and items/shared when given, validated). Returns the zone.
  Json SaveZone(const std::string& project, const std::string& zone_id, const Json& body);
  /// Deletes a zone; its items go back to the default zone. The default zone cannot be
  /// deleted (kBadRequest).
  void DeleteZone(const std::string& project, const std::string& zone_id);
  /// Moves objects (smart refs {objectId, objectType, projectKey?}) into the zone, out of any
  /// other. Throws kBadRequest for a malformed ref, kNotFound for an unknown object.
  Json AddItems(const std::string& project, const std::string& zone_id, const Json& refs);
  Json AddShared(const std::string& project, const std::string& zone_id, const Json& ref);
  Json RemoveShared(const std::string& project, const std::string& zone_id,
                    const std::string& object_type, const std::string& object_id);
  /// The graph restricted to the zone's items and shared objects.
  Json ZoneGraph(const std::string& project, const std::string& zone_id) const;

  /// Rewrites zone references after an object rename / drops them after a deletion.
  static void RenameObject(storage::Txn& txn, const std::string& project,
                           const std::string& object_type, const std::string& old_id,
                           const std::string& new_id);
  static void ForgetObject(storage::Txn& txn, const std::string& project,
                           const std::string& object_type, const std::string& id);

 private:
  Json ZoneView(storage::Txn& txn, const std::string& project, const std::string& zone_id) const;
  storage::MetadataStore& store_;
};

}  // namespace dss::core
