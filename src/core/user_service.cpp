#include "core/user_service.h"

#include <algorithm>

#include "common/api_error.h"
#include "common/clock.h"
#include "common/crypto.h"
#include "common/strings.h"
#include "core/api_key_service.h"
#include "core/connection_service.h"
#include "core/security_service.h"

namespace dss::core {

namespace {

bool IsSecretField(const std::string& name) {
  std::string l = ToLower(name);
  return l.find("password") != std::string::npos || l.find("secret") != std::string::npos ||
         l.find("token") != std::string::npos;
}

// The user document as responses show it: no password hash, secret values masked.
Json Public(const Json& stored) {
  Json out = stored;
  out.erase("passwordHash");
  // Users written by older code (e.g. the bootstrap admin) may lack some sections.
  const std::pair<const char*, Json> kDefaults[] = {{"email", ""},
                                                    {"enabled", true},
                                                    {"groups", Json::array()},
                                                    {"userProfile", "DATA_SCIENTIST"},
                                                    {"sourceType", "LOCAL"},
                                                    {"adminProperties", Json::object()},
                                                    {"userProperties", Json::object()},
                                                    {"secrets", Json::array()},
                                                    {"credentials", Json::object()},
                                                    {"preferences", Json{{"uiLanguage", "en"}}}};
  for (const auto& [f, v] : kDefaults)
    if (!out.contains(f)) out[f] = v;
  if (out.contains("secrets") && out["secrets"].is_array())
    for (auto& s : out["secrets"])
      if (s.is_object() && s.contains("value") && s["value"].is_string() &&
          !s["value"].get<std::string>().empty())
        s["value"] = kMaskedSecret;
  if (out.contains("credentials") && out["credentials"].is_object())
    for (auto& [name, cred] : out["credentials"].items())
      if (cred.is_object())
        for (auto& [f, v] : cred.items())
          if (IsSecretField(f) && v.is_string() && !v.get<std::string>().empty()) v = kMaskedSecret;
  return out;
}

Json Summary(const Json& u) {
  return Json{{"login", u.value("login", "")},
              {"displayName", u.value("displayName", "")},
              {"groups", u.value("groups", Json::array())},
              {"email", u.value("email", "")},
              {"enabled", u.value("enabled", true)},
              {"userProfile", u.value("userProfile", "")},
              {"sourceType", u.value("sourceType", "LOCAL")}};
}

Json BulkResult(const std::string& login, const std::exception* e) {
  return Json{{"login", login},
              {"status", e ? "FAILURE" : "SUCCESS"},
              {"error", e ? Json(e->what()) : Json(nullptr)}};
}

// The "login" field of a bulk item ("" when it has none).
std::string LoginField(const Json& item) {
  return item.is_object() && item.contains("login") && item["login"].is_string()
             ? item["login"].get<std::string>()
             : "";
}

// Applies `apply(item, login)` to every item of a bulk request, `login_of(item)` naming it in
// the results: one result per item, and a failing item does not stop the others.
template <typename LoginOf, typename Apply>
Json ForEachBulkItem(const Json& items, LoginOf login_of, Apply apply) {
  Json out = Json::array();
  for (const auto& item : items) {
    std::string login = login_of(item);
    try {
      apply(item, login);
      out.push_back(BulkResult(login, nullptr));
    } catch (const std::exception& e) {
      out.push_back(BulkResult(login, &e));
    }
  }
  return out;
}

}  // namespace

UserService::UserService(storage::MetadataStore& store) : store_(store) {}

void UserService::ValidateName(const std::string& name, const std::string& what) {
  if (name.empty())
    throw ApiError(ErrorCode::kInvalidName, "Missing required field '" + what + "'");
  if (name.size() > 200) throw ApiError(ErrorCode::kInvalidName, "Invalid " + what + ": too long");
  if (name != Trim(name))
    throw ApiError(ErrorCode::kInvalidName,
                   "Invalid " + what + " '" + name + "': no leading or trailing spaces");
  for (char c : name)
    if (c == '/' || c == '\\' || static_cast<unsigned char>(c) < 0x20)
      throw ApiError(ErrorCode::kInvalidName, "Invalid " + what + " '" + name +
                                                  "': '/', '\\' and control characters are "
                                                  "not allowed");
}

std::string UserService::HashPassword(const std::string& password) {
  std::string salt = RandomToken(16);
  return "sha256$" + salt + "$" + Sha256Hex(salt + password);
}

bool UserService::CheckPassword(const std::string& password, const std::string& stored) {
  auto parts = Split(stored, '$');
  if (parts.size() != 3 || parts[0] != "sha256") return false;
  return ConstantTimeEquals(Sha256Hex(parts[1] + password), parts[2]);
}

Json UserService::Normalise(const std::string& login, const Json& body, const Json* previous,
                            storage::Txn& txn) const {
  RequireObject(body, "User definition");
  Json def = previous ? *previous : Json::object();
  if (!previous) {
    def["login"] = login;
    def["displayName"] = login;
    def["email"] = "";
    def["enabled"] = true;
    def["groups"] = Json::array();
    def["userProfile"] = "DATA_SCIENTIST";
    def["sourceType"] = "LOCAL";
    def["adminProperties"] = Json::object();
    def["userProperties"] = Json::object();
    def["secrets"] = Json::array();
    def["credentials"] = Json::object();
    def["preferences"] = {{"uiLanguage", "en"}};
    def["creationDate"] = NowMs();
  }
  auto present = [&](const char* f) { return body.contains(f) && !body[f].is_null(); };
  for (const char* f : {"displayName", "email", "userProfile", "sourceType"})
    if (present(f)) def[f] = GetString(body, f);
  if (present("enabled")) def["enabled"] = GetBool(body, "enabled", true);
  for (const char* f : {"adminProperties", "userProperties", "preferences", "credentials"})
    if (present(f)) {
      if (!body[f].is_object())
        throw ApiError::BadRequest(std::string("Field '") + f + "' must be an object");
      def[f] = body[f];
    }
  if (present("groups")) {
    if (!body["groups"].is_array())
      throw ApiError::BadRequest("Field 'groups' must be an array of group names");
    Json groups = Json::array();
    for (const auto& g : body["groups"]) {
      if (!g.is_string()) throw ApiError::BadRequest("Field 'groups' must be an array of strings");
      if (!txn.Get(kKindGroup, "", g.get<std::string>()))
        throw ApiError(ErrorCode::kGroupNotFound,
                       "Group '" + g.get<std::string>() + "' does not exist");
      if (std::find(groups.begin(), groups.end(), g) == groups.end()) groups.push_back(g);
    }
    def["groups"] = groups;
  }
  if (present("secrets")) {
    if (!body["secrets"].is_array())
      throw ApiError::BadRequest("Field 'secrets' must be an array of {name, value}");
    Json secrets = Json::array();
    for (const auto& s : body["secrets"]) {
      if (!s.is_object() || !s.contains("name") || !s["name"].is_string())
        throw ApiError::BadRequest("Field 'secrets' must be an array of {name, value}");
      Json item = s;
      if (item.value("value", Json()) == kMaskedSecret) {
        item["value"] = "";
        if (previous && previous->contains("secrets"))
          for (const auto& old : (*previous)["secrets"])
            if (old.value("name", "") == s["name"]) item["value"] = old.value("value", Json(""));
      }
      if (!item.contains("secret")) item["secret"] = true;
      secrets.push_back(item);
    }
    def["secrets"] = secrets;
  }
  if (present("credentials") && previous && previous->contains("credentials")) {
    const Json& old = (*previous)["credentials"];
    for (auto& [name, cred] : def["credentials"].items()) {
      if (!cred.is_object()) continue;
      for (auto& [f, v] : cred.items())
        if (v == kMaskedSecret)
          v = old.contains(name) && old[name].is_object() ? old[name].value(f, Json("")) : "";
    }
  }
  if (present("password")) {
    std::string pw = GetString(body, "password");
    if (!pw.empty()) def["passwordHash"] = HashPassword(pw);
  }
  // Unknown fields are kept as given (opaque round trip).
  for (auto it = body.begin(); it != body.end(); ++it) {
    static const char* kHandled[] = {
        "login",          "password",    "passwordHash", "creationDate", "displayName",
        "email",          "userProfile", "sourceType",   "enabled",      "adminProperties",
        "userProperties", "preferences", "credentials",  "groups",       "secrets"};
    bool handled = false;
    for (const char* o : kHandled) handled |= it.key() == o;
    if (!handled) def[it.key()] = it.value();
  }
  def["login"] = login;
  return def;
}

std::vector<Json> UserService::List(bool include_settings) const {
  std::vector<Json> out;
  for (const auto& d : store_.List(kKindUser, ""))
    out.push_back(include_settings ? Public(*d.data) : Summary(*d.data));
  return out;
}

Json UserService::Get(const std::string& login) const {
  auto d = store_.Get(kKindUser, "", login);
  if (!d) throw ApiError(ErrorCode::kUserNotFound, "User '" + login + "' does not exist");
  return Public(*d->data);
}

Json UserService::Info(const std::string& login) const {
  auto d = store_.Get(kKindUser, "", login);
  if (!d) throw ApiError(ErrorCode::kUserNotFound, "User '" + login + "' does not exist");
  Json s = Summary(*d->data);
  s.erase("userProfile");
  s.erase("sourceType");
  return s;
}

std::vector<Json> UserService::ListInfo() const {
  std::vector<Json> out;
  for (const auto& d : store_.List(kKindUser, "")) out.push_back(Info(d.id));
  return out;
}

Json UserService::Create(const Json& body) {
  RequireObject(body, "User definition");
  std::string login = GetString(body, "login");
  ValidateName(login, "login");
  Json def;
  store_.Transact([&](storage::Txn& txn) {
    if (txn.Get(kKindUser, "", login))
      throw ApiError(ErrorCode::kConflict, "User '" + login + "' already exists");
    def = Normalise(login, body, nullptr, txn);
    txn.Put(kKindUser, "", login, def);
  });
  return Public(def);
}

Json UserService::Update(const std::string& login, const Json& body) {
  RequireObject(body, "User definition");
  std::string body_login = GetString(body, "login");
  Json def;
  store_.Transact([&](storage::Txn& txn) {
    auto prev = txn.Get(kKindUser, "", login);
    if (!prev) throw ApiError(ErrorCode::kUserNotFound, "User '" + login + "' does not exist");
    if (!body_login.empty() && body_login != login)
      throw ApiError::BadRequest("Field 'login' cannot be changed (user '" + login + "')");
    def = Normalise(login, body, prev->data.get(), txn);
    txn.Put(kKindUser, "", login, def);
  });
  return Public(def);
}

void UserService::Delete(const auth::Principal& who, const std::string& login, bool allow_self) {
  if (!allow_self && who.login == login)
    throw ApiError::BadRequest("Refusing to delete your own user '" + login +
                               "' (pass allowSelfDeletion=true)");
  store_.Transact([&](storage::Txn& txn) {
    if (!txn.Delete(kKindUser, "", login))
      throw ApiError(ErrorCode::kUserNotFound, "User '" + login + "' does not exist");
    ApiKeyService::DeleteKeysOfUser(txn, login);
  });
  std::lock_guard<std::mutex> lock(activity_mu_);
  last_activity_.erase(login);
}

Json UserService::BulkCreate(const Json& items) {
  if (!items.is_array()) throw ApiError::BadRequest("Body must be a JSON array of users");
  return ForEachBulkItem(items, LoginField,
                         [&](const Json& item, const std::string&) { Create(item); });
}

Json UserService::BulkUpdate(const Json& items) {
  if (!items.is_array()) throw ApiError::BadRequest("Body must be a JSON array of user settings");
  return ForEachBulkItem(items, LoginField, [&](const Json& item, const std::string& login) {
    if (login.empty()) throw ApiError::BadRequest("Missing required field 'login'");
    Update(login, item);
  });
}

Json UserService::BulkDelete(const auth::Principal& who, const Json& logins, bool allow_self) {
  if (!logins.is_array()) throw ApiError::BadRequest("Body must be a JSON array of logins");
  auto login_of = [](const Json& l) { return l.is_string() ? l.get<std::string>() : l.dump(); };
  return ForEachBulkItem(logins, login_of, [&](const Json& l, const std::string& login) {
    if (!l.is_string()) throw ApiError::BadRequest("Logins must be strings");
    Delete(who, login, allow_self);
  });
}

Json UserService::GetOwn(const auth::Principal& who) const {
  if (who.login.empty()) throw ApiError::BadRequest("This API key is not associated with a user");
  return Get(who.login);
}

void UserService::UpdateOwn(const auth::Principal& who, const Json& body) {
  RequireObject(body, "User settings");
  if (who.login.empty()) throw ApiError::BadRequest("This API key is not associated with a user");
  auto current = store_.Get(kKindUser, "", who.login);
  if (!current) throw ApiError(ErrorCode::kUserNotFound, "User '" + who.login + "' does not exist");
  // Only an administrator may change these, through /admin/users/{login}.
  for (const char* f : {"groups", "userProfile", "enabled", "adminProperties", "sourceType"}) {
    if (!body.contains(f) || body[f].is_null()) continue;
    if (body[f] != current->data->value(f, Json()))
      throw ApiError(ErrorCode::kForbidden,
                     std::string("You may not change field '") + f + "' of your own user");
  }
  Json allowed = Json::object();
  for (const char* f : {"displayName", "email", "preferences", "userProperties", "secrets",
                        "credentials", "password"})
    if (body.contains(f)) allowed[f] = body[f];
  Update(who.login, allowed);
}

void UserService::RecordActivity(const std::string& login) {
  std::lock_guard<std::mutex> lock(activity_mu_);
  last_activity_[login] = NowMs();
}

Json UserService::Activity(const std::string& login) const {
  if (!store_.Get(kKindUser, "", login))
    throw ApiError(ErrorCode::kUserNotFound, "User '" + login + "' does not exist");
  int64_t last = 0;
  {
    std::lock_guard<std::mutex> lock(activity_mu_);
    auto it = last_activity_.find(login);
    if (it != last_activity_.end()) last = it->second;
  }
  return Json{{"login", login},
              {"lastSuccessfulLogin", last},
              {"lastFailedLogin", 0},
              {"lastSessionActivity", last}};
}

std::vector<Json> UserService::ListActivity(bool enabled_only) const {
  std::vector<Json> out;
  for (const auto& d : store_.List(kKindUser, ""))
    if (!enabled_only || d.data->value("enabled", true)) out.push_back(Activity(d.id));
  return out;
}

}  // namespace dss::core
