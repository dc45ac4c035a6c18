#include "storage/file_store.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "common/api_error.h"
#include "common/crypto.h"
#include "common/strings.h"
#include "storage/data_dir.h"

namespace dss::storage {

namespace {

bool IsInside(const fs::path& real_root, const fs::path& real) {
  std::string r = real_root.native(), p = real.native();
  if (p == r) return true;
  if (!r.empty() && r.back() != '/') r.push_back('/');
  return p.compare(0, r.size(), r) == 0;
}

int64_t MtimeMs(const struct stat& st) {
  return static_cast<int64_t>(st.st_mtim.tv_sec) * 1000 + st.st_mtim.tv_nsec / 1000000;
}

}  // namespace

bool IsTempName(std::string_view name) {
  return name.substr(0, kTempPrefix.size()) == kTempPrefix;
}

fs::path ResolveInside(const fs::path& root, std::string_view relative, bool create_parents,
                       bool allow_empty) {
  auto bad = [&](const std::string& why) {
    return ApiError(ErrorCode::kInvalidPath,
                    "Invalid path '" + std::string(relative) + "': " + why);
  };
  if (relative.find('\0') != std::string_view::npos) throw bad("contains a NUL byte");
  if (relative.find('\\') != std::string_view::npos) throw bad("contains a backslash");
  std::vector<std::string> segs;
  for (auto& s : Split(relative, '/')) {
    if (s.empty() || s == ".") continue;
    if (s == "..") throw bad("'..' is not allowed");
    if (IsTempName(s))
      throw bad("names starting with '" + std::string(kTempPrefix) + "' are reserved");
    segs.push_back(std::move(s));
  }
  if (segs.empty() && !allow_empty) throw bad("the path is empty");
  std::error_code ec;
  if (create_parents) {
    fs::create_directories(root, ec);
    if (ec) throw ApiError::Internal("Cannot create " + root.string() + ": " + ec.message());
  }
  fs::path cur = root;
  if (!fs::exists(root, ec)) {
    for (const auto& s : segs) cur /= s;
    return cur;  // nothing exists there, so nothing can point outside
  }
  fs::path real_root = fs::canonical(root, ec);
  if (ec) throw ApiError::Internal("Cannot resolve " + root.string() + ": " + ec.message());
  for (size_t i = 0; i < segs.size(); ++i) {
    cur /= segs[i];
    bool last = i + 1 == segs.size();
    struct stat st;
    if (::lstat(cur.c_str(), &st) != 0) {
      if (errno != ENOENT && errno != ENOTDIR)
        throw ApiError::Internal("Cannot stat " + cur.string() + ": " + strerror(errno));
      if (errno == ENOTDIR) throw bad("a parent is a file, not a directory");
      if (create_parents && !last) {
        if (::mkdir(cur.c_str(), 0755) != 0 && errno != EEXIST)
          throw ApiError::Internal("Cannot create " + cur.string() + ": " + strerror(errno));
      }
      continue;
    }
    if (S_ISLNK(st.st_mode)) {
      fs::path real = fs::canonical(cur, ec);
      if (ec || !IsInside(real_root, real))
        throw bad("'" + segs[i] + "' is a symbolic link pointing outside the folder");
      if (::stat(cur.c_str(), &st) != 0) throw bad("dangling symbolic link");
    }
    if (!last && !S_ISDIR(st.st_mode)) throw bad("'" + segs[i] + "' is a file, not a directory");
  }
  return cur;
}

AtomicFileWriter::AtomicFileWriter(fs::path target, int mode) : target_(std::move(target)) {
  tmp_ = target_.parent_path() / (std::string(kTempPrefix) + RandomToken(16));
  fd_ = ::open(tmp_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd_ < 0)
    throw ApiError::Internal("Cannot create a file in " + target_.parent_path().string() + ": " +
                             strerror(errno));
}

AtomicFileWriter::~AtomicFileWriter() {
  if (fd_ >= 0) ::close(fd_);
  if (!committed_) ::unlink(tmp_.c_str());
}

void AtomicFileWriter::Write(const char* data, size_t n) {
  while (n > 0) {
    ssize_t w = ::write(fd_, data, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      throw ApiError::Internal("Cannot write " + target_.filename().string() + ": " +
                               strerror(errno));
    }
    data += w;
    n -= static_cast<size_t>(w);
    bytes_ += w;
  }
}

void AtomicFileWriter::Commit() {
  if (::fsync(fd_) != 0)
    throw ApiError::Internal("Cannot sync " + target_.filename().string() + ": " + strerror(errno));
  int fd = fd_;
  fd_ = -1;
  if (::close(fd) != 0)
    throw ApiError::Internal("Cannot close " + target_.filename().string() + ": " +
                             strerror(errno));
  struct stat st;
  if (::lstat(target_.c_str(), &st) == 0 && S_ISDIR(st.st_mode))
    throw ApiError(ErrorCode::kInvalidPath,
                   "Cannot write '" + target_.filename().string() + "': it is a directory");
  if (::rename(tmp_.c_str(), target_.c_str()) != 0)
    throw ApiError::Internal("Cannot rename onto " + target_.filename().string() + ": " +
                             strerror(errno));
  committed_ = true;
  FsyncDir(target_.parent_path());
}

ReadableFile::ReadableFile(const fs::path& path) {
  fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  struct stat st;
  if (fd_ < 0 || ::fstat(fd_, &st) != 0 || !S_ISREG(st.st_mode)) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
    throw ApiError(ErrorCode::kNotFound, "File '" + path.filename().string() + "' does not exist");
  }
  size_ = st.st_size;
  mtime_ms_ = MtimeMs(st);
}

