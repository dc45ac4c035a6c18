#include "api/user_handlers.h"

#include "core/group_service.h"
#include "core/user_service.h"

namespace dss::api {

http::Response ListUsers(Context& ctx) {
  return http::Response::FromJson(
      Json(ctx.svc.users().List(ctx.req.QueryBool("includeSettings", false))));
}

http::Response CreateUser(Context& ctx) {
  return http::Response::FromJson(ctx.svc.users().Create(ctx.Body()));
}

http::Response GetUser(Context& ctx) {
  return http::Response::FromJson(ctx.svc.users().Get(ctx.Param("login")));
}

http::Response UpdateUser(Context& ctx) {
  return http::Response::FromJson(ctx.svc.users().Update(ctx.Param("login"), ctx.Body()));
}

http::Response DeleteUser(Context& ctx) {
  ctx.svc.users().Delete(ctx.who, ctx.Param("login"),
                         ctx.req.QueryBool("allowSelfDeletion", false));
  return http::Response::Empty();
}

// The client reads the bulk answers as text and json.loads them.
http::Response BulkCreateUsers(Context& ctx) {
  return http::Response::FromJson(ctx.svc.users().BulkCreate(ctx.Body()));
}

http::Response BulkUpdateUsers(Context& ctx) {
  return http::Response::FromJson(ctx.svc.users().BulkUpdate(ctx.Body()));
}

http::Response BulkDeleteUsers(Context& ctx) {
  return http::Response::FromJson(ctx.svc.users().BulkDelete(
      ctx.who, ctx.Body(), ctx.req.QueryBool("allowSelfDeletion", false)));
}

http::Response GetUserActivity(Context& ctx) {
  return http::Response::FromJson(ctx.svc.users().Activity(ctx.Param("login")));
}

http::Response ListUsersActivity(Context& ctx) {
  return http::Response::FromJson(
      Json(ctx.svc.users().ListActivity(ctx.req.QueryBool("enabledUsersOnly", false))));
}

http::Response ListUsersInfo(Context& ctx) {
  return http::Response::FromJson(Json(ctx.svc.users().ListInfo()));
}

http::Response GetUserInfo(Context& ctx) {
  return http::Response::FromJson(ctx.svc.users().Info(ctx.Param("login")));
}

http::Response GetCurrentUser(Context& ctx) {
  return http::Response::FromJson(ctx.svc.users().GetOwn(ctx.who));
}

http::Response PutCurrentUser(Context& ctx) {
  ctx.svc.users().UpdateOwn(ctx.who, ctx.Body());
  return http::Response::Empty();
}

http::Response ListGroups(Context& ctx) {
  return http::Response::FromJson(Json(ctx.svc.groups().List()));
}

http::Response CreateGroup(Context& ctx) {
  return http::Response::FromJson(ctx.svc.groups().Create(ctx.Body()));
}

http::Response GetGroup(Context& ctx) {
  return http::Response::FromJson(ctx.svc.groups().Get(ctx.Param("name")));
}

http::Response UpdateGroup(Context& ctx) {
  return http::Response::FromJson(ctx.svc.groups().Update(ctx.Param("name"), ctx.Body()));
}

http::Response DeleteGroup(Context& ctx) {
  ctx.svc.groups().Delete(ctx.Param("name"));
  return http::Response::Empty();
}

http::Response ListGroupsInfo(Context& ctx) {
  Json out = Json::array();
  for (const auto& g : ctx.svc.groups().List())
    out.push_back({{"name", g.value("name", "")},
                   {"description", g.value("description", "")},
                   {"sourceType", g.value("sourceType", "LOCAL")}});
  return http::Response::FromJson(out);
}

}  // namespace dss::api
