#pragma once
// api/job_handlers.h: /projects/{projectKey}/jobs/ routes (endpoints.md §2.3, §3.6).

#include "api/route.h"

namespace dss::api {

http::Response ListJobs(Context& ctx);
http::Response StartJob(Context& ctx);
/// Extension: ?waitForChangeMs=N long-polls for a state change (README "Extensions").
http::Response GetJobStatus(Context& ctx);
http::Response GetJobLog(Context& ctx);
http::Response AbortJob(Context& ctx);

}  // namespace dss::api
