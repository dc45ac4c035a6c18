#pragma once
// common/strings.h: small string helpers shared by every layer. All pure and thread-safe.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dss {

std::string ToLower(std::string_view s);
std::string ToUpper(std::string_view s);
bool IEquals(std::string_view a, std::string_view b);
bool StartsWith(std::string_view s, std::string_view prefix);
bool EndsWith(std::string_view s, std::string_view suffix);
std::vector<std::string> Split(std::string_view s, char sep);
std::string Join(const std::vector<std::string>& parts, std::string_view sep);
std::string Trim(std::string_view s);

/// Percent-decodes (and '+' → ' ' when `plus_is_space`). Returns nullopt on a bad escape.
std::optional<std::string> PercentDecode(std::string_view s, bool plus_is_space = false);
/// Percent-encodes everything but unreserved characters (and '/' when keep_slash).
std::string PercentEncode(std::string_view s, bool keep_slash = false);

/// Parses "true"/"false" in any case, "1"/"0". Returns nullopt otherwise.
std::optional<bool> ParseBool(std::string_view s);

std::string Base64Encode(std::string_view data);
/// Returns nullopt when `s` is not valid base64.
std::optional<std::string> Base64Decode(std::string_view s);

/// Lowercase hex of bytes.
std::string HexEncode(std::string_view bytes);

}  // namespace dss
