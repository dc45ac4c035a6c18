#include "api/project_handlers.h"

#include "core/project_service.h"

namespace dss::api {

http::Response ListProjects(Context& ctx) {
  Json out = Json::array();
  for (auto& p : ctx.svc.projects().List(ctx.who, ctx.req.QueryAll("tags")))
    out.push_back(std::move(p));
  return http::Response::FromJson(out);
}

http::Response CreateProject(Context& ctx) {
  std::string folder = ctx.req.Query("projectFolderId").value_or("");
  return http::Response::FromJson(ctx.svc.projects().Create(ctx.who, ctx.Body(), folder));
}

http::Response GetProject(Context& ctx) {
  return http::Response::FromJson(ctx.svc.projects().GetSummary(ctx.Param("projectKey")));
}

}  // namespace dss::api
