#include "core/services.h"

#include <filesystem>

#include "common/log.h"
#include "core/code_recipe_executor.h"
#include "core/job_service.h"
#include "core/sql_script_executor.h"
#include "core/visual_recipe_executor.h"

#include "core/api_key_service.h"
#include "core/connection_service.h"
#include "core/dataset_data_service.h"
#include "core/dataset_service.h"
#include "core/flow_service.h"
#include "core/future_service.h"
#include "core/group_service.h"
#include "core/instance_service.h"
#include "core/managed_data_store.h"
#include "core/managed_folder_service.h"
#include "core/metrics_service.h"
#include "core/pg_data_source.h"
#include "core/project_folder_service.h"
#include "core/project_service.h"
#include "core/recipe_service.h"
#include "core/security_service.h"
#include "core/settings_service.h"
#include "core/sql_connection_resolver.h"
#include "core/sql_query_service.h"
#include "core/sql_tables_import_service.h"
#include "core/uploaded_files_service.h"
#include "core/user_service.h"

namespace dss::core {

Services::Services(storage::DataDir data_dir, storage::MetadataStorePtr store,
                   engine::DuckEngine& engine, ServicesOptions options)
    : data_dir_(std::move(data_dir)),
      store_(std::move(store)),
      engine_(engine),
      options_(std::move(options)) {
  security_ = std::make_unique<SecurityService>(*store_);
  managed_data_ = std::make_unique<ManagedDataStore>(data_dir_, *store_);
  // Versions left half-written by a crash are never current: remove them before serving.
  managed_data_->SweepOrphans();
  datasets_ = std::make_unique<DatasetService>(data_dir_, *store_, *managed_data_);
  dataset_data_ =
      std::make_unique<DatasetDataService>(data_dir_, *store_, engine_, *datasets_, *managed_data_);
  connections_ = std::make_unique<ConnectionService>(*store_, data_dir_);
  users_ = std::make_unique<UserService>(*store_);
  groups_ = std::make_unique<GroupService>(*store_);
  api_keys_ = std::make_unique<ApiKeyService>(*store_, *security_);
  settings_ = std::make_unique<SettingsService>(*store_);
  instance_ =
      std::make_unique<InstanceService>(*store_, data_dir_, *settings_, options_.server_version);
  connections_->EnsureBuiltins();
  instance_->EnsureIdentity();
  projects_ = std::make_unique<ProjectService>(*store_, *security_, data_dir_);
  project_folders_ = std::make_unique<ProjectFolderService>(*store_, *security_);
  flow_ = std::make_unique<FlowService>(*store_);
  recipes_ = std::make_unique<RecipeService>(*store_, *datasets_, *projects_);
  sql_connections_ = std::make_unique<SqlConnectionResolver>(*connections_);
  SqlQueryOptions sql;
  SettingsService* settings = settings_.get();
  sql.abandon_after_ms = [settings] {
    return static_cast<int64_t>(settings->SqlQueryTimeoutSeconds()) * 1000;
  };
  sql_queries_ = std::make_unique<SqlQueryService>(*store_, *security_, *sql_connections_,
                                                   *dataset_data_, engine_, sql);
  futures_ = std::make_unique<FutureService>(FutureOptions{});
  pg_source_ = std::make_unique<PgDataSource>(*sql_connections_);
  dataset_data_->RegisterSource("PostgreSQL", pg_source_.get());
  metrics_ =
      std::make_unique<MetricsService>(*store_, *datasets_, *dataset_data_, *pg_source_, engine_);
  sql_tables_ = std::make_unique<SqlTablesImportService>(*sql_connections_, *pg_source_, *datasets_,
                                                         *futures_);
  folders_ = std::make_unique<ManagedFolderService>(*store_, data_dir_, *connections_, *security_,
                                                    *futures_, *projects_);
  uploads_ = std::make_unique<UploadedFilesService>(*store_, data_dir_);
  // A crash mid-upload leaves a hidden temporary file: remove them before serving.
  folders_->SweepInterruptedUploads();
  uploads_->SweepInterruptedUploads();
  projects_->AddDeletionHook(
      "managed-folders-and-uploads",
      [this](const std::string& key, const ProjectDeletionOptions& o) {
        std::vector<std::filesystem::path> paths;
        // Uploaded files belong to the project's datasets, which disappear with it.
        paths.push_back(data_dir_.UploadsDir() / key);
        if (o.clear_output_managed_folders) {
          for (auto& p : folders_->OutputFolderRoots(key)) {
            auto rel = p.lexically_relative(data_dir_.root());
            if (!rel.empty() && *rel.begin() != "..")
              paths.push_back(std::move(p));
            else
              log::Warn("output managed folder outside the data dir kept on project deletion",
                        Json{{"path", p.string()}}.dump());
          }
        }
        return paths;
      });

  auto executors = std::make_shared<RecipeExecutorRegistry>();
  CodeRecipeOptions code;
  code.python_bin = options_.python_bin;
  code.python_lib_dir = options_.python_lib_dir;
  executors->Register("python", std::make_shared<CodeRecipeExecutor>("python", code));
  executors->Register("shell", std::make_shared<CodeRecipeExecutor>("shell", code));
  // Visual recipes and SQL queries: compiled to SQL, in-database on PostgreSQL or on DuckDB.
  auto visual = std::make_shared<VisualRecipeExecutor>();
  for (const char* type : {"sync", "shaker", "prepare", "grouping", "window", "join", "distinct",
                           "sort", "topn", "split", "vstack", "sampling", "pivot", "sql_query"})
    executors->Register(type, visual);
  executors->Register("sql_script", std::make_shared<SqlScriptExecutor>());
  jobs_ = std::make_unique<JobService>(*this, executors);
  projects_->AddDeletionHook("running-jobs",
                             [this](const std::string& key, const ProjectDeletionOptions&) {
                               // Recipes of a deleted project must not keep writing into it.
                               jobs_->AbortProjectJobs(key, 10'000);
                               return std::vector<std::filesystem::path>{};
                             });
}

Services::~Services() {
  // Running jobs are aborted while every other service is still alive.
  if (jobs_) jobs_->Shutdown();
}

}  // namespace dss::core
