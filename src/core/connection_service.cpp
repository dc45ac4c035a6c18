#include "core/connection_service.h"

#include <algorithm>

#include "common/api_error.h"
#include "common/clock.h"
#include "common/strings.h"

namespace dss::core {

namespace {

[[noreturn]] void NoSuchConnection(const std::string& name) {
  throw ApiError(ErrorCode::kConnectionDoesNotExist, "Connection '" + name + "' does not exist");
}

[[noreturn]] void InvalidParam(const std::string& name, const std::string& param,
                               const std::string& why) {
  throw ApiError(ErrorCode::kInvalidConnection,
                 "Invalid connection '" + name + "': parameter '" + param + "' " + why);
}

void ValidateName(const std::string& name) {
  if (name.empty()) throw ApiError(ErrorCode::kInvalidName, "Missing required field 'name'");
  if (name.size() > 200)
    throw ApiError(ErrorCode::kInvalidName, "Connection name '" + name + "' is too long");
  if (name != Trim(name))
    throw ApiError(ErrorCode::kInvalidName,
                   "Connection name '" + name + "' may not start or end with spaces");
  for (char c : name)
    if (c == '/' || c == '\\' || static_cast<unsigned char>(c) < 0x20)
      throw ApiError(ErrorCode::kInvalidName, "Invalid connection name '" + name +
                                                  "': '/', '\\' and control characters "
                                                  "are not allowed");
}

std::vector<std::string> StringArray(const Json& obj, const char* field) {
  std::vector<std::string> out;
  if (!obj.contains(field) || obj[field].is_null()) return out;
  if (!obj[field].is_array())
    throw ApiError(ErrorCode::kInvalidConnection,
                   std::string("Field '") + field + "' must be an array of strings");
  for (const auto& v : obj[field]) {
    if (!v.is_string())
      throw ApiError(ErrorCode::kInvalidConnection,
                     std::string("Field '") + field + "' must be an array of strings");
    out.push_back(v.get<std::string>());
  }
  return out;
}

bool SharesGroup(const auth::Principal& who, const Json& groups) {
  if (!groups.is_array()) return false;
  for (const auto& g : groups)
    if (g.is_string() &&
        std::find(who.groups.begin(), who.groups.end(), g.get<std::string>()) != who.groups.end())
      return true;
  return false;
}

bool MayUse(const auth::Principal& who, const Json& def) {
  if (who.IsAdmin()) return true;
  if (def.value("usableBy", "ALL") == "ALL") return true;
  return SharesGroup(who, def.value("allowedGroups", Json::array()));
}

bool MayReadDetails(const auth::Principal& who, const Json& def) {
  if (who.IsAdmin()) return true;
  Json dr = def.value("detailsReadability", Json::object());
  std::string by = dr.is_object() ? dr.value("readableBy", "ALL") : "ALL";
  if (by == "ALL") return true;
  if (by == "ALLOWED") return SharesGroup(who, dr.value("allowedGroups", Json::array()));
  return false;
}

// The item shape of GET /admin/connections/: the client's list item reads `id` for its
// name and `label` for its type.
Json ListItem(const Json& masked) {
  Json item = Json::object();
  std::string name = masked.value("name", "");
  std::string type = masked.value("type", "");
  item["name"] = name;
  item["id"] = name;
  item["type"] = type;
  item["label"] = type;
  for (auto it = masked.begin(); it != masked.end(); ++it)
    if (!item.contains(it.key())) item[it.key()] = it.value();
  return item;
}

}  // namespace

ConnectionService::ConnectionService(storage::MetadataStore& store, storage::DataDir data_dir)
    : store_(store), data_dir_(std::move(data_dir)) {}

bool ConnectionService::IsSecretParam(const std::string& param_name) {
  std::string l = ToLower(param_name);
  return l.find("password") != std::string::npos || l.find("secret") != std::string::npos;
}

Json ConnectionService::Masked(const Json& def) {
  Json out = def;
  if (!out.contains("params") || !out["params"].is_object()) return out;
  Json& params = out["params"];
  for (auto it = params.begin(); it != params.end(); ++it) {
    if (!IsSecretParam(it.key())) continue;
    bool set = !(it.value().is_null() || (it.value().is_string() && it.value().empty()));
    it.value() = set ? Json(kMaskedSecret) : Json("");
  }
  if (params.contains("properties") && params["properties"].is_array())
    for (auto& p : params["properties"])
      if (p.is_object() && (p.value("secret", false) || IsSecretParam(p.value("name", ""))))
        p["value"] = kMaskedSecret;
  return out;
}

void ConnectionService::EnsureBuiltins() {
  struct Builtin {
    const char* name;
    std::filesystem::path root;
    bool datasets;
    const char* description;
  };
  const Builtin builtins[] = {
      {kBuiltinManagedDatasets, data_dir_.ManagedDatasetsDir(), true,
       "Built-in connection for managed datasets"},
      {kBuiltinManagedFolders, data_dir_.ManagedFoldersDir(), false,
       "Built-in connection for managed folders"},
  };
  bool missing = false;
  for (const auto& b : builtins) missing |= !store_.Get(kKindConnection, "", b.name).has_value();
  if (!missing) return;
  store_.Transact([&](storage::Txn& txn) {
    for (const auto& b : builtins) {
      if (txn.Get(kKindConnection, "", b.name)) continue;
      Json def = {
          {"name", b.name},
          {"type", "Filesystem"},
          {"description", b.description},
          {"params", {{"root", b.root.string()}}},
          {"allowWrite", true},
          {"allowManagedDatasets", b.datasets},
          {"allowManagedFolders", !b.datasets},
          {"allowKnowledgeBanks", false},
          {"usableBy", "ALL"},
          {"allowedGroups", Json::array()},
          {"detailsReadability", {{"readableBy", "ALL"}, {"allowedGroups", Json::array()}}},
          {"builtin", true},
          {"creationTag", {{"lastModifiedBy", {{"login", "dssd"}}}, {"lastModifiedOn", NowMs()}}}};
      txn.Put(kKindConnection, "", b.name, def);
    }
  });
}

Json ConnectionService::Normalise(const std::string& name, const Json& body,
                                  const Json* previous) const {
  RequireObject(body, "Connection definition");
  Json def = body;
  def["name"] = name;
  std::string type = GetString(body, "type");
  if (type.empty())
    throw ApiError(ErrorCode::kInvalidConnection,
                   "Invalid connection '" + name + "': missing required field 'type'");
  if (type != "Filesystem" && type != "PostgreSQL")
    throw ApiError(ErrorCode::kInvalidConnection,
                   "Invalid connection '" + name + "': unsupported type '" + type +
                       "' (dssd supports 'Filesystem' and 'PostgreSQL')");
  if (body.contains("params") && !body["params"].is_null() && !body["params"].is_object())
    throw ApiError(ErrorCode::kInvalidConnection,
                   "Invalid connection '" + name + "': field 'params' must be an object");
  Json params = body.value("params", Json::object());
  if (params.is_null()) params = Json::object();

  // Secrets the client did not send back (or sent masked) keep their stored value.
  if (previous && previous->contains("params") && (*previous)["params"].is_object()) {
    const Json& old = (*previous)["params"];
    for (auto it = old.begin(); it != old.end(); ++it) {
      if (!IsSecretParam(it.key())) continue;
      if (!params.contains(it.key()) || params[it.key()] == kMaskedSecret)
        params[it.key()] = it.value();
    }
    if (params.contains("properties") && params["properties"].is_array() &&
        old.contains("properties") && old["properties"].is_array()) {
      for (auto& p : params["properties"]) {
        if (!p.is_object() || p.value("value", Json()) != kMaskedSecret) continue;
        for (const auto& q : old["properties"])
          if (q.is_object() && q.value("name", "") == p.value("name", "")) p["value"] = q["value"];
      }
    }
  }
  for (auto it = params.begin(); it != params.end(); ++it)
    if (IsSecretParam(it.key()) && it.value() == kMaskedSecret)
      InvalidParam(name, it.key(), "is masked but no value is stored: send the real secret");

  auto str_param = [&](const char* p, bool required) -> std::string {
    if (!params.contains(p) || params[p].is_null()) {
      if (required) InvalidParam(name, p, "is required");
      return "";
    }
    if (!params[p].is_string()) InvalidParam(name, p, "must be a string");
    std::string v = params[p].get<std::string>();
    if (required && v.empty()) InvalidParam(name, p, "is required");
    return v;
  };

  if (type == "Filesystem") {
    std::string root = str_param("root", true);
    if (root[0] != '/') InvalidParam(name, "root", "must be an absolute path, got '" + root + "'");
    for (const auto& seg : Split(root, '/'))
      if (seg == "..") InvalidParam(name, "root", "may not contain '..'");
  } else {
    str_param("host", true);
    long long port = 5432;
    if (params.contains("port") && !params["port"].is_null()) {
      const Json& pv = params["port"];
      if (pv.is_number_integer()) {
        port = pv.get<long long>();
      } else if (pv.is_string()) {
        std::string s = pv.get<std::string>();
        bool digits = !s.empty() && s.size() <= 5 &&
                      std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
        if (!digits) InvalidParam(name, "port", "must be an integer between 1 and 65535");
        port = std::stoll(s);
      } else {
        InvalidParam(name, "port", "must be an integer between 1 and 65535");
      }
    }
    if (port < 1 || port > 65535)
      InvalidParam(name, "port", "must be an integer between 1 and 65535");
    params["port"] = port;
    str_param("db", true);
    str_param("user", true);
    str_param("password", false);
    str_param("schema", false);
    if (params.contains("properties") && !params["properties"].is_null()) {
      if (!params["properties"].is_array())
        InvalidParam(name, "properties", "must be an array of {name, value}");
      for (const auto& p : params["properties"])
        if (!p.is_object() || !p.contains("name") || !p["name"].is_string() ||
            (p.contains("value") && !p["value"].is_string() && !p["value"].is_null()))
          InvalidParam(name, "properties", "must be an array of {name: string, value: string}");
    }
  }
  def["params"] = params;

  auto bool_field = [&](const char* f, bool dflt) {
    if (!body.contains(f) || body[f].is_null()) {
      def[f] = previous ? previous->value(f, dflt) : dflt;
      return;
    }
    if (!body[f].is_boolean())
      throw ApiError(ErrorCode::kInvalidConnection,
                     "Invalid connection '" + name + "': field '" + f + "' must be a boolean");
  };
  bool_field("allowWrite", true);
  bool_field("allowManagedDatasets", true);
  bool_field("allowManagedFolders", type == "Filesystem");
  bool_field("allowKnowledgeBanks", false);
  if (!def.contains("description") || def["description"].is_null()) def["description"] = "";
  if (!def["description"].is_string())
    throw ApiError(ErrorCode::kInvalidConnection,
                   "Invalid connection '" + name + "': field 'description' must be a string");
  std::string usable = def.value("usableBy", Json("ALL")).is_string()
                           ? def.value("usableBy", std::string("ALL"))
                           : std::string("?");
  if (def.contains("usableBy") && def["usableBy"].is_null()) usable = "ALL";
  if (usable != "ALL" && usable != "ALLOWED")
    throw ApiError(ErrorCode::kInvalidConnection,
                   "Invalid connection '" + name + "': field 'usableBy' must be ALL or ALLOWED");
  def["usableBy"] = usable;
  def["allowedGroups"] = StringArray(def, "allowedGroups");
  Json dr = def.value("detailsReadability", Json::object());
  if (dr.is_null()) dr = Json::object();
  if (!dr.is_object())
    throw ApiError(
        ErrorCode::kInvalidConnection,
        "Invalid connection '" + name + "': field 'detailsReadability' must be an object");
  std::string by = dr.contains("readableBy") && !dr["readableBy"].is_null()
                       ? (dr["readableBy"].is_string() ? dr["readableBy"].get<std::string>() : "?")
                       : "ALL";
  if (by != "ALL" && by != "NONE" && by != "ALLOWED")
    throw ApiError(ErrorCode::kInvalidConnection,
                   "Invalid connection '" + name +
                       "': field 'detailsReadability.readableBy' must be ALL, NONE or ALLOWED");
  dr["readableBy"] = by;
  dr["allowedGroups"] = StringArray(dr, "allowedGroups");
  def["detailsReadability"] = dr;
  // Server-owned fields cannot be set by clients.
  def.erase("builtin");
  if (previous && previous->value("builtin", false)) def["builtin"] = true;
  return def;
}

Json ConnectionService::Create(const auth::Principal& who, const Json& body) {
  RequireObject(body, "Connection definition");
  std::string name = GetString(body, "name");
  ValidateName(name);
  Json def = Normalise(name, body, nullptr);
  def["creationTag"] = {{"lastModifiedBy", {{"login", who.AuthIdentifier()}}},
                        {"lastModifiedOn", NowMs()}};
  store_.Transact([&](storage::Txn& txn) {
    if (txn.Get(kKindConnection, "", name))
      throw ApiError(ErrorCode::kConflict, "Connection '" + name + "' already exists");
    txn.Put(kKindConnection, "", name, def);
  });
  return Masked(def);
}

Json ConnectionService::Update(const std::string& name, const Json& body) {
  RequireObject(body, "Connection definition");
  std::string body_name = GetString(body, "name");
  Json def;
  store_.Transact([&](storage::Txn& txn) {
    auto prev = txn.Get(kKindConnection, "", name);
    if (!prev) NoSuchConnection(name);
    if (!body_name.empty() && body_name != name)
      throw ApiError(ErrorCode::kInvalidName, "Cannot rename connection '" + name + "' to '" +
                                                  body_name + "': renaming is not supported");
    def = Normalise(name, body, prev->data.get());
    if (prev->data->contains("creationTag")) def["creationTag"] = (*prev->data)["creationTag"];
    txn.Put(kKindConnection, "", name, def);
  });
  return Masked(def);
}

void ConnectionService::Delete(const std::string& name) {
  store_.Transact([&](storage::Txn& txn) {
    auto prev = txn.Get(kKindConnection, "", name);
    if (!prev) NoSuchConnection(name);
    if (prev->data->value("builtin", false))
      throw ApiError::BadRequest("Connection '" + name +
                                 "' is built in (managed datasets/folders) and cannot be deleted");
    txn.Delete(kKindConnection, "", name);
  });
}

Json ConnectionService::ListForAdmin() const {
  Json out = Json::object();
  for (const auto& d : store_.List(kKindConnection, "")) out[d.id] = ListItem(Masked(*d.data));
  return out;
}

std::vector<std::string> ConnectionService::UsableNames(const auth::Principal& who,
                                                        const std::string& type) const {
  std::vector<std::string> out;
  bool any = type.empty() || IEquals(type, "all");
  for (const auto& d : store_.List(kKindConnection, "")) {
    if (!any && !IEquals(d.data->value("type", ""), type)) continue;
    if (MayUse(who, *d.data)) out.push_back(d.id);
  }
  return out;
}

Json ConnectionService::GetForAdmin(const std::string& name) const {
  return Masked(GetDefinition(name));
}

Json ConnectionService::GetDefinition(const std::string& name) const {
  auto d = store_.Get(kKindConnection, "", name);
  if (!d) NoSuchConnection(name);
  return *d->data;
}

Json ConnectionService::Info(const auth::Principal& who, const std::string& name) const {
  Json def = GetDefinition(name);
  if (!MayReadDetails(who, def) || !MayUse(who, def))
    throw ApiError(ErrorCode::kForbidden,
                   "You may not read the details of connection '" + name + "'");
  Json params = def.value("params", Json::object());
  Json clean = Json::object();
  for (auto it = params.begin(); it != params.end(); ++it) {
    if (IsSecretParam(it.key())) continue;
    if (it.key() == "properties" && it.value().is_array()) {
      Json props = Json::array();
      for (const auto& p : it.value())
        if (p.is_object() && !p.value("secret", false) && !IsSecretParam(p.value("name", "")))
          props.push_back(p);
      clean["properties"] = props;
      continue;
    }
    clean[it.key()] = it.value();
  }
  Json out = Json::object();
  out["name"] = name;
  out["type"] = def.value("type", "");
  out["credentialsMode"] = "GLOBAL";
  out["params"] = clean;
  out["resolvedParams"] = clean;
  out["allowWrite"] = def.value("allowWrite", true);
  out["allowManagedDatasets"] = def.value("allowManagedDatasets", false);
  out["allowManagedFolders"] = def.value("allowManagedFolders", false);
  if (def.value("type", "") == "PostgreSQL")
    out["resolvedBasicCredential"] = {{"user", clean.value("user", "")}};
  return out;
}

std::filesystem::path ConnectionService::FilesystemRoot(const std::string& name) const {
  Json def = GetDefinition(name);
  if (def.value("type", "") != "Filesystem")
    throw ApiError(ErrorCode::kInvalidConnection, "Connection '" + name +
                                                      "' is not a Filesystem connection (type '" +
                                                      def.value("type", "") + "')");
  return std::filesystem::path(def["params"].value("root", "")).lexically_normal();
}

}  // namespace dss::core
