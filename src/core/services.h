#pragma once
// core/services.h: the set of domain services, created once at start-up and shared by every
// request. Each service is thread-safe.

#include <memory>

#include "engine/duckdb_engine.h"
#include "storage/data_dir.h"
#include "storage/metadata_store.h"

namespace dss::core {

class SecurityService;
class ProjectService;
class ManagedDataStore;
class DatasetService;
class DatasetDataService;
class ConnectionService;
class UserService;
class GroupService;
class ApiKeyService;
class SettingsService;
class InstanceService;
class ProjectFolderService;
class SqlConnectionResolver;
class SqlQueryService;
class PgDataSource;
class SqlTablesImportService;
class MetricsService;
class FutureService;
class FlowService;
class RecipeService;
class ManagedFolderService;
class UploadedFilesService;
class JobService;

struct ServicesOptions {
  std::string server_version = "0.1.0";
  std::string python_bin = "/usr/bin/python3";
  std::string python_lib_dir;  // the repository's python/ directory (the `dataiku` package)
};

class Services {
 public:
  /// `engine` must outlive the services. Creates the built-in connections and the instance
  /// identity when missing (throws ApiError(kInternal) if the store cannot be written).
  Services(storage::DataDir data_dir, storage::MetadataStorePtr store, engine::DuckEngine& engine,
           ServicesOptions options);
  ~Services();

  const storage::DataDir& data_dir() const { return data_dir_; }
  storage::MetadataStore& store() { return *store_; }
  const ServicesOptions& options() const { return options_; }
  engine::DuckEngine& engine() { return engine_; }

  SecurityService& security() { return *security_; }
  ProjectService& projects() { return *projects_; }
  ManagedDataStore& managed_data() { return *managed_data_; }
  DatasetService& datasets() { return *datasets_; }
  DatasetDataService& dataset_data() { return *dataset_data_; }
  ConnectionService& connections() { return *connections_; }
  UserService& users() { return *users_; }
  GroupService& groups() { return *groups_; }
  ApiKeyService& api_keys() { return *api_keys_; }
  SettingsService& settings() { return *settings_; }
  InstanceService& instance() { return *instance_; }
  ProjectFolderService& project_folders() { return *project_folders_; }
  SqlConnectionResolver& sql_connections() { return *sql_connections_; }
  SqlQueryService& sql_queries() { return *sql_queries_; }
  PgDataSource& pg_datasets() { return *pg_source_; }
  SqlTablesImportService& sql_tables() { return *sql_tables_; }
  MetricsService& metrics() { return *metrics_; }
  FutureService& futures() { return *futures_; }
  FlowService& flow() { return *flow_; }
  RecipeService& recipes() { return *recipes_; }
  ManagedFolderService& folders() { return *folders_; }
  UploadedFilesService& uploads() { return *uploads_; }
  JobService& jobs() { return *jobs_; }

 private:
  storage::DataDir data_dir_;
  storage::MetadataStorePtr store_;
  engine::DuckEngine& engine_;
  ServicesOptions options_;
  std::unique_ptr<SecurityService> security_;
  std::unique_ptr<ProjectService> projects_;
  std::unique_ptr<ManagedDataStore> managed_data_;
  std::unique_ptr<DatasetService> datasets_;
  std::unique_ptr<DatasetDataService> dataset_data_;
  std::unique_ptr<ConnectionService> connections_;
  std::unique_ptr<UserService> users_;
  std::unique_ptr<GroupService> groups_;
  std::unique_ptr<ApiKeyService> api_keys_;
  std::unique_ptr<SettingsService> settings_;
  std::unique_ptr<InstanceService> instance_;
  std::unique_ptr<ProjectFolderService> project_folders_;
  std::unique_ptr<FlowService> flow_;
  std::unique_ptr<RecipeService> recipes_;
  std::unique_ptr<SqlConnectionResolver> sql_connections_;
  std::unique_ptr<SqlQueryService> sql_queries_;
  std::unique_ptr<PgDataSource> pg_source_;
  std::unique_ptr<SqlTablesImportService> sql_tables_;
  std::unique_ptr<MetricsService> metrics_;
  std::unique_ptr<ManagedFolderService> folders_;
  std::unique_ptr<UploadedFilesService> uploads_;
  // Declared last so it is destroyed first: running tasks use the other services.
  std::unique_ptr<FutureService> futures_;
  // Last: its destructor aborts running jobs, which still use the services above.
  std::unique_ptr<JobService> jobs_;
};

}  // namespace dss::core
