#pragma once
// api/project_handlers.h: /projects/* routes (project objects themselves).
#include "api/route.h"

namespace dss::api {
http::Response ListProjects(Context& ctx);
http::Response CreateProject(Context& ctx);
http::Response GetProject(Context& ctx);
}  // namespace dss::api
