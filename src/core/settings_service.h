#pragma once
// core/settings_service.h: the instance's general settings document (GET/PUT
// /admin/general-settings) and instance variables (/admin/variables/). Other services read
// the settings through the typed getters, so an admin's change applies without a restart.

#include <cstdint>
#include <string>
#include <vector>

#include "common/json.h"
#include "storage/metadata_store.h"

namespace dss::core {

/// Store documents: "settings" / "" / "general" and "settings" / "" / "variables".
inline constexpr const char* kKindSettings = "settings";

class SettingsService {
 public:
  explicit SettingsService(storage::MetadataStore& store);

  /// The settings document: defaults overlaid with what was saved (unknown fields included).
  /// Thread-safe.
  Json GetGeneral() const;
  /// Replaces the saved document with `body` after validating the known fields. Returns the
  /// top-level field names dssd does not know (kept as given). Throws ApiError(kBadRequest)
  /// naming the field when a known field has the wrong type or range; nothing is saved then.
  /// Thread-safe.
  std::vector<std::string> PutGeneral(const Json& body);
  /// The defaults (what GET returns on a fresh instance).
  static Json DefaultGeneral();

  // Typed getters (current values, defaults when unset). Thread-safe.
  int MaxRunningActivities() const;
  int MaxRunningActivitiesPerJob() const;
  int DatasetVersionsToKeep() const;
  int SqlQueryTimeoutSeconds() const;
  int64_t FutureRetentionSeconds() const;
  int JobLogRetentionDays() const;
  std::string NodeName() const;

  /// Instance variables: a flat JSON object. Thread-safe.
  Json GetVariables() const;
  /// Replaces the instance variables. Throws ApiError(kBadRequest) unless `vars` is an object.
  void PutVariables(const Json& vars);

 private:
  int64_t IntSetting(const char* field) const;

  storage::MetadataStore& store_;
};

}  // namespace dss::core
