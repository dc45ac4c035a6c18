#include "api/sql_handlers.h"

#include "common/api_error.h"
#include "core/sql_query_service.h"
#include "core/sql_tables_import_service.h"

namespace dss::api {

http::Response StartSqlQuery(Context& ctx) {
  return http::Response::FromJson(ctx.svc.sql_queries().Start(ctx.who, ctx.Body()));
}

http::Response StreamSqlQuery(Context& ctx) {
  std::string id = ctx.Param("queryId");
  auto s = ctx.svc.sql_queries().Stream(ctx.who, id, ctx.req.Query("format").value_or(""));
  http::Response res;
  res.content_type = s.content_type;
  res.stream = std::move(s.next);
  res.on_complete = std::move(s.done);
  return res;
}

http::Response FinishSqlQueryStreaming(Context& ctx) {
  ctx.svc.sql_queries().FinishStreaming(ctx.who, ctx.Param("queryId"));
  // Some clients treat any body as a failure: success is an empty 200.
  return http::Response::Text("", 200, "application/json;charset=utf-8");
}

http::Response TestSqlConnection(Context& ctx) {
  return http::Response::FromJson(ctx.svc.sql_queries().TestConnection(ctx.who, ctx.Param("name")));
}

}  // namespace dss::api

namespace dss::api {

namespace {
std::string RequiredQuery(Context& ctx, const char* name) {
  auto v = ctx.req.Query(name);
  if (!v || v->empty())
    throw ApiError::BadRequest(std::string("Query parameter '") + name + "' is required");
  return *v;
}
}  // namespace

http::Response ListSqlSchemas(Context& ctx) {
  return http::Response::FromJson(
      ctx.svc.sql_tables().ListSchemas(ctx.who, RequiredQuery(ctx, "connectionName")));
}

http::Response ListSqlTables(Context& ctx) {
  return http::Response::FromJson(ctx.svc.sql_tables().ListTables(
      ctx.who, RequiredQuery(ctx, "connectionName"), ctx.req.Query("schemaName").value_or("")));
}

http::Response PrepareTablesImport(Context& ctx) {
  return http::Response::FromJson(
      ctx.svc.sql_tables().Prepare(ctx.who, ctx.Param("projectKey"), ctx.Body()));
}

http::Response ExecuteTablesImport(Context& ctx) {
  return http::Response::FromJson(
      ctx.svc.sql_tables().Execute(ctx.who, ctx.Param("projectKey"), ctx.Body()));
}

http::Response DetectExternalSql(Context& ctx) {
  return http::Response::FromJson(
      ctx.svc.sql_tables().DetectExternalSql(ctx.Param("projectKey"), ctx.Param("datasetName")));
}

}  // namespace dss::api
