#include "core/services.h"

#include "core/api_key_service.h"
#include "core/connection_service.h"
#include "core/flow_service.h"
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
  flow_ = std::make_unique<FlowService>(*store_);
  futures_ = std::make_unique<FutureService>(FutureOptions{});
}

Services::~Services() = default;

}  // namespace dss::core
