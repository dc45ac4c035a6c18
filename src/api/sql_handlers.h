#pragma once
// api/sql_handlers.h: /sql/queries/* (the SQL query API) and the SQL connection test.
#include "api/route.h"

namespace dss::api {
http::Response StartSqlQuery(Context& ctx);
http::Response StreamSqlQuery(Context& ctx);
http::Response FinishSqlQueryStreaming(Context& ctx);
http::Response TestSqlConnection(Context& ctx);
}  // namespace dss::api

namespace dss::api {
// Tables import and SQL settings detection (endpoints.md §3.3.4).
http::Response ListSqlSchemas(Context& ctx);
http::Response ListSqlTables(Context& ctx);
http::Response PrepareTablesImport(Context& ctx);
http::Response ExecuteTablesImport(Context& ctx);
http::Response DetectExternalSql(Context& ctx);
}  // namespace dss::api
