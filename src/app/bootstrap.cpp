#include "app/bootstrap.h"

#include "common/clock.h"
#include "core/security_service.h"
#include "storage/data_dir.h"

namespace dss::app {

std::string BootstrapIfNeeded(core::Services& services) {
  auto& store = services.store();
  if (store.Get(core::kKindUser, "", "admin") || !store.ListAll(core::kKindApiKey).empty())
    return "";
  std::string secret;
  store.Transact([&](storage::Txn& txn) {
    Json group = {{"name", "administrators"},
                  {"description", "DSS administrators"},
                  {"sourceType", "LOCAL"},
                  {"admin", true},
                  {"mayCreateProjects", true}};
    txn.Put(core::kKindGroup, "", "administrators", group);
    Json user = {{"login", "admin"},
                 {"displayName", "Administrator"},
                 {"email", ""},
                 {"enabled", true},
                 {"sourceType", "LOCAL"},
                 {"userProfile", "DESIGNER"},
                 {"groups", Json::array({"administrators"})},
                 {"creationDate", NowMs()}};
    txn.Put(core::kKindUser, "", "admin", user);
    Json key = {{"type", "GLOBAL"},
                {"label", "admin key (created at first start)"},
                {"description", "Global administrator key written to admin-key"},
                {"createdBy", "dssd"},
                {"dssUserForImpersonation", "admin"},
                {"globalPermissions", {{"admin", true}}},
                {"projects", Json::object()}};
    secret = services.security().CreateKey(txn, key);
    // Written inside the transaction: if the file cannot be written, nothing is committed.
    storage::WriteFileAtomic(services.data_dir().AdminKeyFile(), secret + "\n", 0600);
  });
  return secret;
}

}  // namespace dss::app
