#pragma once
// api/dispatcher.h: the request path after the socket: route → authenticate → authorise →
// handler, with every failure turned into a JSON error by the one writer.

#include <atomic>
#include <cstdio>
#include <mutex>
#include <string>

#include "api/route.h"
#include "core/services.h"
#include "http/http_server.h"
#include "http/router.h"

namespace dss::api {

class Dispatcher : public http::Handler {
 public:
  /// Builds the router from Routes(). Throws std::logic_error on a duplicate route.
  Dispatcher(core::Services& services, std::string access_log_path);
  ~Dispatcher() override;

  bool WantsStreamingBody(const http::Request& head) override;
  http::Response Handle(http::Request& request) override;
  http::Response Reject(int status, const std::string& message) override;

 private:
  struct Resolved {
    const Route* route = nullptr;
    std::map<std::string, std::string> params;
  };
  /// Throws ApiError(kRouteNotFound / kMethodNotAllowed / kInvalidPath).
  Resolved Resolve(const http::Request& req) const;
  void Authorise(const Route& route, const auth::Principal& who,
                 const std::map<std::string, std::string>& params) const;
  void AccessLog(const http::Request& req, int status, int64_t micros);

  core::Services& services_;
  http::Router api_router_;   // under /public/api and /dip/publicapi
  http::Router root_router_;  // at the root ("!" patterns)
  std::mutex log_mu_;
  FILE* access_log_ = nullptr;
};

}  // namespace dss::api
