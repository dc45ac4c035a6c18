#include "core/services.h"

#include "core/project_service.h"
#include "core/security_service.h"
#include "core/sql_connection_resolver.h"
#include "core/sql_query_service.h"

namespace dss::core {

Services::Services(storage::DataDir data_dir, storage::MetadataStorePtr store,
                   engine::DuckEngine& engine, ServicesOptions options)
    : data_dir_(std::move(data_dir)),
      store_(std::move(store)),
      engine_(engine),
      options_(std::move(options)) {
  security_ = std::make_unique<SecurityService>(*store_);
  projects_ = std::make_unique<ProjectService>(*store_, *security_);
  sql_connections_ = std::make_unique<SqlConnectionResolver>(*store_);
  SqlQueryOptions sql;
  sql.abandon_after_ms = options_.sql_query_abandon_ms;
  sql.statement_timeout_ms = options_.sql_statement_timeout_ms;
  sql_queries_ = std::make_unique<SqlQueryService>(*store_, *security_, *sql_connections_, sql);
}

Services::~Services() = default;

}  // namespace dss::core
