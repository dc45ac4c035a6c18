#pragma once
// api/upload_part.h: finds the file part of a multipart upload (spec endpoints.md §1.4) and
// hands it to a service as a core::UploadSource, streamed.

#include <functional>

#include "api/route.h"
#include "core/managed_folder_service.h"
#include "http/multipart.h"

namespace dss::api {

/// Reads the streamed multipart body of `ctx` up to the part named "file" (or else the first
/// part carrying a filename) and calls `fn` with a source over its bytes and its headers. The
/// source's `finish` checks that the rest of the body is well-formed, so a cut upload fails
/// before the file becomes visible. Throws ApiError(kMalformedMultipart) for a non-multipart
/// or malformed body or when no file part exists.
Json WithUploadedPart(
    Context& ctx,
    const std::function<Json(const core::UploadSource&, const http::MultipartPart&)>& fn);

}  // namespace dss::api
