#include "auth/credentials.h"

#include "common/crypto.h"
#include "common/strings.h"

namespace dss::auth {

Credentials ParseCredentials(std::string_view auth, std::string_view ticket) {
  Credentials c;
  std::string t = Trim(ticket);
  if (!t.empty()) {
    c.kind = Credentials::Kind::kTicket;
    c.secret = t;
    return c;
  }
  std::string a = Trim(auth);
  if (a.empty()) return c;
  auto space = a.find(' ');
  std::string scheme = space == std::string::npos ? a : a.substr(0, space);
  std::string rest = space == std::string::npos ? "" : Trim(a.substr(space + 1));
  c.kind = Credentials::Kind::kMalformed;
  if (IEquals(scheme, "Bearer")) {
    if (!rest.empty()) {
      c.kind = Credentials::Kind::kApiKey;
      c.secret = rest;
    }
  } else if (IEquals(scheme, "Basic")) {
    auto decoded = Base64Decode(rest);
    if (decoded) {
      auto colon = decoded->find(':');
      std::string user = colon == std::string::npos ? *decoded : decoded->substr(0, colon);
      std::string pass = colon == std::string::npos ? "" : decoded->substr(colon + 1);
      // The official client sends key:"" ; DSS 13 docs say "":key. Accept both.
      std::string key = !user.empty() ? user : pass;
      if (!key.empty()) {
        c.kind = Credentials::Kind::kApiKey;
        c.secret = key;
      }
    }
  }
  return c;
}

std::string HashSecret(std::string_view secret) {
  return Sha256Hex(std::string("dssd-api-key:") + std::string(secret));
}

std::string NewKeySecret() {
  return RandomToken(32);
}

}  // namespace dss::auth
