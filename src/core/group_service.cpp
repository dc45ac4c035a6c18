#include "core/group_service.h"

#include "auth/permissions.h"
#include "common/api_error.h"
#include "core/security_service.h"
#include "core/user_service.h"

namespace dss::core {

GroupService::GroupService(storage::MetadataStore& store) : store_(store) {}

Json GroupService::Normalise(const std::string& name, const Json& body, const Json* previous) {
  RequireObject(body, "Group definition");
  Json def = previous ? *previous : Json::object();
  for (auto it = body.begin(); it != body.end(); ++it) def[it.key()] = it.value();
  def["name"] = name;
  if (!def.contains("description") || def["description"].is_null()) def["description"] = "";
  if (!def["description"].is_string())
    throw ApiError::BadRequest("Field 'description' must be a string");
  if (!def.contains("sourceType") || def["sourceType"].is_null()) def["sourceType"] = "LOCAL";
  if (!def["sourceType"].is_string())
    throw ApiError::BadRequest("Field 'sourceType' must be a string");
  // Every flag is present and boolean, so clients can flip them in place.
  Json flags = auth::GlobalPermsToJson(auth::GlobalPermsFromJson(def));
  for (auto it = flags.begin(); it != flags.end(); ++it) def[it.key()] = it.value();
  for (const char* f : {"ldapGroupNames", "ssoGroupNames"})
    if (def.contains(f) && !def[f].is_null() && !def[f].is_string() && !def[f].is_array())
      throw ApiError::BadRequest(std::string("Field '") + f + "' must be a string or an array");
  return def;
}

std::vector<Json> GroupService::List() const {
  std::vector<Json> out;
  for (const auto& d : store_.List(kKindGroup, "")) out.push_back(*d.data);
  return out;
}

Json GroupService::Get(const std::string& name) const {
  auto d = store_.Get(kKindGroup, "", name);
  if (!d) throw ApiError(ErrorCode::kGroupNotFound, "Group '" + name + "' does not exist");
  return *d->data;
}

Json GroupService::Create(const Json& body) {
  RequireObject(body, "Group definition");
  std::string name = GetString(body, "name");
  UserService::ValidateName(name, "name");
  Json def = Normalise(name, body, nullptr);
  store_.Transact([&](storage::Txn& txn) {
    if (txn.Get(kKindGroup, "", name))
      throw ApiError(ErrorCode::kConflict, "Group '" + name + "' already exists");
    txn.Put(kKindGroup, "", name, def);
  });
  return def;
}

Json GroupService::Update(const std::string& name, const Json& body) {
  RequireObject(body, "Group definition");
  std::string body_name = GetString(body, "name");
  Json def;
  store_.Transact([&](storage::Txn& txn) {
    auto prev = txn.Get(kKindGroup, "", name);
    if (!prev) throw ApiError(ErrorCode::kGroupNotFound, "Group '" + name + "' does not exist");
    if (!body_name.empty() && body_name != name)
      throw ApiError::BadRequest("Field 'name' cannot be changed (group '" + name + "')");
    def = Normalise(name, body, prev->data.get());
    txn.Put(kKindGroup, "", name, def);
  });
  return def;
}

void GroupService::Delete(const std::string& name) {
  store_.Transact([&](storage::Txn& txn) {
    if (!txn.Delete(kKindGroup, "", name))
      throw ApiError(ErrorCode::kGroupNotFound, "Group '" + name + "' does not exist");
    auto strip = [&](const char* kind, const storage::Document& d) {
      if (!d.data->contains("groups") || !(*d.data)["groups"].is_array()) return;
      Json groups = Json::array();
      for (const auto& g : (*d.data)["groups"])
        if (g != name) groups.push_back(g);
      if (groups.size() == (*d.data)["groups"].size()) return;
      Json copy = *d.data;
      copy["groups"] = groups;
      txn.Put(kind, "", d.id, copy);
    };
    for (const auto& u : txn.List(kKindUser, "")) strip(kKindUser, u);
    for (const auto& k : txn.List(kKindApiKey, "")) strip(kKindApiKey, k);
  });
}

}  // namespace dss::core
