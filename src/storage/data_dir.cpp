#include "storage/data_dir.h"

#include <fcntl.h>
#include <unistd.h>

#include "common/api_error.h"
#include "common/crypto.h"
#include "common/strings.h"

namespace dss::storage {

DataDir::DataDir(fs::path root) : root_(fs::absolute(std::move(root)).lexically_normal()) {}

void DataDir::EnsureLayout() const {
  std::error_code ec;
  for (const auto& d : {root_, RunDir(), TmpDir(), ManagedDatasetsDir(), ManagedFoldersDir(),
                        UploadsDir(), JobsDir(), ScenariosDir()}) {
    fs::create_directories(d, ec);
    if (ec) throw ApiError::Internal("Cannot create " + d.string() + ": " + ec.message());
  }
}

fs::path SafeJoin(const fs::path& base, std::string_view relative) {
  auto bad = [&](const std::string& why) {
    return ApiError(ErrorCode::kInvalidPath,
                    "Invalid path '" + std::string(relative) + "': " + why);
  };
  if (relative.find('\0') != std::string_view::npos) throw bad("contains a NUL byte");
  if (relative.find('\\') != std::string_view::npos) throw bad("contains a backslash");
  fs::path out = base;
  for (const auto& seg : Split(relative, '/')) {
    if (seg.empty() || seg == ".") continue;
    if (seg == "..") throw bad("'..' is not allowed");
    out /= seg;
  }
  return out;
}

void WriteFileAtomic(const fs::path& path, std::string_view content, int mode) {
  fs::path tmp = path;
  tmp += ".tmp-" + RandomToken(8);
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) throw ApiError::Internal("Cannot write " + tmp.string());
  size_t off = 0;
  while (off < content.size()) {
    ssize_t n = ::write(fd, content.data() + off, content.size() - off);
    if (n <= 0) {
      ::close(fd);
      ::unlink(tmp.c_str());
      throw ApiError::Internal("Cannot write " + tmp.string());
    }
    off += static_cast<size_t>(n);
  }
  ::fsync(fd);
  ::close(fd);
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    ::unlink(tmp.c_str());
    throw ApiError::Internal("Cannot rename onto " + path.string());
  }
  FsyncDir(path.parent_path());
}

void FsyncDir(const fs::path& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
}

}  // namespace dss::storage
