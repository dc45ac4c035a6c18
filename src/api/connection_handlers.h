#pragma once
// api/connection_handlers.h: /admin/connections/* and /connections/* (spec endpoints.md §4.3).

#include "api/route.h"

namespace dss::api {

http::Response ListConnections(Context& ctx);
http::Response CreateConnection(Context& ctx);
http::Response GetConnection(Context& ctx);
http::Response UpdateConnection(Context& ctx);
http::Response DeleteConnection(Context& ctx);
http::Response ListConnectionNames(Context& ctx);
http::Response GetConnectionInfo(Context& ctx);

}  // namespace dss::api
