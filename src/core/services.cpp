#include "core/services.h"

#include "core/future_service.h"
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
  futures_ = std::make_unique<FutureService>(FutureOptions{});
}

Services::~Services() = default;

}  // namespace dss::core
