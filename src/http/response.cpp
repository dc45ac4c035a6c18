#include "http/response.h"

namespace dss::http {

Response Response::FromJson(const Json& j, int status) {
  Response r;
  r.status = status;
  r.body = j.dump(-1, ' ', false, Json::error_handler_t::replace);
  return r;
}

Response Response::Text(std::string text, int status, std::string content_type) {
  Response r;
  r.status = status;
  r.content_type = std::move(content_type);
  r.body = std::move(text);
  return r;
}

Response Response::Empty() {
  return FromJson(Json::object());
}

}  // namespace dss::http
