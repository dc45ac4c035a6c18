#pragma once
// auth/principal.h: who a request acts as, once authenticated.

#include <map>
#include <string>
#include <vector>

#include "auth/permissions.h"

namespace dss::auth {

struct Principal {
  enum class Kind { kUser, kPersonalKey, kGlobalKey, kProjectKey, kTicket };
  Kind kind = Kind::kUser;
  /// The user acted as: the key's owner for personal keys and tickets, the impersonated user
  /// for X-DKU-ProxyUser, empty for global/project keys without a user.
  std::string login;
  /// The API key id when a key authenticated the request.
  std::string key_id;
  std::vector<std::string> groups;
  GlobalPerms global = 0;
  /// Explicit per-project grants (global and project keys).
  std::map<std::string, ProjectPerms> project_grants;
  /// For project keys: the only project the key may touch.
  std::string project_scope;
  /// For job tickets: the staging token under which managed writes wait for the activity's
  /// success before becoming current ("" = writes are published at once).
  std::string staging;

  bool IsAdmin() const { return (global & kGlobalAdmin) != 0; }
  /// The identifier DSS reports as authIdentifier: login for users, key id otherwise.
  std::string AuthIdentifier() const { return !login.empty() ? login : key_id; }
};

/// Effective permissions of `who` on a project whose owner is `owner` and whose permission
/// entries ({group|user, flags}) are `entries`. Global admins and the owner get everything.
/// Pure; thread-safe.
ProjectPerms EffectiveProjectPerms(const Principal& who, const std::string& project_key,
                                   const std::string& owner, const Json& entries);

}  // namespace dss::auth
