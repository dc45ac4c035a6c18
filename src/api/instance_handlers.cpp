#include "api/instance_handlers.h"

#include "core/instance_service.h"
#include "core/settings_service.h"

namespace dss::api {

http::Response GetGeneralSettings(Context& ctx) {
  return http::Response::FromJson(ctx.svc.settings().GetGeneral());
}

http::Response PutGeneralSettings(Context& ctx) {
  auto warnings = ctx.svc.settings().PutGeneral(ctx.Body());
  Json out = Json::object();
  out["warnings"] = Json::array();
  for (const auto& w : warnings)
    out["warnings"].push_back("Unknown field '" + w + "' (kept as given, not used by dssd)");
  out["unknownFields"] = warnings;
  return http::Response::FromJson(out);
}

http::Response GetInstanceVariables(Context& ctx) {
  return http::Response::FromJson(ctx.svc.settings().GetVariables());
}

http::Response PutInstanceVariables(Context& ctx) {
  ctx.svc.settings().PutVariables(ctx.Body());
  return http::Response::Empty();
}

http::Response GetInstanceInfo(Context& ctx) {
  return http::Response::FromJson(ctx.svc.instance().Info());
}

http::Response ListLogs(Context& ctx) {
  return http::Response::FromJson(ctx.svc.instance().ListLogs());
}

http::Response GetLog(Context& ctx) {
  // The client parses this route's body as JSON: the content travels as a JSON string.
  return http::Response::FromJson(Json(ctx.svc.instance().ReadLog(ctx.Param("name"))));
}

}  // namespace dss::api
