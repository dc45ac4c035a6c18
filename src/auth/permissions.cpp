#include "auth/permissions.h"

#include "common/api_error.h"

namespace dss::auth {

const std::vector<std::pair<ProjectPerm, std::string_view>>& ProjectPermNames() {
  static const std::vector<std::pair<ProjectPerm, std::string_view>> kNames = {
      {kAdmin, "admin"},
      {kReadProjectContent, "readProjectContent"},
      {kWriteProjectContent, "writeProjectContent"},
      {kExportDatasetsData, "exportDatasetsData"},
      {kReadDashboards, "readDashboards"},
      {kWriteDashboards, "writeDashboards"},
      {kModerateDashboards, "moderateDashboards"},
      {kRunScenarios, "runScenarios"},
      {kManageDashboardAuthorizations, "manageDashboardAuthorizations"},
      {kManageExposedElements, "manageExposedElements"},
      {kManageAdditionalDashboardUsers, "manageAdditionalDashboardUsers"},
      {kExecuteApp, "executeApp"},
      {kShareToWorkspaces, "shareToWorkspaces"},
  };
  return kNames;
}

ProjectPerms CloseProjectPerms(ProjectPerms p) {
  if (p & kAdmin) return kAllProjectPerms;
  if (p & kWriteProjectContent)
    p |= kReadProjectContent | kReadDashboards | kWriteDashboards | kRunScenarios;
  if (p & kReadProjectContent) p |= kReadDashboards;
  if (p & kWriteDashboards) p |= kReadDashboards;
  if (p & kModerateDashboards) p |= kReadDashboards;
  if (p & kShareToWorkspaces) p |= kManageDashboardAuthorizations;
  return p;
}

ProjectPerms ProjectPermsFromJson(const Json& entry) {
  ProjectPerms p = 0;
  if (!entry.is_object()) return p;
  for (const auto& [flag, name] : ProjectPermNames()) {
    auto it = entry.find(name);
    if (it == entry.end() || it->is_null()) continue;
    if (!it->is_boolean())
      throw ApiError::BadRequest("Permission flag '" + std::string(name) + "' must be a boolean");
    if (it->get<bool>()) p |= flag;
  }
  return p;
}

void ProjectPermsToJson(ProjectPerms p, Json& out) {
  for (const auto& [flag, name] : ProjectPermNames()) out[std::string(name)] = (p & flag) != 0;
}

ProjectPerms ProjectPermFromKeyPrivilege(std::string_view name) {
  if (name == "ADMIN") return kAdmin;
  if (name == "READ_CONF") return kReadProjectContent;
  if (name == "WRITE_CONF") return kWriteProjectContent;
  if (name == "EXPORT_DATASETS_DATA") return kExportDatasetsData;
  if (name == "SHARE_TO_WORKSPACE") return kShareToWorkspaces;
  if (name == "READ_DASHBOARDS") return kReadDashboards;
  if (name == "WRITE_DASHBOARDS") return kWriteDashboards;
  if (name == "MODERATE_DASHBOARDS") return kModerateDashboards;
  if (name == "RUN_SCENARIOS") return kRunScenarios;
  if (name == "MANAGE_DASHBOARD_AUTHORIZATIONS") return kManageDashboardAuthorizations;
  if (name == "MANAGE_EXPOSED_ELEMENTS") return kManageExposedElements;
  return 0;
}

const std::vector<std::pair<GlobalPerm, std::string_view>>& GlobalPermNames() {
  static const std::vector<std::pair<GlobalPerm, std::string_view>> kNames = {
      {kGlobalAdmin, "admin"},
      {kMayManageCodeEnvs, "mayManageCodeEnvs"},
      {kMayCreateCodeEnvs, "mayCreateCodeEnvs"},
      {kMayWriteUnsafeCode, "mayWriteUnsafeCode"},
      {kMayWriteSafeCode, "mayWriteSafeCode"},
      {kMayCreateProjects, "mayCreateProjects"},
      {kMayManageUDM, "mayManageUDM"},
      {kMayEditLibFolders, "mayEditLibFolders"},
      {kMayDevelopPlugins, "mayDevelopPlugins"},
      {kMayCreateAuthenticatedConnections, "mayCreateAuthenticatedConnections"},
      {kMayCreatePublishedAPIServices, "mayCreatePublishedAPIServices"},
      {kMayCreatePublishedProjects, "mayCreatePublishedProjects"},
      {kMayCreateWorkspaces, "mayCreateWorkspaces"},
  };
  return kNames;
}

GlobalPerms CloseGlobalPerms(GlobalPerms p) {
  if (p & kGlobalAdmin) return (1u << 13) - 1;
  return p;
}

GlobalPerms GlobalPermsFromJson(const Json& obj) {
  GlobalPerms p = 0;
  if (!obj.is_object()) return p;
  for (const auto& [flag, name] : GlobalPermNames()) {
    auto it = obj.find(name);
    if (it == obj.end() || it->is_null()) continue;
    if (!it->is_boolean())
      throw ApiError::BadRequest("Global permission '" + std::string(name) + "' must be a boolean");
    if (it->get<bool>()) p |= flag;
  }
  return p;
}

Json GlobalPermsToJson(GlobalPerms p) {
  Json out = Json::object();
  for (const auto& [flag, name] : GlobalPermNames()) out[std::string(name)] = (p & flag) != 0;
  return out;
}

}  // namespace dss::auth
