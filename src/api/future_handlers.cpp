#include "api/future_handlers.h"

#include <algorithm>

#include "core/future_service.h"

namespace dss::api {

namespace {
// Long polls are capped so that a request thread is never held for long.
constexpr long long kMaxWaitMs = 30'000;
}  // namespace

http::Response ListFutures(Context& ctx) {
  Json out = Json::array();
  for (auto& s : ctx.svc.futures().List(ctx.who, ctx.req.QueryBool("allUsers", false),
                                        ctx.req.QueryBool("withScenarios", true),
                                        ctx.req.QueryBool("withNotScenarios", true)))
    out.push_back(std::move(s));
  return http::Response::FromJson(out);
}

http::Response GetFuture(Context& ctx) {
  long long wait_ms = std::clamp(ctx.req.QueryInt("waitMs", 0), 0LL, kMaxWaitMs);
  return http::Response::FromJson(ctx.svc.futures().Get(ctx.Param("futureId"), ctx.who,
                                                        ctx.req.QueryBool("peek", false), wait_ms));
}

http::Response AbortFuture(Context& ctx) {
  ctx.svc.futures().Abort(ctx.Param("futureId"), ctx.who);
  return http::Response::Empty();
}

}  // namespace dss::api
