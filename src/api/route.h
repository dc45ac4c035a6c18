#pragma once
// api/route.h: what one row of the route table says, and what a handler gets.

#include <map>
#include <string>

#include "auth/principal.h"
#include "common/json.h"
#include "core/services.h"
#include "http/request.h"
#include "http/response.h"

namespace dss::api {

/// The permission a route requires. Checked by the dispatcher before the handler runs; the
/// project-scoped ones read the `{projectKey}` path parameter.
enum class Access {
  kAuthenticated,   // any valid credentials
  kAdmin,           // global administrator
  kCreateProjects,  // global admin or mayCreateProjects
  kProjectRead,     // readProjectContent on {projectKey}
  kProjectWrite,    // writeProjectContent on {projectKey}
  kProjectAdmin,    // admin on {projectKey}
  kProjectRunScenarios,
  kProjectExportData,  // exportDatasetsData on {projectKey}
};

/// Name used in openapi.json and the route listing.
const char* AccessName(Access a);

/// Everything a handler may use. Handlers stay thin: parse, call one service, serialise.
class Context {
 public:
  Context(http::Request& req, const std::map<std::string, std::string>& params,
          const auth::Principal& who, core::Services& services)
      : req(req), who(who), svc(services), params_(params) {}

  http::Request& req;
  const auth::Principal& who;
  core::Services& svc;

  /// A path parameter of the route. Throws ApiError(kInternal) if the route has none by
  /// that name (a route-table bug).
  const std::string& Param(const std::string& name) const;
  /// The request body parsed as JSON whatever the Content-Type (the client sends none);
  /// an empty body is {}. Throws ApiError(kMalformedJson).
  const Json& Body();

 private:
  const std::map<std::string, std::string>& params_;
  bool body_parsed_ = false;
  Json body_;
};

using HandlerFn = http::Response (*)(Context&);

struct Route {
  const char* method;
  const char* pattern;  // relative to /public/api or /dip/publicapi; "!" prefix = at the root
  Access access;
  HandlerFn handler;
  const char* summary;
  bool streaming_body = false;  // the handler reads req.body_reader itself (uploads)
};

}  // namespace dss::api
