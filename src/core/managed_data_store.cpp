#include "core/managed_data_store.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>

#include "common/api_error.h"
#include "common/clock.h"
#include "common/log.h"
#include "common/strings.h"

namespace dss::core {

namespace {

std::string VersionDirName(int64_t v) {
  char buf[32];
  snprintf(buf, sizeof buf, "v%06lld", static_cast<long long>(v));
  return buf;
}

// Returns the version number of a "vNNNNNN" directory name, or -1.
int64_t VersionOfDirName(const std::string& n) {
  if (n.size() < 2 || n[0] != 'v') return -1;
  for (size_t i = 1; i < n.size(); ++i)
    if (n[i] < '0' || n[i] > '9') return -1;
  return std::stoll(n.substr(1));
}

std::string Key(const std::string& p, const std::string& n) {
  return p + '\x1f' + n;
}
std::string Key(const std::string& p, const std::string& n, int64_t v) {
  return p + '\x1f' + n + '\x1f' + std::to_string(v);
}

void FsyncFile(const fs::path& p) {
  int fd = ::open(p.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw ApiError::Internal("Cannot open " + p.string() + " to sync it");
  int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) throw ApiError::Internal("Cannot sync " + p.string());
}

void SyncTree(const fs::path& dir) {
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::end(it);
       it.increment(ec)) {
    if (it->is_regular_file())
      FsyncFile(it->path());
    else if (it->is_directory())
      storage::FsyncDir(it->path());
  }
  if (ec) throw ApiError::Internal("Cannot list " + dir.string() + ": " + ec.message());
  storage::FsyncDir(dir);
  storage::FsyncDir(dir.parent_path());
}

bool IsDataFile(const fs::path& p) {
  std::string n = p.filename().string();
  return !n.empty() && n[0] != '.' && StartsWith(n, "part-");
}

}  // namespace

// ---------------------------------------------------------------------------------------
// DataSnapshot

