#include "api/route.h"

#include "common/api_error.h"

namespace dss::api {

const char* AccessName(Access a) {
  switch (a) {
    case Access::kAuthenticated:
      return "AUTHENTICATED";
    case Access::kAdmin:
      return "GLOBAL_ADMIN";
    case Access::kCreateProjects:
      return "MAY_CREATE_PROJECTS";
    case Access::kProjectRead:
      return "PROJECT_READ_CONTENT";
    case Access::kProjectWrite:
      return "PROJECT_WRITE_CONTENT";
    case Access::kProjectAdmin:
      return "PROJECT_ADMIN";
    case Access::kProjectRunScenarios:
      return "PROJECT_RUN_SCENARIOS";
    case Access::kProjectExportData:
      return "PROJECT_EXPORT_DATASETS_DATA";
  }
  return "?";
}

const std::string& Context::Param(const std::string& name) const {
  auto it = params_.find(name);
  if (it == params_.end()) throw ApiError::Internal("Route has no parameter '" + name + "'");
  return it->second;
}

const Json& Context::Body() {
  if (!body_parsed_) {
    body_ = ParseJson(req.body);
    body_parsed_ = true;
  }
  return body_;
}

}  // namespace dss::api
