#pragma once
// api/sql_handlers.h: /sql/queries/* (the SQL query API) and the SQL connection test.
#include "api/route.h"

namespace dss::api {
http::Response StartSqlQuery(Context& ctx);
http::Response StreamSqlQuery(Context& ctx);
http::Response FinishSqlQueryStreaming(Context& ctx);
http::Response TestSqlConnection(Context& ctx);
}  // namespace dss::api
