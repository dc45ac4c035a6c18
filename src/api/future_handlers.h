#pragma once
// api/future_handlers.h: /futures/ routes (spec endpoints.md §3.8, protocol §2.2).

#include "api/route.h"

namespace dss::api {

/// GET /futures/?withScenarios=&withNotScenarios=&allUsers= — alive futures.
http::Response ListFutures(Context& ctx);
/// GET /futures/{futureId}?peek=&waitMs= — state; an HTTP error once failed or aborted.
http::Response GetFuture(Context& ctx);
/// DELETE /futures/{futureId} — requests an abort.
http::Response AbortFuture(Context& ctx);

}  // namespace dss::api
