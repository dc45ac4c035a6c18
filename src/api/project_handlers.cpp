#include "api/project_handlers.h"

#include "core/future_service.h"
#include "core/project_folder_service.h"
#include "core/project_service.h"

namespace dss::api {

namespace {
const std::string& Key(Context& ctx) {
  return ctx.Param("projectKey");
}
}  // namespace

http::Response ListProjects(Context& ctx) {
  http::Response res;
  res.body = ctx.svc.projects().ListJsonText(ctx.who, ctx.req.QueryAll("tags"));
  return res;
}

http::Response CreateProject(Context& ctx) {
  std::string folder = ctx.req.Query("projectFolderId").value_or("");
  ctx.svc.project_folders().RequireCanCreateProjectIn(ctx.who, folder);
  return http::Response::FromJson(ctx.svc.projects().Create(ctx.who, ctx.Body(), folder));
}

http::Response GetProject(Context& ctx) {
  return http::Response::FromJson(ctx.svc.projects().GetSummary(Key(ctx)));
}

http::Response DeleteProject(Context& ctx) {
  core::ProjectDeletionOptions o;
  o.clear_managed_datasets = ctx.req.QueryBool("clearManagedDatasets", false);
  o.clear_output_managed_folders = ctx.req.QueryBool("clearOutputManagedFolders", false);
  o.clear_job_and_scenario_logs = ctx.req.QueryBool("clearJobAndScenarioLogs", true);
  // wait=true: the reply is the finished future state (hasResult, result, no jobId), which
  // DSSFuture.get_result_wait_if_needed reads directly. wait=false: a future to poll.
  if (ctx.req.QueryBool("wait", true))
    return http::Response::FromJson(ctx.svc.projects().Delete(ctx.who, Key(ctx), o));
  core::ProjectService& projects = ctx.svc.projects();
  auth::Principal who = ctx.who;
  std::string key = Key(ctx);
  return http::Response::FromJson(ctx.svc.futures().Start(
      ctx.who, key, "Delete project " + key, [&projects, who, key, o](core::FutureContext&) {
        return projects.Delete(who, key, o)["result"];
      }));
}

http::Response GetProjectMetadata(Context& ctx) {
  return http::Response::FromJson(ctx.svc.projects().GetMetadata(Key(ctx)));
}

http::Response SetProjectMetadata(Context& ctx) {
  ctx.svc.projects().SetMetadata(ctx.who, Key(ctx), ctx.Body());
  return http::Response::Empty();
}

http::Response GetProjectSettings(Context& ctx) {
  return http::Response::FromJson(ctx.svc.projects().GetSettings(Key(ctx)));
}

http::Response SetProjectSettings(Context& ctx) {
  return http::Response::FromJson(ctx.svc.projects().SetSettings(ctx.who, Key(ctx), ctx.Body()));
}

http::Response GetProjectPermissions(Context& ctx) {
  return http::Response::FromJson(ctx.svc.projects().GetPermissions(Key(ctx)));
}

http::Response SetProjectPermissions(Context& ctx) {
  ctx.svc.projects().SetPermissions(ctx.who, Key(ctx), ctx.Body());
  return http::Response::Empty();
}

http::Response GetProjectVariables(Context& ctx) {
  return http::Response::FromJson(ctx.svc.projects().GetVariables(Key(ctx)));
}

http::Response SetProjectVariables(Context& ctx) {
  ctx.svc.projects().SetVariables(ctx.who, Key(ctx), ctx.Body());
  return http::Response::Empty();
}

http::Response GetResolvedVariables(Context& ctx) {
  bool typed = ctx.req.QueryBool("typed", false);
  return http::Response::FromJson(ctx.svc.projects().ResolvedVariables(Key(ctx), typed));
}

http::Response GetProjectTags(Context& ctx) {
  return http::Response::FromJson(ctx.svc.projects().GetTags(Key(ctx)));
}

http::Response SetProjectTags(Context& ctx) {
  ctx.svc.projects().SetTags(ctx.who, Key(ctx), ctx.Body());
  return http::Response::Empty();
}

http::Response GetProjectTimeline(Context& ctx) {
  int n = static_cast<int>(ctx.req.QueryInt("itemCount", 100));
  return http::Response::FromJson(ctx.svc.projects().GetTimeline(Key(ctx), n));
}

http::Response GetProjectInterest(Context& ctx) {
  return http::Response::FromJson(ctx.svc.projects().GetInterest(Key(ctx)));
}

}  // namespace dss::api
