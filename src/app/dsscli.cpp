// dsscli: administration of a dssd data directory from the command line (like DSS's
// `dsscli`). Works on the metadata store directly, so it also works while the server runs:
// the server notices the commits (SqliteMetadataStore, PRAGMA data_version).
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "auth/permissions.h"
#include "auth/principal.h"
#include "common/api_error.h"
#include "common/json.h"
#include "core/api_key_service.h"
#include "core/group_service.h"
#include "core/security_service.h"
#include "core/user_service.h"
#include "storage/data_dir.h"
#include "storage/metadata_store.h"

using namespace dss;

namespace {

std::string Kebab(std::string_view camel) {
  std::string out;
  for (char c : camel) {
    if (c >= 'A' && c <= 'Z') {
      out.push_back('-');
      out.push_back(static_cast<char>(c - 'A' + 'a'));
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::string PermFlags() {
  std::string s;
  for (const auto& [flag, name] : auth::GlobalPermNames()) s += " [--" + Kebab(name) + "]";
  return s;
}

std::string Usage() {
  return "usage: dsscli [--data-dir DIR] COMMAND [ARGS]\n"
         "commands (output is JSON on stdout):\n"
         "  api-key-create [--label L] [--description D] [--expires-on EPOCH_MS]" +
         PermFlags() +
         "\n"
         "                 global key with these permissions; or --user LOGIN for a personal\n"
         "                 key acting as that user. Prints the key with its secret (shown once).\n"
         "  api-keys-list\n"
         "  api-key-delete ID\n"
         "  user-create LOGIN [--password P] [--display-name N] [--email E] [--group G]...\n"
         "  users-list\n"
         "  group-create NAME [--description D]" +
         PermFlags() + "\n";
}

struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class Args {
 public:
  Args(std::vector<std::string> a) : a_(std::move(a)) {}
  bool Flag(const std::string& name) {
    for (size_t i = 0; i < a_.size(); ++i)
      if (a_[i] == name) {
        a_.erase(a_.begin() + static_cast<long>(i));
        return true;
      }
    return false;
  }
  std::vector<std::string> Values(const std::string& name) {
    std::vector<std::string> out;
    for (size_t i = 0; i < a_.size();) {
      if (a_[i] != name) {
        ++i;
        continue;
      }
      if (i + 1 >= a_.size()) throw UsageError(name + " needs a value");
      out.push_back(a_[i + 1]);
      a_.erase(a_.begin() + static_cast<long>(i), a_.begin() + static_cast<long>(i) + 2);
    }
    return out;
  }
  std::string Value(const std::string& name, const std::string& def = "") {
    auto v = Values(name);
    if (v.size() > 1) throw UsageError(name + " given more than once");
    return v.empty() ? def : v[0];
  }
  std::string Positional(const char* what) {
    for (size_t i = 0; i < a_.size(); ++i)
      if (a_[i].rfind("--", 0) != 0) {
        std::string v = a_[i];
        a_.erase(a_.begin() + static_cast<long>(i));
        return v;
      }
    throw UsageError(std::string("missing ") + what);
  }
  void Done() {
    if (!a_.empty()) throw UsageError("unexpected argument '" + a_[0] + "'");
  }

 private:
  std::vector<std::string> a_;
};

Json PermissionFlags(Args& args) {
  Json perms = Json::object();
  for (const auto& [flag, name] : auth::GlobalPermNames())
    perms[std::string(name)] = args.Flag("--" + Kebab(name));
  return perms;
}

void Print(const Json& j) {
  std::string s = j.dump(2, ' ', false, Json::error_handler_t::replace);
  printf("%s\n", s.c_str());
}

// The identity recorded as creator of what dsscli makes.
auth::Principal CliPrincipal() {
  auth::Principal p;
  p.kind = auth::Principal::Kind::kGlobalKey;
  p.key_id = "dsscli";
  p.global = auth::CloseGlobalPerms(auth::kGlobalAdmin);
  return p;
}

int Run(const std::string& data_dir, const std::string& cmd, Args args) {
  storage::DataDir dir(data_dir);
  if (!std::filesystem::exists(dir.MetadataFile()))
    throw std::runtime_error("'" + dir.root().string() +
                             "' is not a dssd data directory (no metadata.sqlite): start dssd "
                             "once with --data-dir to initialise it");
  auto store = storage::OpenSqliteMetadataStore(dir.MetadataFile().string());
  core::SecurityService security(*store);
  core::ApiKeyService keys(*store, security);
  core::UserService users(*store);
  core::GroupService groups(*store);
  auth::Principal cli = CliPrincipal();

  if (cmd == "api-key-create") {
    std::string user = args.Value("--user");
    Json body = {{"label", args.Value("--label", "created by dsscli")},
                 {"description", args.Value("--description")}};
    std::string expires = args.Value("--expires-on");
    if (!expires.empty()) {
      try {
        body["expiresOn"] = std::stoll(expires);
      } catch (...) {
        throw UsageError("--expires-on expects epoch milliseconds");
      }
    }
    Json perms = PermissionFlags(args);
    args.Done();
    if (!user.empty()) {
      for (auto it = perms.begin(); it != perms.end(); ++it)
        if (it.value().get<bool>())
          throw UsageError("--user makes a personal key: it has its user's permissions, so --" +
                           Kebab(it.key()) + " cannot be given");
      Print(keys.CreatePersonal(cli, user, body));
    } else {
      body["globalPermissions"] = perms;
      Print(keys.CreateGlobal(cli, body));
    }
    return 0;
  }
  if (cmd == "api-keys-list") {
    args.Done();
    Json out = Json::array();
    for (const auto& d : store->List(core::kKindApiKey, ""))
      out.push_back(core::ApiKeyService::Public(*d.data));
    Print(out);
    return 0;
  }
  if (cmd == "api-key-delete") {
    std::string id = args.Positional("key id");
    args.Done();
    bool removed = false;
    store->Transact([&](storage::Txn& txn) {
      auto d = txn.Get(core::kKindApiKey, "", id);
      if (!d) return;
      txn.Delete(core::kKindApiKeyHash, "", d->data->value("hash", ""));
      txn.Delete(core::kKindApiKey, "", id);
      removed = true;
    });
    if (!removed) throw ApiError(ErrorCode::kApiKeyNotFound, "API key '" + id + "' does not exist");
    Print(Json{{"deleted", id}});
    return 0;
  }
  if (cmd == "user-create") {
    Json body = {{"password", args.Value("--password")},
                 {"displayName", args.Value("--display-name")},
                 {"email", args.Value("--email")},
                 {"groups", args.Values("--group")}};
    std::string login = args.Positional("login");
    args.Done();
    body["login"] = login;
    if (body["displayName"] == "") body["displayName"] = login;
    Print(users.Create(body));
    return 0;
  }
  if (cmd == "users-list") {
    args.Done();
    Print(users.List(false));
    return 0;
  }
  if (cmd == "group-create") {
    Json body = PermissionFlags(args);
    body["description"] = args.Value("--description");
    body["name"] = args.Positional("group name");
    args.Done();
    Print(groups.Create(body));
    return 0;
  }
  throw UsageError("unknown command '" + cmd + "'");
}

}  // namespace

int main(int argc, char** argv) {
  std::string data_dir = "./dss-data";
  std::vector<std::string> rest;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--data-dir") {
      if (i + 1 >= argc) {
        fprintf(stderr, "--data-dir needs a value\n%s", Usage().c_str());
        return 2;
      }
      data_dir = argv[++i];
    } else if (a == "--help" || a == "-h") {
      printf("%s", Usage().c_str());
      return 0;
    } else {
      rest.push_back(a);
    }
  }
  if (rest.empty()) {
    fprintf(stderr, "%s", Usage().c_str());
    return 2;
  }
  std::string cmd = rest[0];
  rest.erase(rest.begin());
  try {
    return Run(data_dir, cmd, Args(rest));
  } catch (const UsageError& e) {
    fprintf(stderr, "dsscli: %s\n%s", e.what(), Usage().c_str());
    return 2;
  } catch (const ApiError& e) {
    Json err = {{"error", e.what()}, {"errorType", std::string(ErrorTypeOf(e.code()))}};
    fprintf(stderr, "%s\n", err.dump().c_str());
    return 1;
  } catch (const std::exception& e) {
    fprintf(stderr, "%s\n", Json{{"error", e.what()}}.dump().c_str());
    return 1;
  }
}
