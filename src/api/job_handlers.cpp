#include "api/job_handlers.h"

#include "core/job_service.h"

namespace dss::api {

http::Response ListJobs(Context& ctx) {
  return http::Response::FromJson(
      ctx.svc.jobs().List(ctx.Param("projectKey"), ctx.req.QueryInt("limit", 0)));
}

http::Response StartJob(Context& ctx) {
  return http::Response::FromJson(
      ctx.svc.jobs().Start(ctx.who, ctx.Param("projectKey"), ctx.Body()));
}

http::Response GetJobStatus(Context& ctx) {
  return http::Response::FromJson(ctx.svc.jobs().Status(ctx.Param("projectKey"), ctx.Param("jobId"),
                                                        ctx.req.QueryInt("waitForChangeMs", 0)));
}

http::Response GetJobLog(Context& ctx) {
  return http::Response::Text(ctx.svc.jobs().Log(ctx.Param("projectKey"), ctx.Param("jobId"),
                                                 ctx.req.Query("activity").value_or("")));
}

http::Response AbortJob(Context& ctx) {
  return http::Response::FromJson(
      ctx.svc.jobs().Abort(ctx.who, ctx.Param("projectKey"), ctx.Param("jobId")));
}

}  // namespace dss::api
