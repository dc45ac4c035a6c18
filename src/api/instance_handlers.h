#pragma once
// api/instance_handlers.h: general settings, instance variables, instance info and logs
// (spec endpoints.md §4.6-4.8).

#include "api/route.h"

namespace dss::api {

http::Response GetGeneralSettings(Context& ctx);
http::Response PutGeneralSettings(Context& ctx);
http::Response GetInstanceVariables(Context& ctx);
http::Response PutInstanceVariables(Context& ctx);
http::Response GetInstanceInfo(Context& ctx);
http::Response ListLogs(Context& ctx);
http::Response GetLog(Context& ctx);

}  // namespace dss::api
