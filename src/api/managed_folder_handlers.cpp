#include "api/managed_folder_handlers.h"

#include <memory>

#include "api/upload_part.h"
#include "common/api_error.h"
#include "common/strings.h"
#include "core/managed_folder_service.h"
#include "core/uploaded_files_service.h"

namespace dss::api {

namespace {

constexpr size_t kStreamChunk = 256 * 1024;

// The router percent-decodes each segment, so "a%2Fb" would arrive as "a/b" and "%00" as a
// NUL: refuse encoded separators by looking at the raw path.
std::string ContentPath(Context& ctx) {
  std::string raw = ToLower(ctx.req.raw_path);
  for (const char* enc : {"%2f", "%5c", "%00"})
    if (raw.find(enc) != std::string::npos)
      throw ApiError(ErrorCode::kInvalidPath,
                     "Invalid path '" + ctx.req.raw_path +
                         "': encoded '/', '\\' or NUL characters are not allowed in a file path");
  return ctx.Param("path");
}

const std::string& Pk(Context& ctx) {
  return ctx.Param("projectKey");
}
const std::string& Folder(Context& ctx) {
  return ctx.Param("folderId");
}

}  // namespace

http::Response ListManagedFolders(Context& ctx) {
  Json out = Json::array();
  for (auto& f : ctx.svc.folders().List(Pk(ctx))) out.push_back(std::move(f));
  return http::Response::FromJson(out);
}

http::Response CreateManagedFolder(Context& ctx) {
  return http::Response::FromJson(ctx.svc.folders().Create(ctx.who, Pk(ctx), ctx.Body()));
}

http::Response GetManagedFolder(Context& ctx) {
  return http::Response::FromJson(ctx.svc.folders().Get(Pk(ctx), Folder(ctx)));
}

http::Response UpdateManagedFolder(Context& ctx) {
  return http::Response::FromJson(
      ctx.svc.folders().Update(ctx.who, Pk(ctx), Folder(ctx), ctx.Body()));
}

http::Response DeleteManagedFolder(Context& ctx) {
  ctx.svc.folders().Delete(ctx.who, Pk(ctx), Folder(ctx));
  return http::Response::Empty();
}

http::Response RenameManagedFolder(Context& ctx) {
  ctx.svc.folders().Rename(ctx.who, Pk(ctx), ctx.Body());
  return http::Response::Empty();
}

http::Response ListManagedFolderContents(Context& ctx) {
  return http::Response::FromJson(ctx.svc.folders().ListContents(Pk(ctx), Folder(ctx)));
}

http::Response GetManagedFolderFile(Context& ctx) {
  std::string path = ContentPath(ctx);
  std::shared_ptr<storage::ReadableFile> file =
      ctx.svc.folders().OpenFile(Pk(ctx), Folder(ctx), path);
  http::Response res;
  res.content_type = "application/octet-stream";
  res.stream = [file](std::string& chunk) {
    chunk.resize(kStreamChunk);
    size_t n = file->Read(chunk.data(), chunk.size());
    chunk.resize(n);
    return n > 0;
  };
  return res;
}

http::Response PutManagedFolderFile(Context& ctx) {
  std::string path = ContentPath(ctx);
  auto& folders = ctx.svc.folders();
  folders.ContentRoot(Pk(ctx), Folder(ctx));  // unknown folder: fail before reading the body
  Json out = WithUploadedPart(ctx, [&](const core::UploadSource& src, const http::MultipartPart&) {
    return folders.PutFile(Pk(ctx), Folder(ctx), path, src);
  });
  return http::Response::FromJson(out);
}

http::Response DeleteManagedFolderFile(Context& ctx) {
  ctx.svc.folders().DeleteFile(Pk(ctx), Folder(ctx), ContentPath(ctx));
  return http::Response::Empty();
}

http::Response CopyManagedFolderTo(Context& ctx) {
  return http::Response::FromJson(
      ctx.svc.folders().StartCopyTo(ctx.who, Pk(ctx), Folder(ctx), ctx.Body()));
}

http::Response AddUploadedFile(Context& ctx) {
  auto& uploads = ctx.svc.uploads();
  const std::string& ds = ctx.Param("datasetName");
  uploads.RequireUploadDataset(Pk(ctx), ds);  // fail before reading the body
  Json out =
      WithUploadedPart(ctx, [&](const core::UploadSource& src, const http::MultipartPart& part) {
        std::string name = part.filename.value_or("");
        if (name.empty()) name = ctx.req.Query("filename").value_or("");
        return uploads.AddFile(Pk(ctx), ds, name, src);
      });
  return http::Response::FromJson(out);
}

http::Response ListUploadedFiles(Context& ctx) {
  return http::Response::FromJson(ctx.svc.uploads().ListFiles(Pk(ctx), ctx.Param("datasetName")));
}

}  // namespace dss::api
