#include "api/metrics_handlers.h"

#include "common/api_error.h"
#include "core/metrics_service.h"

namespace dss::api {

namespace {
// `partition` is sent as an empty value by the client's defaults: "" = NP / ALL.
std::string Partition(Context& ctx) {
  return ctx.req.Query("partition").value_or("");
}

std::vector<std::string> Strings(const Json& arr, const std::string& what) {
  std::vector<std::string> out;
  if (arr.is_null()) return out;
  if (!arr.is_array()) throw ApiError::BadRequest(what + " must be an array of strings");
  for (const auto& v : arr) {
    if (!v.is_string()) throw ApiError::BadRequest(what + " must be an array of strings");
    out.push_back(v.get<std::string>());
  }
  return out;
}
}  // namespace

http::Response ComputeMetrics(Context& ctx) {
  const Json& body = ctx.Body();
  // The body, when any, holds probes: a list, or a metrics object with a `probes` list.
  Json probes;
  if (body.is_array())
    probes = body;
  else if (body.is_object() && body.contains("probes"))
    probes = body["probes"].is_null() ? Json::array() : body["probes"];
  else if (!body.is_object())
    throw ApiError::BadRequest("Request body must be a list of probes or {probes: [...]}");
  return http::Response::FromJson(ctx.svc.metrics().ComputeProbes(
      ctx.Param("projectKey"), ctx.Param("datasetName"), Partition(ctx), probes));
}

http::Response ComputeMetricsFromIds(Context& ctx) {
  const Json& body = RequireObject(ctx.Body(), "Request body");
  auto ids = Strings(body.value("metricIds", Json()), "Field 'metricIds'");
  if (ids.empty()) throw ApiError::BadRequest("Field 'metricIds' must list at least one metric");
  return http::Response::FromJson(ctx.svc.metrics().Compute(
      ctx.Param("projectKey"), ctx.Param("datasetName"), Partition(ctx), ids));
}

http::Response GetLastMetricValues(Context& ctx) {
  return http::Response::FromJson(ctx.svc.metrics().Last(
      ctx.Param("projectKey"), ctx.Param("datasetName"), ctx.Param("partitionId")));
}

http::Response GetMetricHistory(Context& ctx) {
  return http::Response::FromJson(ctx.svc.metrics().History(
      ctx.Param("projectKey"), ctx.Param("datasetName"), ctx.Param("partitionId"),
      ctx.req.Query("metricLookup").value_or("")));
}

http::Response RunChecks(Context& ctx) {
  // Check ids: the body (a list, as the client sends it, or {checkIds: [...]}) and/or
  // repeated `checkIds` query keys; none = every check of the dataset.
  const Json& body = ctx.Body();
  std::vector<std::string> ids;
  if (body.is_array())
    ids = Strings(body, "Request body");
  else if (body.is_object())
    ids = Strings(body.value("checkIds", Json()), "Field 'checkIds'");
  else if (!body.is_null())
    throw ApiError::BadRequest("Request body must be a list of check ids");
  for (auto& id : ctx.req.QueryAll("checkIds")) ids.push_back(id);
  return http::Response::FromJson(ctx.svc.metrics().RunChecks(
      ctx.Param("projectKey"), ctx.Param("datasetName"), Partition(ctx), ids));
}

}  // namespace dss::api
