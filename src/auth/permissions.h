#pragma once
// auth/permissions.h: DSS's permission vocabularies and their implication rules.
// Pure functions and value types; thread-safe.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/json.h"

namespace dss::auth {

/// Project permission flags, named as in DSS's permission JSON (spec/semantics.md §1.3).
enum ProjectPerm : uint32_t {
  kAdmin = 1u << 0,
  kReadProjectContent = 1u << 1,
  kWriteProjectContent = 1u << 2,
  kExportDatasetsData = 1u << 3,
  kReadDashboards = 1u << 4,
  kWriteDashboards = 1u << 5,
  kModerateDashboards = 1u << 6,
  kRunScenarios = 1u << 7,
  kManageDashboardAuthorizations = 1u << 8,
  kManageExposedElements = 1u << 9,
  kManageAdditionalDashboardUsers = 1u << 10,
  kExecuteApp = 1u << 11,
  kShareToWorkspaces = 1u << 12,
};
using ProjectPerms = uint32_t;
constexpr ProjectPerms kAllProjectPerms = (1u << 13) - 1;

/// (flag, JSON name) for every project permission, in DSS's order.
const std::vector<std::pair<ProjectPerm, std::string_view>>& ProjectPermNames();

/// Applies DSS's implication rules until closed: admin implies everything; write content
/// implies read content, read/write dashboards and run scenarios; read content implies read
/// dashboards; write dashboards implies read dashboards; share to workspaces implies manage
/// dashboard authorizations.
ProjectPerms CloseProjectPerms(ProjectPerms p);

/// Reads the boolean flags of a permission entry ({"group"|"user", flags...}). Unknown keys
/// are ignored; a flag that is present but not a boolean throws ApiError(kBadRequest).
ProjectPerms ProjectPermsFromJson(const Json& entry);
/// Writes every flag (true/false) into `out`, keeping its other keys.
void ProjectPermsToJson(ProjectPerms p, Json& out);

/// The key-style upper-case names (READ_CONF, WRITE_CONF, ...) accepted in key grants.
/// Returns 0 for an unknown name.
ProjectPerms ProjectPermFromKeyPrivilege(std::string_view name);

/// Global permissions (group and global-key `globalPermissions`).
enum GlobalPerm : uint32_t {
  kGlobalAdmin = 1u << 0,
  kMayManageCodeEnvs = 1u << 1,
  kMayCreateCodeEnvs = 1u << 2,
  kMayWriteUnsafeCode = 1u << 3,
  kMayWriteSafeCode = 1u << 4,
  kMayCreateProjects = 1u << 5,
  kMayManageUDM = 1u << 6,
  kMayEditLibFolders = 1u << 7,
  kMayDevelopPlugins = 1u << 8,
  kMayCreateAuthenticatedConnections = 1u << 9,
  kMayCreatePublishedAPIServices = 1u << 10,
  kMayCreatePublishedProjects = 1u << 11,
  kMayCreateWorkspaces = 1u << 12,
};
using GlobalPerms = uint32_t;

const std::vector<std::pair<GlobalPerm, std::string_view>>& GlobalPermNames();
/// admin implies every other global permission.
GlobalPerms CloseGlobalPerms(GlobalPerms p);
GlobalPerms GlobalPermsFromJson(const Json& obj);
Json GlobalPermsToJson(GlobalPerms p);

}  // namespace dss::auth
