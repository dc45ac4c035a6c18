#pragma once
// auth/credentials.h: what a request presents to prove who it is, parsed from its headers.

#include <optional>
#include <string>
#include <string_view>

namespace dss::auth {

struct Credentials {
  enum class Kind { kNone, kApiKey, kTicket, kMalformed };
  Kind kind = Kind::kNone;
  std::string secret;  // the API key or ticket
};

/// Parses `Authorization` (Basic base64(key:), Basic base64(:key), Bearer key) and
/// `X-DKU-APITicket`. A ticket wins over an Authorization header. Pure; thread-safe.
Credentials ParseCredentials(std::string_view authorization_header, std::string_view ticket_header);

/// Hash under which a key secret is stored (hex SHA-256 with a fixed domain prefix).
std::string HashSecret(std::string_view secret);

/// A fresh API key secret (32 characters [A-Za-z0-9]).
std::string NewKeySecret();

}  // namespace dss::auth
