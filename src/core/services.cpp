#include "core/services.h"

#include "core/code_recipe_executor.h"
#include "core/job_service.h"
#include "core/api_key_service.h"
#include "core/connection_service.h"
#include "core/future_service.h"
#include "core/group_service.h"
#include "core/instance_service.h"
#include "core/project_folder_service.h"
#include "core/project_service.h"
#include "core/security_service.h"
#include "core/settings_service.h"
#include "core/user_service.h"

namespace dss::core {

Services::Services(storage::DataDir data_dir, storage::MetadataStorePtr store,
                   engine::DuckEngine& engine, ServicesOptions options)
    : data_dir_(std::move(data_dir)),
      store_(std::move(store)),
      engine_(engine),
      options_(std::move(options)) {
  security_ = std::make_unique<SecurityService>(*store_);
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
  futures_ = std::make_unique<FutureService>(FutureOptions{});

  auto executors = std::make_shared<RecipeExecutorRegistry>();
  CodeRecipeOptions code;
  code.python_bin = options_.python_bin;
  code.python_lib_dir = options_.python_lib_dir;
  executors->Register("python", std::make_shared<CodeRecipeExecutor>("python", code));
  executors->Register("shell", std::make_shared<CodeRecipeExecutor>("shell", code));
  jobs_ = std::make_unique<JobService>(*this, executors);
}

Services::~Services() {
  // Running jobs are aborted while every other service is still alive.
  if (jobs_) jobs_->Shutdown();
}

}  // namespace dss::core
