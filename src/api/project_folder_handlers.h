#pragma once
// api/project_folder_handlers.h: /project-folders/* routes.
#include "api/route.h"

namespace dss::api {
http::Response GetProjectFolder(Context& ctx);
http::Response LocateProject(Context& ctx);
http::Response CreateProjectFolderChild(Context& ctx);
http::Response DeleteProjectFolder(Context& ctx);
http::Response GetProjectFolderSettings(Context& ctx);
http::Response SetProjectFolderSettings(Context& ctx);
http::Response GetDefaultFolderForProjectCreation(Context& ctx);
http::Response MoveProjectFolder(Context& ctx);
http::Response MoveProjectToFolder(Context& ctx);
}  // namespace dss::api
