#include "api/auth_handlers.h"

#include "core/security_service.h"

namespace dss::api {

http::Response GetAuthInfo(Context& ctx) {
  const auto& who = ctx.who;
  Json out = Json::object();
  out["authIdentifier"] = who.AuthIdentifier();
  out["groups"] = who.groups;
  const char* via = "API_KEY";
  switch (who.kind) {
    case auth::Principal::Kind::kUser:
      via = "USER";
      break;
    case auth::Principal::Kind::kPersonalKey:
      via = "PERSONAL_API_KEY";
      break;
    case auth::Principal::Kind::kGlobalKey:
      via = "GLOBAL_API_KEY";
      break;
    case auth::Principal::Kind::kProjectKey:
      via = "PROJECT_API_KEY";
      break;
    case auth::Principal::Kind::kTicket:
      via = "TICKET";
      break;
  }
  out["authSource"] = via;
  if (!who.login.empty()) out["associatedDSSUser"] = who.login;
  if (!who.key_id.empty()) out["apiKeyId"] = who.key_id;
  out["isAdmin"] = who.IsAdmin();
  out["globalPermissions"] = auth::GlobalPermsToJson(who.global);
  if (ctx.req.QueryBool("withSecrets", false)) {
    Json secrets = Json::array();
    if (!who.login.empty()) {
      auto user = ctx.svc.store().Get(core::kKindUser, "", who.login);
      if (user && user->data->contains("secrets") && (*user->data)["secrets"].is_array())
        for (const auto& s : (*user->data)["secrets"])
          secrets.push_back({{"key", s.value("name", "")}, {"value", s.value("value", "")}});
    }
    out["secrets"] = secrets;
  }
  return http::Response::FromJson(out);
}

}  // namespace dss::api
