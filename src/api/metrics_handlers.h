#pragma once
// api/metrics_handlers.h: dataset metrics and checks (endpoints.md §3.3.5). Each handler
// throws the ApiError of core::MetricsService (see core/metrics_service.h).
#include "api/route.h"

namespace dss::api {
http::Response ComputeMetrics(Context& ctx);
http::Response ComputeMetricsFromIds(Context& ctx);
http::Response GetLastMetricValues(Context& ctx);
http::Response GetMetricHistory(Context& ctx);
http::Response RunChecks(Context& ctx);
}  // namespace dss::api
