#include "core/services.h"

#include "core/dataset_data_service.h"
#include "core/dataset_service.h"
#include "core/managed_data_store.h"
#include "core/project_service.h"
#include "core/security_service.h"

namespace dss::core {

Services::Services(storage::DataDir data_dir, storage::MetadataStorePtr store,
                   engine::DuckEngine& engine, ServicesOptions options)
    : data_dir_(std::move(data_dir)),
      store_(std::move(store)),
      engine_(engine),
      options_(std::move(options)) {
  security_ = std::make_unique<SecurityService>(*store_);
  projects_ = std::make_unique<ProjectService>(*store_, *security_);
  managed_data_ = std::make_unique<ManagedDataStore>(data_dir_, *store_);
  // Versions left half-written by a crash are never current: remove them before serving.
  managed_data_->SweepOrphans();
  datasets_ = std::make_unique<DatasetService>(data_dir_, *store_, *managed_data_);
  dataset_data_ =
      std::make_unique<DatasetDataService>(data_dir_, *store_, engine_, *datasets_, *managed_data_);
}

Services::~Services() = default;

}  // namespace dss::core
