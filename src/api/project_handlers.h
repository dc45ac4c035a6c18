#pragma once
// api/project_handlers.h: /projects/* routes (project objects themselves and their
// configuration: metadata, settings, permissions, variables, tags, timeline, interest).
#include "api/route.h"

namespace dss::api {
http::Response ListProjects(Context& ctx);
http::Response CreateProject(Context& ctx);
http::Response GetProject(Context& ctx);
http::Response DeleteProject(Context& ctx);
http::Response GetProjectMetadata(Context& ctx);
http::Response SetProjectMetadata(Context& ctx);
http::Response GetProjectSettings(Context& ctx);
http::Response SetProjectSettings(Context& ctx);
http::Response GetProjectPermissions(Context& ctx);
http::Response SetProjectPermissions(Context& ctx);
http::Response GetProjectVariables(Context& ctx);
http::Response SetProjectVariables(Context& ctx);
http::Response GetResolvedVariables(Context& ctx);
http::Response GetProjectTags(Context& ctx);
http::Response SetProjectTags(Context& ctx);
http::Response GetProjectTimeline(Context& ctx);
http::Response GetProjectInterest(Context& ctx);
}  // namespace dss::api
