#include "api/meta_handlers.h"

#include "api/routes.h"

namespace dss::api {

http::Response GetOpenApi(Context& ctx) {
  return http::Response::FromJson(OpenApiDocument(ctx.svc.options().server_version));
}

}  // namespace dss::api
