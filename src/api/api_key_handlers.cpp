#include "api/api_key_handlers.h"

#include "core/api_key_service.h"

namespace dss::api {

http::Response ListGlobalKeys(Context& ctx) {
  return http::Response::FromJson(Json(ctx.svc.api_keys().ListGlobal()));
}

http::Response CreateGlobalKey(Context& ctx) {
  return http::Response::FromJson(ctx.svc.api_keys().CreateGlobal(ctx.who, ctx.Body()));
}

http::Response GetGlobalKey(Context& ctx) {
  return http::Response::FromJson(ctx.svc.api_keys().GetGlobal(ctx.Param("keyId")));
}

http::Response UpdateGlobalKey(Context& ctx) {
  ctx.svc.api_keys().UpdateGlobal(ctx.Param("keyId"), ctx.Body());
  return http::Response::Empty();
}

http::Response DeleteGlobalKey(Context& ctx) {
  ctx.svc.api_keys().DeleteGlobal(ctx.Param("keyId"));
  return http::Response::Empty();
}

http::Response GetGlobalKeyBySecret(Context& ctx) {
  return http::Response::FromJson(ctx.svc.api_keys().GetGlobalBySecret(ctx.Param("secretKey")));
}

http::Response ListPersonalKeys(Context& ctx) {
  if (ctx.who.login.empty()) return http::Response::FromJson(Json::array());
  return http::Response::FromJson(Json(ctx.svc.api_keys().ListPersonal(ctx.who.login)));
}

http::Response CreatePersonalKey(Context& ctx) {
  return http::Response::FromJson(
      ctx.svc.api_keys().CreatePersonal(ctx.who, ctx.who.login, ctx.Body()));
}

http::Response GetPersonalKey(Context& ctx) {
  return http::Response::FromJson(ctx.svc.api_keys().GetPersonal(ctx.who, ctx.Param("keyId")));
}

http::Response UpdatePersonalKey(Context& ctx) {
  ctx.svc.api_keys().UpdatePersonal(ctx.who, ctx.Param("keyId"), ctx.Body());
  return http::Response::Empty();
}

http::Response DeletePersonalKey(Context& ctx) {
  ctx.svc.api_keys().DeletePersonal(ctx.who, ctx.Param("keyId"));
  return http::Response::Empty();
}

http::Response ListAllPersonalKeys(Context& ctx) {
  return http::Response::FromJson(Json(ctx.svc.api_keys().ListPersonal("")));
}

http::Response CreatePersonalKeyForUser(Context& ctx) {
  const Json& body = RequireObject(ctx.Body(), "API key definition");
  return http::Response::FromJson(
      ctx.svc.api_keys().CreatePersonal(ctx.who, RequireString(body, "user"), body));
}

http::Response ListProjectKeys(Context& ctx) {
  return http::Response::FromJson(Json(ctx.svc.api_keys().ListProject(ctx.Param("projectKey"))));
}

http::Response CreateProjectKey(Context& ctx) {
  return http::Response::FromJson(
      ctx.svc.api_keys().CreateProject(ctx.who, ctx.Param("projectKey"), ctx.Body()));
}

http::Response GetProjectKey(Context& ctx) {
  return http::Response::FromJson(
      ctx.svc.api_keys().GetProject(ctx.Param("projectKey"), ctx.Param("keyId")));
}

http::Response UpdateProjectKey(Context& ctx) {
  ctx.svc.api_keys().UpdateProject(ctx.Param("projectKey"), ctx.Param("keyId"), ctx.Body());
  return http::Response::Empty();
}

http::Response DeleteProjectKey(Context& ctx) {
  ctx.svc.api_keys().DeleteProject(ctx.Param("projectKey"), ctx.Param("keyId"));
  return http::Response::Empty();
}

}  // namespace dss::api
