#include "common/api_error.h"

namespace dss {
namespace {
struct Row {
  int status;
  std::string_view type;
  std::string_view code;
};
constexpr Row kRows[] = {
#define X(name, status, type, code) {status, type, code},
#include "common/error_codes.def"
#undef X
};
}  // namespace

int HttpStatusOf(ErrorCode code) {
  return kRows[static_cast<int>(code)].status;
}
std::string_view ErrorTypeOf(ErrorCode code) {
  return kRows[static_cast<int>(code)].type;
}
std::string_view CodeStringOf(ErrorCode code) {
  return kRows[static_cast<int>(code)].code;
}

ApiError::ApiError(ErrorCode code, std::string message, std::string detailed)
    : std::runtime_error(std::move(message)), code_(code), detailed_(std::move(detailed)) {
  if (detailed_.empty()) detailed_ = what();
}

}  // namespace dss
