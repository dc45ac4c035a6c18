#pragma once
// common/api_error.h: the single exception type that crosses layers, and its catalog.

#include <stdexcept>
#include <string>
#include <string_view>

namespace dss {

/// Every error dssd reports to a client. Rows live in error_codes.def.
enum class ErrorCode {
#define X(name, status, type, code) name,
#include "common/error_codes.def"
#undef X
};

/// HTTP status for a code. Thread-safe, never throws.
int HttpStatusOf(ErrorCode code);
/// DSS Java-style errorType (e.g. com.dataiku.dip.server.controllers.NotFoundException).
std::string_view ErrorTypeOf(ErrorCode code);
/// DSS well-known code string (e.g. ERR_PROJECT_UNKNOWN_PROJECT_KEY).
std::string_view CodeStringOf(ErrorCode code);

/// Thrown by any layer for a client-visible failure; written to the wire by exactly one
/// function (http/error_response.h). what() is the message.
class ApiError : public std::runtime_error {
 public:
  ApiError(ErrorCode code, std::string message, std::string detailed = "");

  ErrorCode code() const { return code_; }
  int status() const { return HttpStatusOf(code_); }
  /// The longer message; equals the message when none was given.
  const std::string& detailed_message() const { return detailed_; }

  static ApiError BadRequest(std::string msg) { return {ErrorCode::kBadRequest, std::move(msg)}; }
  static ApiError NotFound(std::string msg) { return {ErrorCode::kNotFound, std::move(msg)}; }
  static ApiError Forbidden(std::string msg) { return {ErrorCode::kForbidden, std::move(msg)}; }
  static ApiError Conflict(std::string msg) { return {ErrorCode::kConflict, std::move(msg)}; }
  static ApiError Internal(std::string msg) { return {ErrorCode::kInternal, std::move(msg)}; }

 private:
  ErrorCode code_;
  std::string detailed_;
};

}  // namespace dss
