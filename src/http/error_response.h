#pragma once
// http/error_response.h: the one writer of error responses.

#include <string>

#include "common/api_error.h"
#include "http/response.h"

namespace dss::http {

/// {errorType, message, detailedMessage, code} with the catalog's status. Never throws.
Response ErrorResponse(const ApiError& e);

/// Turns the exception currently being handled into a response: ApiError → its status;
/// anything else → 500 kInternal, logged with `request_id`. Call only inside a catch block.
Response CurrentExceptionResponse(const std::string& request_id);

}  // namespace dss::http
