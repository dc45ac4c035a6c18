// THE route table. One row per (method, path). Keep areas grouped and in spec order
// (spec/endpoints.md). Patterns are relative to /public/api and /dip/publicapi.
#include "api/routes.h"

#include "api/auth_handlers.h"
#include "api/job_handlers.h"
#include "api/meta_handlers.h"
#include "api/project_handlers.h"

namespace dss::api {

namespace {
using A = Access;
}  // namespace

const std::vector<Route>& Routes() {
  static const std::vector<Route> kRoutes = {
      // --- API description ---
      {"GET", "/openapi.json", A::kAuthenticated, GetOpenApi,
       "OpenAPI description generated from this table"},

      // --- Auth info ---
      {"GET", "/auth/info", A::kAuthenticated, GetAuthInfo, "Identity of the caller"},

      // --- Projects ---
      {"GET", "/projects/", A::kAuthenticated, ListProjects,
       "List projects readable by the caller"},
      {"POST", "/projects/", A::kCreateProjects, CreateProject, "Create a project"},
      {"GET", "/projects/{projectKey}", A::kProjectRead, GetProject, "Project summary"},
      // (more project routes: metadata, settings, permissions, variables, tags, timeline...)

      // --- Project folders ---

      // --- Users, groups, current user ---

      // --- API keys (global, personal) ---

      // --- Connections ---

      // --- Instance: general settings, global variables, instance info, logs ---

      // --- Datasets ---

      // --- Managed folders ---

      // --- Futures ---

      // --- SQL queries ---

      // --- Metrics and checks ---

      // --- Recipes ---

      // --- Flow graph and zones ---

      // --- Jobs ---
      {"GET", "/projects/{projectKey}/jobs/", A::kProjectRead, ListJobs,
       "Jobs of the project, newest first (extension: ?limit=N)"},
      {"POST", "/projects/{projectKey}/jobs/", A::kProjectWrite, StartJob,
       "Start a job building Flow outputs"},
      {"GET", "/projects/{projectKey}/jobs/{jobId}/", A::kProjectRead, GetJobStatus,
       "Job status (extension: ?waitForChangeMs=N long-polls for a change)"},
      {"GET", "/projects/{projectKey}/jobs/{jobId}/log", A::kProjectRead, GetJobLog,
       "Job log, or one activity's log with ?activity="},
      {"POST", "/projects/{projectKey}/jobs/{jobId}/abort", A::kProjectWrite, AbortJob,
       "Abort a running job"},

      // --- Scenarios ---
  };
  return kRoutes;
}

Json OpenApiDocument(const std::string& server_version) {
  Json doc = Json::object();
  doc["openapi"] = "3.0.3";
  doc["info"] = {{"title", "dssd — Dataiku DSS public REST API"}, {"version", server_version}};
  doc["servers"] = Json::array({{{"url", "/public/api"}}, {{"url", "/dip/publicapi"}}});
  doc["components"] = {{"securitySchemes",
                        {{"basic", {{"type", "http"}, {"scheme", "basic"}}},
                         {"bearer", {{"type", "http"}, {"scheme", "bearer"}}}}}};
  doc["security"] = Json::array({{{"basic", Json::array()}}, {{"bearer", Json::array()}}});
  Json paths = Json::object();
  for (const auto& r : Routes()) {
    std::string p = r.pattern;
    if (!p.empty() && p[0] == '!') p = p.substr(1);
    // OpenAPI has no multi-segment parameter: show {path*} as {path}.
    for (size_t pos; (pos = p.find("*}")) != std::string::npos;) p.erase(pos, 1);
    Json op = {{"summary", r.summary}, {"x-dss-access", AccessName(r.access)}};
    Json params = Json::array();
    for (size_t b = p.find('{'); b != std::string::npos; b = p.find('{', b + 1)) {
      size_t e = p.find('}', b);
      params.push_back({{"name", p.substr(b + 1, e - b - 1)},
                        {"in", "path"},
                        {"required", true},
                        {"schema", {{"type", "string"}}}});
    }
    if (!params.empty()) op["parameters"] = params;
    op["responses"] = {
        {"200", {{"description", "OK"}}},
        {"default", {{"description", "DSS error {errorType, message, detailedMessage, code}"}}}};
    std::string method = r.method;
    for (auto& c : method) c = static_cast<char>(tolower(c));
    paths[p][method] = op;
  }
  doc["paths"] = paths;
  return doc;
}

}  // namespace dss::api