std::vector<fs::path> DataSnapshot::Files(const std::vector<std::string>& partitions) const {
  std::vector<fs::path> out;
  if (version == 0) return out;
  std::error_code ec;
  auto add_dir = [&](const fs::path& d) {
    for (auto it = fs::directory_iterator(d, ec); !ec && it != fs::end(it); it.increment(ec))
      if (it->is_regular_file() && IsDataFile(it->path())) out.push_back(it->path());
  };
  if (partitions.empty()) {
    add_dir(dir);
    for (const auto& p : Partitions()) add_dir(dir / ManagedDataStore::PartitionDirName(p));
  } else {
    for (const auto& p : partitions) {
      if (p.empty() || p == "NP")
        add_dir(dir);
      else
        add_dir(dir / ManagedDataStore::PartitionDirName(p));
      ec.clear();
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::string> DataSnapshot::Partitions() const {
  std::vector<std::string> out;
  if (version == 0) return out;
  std::error_code ec;
  for (auto it = fs::directory_iterator(dir, ec); !ec && it != fs::end(it); it.increment(ec))
    if (it->is_directory())
      out.push_back(ManagedDataStore::PartitionIdOfDir(it->path().filename().string()));
  std::sort(out.begin(), out.end());
  return out;
}

// ---------------------------------------------------------------------------------------
// VersionDraft

VersionDraft::VersionDraft(ManagedDataStore& store, std::string project, std::string name,
                           int64_t version, fs::path dir)
    : store_(store),
      project_(std::move(project)),
      name_(std::move(name)),
      version_(version),
      dir_(std::move(dir)) {}

VersionDraft::~VersionDraft() {
  if (!finished_) Abort();
}

fs::path VersionDraft::PartitionDir(const std::string& partition_id) {
  if (partition_id.empty() || partition_id == "NP") return dir_;
  fs::path d = dir_ / ManagedDataStore::PartitionDirName(partition_id);
  std::error_code ec;
  fs::create_directories(d, ec);
  if (ec) throw ApiError::Internal("Cannot create " + d.string() + ": " + ec.message());
  return d;
}

int VersionDraft::CarryOver(const DataSnapshot& base, const std::set<std::string>& except) {
  int next = 0;
  if (base.version == 0) return 0;
  auto link_dir = [&](const fs::path& from, const fs::path& to) {
    std::error_code ec;
    for (auto it = fs::directory_iterator(from, ec); !ec && it != fs::end(it); it.increment(ec)) {
      if (!it->is_regular_file() || !IsDataFile(it->path())) continue;
      fs::path target = to / it->path().filename();
      std::error_code lec;
      fs::create_hard_link(it->path(), target, lec);
      if (lec) {
        fs::copy_file(it->path(), target, lec);
        if (lec) throw ApiError::Internal("Cannot carry over " + it->path().string());
      }
      ++next;
    }
  };
  bool root_excluded = except.count("NP") || except.count("");
  if (!root_excluded) link_dir(base.dir, dir_);
  for (const auto& p : base.Partitions())
    if (!except.count(p))
      link_dir(base.dir / ManagedDataStore::PartitionDirName(p), PartitionDir(p));
  return next;
}

int64_t VersionDraft::Commit(const Json& info, const std::string& staging) {
  if (finished_) throw ApiError::Internal("Version draft already finished");
  int64_t v = store_.CommitDraft(project_, name_, version_, dir_, info, staging);
  finished_ = true;
  return v;
}

void VersionDraft::Abort() {
  if (finished_) return;
  finished_ = true;
  std::error_code ec;
  fs::remove_all(dir_, ec);
  store_.ReleaseDraft(project_, name_, version_);
}

// ---------------------------------------------------------------------------------------
// ManagedDataStore

ManagedDataStore::ManagedDataStore(const storage::DataDir& dir, storage::MetadataStore& store)
    : dir_(dir), store_(store) {}

fs::path ManagedDataStore::DatasetDir(const std::string& project, const std::string& name) const {
  return dir_.ManagedDatasetsDir() / project / name;
}

std::string ManagedDataStore::PartitionDirName(const std::string& id) {
  // "=" prefix keeps partition directories apart from anything else in a version.
  return "=" + PercentEncode(id);
}

std::string ManagedDataStore::PartitionIdOfDir(const std::string& n) {
  std::string s = !n.empty() && n[0] == '=' ? n.substr(1) : n;
  return PercentDecode(s).value_or(s);
}

Json ManagedDataStore::State(const std::string& project, const std::string& name) const {
  auto doc = store_.Get(kKindDatasetState, project, name);
  if (doc) return *doc->data;
  return Json{{"currentVersion", 0}, {"versions", Json::array()}};
}

int ManagedDataStore::VersionsToKeep() const {
  {
    // General settings live in "settings"/""/"general" (SettingsService).
    auto doc = store_.Get("settings", "", "general");
    if (doc && doc->data->is_object() && doc->data->contains("datasetVersionsToKeep") &&
        (*doc->data)["datasetVersionsToKeep"].is_number_integer()) {
      int n = (*doc->data)["datasetVersionsToKeep"].get<int>();
      return std::max(1, n);
    }
  }
  return 3;
}

DataSnapshot ManagedDataStore::Current(const std::string& project, const std::string& name,
                                       const std::string& staging) {
  std::lock_guard<std::mutex> lock(mu_);
  Json st = State(project, name);
  DataSnapshot s;
  s.version = st.value("currentVersion", static_cast<int64_t>(0));
  if (!staging.empty() && st.contains("staged") && st["staged"].contains(staging))
    s.version = st["staged"][staging].value("version", s.version);
  if (s.version == 0) return s;
  s.dir = DatasetDir(project, name) / VersionDirName(s.version);
  std::string key = Key(project, name, s.version);
  ++pins_[key];
  s.pin = std::shared_ptr<void>(nullptr, [this, key](void*) { Unpin(key); });
  return s;
}

void ManagedDataStore::Unpin(const std::string& key) {
  std::string project, name;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = pins_.find(key);
    if (it == pins_.end()) return;
    if (--it->second > 0) return;
    pins_.erase(it);
    auto parts = Split(key, '\x1f');
    project = parts[0];
    name = parts[1];
  }
  Collect(project, name);
}

std::unique_ptr<VersionDraft> ManagedDataStore::Begin(const std::string& project,
                                                      const std::string& name) {
  std::lock_guard<std::mutex> lock(mu_);
  fs::path ds = DatasetDir(project, name);
  int64_t last = last_[Key(project, name)];
  Json st = State(project, name);
  for (const auto& v : st["versions"]) last = std::max(last, v.value("version", int64_t{0}));
  last = std::max(last, st.value("currentVersion", int64_t{0}));
  std::error_code ec;
  for (auto it = fs::directory_iterator(ds, ec); !ec && it != fs::end(it); it.increment(ec))
    last = std::max(last, VersionOfDirName(it->path().filename().string()));
  int64_t v = last + 1;
  last_[Key(project, name)] = v;
  fs::path dir = ds / VersionDirName(v);
  ec.clear();
  fs::create_directories(dir, ec);
  if (ec) throw ApiError::Internal("Cannot create " + dir.string() + ": " + ec.message());
  drafts_.insert(Key(project, name, v));
  return std::make_unique<VersionDraft>(*this, project, name, v, dir);
}

void ManagedDataStore::ReleaseDraft(const std::string& project, const std::string& name,
                                    int64_t version) {
  std::lock_guard<std::mutex> lock(mu_);
  drafts_.erase(Key(project, name, version));
}

namespace {
// Adds `entry` to the kept versions of state `st`, makes it current and prunes to `keep`.
void MakeCurrent(Json& st, const Json& entry, int keep) {
  int64_t version = entry.value("version", int64_t{0});
  Json versions = Json::array();
  for (const auto& v : st["versions"])
    if (v.value("version", int64_t{0}) != version) versions.push_back(v);
  versions.push_back(entry);
  std::sort(versions.begin(), versions.end(), [](const Json& a, const Json& b) {
    return a.value("version", int64_t{0}) < b.value("version", int64_t{0});
  });
  while (static_cast<int>(versions.size()) > keep) versions.erase(versions.begin());
  st["versions"] = versions;
  st["currentVersion"] = version;
}
}  // namespace

int64_t ManagedDataStore::CommitDraft(const std::string& project, const std::string& name,
                                      int64_t version, const fs::path& dir, const Json& info,
                                      const std::string& staging) {
  try {
    SyncTree(dir);
    int keep = VersionsToKeep();
    store_.Transact([&](storage::Txn& txn) {
      auto doc = txn.Get(kKindDatasetState, project, name);
      Json st = doc ? *doc->data : Json{{"currentVersion", 0}, {"versions", Json::array()}};
      Json entry = {{"version", version}, {"createdOn", NowMs()}};
      if (info.is_object())
        for (auto it = info.begin(); it != info.end(); ++it) entry[it.key()] = it.value();
      if (staging.empty())
        MakeCurrent(st, entry, keep);
      else
        st["staged"][staging] = entry;  // replaces (and so releases) an earlier staged write
      txn.Put(kKindDatasetState, project, name, st);
    });
  } catch (...) {
    ReleaseDraft(project, name, version);
    std::error_code ec;
    fs::remove_all(dir, ec);
    throw;
  }
  ReleaseDraft(project, name, version);
  Collect(project, name);
  return version;
}

void ManagedDataStore::PublishStaged(const std::string& project, const std::string& name,
                                     const std::string& token) {
  int keep = VersionsToKeep();
  store_.Transact([&](storage::Txn& txn) {
    auto doc = txn.Get(kKindDatasetState, project, name);
    if (!doc || !doc->data->contains("staged") || !(*doc->data)["staged"].contains(token)) return;
    Json st = *doc->data;
    Json entry = st["staged"][token];
    st["staged"].erase(token);
    if (st["staged"].empty()) st.erase("staged");
    MakeCurrent(st, entry, keep);
    txn.Put(kKindDatasetState, project, name, st);
  });
  Collect(project, name);
}

void ManagedDataStore::DiscardStaged(const std::string& project, const std::string& name,
                                     const std::string& token) {
  store_.Transact([&](storage::Txn& txn) {
    auto doc = txn.Get(kKindDatasetState, project, name);
    if (!doc || !doc->data->contains("staged") || !(*doc->data)["staged"].contains(token)) return;
    Json st = *doc->data;
    st["staged"].erase(token);
    if (st["staged"].empty()) st.erase("staged");
    txn.Put(kKindDatasetState, project, name, st);
  });
  Collect(project, name);
}

Json ManagedDataStore::Rollback(const std::string& project, const std::string& name,
                                int64_t version) {
  Json out;
  store_.Transact([&](storage::Txn& txn) {
    auto doc = txn.Get(kKindDatasetState, project, name);
    Json st = doc ? *doc->data : Json{{"currentVersion", 0}, {"versions", Json::array()}};
    bool kept = false;
    for (const auto& v : st["versions"]) kept |= v.value("version", int64_t{0}) == version;
    if (!kept)
      throw ApiError::BadRequest("Version " + std::to_string(version) + " of dataset '" + name +
                                 "' is not kept (see GET .../versions)");
    st["currentVersion"] = version;
    txn.Put(kKindDatasetState, project, name, st);
    out = st;
  });
  return out;
}

void ManagedDataStore::RecordBuild(const std::string& project, const std::string& name,
                                   int64_t start_ms, int64_t end_ms, bool success) {
  store_.Transact([&](storage::Txn& txn) {
    auto doc = txn.Get(kKindDatasetState, project, name);
    Json st = doc ? *doc->data : Json{{"currentVersion", 0}, {"versions", Json::array()}};
    st["lastBuild"] = {
        {"buildStartTime", start_ms}, {"buildEndTime", end_ms}, {"buildSuccess", success}};
    txn.Put(kKindDatasetState, project, name, st);
  });
}

void ManagedDataStore::Drop(const std::string& project, const std::string& name) {
  store_.Transact([&](storage::Txn& txn) { txn.Delete(kKindDatasetState, project, name); });
  Collect(project, name);
}

void ManagedDataStore::Rename(storage::Txn& txn, const std::string& project,
                              const std::string& from, const std::string& to) {
  auto doc = txn.Get(kKindDatasetState, project, from);
  if (doc) {
    txn.Put(kKindDatasetState, project, to, *doc->data);
    txn.Delete(kKindDatasetState, project, from);
  }
  std::error_code ec;
  fs::path a = DatasetDir(project, from), b = DatasetDir(project, to);
  if (fs::exists(a, ec)) {
    fs::remove_all(b, ec);
    fs::rename(a, b, ec);
    if (ec) throw ApiError::Internal("Cannot move data of '" + from + "': " + ec.message());
  }
}

void ManagedDataStore::Collect(const std::string& project, const std::string& name) {
  std::vector<fs::path> doomed;
  fs::path ds = DatasetDir(project, name);
  {
    std::lock_guard<std::mutex> lock(mu_);
    Json st = State(project, name);
    std::set<int64_t> kept;
    for (const auto& v : st["versions"]) kept.insert(v.value("version", int64_t{0}));
    kept.insert(st.value("currentVersion", int64_t{0}));
    const Json staged = st.value("staged", Json::object());
    for (const auto& [token, entry] : staged.items())
      kept.insert(entry.value("version", int64_t{0}));
    std::error_code ec;
    for (auto it = fs::directory_iterator(ds, ec); !ec && it != fs::end(it); it.increment(ec)) {
      int64_t v = VersionOfDirName(it->path().filename().string());
      if (v < 0 || kept.count(v)) continue;
      if (pins_.count(Key(project, name, v)) || drafts_.count(Key(project, name, v))) continue;
      doomed.push_back(it->path());
    }
  }
  // Unreferenced versions never become referenced again, so deleting outside the lock is safe.
  for (const auto& d : doomed) {
    std::error_code ec;
    fs::remove_all(d, ec);
  }
  std::error_code ec;
  if (fs::is_empty(ds, ec) && !ec) fs::remove(ds, ec);
}

int ManagedDataStore::SweepOrphans() {
  int removed = 0;
  std::error_code ec;
  fs::path root = dir_.ManagedDatasetsDir();
  for (auto p = fs::directory_iterator(root, ec); !ec && p != fs::end(p); p.increment(ec)) {
    if (!p->is_directory()) continue;
    std::error_code ec2;
    for (auto d = fs::directory_iterator(p->path(), ec2); !ec2 && d != fs::end(d);
         d.increment(ec2)) {
      if (!d->is_directory()) continue;
      std::string project = p->path().filename().string(), name = d->path().filename().string();
      Json st = State(project, name);
      if (st.contains("staged")) {
        // Writes staged by job activities a crash interrupted: their jobs are FAILED.
        store_.Transact([&](storage::Txn& txn) {
          auto doc = txn.Get(kKindDatasetState, project, name);
          if (!doc) return;
          Json s = *doc->data;
          s.erase("staged");
          txn.Put(kKindDatasetState, project, name, s);
        });
        st.erase("staged");
        log::Info("discarded writes staged by interrupted jobs", project + "." + name);
      }
      std::set<int64_t> kept;
      for (const auto& v : st["versions"]) kept.insert(v.value("version", int64_t{0}));
      kept.insert(st.value("currentVersion", int64_t{0}));
      std::error_code ec3;
      for (auto v = fs::directory_iterator(d->path(), ec3); !ec3 && v != fs::end(v);
           v.increment(ec3)) {
        int64_t n = VersionOfDirName(v->path().filename().string());
        if (n < 0 || kept.count(n)) continue;
        std::error_code ec4;
        fs::remove_all(v->path(), ec4);
        ++removed;
        log::Info("swept uncommitted dataset version", v->path().string());
      }
    }
  }
  return removed;
}

}  // namespace dss::core
