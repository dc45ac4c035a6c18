#pragma once
// core/instance_service.h: what identifies this instance (GET /instance-info) and the server
// log files an administrator may read (GET /admin/logs/).

#include <string>
#include <vector>

#include "common/json.h"
#include "core/settings_service.h"
#include "storage/data_dir.h"
#include "storage/metadata_store.h"

namespace dss::core {

class InstanceService {
 public:
  InstanceService(storage::MetadataStore& store, storage::DataDir data_dir,
                  const SettingsService& settings, std::string server_version);

  /// Creates the instance's node id on first start. Idempotent. Thread-safe.
  void EnsureIdentity();
  /// {nodeId, nodeName, nodeType: "DESIGN", dssVersion, ...}. Thread-safe.
  Json Info() const;

  /// Names of the log files in DATA_DIR/run ("*.log" and rotated "*.log.N"), sorted.
  std::vector<std::string> ListLogs() const;
  /// Content of log `name` (at most the last `max_bytes`; a cut is marked on the first line).
  /// Throws ApiError(kInvalidPath) for a name with '/', "..", or not a log file name, and
  /// ApiError(kLogNotFound) when absent. Thread-safe.
  std::string ReadLog(const std::string& name, size_t max_bytes = 32u << 20) const;

 private:
  storage::MetadataStore& store_;
  storage::DataDir data_dir_;
  const SettingsService& settings_;
  std::string server_version_;
};

}  // namespace dss::core
