#include "http/error_response.h"

#include <exception>

#include "common/log.h"

namespace dss::http {

Response ErrorResponse(const ApiError& e) {
  Json body = Json::object();
  body["errorType"] = std::string(ErrorTypeOf(e.code()));
  body["message"] = e.what();
  body["detailedMessage"] = e.detailed_message();
  body["code"] = std::string(CodeStringOf(e.code()));
  return Response::FromJson(body, e.status());
}

Response CurrentExceptionResponse(const std::string& request_id) {
  try {
    throw;
  } catch (const ApiError& e) {
    if (e.status() >= 500) {
      Json f = {{"requestId", request_id}, {"error", e.what()}};
      log::Error("request failed", f.dump());
    }
    return ErrorResponse(e);
  } catch (const std::exception& e) {
    Json f = {{"requestId", request_id}, {"error", e.what()}};
    log::Error("internal error", f.dump());
    return ErrorResponse(
        ApiError(ErrorCode::kInternal, "Internal server error (request " + request_id + ")",
                 std::string("Internal server error (request ") + request_id + "): " + e.what()));
  } catch (...) {
    return ErrorResponse(ApiError::Internal("Internal server error (request " + request_id + ")"));
  }
}

}  // namespace dss::http
