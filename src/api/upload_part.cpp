#include "api/upload_part.h"

#include "common/api_error.h"

namespace dss::api {

Json WithUploadedPart(
    Context& ctx,
    const std::function<Json(const core::UploadSource&, const http::MultipartPart&)>& fn) {
  if (!ctx.req.body_reader) throw ApiError::Internal("Upload route without a streamed body");
  std::string boundary = http::MultipartReader::BoundaryFrom(ctx.req.Header("content-type"));
  http::MultipartReader mp(*ctx.req.body_reader, boundary);
  while (mp.NextPart()) {
    const auto& p = mp.part();
    if (p.name != "file" && !p.filename) continue;
    core::UploadSource src;
    src.read = [&mp](char* buf, size_t n) { return mp.Read(buf, n); };
    src.finish = [&mp] {
      while (mp.NextPart()) {
      }
    };
    return fn(src, p);
  }
  throw ApiError(ErrorCode::kMalformedMultipart,
                 "The multipart body has no file part (expected a part named 'file')");
}

}  // namespace dss::api
