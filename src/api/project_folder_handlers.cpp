#include "api/project_folder_handlers.h"

#include "core/project_folder_service.h"

namespace dss::api {

namespace {
core::ProjectFolderService& Folders(Context& ctx) {
  return ctx.svc.project_folders();
}
const std::string& Id(Context& ctx) {
  return ctx.Param("folderId");
}
std::string Destination(Context& ctx) {
  return ctx.req.Query("destination").value_or("");
}
}  // namespace

http::Response GetProjectFolder(Context& ctx) {
  return http::Response::FromJson(Folders(ctx).Get(ctx.who, Id(ctx)));
}

http::Response LocateProject(Context& ctx) {
  return http::Response::FromJson(Folders(ctx).Locate(ctx.who, ctx.Param("projectKey")));
}

http::Response CreateProjectFolderChild(Context& ctx) {
  std::string name = ctx.req.Query("name").value_or("");
  return http::Response::FromJson(Folders(ctx).CreateChild(ctx.who, Id(ctx), name));
}

http::Response DeleteProjectFolder(Context& ctx) {
  Folders(ctx).Delete(ctx.who, Id(ctx));
  return http::Response::Empty();
}

http::Response GetProjectFolderSettings(Context& ctx) {
  return http::Response::FromJson(Folders(ctx).GetSettings(ctx.who, Id(ctx)));
}

http::Response SetProjectFolderSettings(Context& ctx) {
  Folders(ctx).SetSettings(ctx.who, Id(ctx), ctx.Body());
  return http::Response::Empty();
}

http::Response GetDefaultFolderForProjectCreation(Context& ctx) {
  return http::Response::FromJson(Folders(ctx).DefaultForProjectCreation(ctx.who, Id(ctx)));
}

http::Response MoveProjectFolder(Context& ctx) {
  Folders(ctx).MoveFolder(ctx.who, Id(ctx), Destination(ctx));
  return http::Response::Empty();
}

http::Response MoveProjectToFolder(Context& ctx) {
  Folders(ctx).MoveProject(ctx.who, Id(ctx), ctx.Param("projectKey"), Destination(ctx));
  return http::Response::Empty();
}

}  // namespace dss::api
