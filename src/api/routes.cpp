// THE route table. One row per (method, path). Keep areas grouped and in spec order
// (spec/endpoints.md). Patterns are relative to /public/api and /dip/publicapi.
#include "api/routes.h"

#include "api/api_key_handlers.h"
#include "api/auth_handlers.h"
#include "api/connection_handlers.h"
#include "api/dataset_handlers.h"
#include "api/flow_handlers.h"
#include "api/future_handlers.h"
#include "api/instance_handlers.h"
#include "api/job_handlers.h"
#include "api/managed_folder_handlers.h"
#include "api/meta_handlers.h"
#include "api/metrics_handlers.h"
#include "api/project_folder_handlers.h"
#include "api/project_handlers.h"
#include "api/recipe_handlers.h"
#include "api/sql_handlers.h"
#include "api/user_handlers.h"

namespace dss::api {

namespace {
using A = Access;
}  // namespace

const std::vector<Route>& Routes() {
  static const std::vector<Route> kRoutes = {
      // --- API description ---
      {"GET", "/openapi.json", A::kAuthenticated, GetOpenApi,
       "OpenAPI description generated from this table"},

      // --- Auth info ---
      {"GET", "/auth/info", A::kAuthenticated, GetAuthInfo, "Identity of the caller"},

      // --- Projects ---
      {"GET", "/projects/", A::kAuthenticated, ListProjects,
       "List projects readable by the caller"},
      {"POST", "/projects/", A::kCreateProjects, CreateProject, "Create a project"},
      {"GET", "/projects/{projectKey}", A::kProjectRead, GetProject, "Project summary"},
      {"DELETE", "/projects/{projectKey}", A::kProjectAdmin, DeleteProject,
       "Delete a project (future-style reply)"},
      {"GET", "/projects/{projectKey}/metadata", A::kProjectAdmin, GetProjectMetadata,
       "Project metadata"},
      {"PUT", "/projects/{projectKey}/metadata", A::kProjectAdmin, SetProjectMetadata,
       "Replace project metadata"},
      {"GET", "/projects/{projectKey}/settings", A::kProjectAdmin, GetProjectSettings,
       "Project settings (params)"},
      {"PUT", "/projects/{projectKey}/settings", A::kProjectAdmin, SetProjectSettings,
       "Replace project settings"},
      {"GET", "/projects/{projectKey}/permissions", A::kProjectAdmin, GetProjectPermissions,
       "Project owner and permissions"},
      {"PUT", "/projects/{projectKey}/permissions", A::kProjectAdmin, SetProjectPermissions,
       "Replace project owner and permissions"},
      {"GET", "/projects/{projectKey}/tags", A::kProjectRead, GetProjectTags, "Project tags"},
      {"PUT", "/projects/{projectKey}/tags", A::kProjectWrite, SetProjectTags,
       "Replace project tags"},
      {"GET", "/projects/{projectKey}/interest", A::kProjectRead, GetProjectInterest,
       "Star and watch counts"},
      {"GET", "/projects/{projectKey}/timeline", A::kProjectRead, GetProjectTimeline,
       "Project timeline"},

      // --- Project variables ---
      {"GET", "/projects/{projectKey}/variables/", A::kProjectRead, GetProjectVariables,
       "Project variables {standard, local}"},
      {"PUT", "/projects/{projectKey}/variables/", A::kProjectWrite, SetProjectVariables,
       "Replace project variables"},
      {"GET", "/projects/{projectKey}/variables-resolved", A::kProjectRead, GetResolvedVariables,
       "Instance and project variables merged"},

      // --- Project folders ---
      {"GET", "/project-folders/locate-project/{projectKey}", A::kProjectRead, LocateProject,
       "Folder holding a project"},
      {"GET", "/project-folders/{folderId}", A::kAuthenticated, GetProjectFolder, "Project folder"},
      {"DELETE", "/project-folders/{folderId}", A::kAuthenticated, DeleteProjectFolder,
       "Delete an empty project folder"},
      {"POST", "/project-folders/{folderId}/children", A::kAuthenticated, CreateProjectFolderChild,
       "Create a child folder"},
      {"GET", "/project-folders/{folderId}/settings", A::kAuthenticated, GetProjectFolderSettings,
       "Project folder settings"},
      {"PUT", "/project-folders/{folderId}/settings", A::kAuthenticated, SetProjectFolderSettings,
       "Replace project folder settings"},
      {"GET", "/project-folders/{folderId}/default-for-project-creation", A::kAuthenticated,
       GetDefaultFolderForProjectCreation, "Folder new projects land in"},
      {"POST", "/project-folders/{folderId}/move", A::kAuthenticated, MoveProjectFolder,
       "Move a folder"},
      {"POST", "/project-folders/{folderId}/projects/{projectKey}/move", A::kProjectAdmin,
       MoveProjectToFolder, "Move a project to another folder"},

      // --- Users, groups, current user ---
      {"GET", "/admin/users/", A::kAdmin, ListUsers, "Users (?includeSettings=)"},
      {"POST", "/admin/users/", A::kAdmin, CreateUser, "Create a user"},
      {"POST", "/admin/users/actions/bulk", A::kAdmin, BulkCreateUsers,
       "Create users; [{login, status, error}]"},
      {"PUT", "/admin/users/actions/bulk", A::kAdmin, BulkUpdateUsers,
       "Edit users; [{login, status, error}]"},
      {"DELETE", "/admin/users/actions/bulk", A::kAdmin, BulkDeleteUsers,
       "Delete users (logins in the body; ?allowSelfDeletion=)"},
      {"GET", "/admin/users/{login}", A::kAdmin, GetUser, "User settings (secrets masked)"},
      {"PUT", "/admin/users/{login}", A::kAdmin, UpdateUser, "Replace user settings"},
      {"DELETE", "/admin/users/{login}", A::kAdmin, DeleteUser,
       "Delete a user and its personal keys (?allowSelfDeletion=)"},
      {"GET", "/admin/users/{login}/activity", A::kAdmin, GetUserActivity,
       "Last activity of a user since the server started"},
      {"GET", "/admin/users-activity", A::kAdmin, ListUsersActivity,
       "Activity of every user (?enabledUsersOnly=)"},
      {"GET", "/users", A::kAuthenticated, ListUsersInfo, "Users (public fields)"},
      {"GET", "/users/{login}", A::kAuthenticated, GetUserInfo, "A user (public fields)"},
      {"GET", "/current-user", A::kAuthenticated, GetCurrentUser, "Own user settings"},
      {"PUT", "/current-user", A::kAuthenticated, PutCurrentUser,
       "Save own settings (not groups, profile or enabled)"},
      {"GET", "/admin/groups/", A::kAdmin, ListGroups, "Group definitions"},
      {"POST", "/admin/groups/", A::kAdmin, CreateGroup, "Create a group"},
      {"GET", "/admin/groups/{name}", A::kAdmin, GetGroup, "Group definition"},
      {"PUT", "/admin/groups/{name}", A::kAdmin, UpdateGroup, "Replace a group definition"},
      {"DELETE", "/admin/groups/{name}", A::kAdmin, DeleteGroup,
       "Delete a group (removed from users and keys)"},
      {"GET", "/groups", A::kAuthenticated, ListGroupsInfo, "Group names"},

      // --- API keys (global, personal, project) ---
      {"GET", "/admin/global-api-keys/", A::kAdmin, ListGlobalKeys,
       "Global API keys (secrets not recoverable: key is null)"},
      {"POST", "/admin/global-api-keys/", A::kAdmin, CreateGlobalKey,
       "Create a global API key (the secret is in this response only)"},
      {"GET", "/admin/global-api-keys/{keyId}", A::kAdmin, GetGlobalKey, "A global API key"},
      {"PUT", "/admin/global-api-keys/{keyId}", A::kAdmin, UpdateGlobalKey,
       "Edit a global API key (not its secret)"},
      {"DELETE", "/admin/global-api-keys/{keyId}", A::kAdmin, DeleteGlobalKey,
       "Delete a global API key"},
      {"GET", "/admin/globalAPIKeys/{secretKey}", A::kAdmin, GetGlobalKeyBySecret,
       "Legacy: a global API key looked up by its secret"},
      {"GET", "/personal-api-keys/", A::kAuthenticated, ListPersonalKeys, "Own personal keys"},
      {"POST", "/personal-api-keys/", A::kAuthenticated, CreatePersonalKey,
       "Create an own personal key"},
      {"GET", "/personal-api-keys/{keyId}", A::kAuthenticated, GetPersonalKey,
       "A personal key (own, or any for admins)"},
      {"PUT", "/personal-api-keys/{keyId}", A::kAuthenticated, UpdatePersonalKey,
       "Edit a personal key"},
      {"DELETE", "/personal-api-keys/{keyId}", A::kAuthenticated, DeletePersonalKey,
       "Delete a personal key"},
      {"GET", "/admin/personal-api-keys/", A::kAdmin, ListAllPersonalKeys,
       "Personal keys of every user"},
      {"POST", "/admin/personal-api-keys/", A::kAdmin, CreatePersonalKeyForUser,
       "Create a personal key for {user}"},
      {"GET", "/projects/{projectKey}/apikeys/", A::kProjectAdmin, ListProjectKeys,
       "Project API keys"},
      {"POST", "/projects/{projectKey}/apikeys/", A::kProjectAdmin, CreateProjectKey,
       "Create a project API key (valid on this project only)"},
      {"GET", "/projects/{projectKey}/apikeys/{keyId}", A::kProjectAdmin, GetProjectKey,
       "A project API key"},
      {"PUT", "/projects/{projectKey}/apikeys/{keyId}", A::kProjectAdmin, UpdateProjectKey,
       "Edit a project API key"},
      {"DELETE", "/projects/{projectKey}/apikeys/{keyId}", A::kProjectAdmin, DeleteProjectKey,
       "Delete a project API key"},

      // --- Connections ---
      {"GET", "/admin/connections/", A::kAdmin, ListConnections,
       "Connections keyed by name (secrets masked)"},
      {"POST", "/admin/connections/", A::kAdmin, CreateConnection, "Create a connection"},
      {"GET", "/admin/connections/{name}", A::kAdmin, GetConnection,
       "Connection definition (secrets masked)"},
      {"PUT", "/admin/connections/{name}", A::kAdmin, UpdateConnection,
       "Replace a connection definition (masked or omitted secrets are kept)"},
      {"DELETE", "/admin/connections/{name}", A::kAdmin, DeleteConnection,
       "Delete a connection (not the built-in ones)"},
      {"GET", "/connections/get-names", A::kAuthenticated, ListConnectionNames,
       "Names of the connections usable by the caller (?type=, 'all' = any)"},
      {"GET", "/connections/{name}/info", A::kAuthenticated, GetConnectionInfo,
       "Connection type and parameters, without secrets"},

      // --- Instance: general settings, global variables, instance info, logs ---
      {"GET", "/admin/general-settings", A::kAdmin, GetGeneralSettings, "General settings"},
      {"PUT", "/admin/general-settings", A::kAdmin, PutGeneralSettings,
       "Replace the general settings; answers {warnings} for unknown fields"},
      {"GET", "/admin/variables/", A::kAdmin, GetInstanceVariables, "Instance variables"},
      {"PUT", "/admin/variables/", A::kAdmin, PutInstanceVariables,
       "Replace the instance variables"},
      {"GET", "/instance-info", A::kAuthenticated, GetInstanceInfo,
       "Node id, name, type and version"},
      {"GET", "/admin/logs/", A::kAdmin, ListLogs, "Server log file names"},
      {"GET", "/admin/logs/{name}", A::kAdmin, GetLog, "A server log file as a JSON string"},

      // --- Datasets ---
      {"GET", "/projects/{projectKey}/datasets/", A::kProjectRead, ListDatasets,
       "List datasets (tags filter)"},
      {"POST", "/projects/{projectKey}/datasets/", A::kProjectWrite, CreateDataset,
       "Create a dataset (Filesystem, UploadedFiles, FilesInFolder, PostgreSQL, Inline)"},
      {"POST", "/projects/{projectKey}/datasets/managed", A::kProjectWrite, CreateManagedDataset,
       "Create a managed dataset"},
      {"POST", "/projects/{projectKey}/actions/renameDataset", A::kProjectWrite, RenameDataset,
       "Rename a dataset"},
      {"GET", "/projects/{projectKey}/datasets/{datasetName}", A::kProjectRead, GetDataset,
       "Dataset definition"},
      {"PUT", "/projects/{projectKey}/datasets/{datasetName}", A::kProjectWrite, PutDataset,
       "Replace the dataset definition (answers {warnings})"},
      {"DELETE", "/projects/{projectKey}/datasets/{datasetName}", A::kProjectWrite, DeleteDataset,
       "Delete a dataset (dropData)"},
      {"GET", "/projects/{projectKey}/datasets/{datasetName}/schema", A::kProjectRead,
       GetDatasetSchema, "Dataset schema"},
      {"PUT", "/projects/{projectKey}/datasets/{datasetName}/schema", A::kProjectWrite,
       PutDatasetSchema, "Set the dataset schema"},
      {"GET", "/projects/{projectKey}/datasets/{datasetName}/metadata", A::kProjectRead,
       GetDatasetMetadata, "Dataset metadata"},
      {"PUT", "/projects/{projectKey}/datasets/{datasetName}/metadata", A::kProjectWrite,
       PutDatasetMetadata, "Set dataset metadata"},
      {"GET", "/projects/{projectKey}/datasets/{datasetName}/info", A::kProjectRead, GetDatasetInfo,
       "Dataset info and last build"},
      {"GET", "/projects/{projectKey}/datasets/{datasetName}/usages", A::kProjectRead,
       GetDatasetUsages, "Recipes using the dataset"},
      {"GET", "/projects/{projectKey}/datasets/{datasetName}/data/", A::kProjectRead,
       GetDatasetData, "Stream rows (tsv-excel-noheader, tsv-excel-header, csv, json)"},
      {"PUT", "/projects/{projectKey}/datasets/{datasetName}/data/", A::kProjectWrite,
       PutDatasetData, "Extension: write rows into a new version", true},
      {"POST", "/projects/{projectKey}/datasets/{datasetName}/data/", A::kProjectWrite,
       PutDatasetData, "Extension: write rows into a new version", true},
      {"DELETE", "/projects/{projectKey}/datasets/{datasetName}/data", A::kProjectWrite,
       ClearDatasetData, "Clear data (all or listed partitions)"},
      {"GET", "/projects/{projectKey}/datasets/{datasetName}/finish-streaming/", A::kProjectRead,
       FinishDatasetStreaming, "Outcome of a read session"},
      {"GET", "/projects/{projectKey}/datasets/{datasetName}/partitions", A::kProjectRead,
       ListDatasetPartitions, "Partition identifiers"},
      {"POST", "/projects/{projectKey}/datasets/{datasetName}/actions/copyTo", A::kProjectWrite,
       CopyDatasetTo, "Copy rows into another dataset"},
      {"POST", "/projects/{projectKey}/datasets/{datasetName}/actions/testAndDetectSettings/fsLike",
       A::kProjectWrite, DetectDatasetFsLike, "Detect format and schema of files"},
      {"GET", "/projects/{projectKey}/datasets/{datasetName}/versions", A::kProjectRead,
       GetDatasetVersions, "Extension: kept data versions"},
      {"POST", "/projects/{projectKey}/datasets/{datasetName}/actions/rollback", A::kProjectWrite,
       RollbackDataset, "Extension: make a kept version current"},

      // --- Managed folders ---
      {"GET", "/projects/{projectKey}/managedfolders/", A::kProjectRead, ListManagedFolders,
       "List the project's managed folders"},
      {"POST", "/projects/{projectKey}/managedfolders/", A::kProjectWrite, CreateManagedFolder,
       "Create a managed folder"},
      {"GET", "/projects/{projectKey}/managedfolders/{folderId}", A::kProjectRead, GetManagedFolder,
       "Managed folder definition"},
      {"PUT", "/projects/{projectKey}/managedfolders/{folderId}", A::kProjectWrite,
       UpdateManagedFolder, "Replace a managed folder definition"},
      {"DELETE", "/projects/{projectKey}/managedfolders/{folderId}", A::kProjectWrite,
       DeleteManagedFolder, "Delete a managed folder and its contents"},
      {"POST", "/projects/{projectKey}/actions/renameManagedFolder", A::kProjectWrite,
       RenameManagedFolder, "Rename a managed folder"},
      {"GET", "/projects/{projectKey}/managedfolders/{folderId}/contents", A::kProjectRead,
       ListManagedFolderContents, "Files of a managed folder"},
      {"GET", "/projects/{projectKey}/managedfolders/{folderId}/contents/{path*}", A::kProjectRead,
       GetManagedFolderFile, "Download a file (streamed)"},
      {"POST", "/projects/{projectKey}/managedfolders/{folderId}/contents/{path*}",
       A::kProjectWrite, PutManagedFolderFile, "Upload a file (multipart, streamed to disk)", true},
      {"DELETE", "/projects/{projectKey}/managedfolders/{folderId}/contents/{path*}",
       A::kProjectWrite, DeleteManagedFolderFile, "Delete a file or directory"},
      {"POST", "/projects/{projectKey}/managedfolders/{folderId}/actions/copyTo", A::kProjectRead,
       CopyManagedFolderTo, "Copy the files to another folder (future)"},
      // Uploaded files of UploadedFiles datasets (same upload machinery as folders).
      {"POST", "/projects/{projectKey}/datasets/{datasetName}/uploaded/files", A::kProjectWrite,
       AddUploadedFile, "Upload a file to an UploadedFiles dataset (multipart, streamed)", true},
      {"GET", "/projects/{projectKey}/datasets/{datasetName}/uploaded/files", A::kProjectRead,
       ListUploadedFiles, "Files of an UploadedFiles dataset"},

      // --- Futures ---
      {"GET", "/futures/", A::kAuthenticated, ListFutures,
       "Alive long-running tasks of the caller (allUsers: everyone's, admin only)"},
      {"GET", "/futures/{futureId}", A::kAuthenticated, GetFuture,
       "State of a long-running task; an error once it failed or was aborted"},
      {"DELETE", "/futures/{futureId}", A::kAuthenticated, AbortFuture,
       "Abort a long-running task"},

      // --- SQL queries ---
      {"POST", "/sql/queries/", A::kAuthenticated, StartSqlQuery,
       "Start a SQL query on a connection; returns queryId and the result schema"},
      {"GET", "/sql/queries/{queryId}/stream", A::kAuthenticated, StreamSqlQuery,
       "Stream the rows of a started SQL query (once)"},
      {"GET", "/sql/queries/{queryId}/finish-streaming", A::kAuthenticated, FinishSqlQueryStreaming,
       "Outcome of a SQL query's streaming: error if it failed"},
      {"GET", "/projects/{projectKey}/sql/queries/{queryId}/stream", A::kProjectRead,
       StreamSqlQuery, "Older client path of the SQL query stream"},
      {"GET", "/connections/{name}/test", A::kAuthenticated, TestSqlConnection,
       "Connect to a SQL connection and report whether it works"},
      {"POST",
       "/projects/{projectKey}/datasets/{datasetName}/actions/testAndDetectSettings/externalSQL",
       A::kProjectWrite, DetectExternalSql,
       "Read a PostgreSQL dataset's columns from the database"},
      {"GET", "/projects/{projectKey}/datasets/tables-import/actions/list-schemas", A::kProjectRead,
       ListSqlSchemas, "Schemas of a SQL connection"},
      {"GET", "/projects/{projectKey}/datasets/tables-import/actions/list-tables", A::kProjectRead,
       ListSqlTables, "Tables of a SQL connection (optionally of one schema)"},
      {"POST", "/projects/{projectKey}/datasets/tables-import/actions/prepare-from-keys",
       A::kProjectWrite, PrepareTablesImport, "Future: import candidates for SQL tables"},
      {"POST", "/projects/{projectKey}/datasets/tables-import/actions/execute-from-candidates",
       A::kProjectWrite, ExecuteTablesImport, "Future: create PostgreSQL datasets from candidates"},

      // --- Metrics and checks ---
      {"POST", "/projects/{projectKey}/datasets/{datasetName}/actions/computeMetrics",
       A::kProjectWrite, ComputeMetrics, "Compute the dataset's probes' metrics"},
      {"POST", "/projects/{projectKey}/datasets/{datasetName}/actions/computeMetricsFromIds",
       A::kProjectWrite, ComputeMetricsFromIds, "Compute the given metrics"},
      {"GET", "/projects/{projectKey}/datasets/{datasetName}/metrics/last/{partitionId}",
       A::kProjectRead, GetLastMetricValues, "Last values of the dataset's metrics"},
      {"GET", "/projects/{projectKey}/datasets/{datasetName}/metrics/history/{partitionId}",
       A::kProjectRead, GetMetricHistory, "History of one metric"},
      {"POST", "/projects/{projectKey}/datasets/{datasetName}/actions/runChecks", A::kProjectWrite,
       RunChecks, "Run the dataset's numericRange checks"},

      // --- Recipes ---
      {"GET", "/projects/{projectKey}/recipes/", A::kProjectRead, ListRecipes,
       "List recipes (full definitions)"},
      {"POST", "/projects/{projectKey}/recipes/", A::kProjectWrite, CreateRecipe,
       "Create a recipe {recipePrototype, creationSettings}; creates requested outputs"},
      {"GET", "/projects/{projectKey}/recipes/{recipeName}", A::kProjectRead, GetRecipe,
       "Recipe settings {recipe, payload}"},
      {"PUT", "/projects/{projectKey}/recipes/{recipeName}", A::kProjectWrite, SaveRecipe,
       "Save recipe settings; visual recipes must compile"},
      {"DELETE", "/projects/{projectKey}/recipes/{recipeName}", A::kProjectWrite, DeleteRecipe,
       "Delete a recipe (outputs stay)"},
      {"POST", "/projects/{projectKey}/actions/renameRecipe", A::kProjectWrite, RenameRecipe,
       "Rename a recipe {oldName, newName}"},
      {"GET", "/projects/{projectKey}/recipes/{recipeName}/metadata", A::kProjectRead,
       GetRecipeMetadata, "Recipe metadata"},
      {"PUT", "/projects/{projectKey}/recipes/{recipeName}/metadata", A::kProjectWrite,
       SetRecipeMetadata, "Replace recipe metadata"},
      {"GET", "/projects/{projectKey}/recipes/{recipeName}/status", A::kProjectRead,
       GetRecipeStatus, "Engines and validation messages"},
      {"GET", "/projects/{projectKey}/recipes/{recipeName}/schema-update", A::kProjectRead,
       GetRecipeSchemaUpdate, "Output schemas the recipe would produce"},
      {"POST", "/projects/{projectKey}/recipes/{recipeName}/actions/updateOutputSchema",
       A::kProjectWrite, UpdateRecipeOutputSchema, "Apply a computed output schema"},

      // --- Flow graph and zones ---
      {"GET", "/projects/{projectKey}/flow/graph/", A::kProjectRead, GetFlowGraph,
       "Flow graph: nodes by plain object name with predecessors/successors"},
      {"GET", "/projects/{projectKey}/flow/zones", A::kProjectRead, ListFlowZones,
       "List flow zones (default first)"},
      {"POST", "/projects/{projectKey}/flow/zones", A::kProjectWrite, CreateFlowZone,
       "Create a flow zone {name, color}"},
      {"GET", "/projects/{projectKey}/flow/zones/{zoneId}", A::kProjectRead, GetFlowZone,
       "Flow zone {id, name, color, items, shared}"},
      {"PUT", "/projects/{projectKey}/flow/zones/{zoneId}", A::kProjectWrite, SaveFlowZone,
       "Save a flow zone (name, color, items, shared)"},
      {"DELETE", "/projects/{projectKey}/flow/zones/{zoneId}", A::kProjectWrite, DeleteFlowZone,
       "Delete a flow zone (its items return to the default zone)"},
      {"POST", "/projects/{projectKey}/flow/zones/{zoneId}/items", A::kProjectWrite,
       AddFlowZoneItem, "Move one object into the zone"},
      {"POST", "/projects/{projectKey}/flow/zones/{zoneId}/add-items", A::kProjectWrite,
       AddFlowZoneItems, "Move objects into the zone"},
      {"POST", "/projects/{projectKey}/flow/zones/{zoneId}/shared", A::kProjectWrite,
       AddFlowZoneShared, "Share an object to the zone"},
      {"DELETE", "/projects/{projectKey}/flow/zones/{zoneId}/shared/{objectType}/{objectId}",
       A::kProjectWrite, RemoveFlowZoneShared, "Stop sharing an object to the zone"},
      {"GET", "/projects/{projectKey}/flow/zones/{zoneId}/graph", A::kProjectRead, GetFlowZoneGraph,
       "Flow graph restricted to the zone"},

      // --- Jobs ---
      {"GET", "/projects/{projectKey}/jobs/", A::kProjectRead, ListJobs,
       "Jobs of the project, newest first (extension: ?limit=N)"},
      {"POST", "/projects/{projectKey}/jobs/", A::kProjectWrite, StartJob,
       "Start a job building Flow outputs"},
      {"GET", "/projects/{projectKey}/jobs/{jobId}/", A::kProjectRead, GetJobStatus,
       "Job status (extension: ?waitForChangeMs=N long-polls for a change)"},
      {"GET", "/projects/{projectKey}/jobs/{jobId}/log", A::kProjectRead, GetJobLog,
       "Job log, or one activity's log with ?activity="},
      {"POST", "/projects/{projectKey}/jobs/{jobId}/abort", A::kProjectWrite, AbortJob,
       "Abort a running job"},

      // --- Scenarios ---
  };
  return kRoutes;
}

Json OpenApiDocument(const std::string& server_version) {
  Json doc = Json::object();
  doc["openapi"] = "3.0.3";
  doc["info"] = {{"title", "dssd — Dataiku DSS public REST API"}, {"version", server_version}};
  doc["servers"] = Json::array({{{"url", "/public/api"}}, {{"url", "/dip/publicapi"}}});
  doc["components"] = {{"securitySchemes",
                        {{"basic", {{"type", "http"}, {"scheme", "basic"}}},
                         {"bearer", {{"type", "http"}, {"scheme", "bearer"}}}}}};
  doc["security"] = Json::array({{{"basic", Json::array()}}, {{"bearer", Json::array()}}});
  Json paths = Json::object();
  for (const auto& r : Routes()) {
    std::string p = r.pattern;
    bool at_root = !p.empty() && p[0] == '!';
    if (at_root) p = p.substr(1);
    // OpenAPI has no multi-segment parameter: show {path*} as {path}.
    bool multi_segment = p.find("*}") != std::string::npos;
    for (size_t pos; (pos = p.find("*}")) != std::string::npos;) p.erase(pos, 1);
    Json op = {{"summary", r.summary}, {"x-dss-access", AccessName(r.access)}};
    // Served at the server root rather than under the API prefixes (e.g. /metrics).
    if (at_root) op["x-dss-root-path"] = true;
    if (multi_segment) op["x-dss-multi-segment"] = true;
    Json params = Json::array();
    for (size_t b = p.find('{'); b != std::string::npos; b = p.find('{', b + 1)) {
      size_t e = p.find('}', b);
      params.push_back({{"name", p.substr(b + 1, e - b - 1)},
                        {"in", "path"},
                        {"required", true},
                        {"schema", {{"type", "string"}}}});
    }
    if (!params.empty()) op["parameters"] = params;
    op["responses"] = {
        {"200", {{"description", "OK"}}},
        {"default", {{"description", "DSS error {errorType, message, detailedMessage, code}"}}}};
    std::string method = r.method;
    for (auto& c : method) c = static_cast<char>(tolower(c));
    paths[p][method] = op;
  }
  doc["paths"] = paths;
  return doc;
}

}  // namespace dss::api
