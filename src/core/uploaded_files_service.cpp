#include "core/uploaded_files_service.h"

#include "common/api_error.h"
#include "common/log.h"
#include "storage/file_store.h"

namespace dss::core {

namespace fs = std::filesystem;

namespace {
Json ItemOf(const storage::FileEntry& e) {
  return Json{{"path", "/" + e.path},
              {"name", fs::path(e.path).filename().string()},
              {"size", e.size},
              {"lastModified", e.modified_ms}};
}
}  // namespace

UploadedFilesService::UploadedFilesService(storage::MetadataStore& store, storage::DataDir data_dir)
    : store_(store), data_dir_(std::move(data_dir)) {}

int UploadedFilesService::SweepInterruptedUploads() {
  int n = storage::SweepTempFiles(data_dir_.UploadsDir());
  if (n > 0) log::Info("removed interrupted dataset uploads", Json{{"count", n}}.dump());
  return n;
}

fs::path UploadedFilesService::DirOf(const std::string& project_key,
                                     const std::string& dataset) const {
  if (project_key.find('/') != std::string::npos || dataset.find('/') != std::string::npos)
    throw ApiError(ErrorCode::kInvalidPath,
                   "Invalid dataset '" + project_key + "." + dataset + "'");
  return storage::ResolveInside(data_dir_.UploadsDir(), project_key + "/" + dataset, false);
}

void UploadedFilesService::RequireUploadDataset(const std::string& project_key,
                                                const std::string& dataset) const {
  auto d = store_.Get("dataset", project_key, dataset);
  if (!d)
    throw ApiError(ErrorCode::kDatasetNotFound,
                   "dataset does not exist: " + project_key + "." + dataset);
  std::string type = d->data->value("type", "");
  if (type != "UploadedFiles")
    throw ApiError(ErrorCode::kInvalidConfig,
                   "Dataset " + project_key + "." + dataset + " is of type '" + type +
                       "', not 'UploadedFiles': it has no uploaded files");
}

Json UploadedFilesService::AddFile(const std::string& project_key, const std::string& dataset,
                                   const std::string& filename, const UploadSource& src) {
  RequireUploadDataset(project_key, dataset);
  if (filename.empty())
    throw ApiError(ErrorCode::kInvalidPath,
                   "Missing file name: give the multipart part a filename (or ?filename=)");
  if (filename.find('/') != std::string::npos || filename == "." || filename == "..")
    throw ApiError(ErrorCode::kInvalidPath,
                   "Invalid file name '" + filename + "': it must be a single name, not a path");
  fs::path dir = DirOf(project_key, dataset);
  fs::path target = storage::ResolveInside(dir, filename, true);
  std::error_code ec;
  if (fs::is_directory(target, ec))
    throw ApiError(ErrorCode::kInvalidPath, "Invalid file name '" + filename + "': a directory");
  storage::AtomicFileWriter w(target);
  std::vector<char> buf(1 << 20);
  while (size_t n = src.read(buf.data(), buf.size())) w.Write(buf.data(), n);
  if (src.finish) src.finish();
  w.Commit();
  return ItemOf(storage::StatFile(target, filename));
}

Json UploadedFilesService::ListFiles(const std::string& project_key,
                                     const std::string& dataset) const {
  RequireUploadDataset(project_key, dataset);
  Json out = Json::array();
  for (const auto& e : storage::ListFiles(DirOf(project_key, dataset))) out.push_back(ItemOf(e));
  return out;
}

}  // namespace dss::core
