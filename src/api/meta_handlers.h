#pragma once
// api/meta_handlers.h: routes about the API itself (openapi.json, route listing).
#include "api/route.h"

namespace dss::api {
http::Response GetOpenApi(Context& ctx);
}  // namespace dss::api
