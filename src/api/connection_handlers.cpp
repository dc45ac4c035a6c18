#include "api/connection_handlers.h"

#include "core/connection_service.h"

namespace dss::api {

http::Response ListConnections(Context& ctx) {
  return http::Response::FromJson(ctx.svc.connections().ListForAdmin());
}

http::Response CreateConnection(Context& ctx) {
  return http::Response::FromJson(ctx.svc.connections().Create(ctx.who, ctx.Body()));
}

http::Response GetConnection(Context& ctx) {
  return http::Response::FromJson(ctx.svc.connections().GetForAdmin(ctx.Param("name")));
}

http::Response UpdateConnection(Context& ctx) {
  return http::Response::FromJson(ctx.svc.connections().Update(ctx.Param("name"), ctx.Body()));
}

http::Response DeleteConnection(Context& ctx) {
  ctx.svc.connections().Delete(ctx.Param("name"));
  return http::Response::Empty();
}

http::Response ListConnectionNames(Context& ctx) {
  std::string type = ctx.req.Query("type").value_or("");
  return http::Response::FromJson(ctx.svc.connections().UsableNames(ctx.who, type));
}

http::Response GetConnectionInfo(Context& ctx) {
  return http::Response::FromJson(ctx.svc.connections().Info(ctx.who, ctx.Param("name")));
}

}  // namespace dss::api
