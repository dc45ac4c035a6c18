#pragma once
// common/crypto.h: SHA-256 (for API key hashes) and secure random tokens.

#include <string>
#include <string_view>

namespace dss {

/// Raw 32-byte SHA-256 digest of `data`. Thread-safe.
std::string Sha256(std::string_view data);
/// Lowercase hex SHA-256 of `data`. Thread-safe.
std::string Sha256Hex(std::string_view data);
/// `n` characters from [A-Za-z0-9] drawn from the OS CSPRNG. Thread-safe.
std::string RandomToken(size_t n);
/// Constant-time comparison (for secrets).
bool ConstantTimeEquals(std::string_view a, std::string_view b);

}  // namespace dss
