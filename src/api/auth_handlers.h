#pragma once
// api/auth_handlers.h: /auth/* routes.
#include "api/route.h"

namespace dss::api {
http::Response GetAuthInfo(Context& ctx);
}  // namespace dss::api
