#include "auth/principal.h"

#include <algorithm>

namespace dss::auth {

ProjectPerms EffectiveProjectPerms(const Principal& who, const std::string& project_key,
                                   const std::string& owner, const Json& entries) {
  if (who.IsAdmin()) return kAllProjectPerms;
  if (who.kind == Principal::Kind::kProjectKey && who.project_scope != project_key) return 0;
  ProjectPerms p = 0;
  auto grant = who.project_grants.find(project_key);
  if (grant != who.project_grants.end()) p |= grant->second;
  if (!who.login.empty()) {
    if (who.login == owner) p |= kAdmin;
    if (entries.is_array()) {
      for (const auto& e : entries) {
        if (!e.is_object()) continue;
        bool applies = false;
        if (e.contains("user") && e["user"].is_string() && e["user"] == who.login) applies = true;
        if (e.contains("group") && e["group"].is_string()) {
          std::string g = e["group"];
          applies |= std::find(who.groups.begin(), who.groups.end(), g) != who.groups.end();
        }
        if (applies) p |= ProjectPermsFromJson(e);
      }
    }
  }
  return CloseProjectPerms(p);
}

}  // namespace dss::auth
