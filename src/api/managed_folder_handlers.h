#pragma once
// api/managed_folder_handlers.h: /projects/{projectKey}/managedfolders/* (spec endpoints.md §3.4)
// and the uploaded files of UploadedFiles datasets (§3.3.4).

#include "api/route.h"

namespace dss::api {

http::Response ListManagedFolders(Context& ctx);
http::Response CreateManagedFolder(Context& ctx);
http::Response GetManagedFolder(Context& ctx);
http::Response UpdateManagedFolder(Context& ctx);
http::Response DeleteManagedFolder(Context& ctx);
http::Response RenameManagedFolder(Context& ctx);
http::Response ListManagedFolderContents(Context& ctx);
/// Streams the file's bytes (application/octet-stream), with backpressure.
http::Response GetManagedFolderFile(Context& ctx);
/// Multipart upload (streaming body), written to a temporary file then renamed.
http::Response PutManagedFolderFile(Context& ctx);
http::Response DeleteManagedFolderFile(Context& ctx);
http::Response CopyManagedFolderTo(Context& ctx);

http::Response AddUploadedFile(Context& ctx);
http::Response ListUploadedFiles(Context& ctx);

}  // namespace dss::api