ReadableFile::~ReadableFile() {
  if (fd_ >= 0) ::close(fd_);
}

size_t ReadableFile::Read(char* buf, size_t n) {
  while (true) {
    ssize_t r = ::read(fd_, buf, n);
    if (r >= 0) return static_cast<size_t>(r);
    if (errno != EINTR) throw ApiError::Internal(std::string("Read failed: ") + strerror(errno));
  }
}

std::vector<FileEntry> ListFiles(const fs::path& root) {
  std::vector<FileEntry> out;
  std::error_code ec;
  if (!fs::is_directory(root, ec)) return out;
  fs::recursive_directory_iterator it(root, fs::directory_options::skip_permission_denied, ec), end;
  for (; !ec && it != end; it.increment(ec)) {
    if (IsTempName(it->path().filename().native())) {
      if (it->is_directory(ec)) it.disable_recursion_pending();
      continue;
    }
    struct stat st;
    if (::lstat(it->path().c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
    FileEntry e;
    e.path = it->path().lexically_relative(root).generic_string();
    e.size = st.st_size;
    e.modified_ms = MtimeMs(st);
    out.push_back(std::move(e));
  }
  std::sort(out.begin(), out.end(),
            [](const FileEntry& a, const FileEntry& b) { return a.path < b.path; });
  return out;
}

FileEntry StatFile(const fs::path& path, std::string rel) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode))
    throw ApiError(ErrorCode::kNotFound, "File '" + rel + "' does not exist");
  return FileEntry{std::move(rel), st.st_size, MtimeMs(st)};
}

int SweepTempFiles(const fs::path& root) {
  std::vector<fs::path> found;
  std::error_code ec;
  if (!fs::is_directory(root, ec)) return 0;
  fs::recursive_directory_iterator it(root, fs::directory_options::skip_permission_denied, ec), end;
  for (; !ec && it != end; it.increment(ec))
    if (IsTempName(it->path().filename().native())) {
      found.push_back(it->path());
      it.disable_recursion_pending();
    }
  for (const auto& p : found) fs::remove_all(p, ec);
  return static_cast<int>(found.size());
}

}  // namespace dss::storage
