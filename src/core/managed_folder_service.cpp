#include "core/managed_folder_service.h"

#include <algorithm>
#include <set>

#include "common/api_error.h"
#include "common/clock.h"
#include "common/crypto.h"
#include "common/log.h"
#include "common/strings.h"
#include "core/connection_service.h"
#include "core/future_service.h"
#include "core/project_service.h"
#include "core/security_service.h"

namespace dss::core {

namespace fs = std::filesystem;

namespace {

constexpr const char* kDefaultPath = "${projectKey}/${odbId}";
constexpr size_t kCopyChunk = 1 << 20;

std::string ReplaceAll(std::string s, const std::string& from, const std::string& to) {
  for (size_t pos = 0; (pos = s.find(from, pos)) != std::string::npos; pos += to.size())
    s.replace(pos, from.size(), to);
  return s;
}

void ValidateName(const std::string& name, const char* field) {
  if (name.empty())
    throw ApiError::BadRequest(std::string("Missing required field '") + field + "'");
  if (name.size() > 200)
    throw ApiError(ErrorCode::kInvalidName, "Managed folder name '" + name + "' is too long");
  for (unsigned char c : name)
    if (c < 0x20 || c == 0x7f || c == '/' || c == '\\')
      throw ApiError(ErrorCode::kInvalidName,
                     "Invalid managed folder name '" + name +
                         "': control characters and slashes are not allowed");
}

Json ItemOf(const storage::FileEntry& e) {
  return Json{{"path", "/" + e.path}, {"size", e.size}, {"lastModified", e.modified_ms}};
}

// Collects the refs of every item in a recipe's outputs ({role: {items: [{ref}]}}).
void CollectOutputRefs(const Json& recipe, std::set<std::string>& refs) {
  if (!recipe.contains("outputs") || !recipe["outputs"].is_object()) return;
  for (const auto& [role, r] : recipe["outputs"].items()) {
    if (!r.is_object() || !r.contains("items") || !r["items"].is_array()) continue;
    for (const auto& it : r["items"])
      if (it.is_object() && it.contains("ref") && it["ref"].is_string())
        refs.insert(it["ref"].get<std::string>());
  }
}

}  // namespace

ManagedFolderService::ManagedFolderService(storage::MetadataStore& store, storage::DataDir data_dir,
                                           ConnectionService& connections,
                                           SecurityService& security, FutureService& futures,
                                           ProjectService& projects)
    : store_(store),
      data_dir_(std::move(data_dir)),
      connections_(connections),
      security_(security),
      futures_(futures),
      projects_(projects) {}

int ManagedFolderService::SweepInterruptedUploads() {
  int n = storage::SweepTempFiles(data_dir_.ManagedFoldersDir());
  // Folders on other Filesystem connections.
  std::set<fs::path> roots;
  for (const auto& d : store_.ListAll(kKindManagedFolder)) {
    try {
      roots.insert(RootOf(*d.data));
    } catch (const std::exception&) {
      // A folder whose connection disappeared has no reachable contents to sweep.
    }
  }
  for (const auto& r : roots) n += storage::SweepTempFiles(r);
  if (n > 0) log::Info("removed interrupted managed-folder uploads", Json{{"count", n}}.dump());
  return n;
}

fs::path ManagedFolderService::RootOf(const Json& def) const {
  const Json& params =
      def.contains("params") && def["params"].is_object() ? def["params"] : Json::object();
  std::string conn = GetString(params, "connection");
  if (conn.empty()) conn = kBuiltinManagedFolders;
  std::string path = GetString(params, "path");
  if (path.empty()) path = kDefaultPath;
  path = ReplaceAll(path, "${projectKey}", def.value("projectKey", ""));
  path = ReplaceAll(path, "${odbId}", def.value("id", ""));
  fs::path root = connections_.FilesystemRoot(conn);
  fs::path out = storage::ResolveInside(root, path, false, true);
  // Deleting the folder removes this directory: it must never be the connection root itself.
  if (out.lexically_normal() == root.lexically_normal())
    throw ApiError(ErrorCode::kInvalidConfig,
                   "Managed folder path '" + GetString(params, "path") +
                       "' must name a directory below the root of connection '" + conn + "'");
  return out;
}

fs::path ManagedFolderService::ContentRoot(const std::string& project_key,
                                           const std::string& id) const {
  return RootOf(Require(project_key, id));
}

Json ManagedFolderService::Require(const std::string& project_key, const std::string& id) const {
  auto d = store_.Get(kKindManagedFolder, project_key, id);
  if (!d)
    throw ApiError(ErrorCode::kNotFound,
                   "Managed folder '" + id + "' does not exist in project '" + project_key + "'");
  return *d->data;
}

std::vector<Json> ManagedFolderService::List(const std::string& project_key) const {
  projects_.GetSummary(project_key);  // kProjectNotFound
  std::vector<Json> out;
  for (const auto& d : store_.List(kKindManagedFolder, project_key)) out.push_back(*d.data);
  return out;
}

Json ManagedFolderService::Normalise(const auth::Principal& who, const std::string& project_key,
                                     const std::string& id, const Json& body,
                                     const Json* previous) const {
  RequireObject(body, "Managed folder definition");
  Json def = previous ? *previous : Json::object();
  MergeInto(def, body);
  if (body.contains("id") && !body["id"].is_null() && body["id"] != id)
    throw ApiError::BadRequest("Field 'id' cannot be changed (folder '" + id + "')");
  if (body.contains("projectKey") && !body["projectKey"].is_null() &&
      body["projectKey"] != project_key)
    throw ApiError::BadRequest("Field 'projectKey' cannot be changed (folder '" + id + "')");
  def["projectKey"] = project_key;
  def["id"] = id;
  std::string name = GetString(def, "name");
  ValidateName(name, "name");
  std::string type = GetString(def, "type");
  if (type.empty()) type = "Filesystem";
  if (type != "Filesystem")
    throw ApiError(ErrorCode::kInvalidConfig,
                   "Unsupported managed folder type '" + type + "' (only 'Filesystem')");
  def["type"] = type;
  Json params = def.contains("params") && !def["params"].is_null() ? def["params"] : Json::object();
  RequireObject(params, "Field 'params'");
  std::string conn = GetString(params, "connection");
  if (conn.empty()) conn = kBuiltinManagedFolders;
  params["connection"] = conn;
  if (GetString(params, "path").empty()) params["path"] = kDefaultPath;
  if (!params.contains("notReadyIfEmpty")) params["notReadyIfEmpty"] = false;
  if (!params.contains("filesSelectionRules"))
    params["filesSelectionRules"] = {{"mode", "ALL"},
                                     {"excludeRules", Json::array()},
                                     {"includeRules", Json::array()},
                                     {"explicitFiles", Json::array()}};
  def["params"] = params;
  // The connection must exist, be a Filesystem one and be usable by the caller; the path must
  // stay inside its root.
  connections_.FilesystemRoot(conn);
  if (!who.IsAdmin()) {
    auto usable = connections_.UsableNames(who, "Filesystem");
    if (std::find(usable.begin(), usable.end(), conn) == usable.end())
      throw ApiError::Forbidden("You may not use connection '" + conn + "'");
  }
  RootOf(def);
  if (!def.contains("partitioning") || !def["partitioning"].is_object())
    def["partitioning"] = {{"ignoreNonMatchingFile", false},
                           {"considerMissingRequestedPartitionsAsEmpty", false},
                           {"dimensions", Json::array()}};
  for (const char* f : {"tags"})
    if (!def.contains(f) || def[f].is_null()) def[f] = Json::array();
  if (!def["tags"].is_array()) throw ApiError::BadRequest("Field 'tags' must be an array");
  for (const char* f : {"description", "shortDesc"})
    if (!def.contains(f) || def[f].is_null()) def[f] = "";
  if (!def.contains("customFields") || def["customFields"].is_null())
    def["customFields"] = Json::object();
  if (!def.contains("checklists") || def["checklists"].is_null())
    def["checklists"] = {{"checklists", Json::array()}};
  if (!def.contains("flowOptions") || def["flowOptions"].is_null())
    def["flowOptions"] = {{"virtualizable", false}, {"rebuildBehavior", "NORMAL"}};
  int64_t now = NowMs();
  Json user = {{"login", who.AuthIdentifier()}};
  if (!previous)
    def["creationTag"] = {{"versionNumber", 0}, {"lastModifiedBy", user}, {"lastModifiedOn", now}};
  int64_t version = previous && (*previous).contains("versionTag")
                        ? (*previous)["versionTag"].value("versionNumber", 0) + 1
                        : 0;
  def["versionTag"] = {
      {"versionNumber", version}, {"lastModifiedBy", user}, {"lastModifiedOn", now}};
  return def;
}

Json ManagedFolderService::Create(const auth::Principal& who, const std::string& project_key,
                                  const Json& body) {
  projects_.GetSummary(project_key);
  RequireObject(body, "Managed folder creation body");
  if (body.contains("projectKey") && !body["projectKey"].is_null() &&
      body["projectKey"] != project_key)
    throw ApiError::BadRequest("Field 'projectKey' does not match the project in the URL");
  std::string id = GetString(body, "id");
  if (id.empty()) id = RandomToken(8);
  for (char c : id)
    if (!isalnum(static_cast<unsigned char>(c)) && c != '_')
      throw ApiError(ErrorCode::kInvalidName,
                     "Invalid managed folder id '" + id + "': only letters, digits and '_'");
  Json body_copy = body;
  body_copy.erase("id");
  body_copy.erase("projectKey");
  Json def = Normalise(who, project_key, id, body_copy, nullptr);
  store_.Transact([&](storage::Txn& txn) {
    if (txn.Get(kKindManagedFolder, project_key, id))
      throw ApiError::Conflict("Managed folder '" + id + "' already exists");
    for (const auto& d : txn.List(kKindManagedFolder, project_key))
      if (d.data->value("name", "") == def["name"])
        throw ApiError::Conflict("A managed folder named '" + def["name"].get<std::string>() +
                                 "' already exists in project '" + project_key + "'");
    txn.Put(kKindManagedFolder, project_key, id, def);
    projects_.RecordTimeline(txn, project_key, who.AuthIdentifier(), "CREATE", "MANAGED_FOLDER",
                             id);
  });
  return def;
}

Json ManagedFolderService::Get(const std::string& project_key, const std::string& id) const {
  return Require(project_key, id);
}

Json ManagedFolderService::Update(const auth::Principal& who, const std::string& project_key,
                                  const std::string& id, const Json& body) {
  Json saved;
  Json previous = Require(project_key, id);
  Json def = Normalise(who, project_key, id, body, &previous);
  store_.Transact([&](storage::Txn& txn) {
    if (!txn.Get(kKindManagedFolder, project_key, id))
      throw ApiError(ErrorCode::kNotFound, "Managed folder '" + id + "' does not exist");
    for (const auto& d : txn.List(kKindManagedFolder, project_key))
      if (d.id != id && d.data->value("name", "") == def["name"])
        throw ApiError::Conflict("A managed folder named '" + def["name"].get<std::string>() +
                                 "' already exists in project '" + project_key + "'");
    txn.Put(kKindManagedFolder, project_key, id, def);
    projects_.RecordTimeline(txn, project_key, who.AuthIdentifier(), "EDIT", "MANAGED_FOLDER", id);
  });
  return def;
}

void ManagedFolderService::Rename(const auth::Principal& who, const std::string& project_key,
                                  const Json& body) {
  RequireObject(body, "Rename body");
  std::string id = RequireString(body, "id");
  std::string new_name = GetString(body, "newName");
  ValidateName(new_name, "newName");
  Json def = Require(project_key, id);
  def["name"] = new_name;
  Update(who, project_key, id, def);
}

void ManagedFolderService::Delete(const auth::Principal& who, const std::string& project_key,
                                  const std::string& id) {
  Json def = Require(project_key, id);
  fs::path root;
  try {
    root = RootOf(def);
  } catch (const std::exception&) {
    // Unreachable contents (connection gone): only the definition is removed.
  }
  store_.Transact([&](storage::Txn& txn) {
    if (!txn.Delete(kKindManagedFolder, project_key, id))
      throw ApiError(ErrorCode::kNotFound, "Managed folder '" + id + "' does not exist");
    projects_.RecordTimeline(txn, project_key, who.AuthIdentifier(), "DELETE", "MANAGED_FOLDER",
                             id);
  });
  if (root.empty()) return;
  // Keep the contents when another folder still uses that directory (or one nested with it).
  auto nested = [](const fs::path& a, const fs::path& b) {
    auto rel = a.lexically_relative(b);
    return !rel.empty() && *rel.begin() != "..";
  };
  for (const auto& d : store_.ListAll(kKindManagedFolder)) {
    try {
      fs::path other = RootOf(*d.data);
      if (nested(other, root) || nested(root, other)) return;
    } catch (const std::exception&) {
    }
  }
  std::error_code ec;
  fs::remove_all(root, ec);
  if (ec)
    log::Warn("could not remove managed folder contents",
              Json{{"path", root.string()}, {"error", ec.message()}}.dump());
}

Json ManagedFolderService::ListContents(const std::string& project_key,
                                        const std::string& id) const {
  Json items = Json::array();
  for (const auto& e : storage::ListFiles(ContentRoot(project_key, id))) items.push_back(ItemOf(e));
  return Json{{"items", items}};
}

std::unique_ptr<storage::ReadableFile> ManagedFolderService::OpenFile(
    const std::string& project_key, const std::string& id, const std::string& path) const {
  fs::path p = storage::ResolveInside(ContentRoot(project_key, id), path, false);
  try {
    return std::make_unique<storage::ReadableFile>(p);
  } catch (const ApiError& e) {
    if (e.code() != ErrorCode::kNotFound) throw;
    throw ApiError(ErrorCode::kNotFound,
                   "File '" + path + "' does not exist in managed folder '" + id + "'");
  }
}

Json ManagedFolderService::PutFile(const std::string& project_key, const std::string& id,
                                   const std::string& path, const UploadSource& src) {
  fs::path root = ContentRoot(project_key, id);
  fs::path target = storage::ResolveInside(root, path, true);
  std::error_code ec;
  if (fs::is_directory(target, ec))
    throw ApiError(ErrorCode::kInvalidPath,
                   "Invalid path '" + path + "': it is a directory in managed folder '" + id + "'");
  storage::AtomicFileWriter w(target);
  std::vector<char> buf(1 << 20);
  while (size_t n = src.read(buf.data(), buf.size())) w.Write(buf.data(), n);
  if (src.finish) src.finish();
  w.Commit();
  std::string rel = target.lexically_relative(root).generic_string();
  return ItemOf(storage::StatFile(target, rel));
}

void ManagedFolderService::DeleteFile(const std::string& project_key, const std::string& id,
                                      const std::string& path) {
  fs::path p = storage::ResolveInside(ContentRoot(project_key, id), path, false);
  std::error_code ec;
  auto st = fs::symlink_status(p, ec);
  if (ec || !fs::exists(st))
    throw ApiError(ErrorCode::kNotFound,
                   "File '" + path + "' does not exist in managed folder '" + id + "'");
  fs::remove_all(p, ec);
  if (ec) throw ApiError::Internal("Cannot delete '" + path + "': " + ec.message());
}

std::vector<fs::path> ManagedFolderService::OutputFolderRoots(
    const std::string& project_key) const {
  std::set<std::string> refs;
  for (const auto& d : store_.List("recipe", project_key)) CollectOutputRefs(*d.data, refs);
  std::vector<fs::path> out;
  for (const auto& d : store_.List(kKindManagedFolder, project_key)) {
    if (!refs.count(d.id) && !refs.count(d.data->value("name", ""))) continue;
    try {
      out.push_back(RootOf(*d.data));
    } catch (const std::exception&) {
    }
  }
  return out;
}

Json ManagedFolderService::StartCopyTo(const auth::Principal& who, const std::string& project_key,
                                       const std::string& id, const Json& body) {
  RequireObject(body, "copyTo body");
  std::string target_pk = GetString(body, "targetProjectKey");
  if (target_pk.empty()) target_pk = project_key;
  std::string target_id = RequireString(body, "targetFolderId");
  std::string mode = GetString(body, "writeMode", "OVERWRITE");
  if (mode != "OVERWRITE" && mode != "APPEND")
    throw ApiError::BadRequest("Field 'writeMode' must be OVERWRITE or APPEND, got '" + mode + "'");
  security_.RequireProject(who, target_pk, auth::kWriteProjectContent);
  fs::path src_root = ContentRoot(project_key, id);
  fs::path dst_root = ContentRoot(target_pk, target_id);
  if (src_root == dst_root)
    throw ApiError::BadRequest("Cannot copy managed folder '" + id + "' onto itself");
  bool overwrite = mode == "OVERWRITE";
  std::string desc =
      "Copy managed folder " + project_key + "." + id + " to " + target_pk + "." + target_id;
  return futures_.Start(who, project_key, desc, [=](FutureContext& ctx) -> Json {
    auto files = storage::ListFiles(src_root);
    int64_t bytes = 0, done = 0;
    std::vector<char> buf(kCopyChunk);
    std::set<std::string> copied;
    for (const auto& f : files) {
      ctx.CheckAborted();
      ctx.SetProgress("Copying files", done, static_cast<int64_t>(files.size()), "FILES");
      fs::path target = storage::ResolveInside(dst_root, f.path, true);
      storage::ReadableFile in(src_root / f.path);
      storage::AtomicFileWriter out(target);
      while (size_t n = in.Read(buf.data(), buf.size())) {
        out.Write(buf.data(), n);
        bytes += static_cast<int64_t>(n);
        ctx.CheckAborted();
      }
      out.Commit();
      copied.insert(f.path);
      ++done;
    }
    int64_t removed = 0;
    if (overwrite) {
      // Remove what the source does not have only once every file was copied, so an abort
      // or failure never leaves the target emptier than before.
      for (const auto& f : storage::ListFiles(dst_root)) {
        if (copied.count(f.path)) continue;
        std::error_code ec;
        if (fs::remove(dst_root / f.path, ec)) ++removed;
      }
    }
    ctx.SetProgress("Copying files", done, static_cast<int64_t>(files.size()), "FILES");
    return Json{{"filesCopied", done}, {"bytesCopied", bytes}, {"filesRemoved", removed}};
  });
}

}  // namespace dss::core
