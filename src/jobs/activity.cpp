#include "jobs/activity.h"

#include "common/api_error.h"

namespace dss::jobs {

void ActivityContext::ThrowIfAborted() const {
  if (Aborted()) throw ApiError(ErrorCode::kAborted, "Activity " + activity_id_ + " was aborted");
}

}  // namespace dss::jobs
