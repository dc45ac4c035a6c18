#pragma once
// api/api_key_handlers.h: global, personal and project API keys (spec endpoints.md §4.4-4.5).

#include "api/route.h"

namespace dss::api {

http::Response ListGlobalKeys(Context& ctx);
http::Response CreateGlobalKey(Context& ctx);
http::Response GetGlobalKey(Context& ctx);
http::Response UpdateGlobalKey(Context& ctx);
http::Response DeleteGlobalKey(Context& ctx);
http::Response GetGlobalKeyBySecret(Context& ctx);

http::Response ListPersonalKeys(Context& ctx);
http::Response CreatePersonalKey(Context& ctx);
http::Response GetPersonalKey(Context& ctx);
http::Response UpdatePersonalKey(Context& ctx);
http::Response DeletePersonalKey(Context& ctx);
http::Response ListAllPersonalKeys(Context& ctx);
http::Response CreatePersonalKeyForUser(Context& ctx);

http::Response ListProjectKeys(Context& ctx);
http::Response CreateProjectKey(Context& ctx);
http::Response GetProjectKey(Context& ctx);
http::Response UpdateProjectKey(Context& ctx);
http::Response DeleteProjectKey(Context& ctx);

}  // namespace dss::api
