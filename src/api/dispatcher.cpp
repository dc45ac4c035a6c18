#include "api/dispatcher.h"

#include <chrono>
#include <cstdio>
#include <string_view>

#include "api/routes.h"
#include "common/api_error.h"
#include "common/clock.h"
#include "common/log.h"
#include "common/strings.h"
#include "core/security_service.h"
#include "core/user_service.h"
#include "http/error_response.h"

namespace dss::api {

Dispatcher::Dispatcher(core::Services& services, std::string access_log_path)
    : services_(services) {
  const auto& routes = Routes();
  for (size_t i = 0; i < routes.size(); ++i) {
    std::string pattern = routes[i].pattern;
    if (!pattern.empty() && pattern[0] == '!')
      root_router_.Add(routes[i].method, pattern.substr(1), static_cast<int>(i));
    else
      api_router_.Add(routes[i].method, pattern, static_cast<int>(i));
  }
  if (!access_log_path.empty()) access_log_ = fopen(access_log_path.c_str(), "a");
}

Dispatcher::~Dispatcher() {
  if (access_log_) fclose(access_log_);
}

Dispatcher::Resolved Dispatcher::Resolve(const http::Request& req) const {
  auto segs = http::Router::SplitPath(req.raw_path);
  if (!segs) throw ApiError(ErrorCode::kInvalidPath, "Malformed percent-encoding in path");
  const http::Router* router = &root_router_;
  size_t skip = 0;
  if (segs->size() >= 2 && (((*segs)[0] == "public" && (*segs)[1] == "api") ||
                            ((*segs)[0] == "dip" && (*segs)[1] == "publicapi"))) {
    router = &api_router_;
    skip = 2;
  }
  std::vector<std::string> rest(segs->begin() + static_cast<long>(skip), segs->end());
  auto m = router->Find(req.method, rest);
  if (m.id < 0) {
    if (m.path_matched)
      throw ApiError(ErrorCode::kMethodNotAllowed,
                     "Method " + req.method + " not allowed on " + req.raw_path);
    throw ApiError(ErrorCode::kRouteNotFound,
                   "No such API endpoint: " + req.method + " " + req.raw_path);
  }
  Resolved r;
  r.route = &Routes()[static_cast<size_t>(m.id)];
  r.params = std::move(m.params);
  return r;
}

bool Dispatcher::WantsStreamingBody(const http::Request& head) {
  try {
    return Resolve(head).route->streaming_body;
  } catch (...) {
    return false;
  }
}

void Dispatcher::Authorise(const Route& route, const auth::Principal& who,
                           const std::map<std::string, std::string>& params) const {
  auto& sec = services_.security();
  auto project = [&]() -> const std::string& {
    auto it = params.find("projectKey");
    if (it == params.end()) throw ApiError::Internal("Project route without {projectKey}");
    return it->second;
  };
  switch (route.access) {
    case Access::kAuthenticated:
      return;
    case Access::kAdmin:
      sec.RequireAdmin(who);
      return;
    case Access::kCreateProjects:
      sec.RequireGlobal(who, auth::kMayCreateProjects);
      return;
    case Access::kProjectRead:
      sec.RequireProject(who, project(), auth::kReadProjectContent);
      return;
    case Access::kProjectWrite:
      sec.RequireProject(who, project(), auth::kWriteProjectContent);
      return;
    case Access::kProjectAdmin:
      sec.RequireProject(who, project(), auth::kAdmin);
      return;
    case Access::kProjectRunScenarios:
      sec.RequireProject(who, project(), auth::kRunScenarios);
      return;
    case Access::kProjectExportData:
      sec.RequireProject(who, project(), auth::kExportDatasetsData | auth::kReadProjectContent);
      return;
  }
}

http::Response Dispatcher::Handle(http::Request& req) {
  auto start = std::chrono::steady_clock::now();
  http::Response res;
  try {
    Resolved r = Resolve(req);
    auth::Credentials creds =
        auth::ParseCredentials(req.Header("authorization"), req.Header("x-dku-apiticket"));
    auth::Principal who = services_.security().Authenticate(creds, req.Header("x-dku-proxyuser"));
    if (!who.login.empty()) services_.users().RecordActivity(who.login);
    Authorise(*r.route, who, r.params);
    Context ctx(req, r.params, who, services_);
    res = r.route->handler(ctx);
  } catch (...) {
    res = http::CurrentExceptionResponse(req.request_id);
  }
  auto micros = std::chrono::duration_cast<std::chrono::microseconds>(
                    std::chrono::steady_clock::now() - start)
                    .count();
  AccessLog(req, res.status, micros);
  return res;
}

http::Response Dispatcher::Reject(int status, const std::string& message) {
  ErrorCode code = status == 413   ? ErrorCode::kPayloadTooLarge
                   : status == 431 ? ErrorCode::kHeaderTooLarge
                   : status == 503 ? ErrorCode::kUnavailable
                                   : ErrorCode::kBadRequest;
  return http::ErrorResponse(ApiError(code, message));
}

namespace {

// Appends `v` as a JSON string literal.
void AppendJsonString(std::string& out, std::string_view v) {
  out.push_back('"');
  for (unsigned char c : v) {
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(static_cast<char>(c));
    } else if (c < 0x20 || c >= 0x7f) {
      // Escaping every non-ASCII byte keeps the line valid JSON whatever the client sent.
      char buf[8];
      snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else {
      out.push_back(static_cast<char>(c));
    }
  }
  out.push_back('"');
}

// ISO timestamp of `ms`; the date-time part is formatted once per second per thread.
std::string IsoUtcCached(int64_t ms) {
  thread_local int64_t cached_sec = -1;
  thread_local std::string cached;  // "YYYY-MM-DDTHH:MM:SS."
  int64_t sec = ms / 1000;
  if (sec != cached_sec) {
    cached = IsoUtc(sec * 1000);
    cached.resize(cached.size() - 4);  // drop "000Z"
    cached_sec = sec;
  }
  char tail[8];
  snprintf(tail, sizeof tail, "%03dZ", static_cast<int>(ms % 1000));
  return cached + tail;
}

}  // namespace

// Built by hand rather than through Json: the access log line was a quarter of the CPU time
// of a small GET (bench/RESULTS.md).
void Dispatcher::AccessLog(const http::Request& req, int status, int64_t micros) {
  if (!access_log_) return;
  std::string text;
  text.reserve(160 + req.raw_path.size());
  text += "{\"ts\":\"";
  text += IsoUtcCached(NowMs());
  text += "\",\"requestId\":";
  AppendJsonString(text, req.request_id);
  text += ",\"remote\":";
  AppendJsonString(text, req.remote);
  text += ",\"method\":";
  AppendJsonString(text, req.method);
  text += ",\"path\":";
  AppendJsonString(text, req.raw_path);
  text += ",\"status\":";
  text += std::to_string(status);
  text += ",\"micros\":";
  text += std::to_string(micros);
  text += "}\n";
  std::lock_guard<std::mutex> lock(log_mu_);
  fwrite(text.data(), 1, text.size(), access_log_);
}

}  // namespace dss::api
