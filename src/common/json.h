#pragma once
// common/json.h: the JSON type used everywhere. ordered_json keeps key order on the wire.

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace dss {

using Json = nlohmann::ordered_json;

/// Parses text as JSON. Throws ApiError(kMalformedJson) naming `what` on failure.
/// An empty text parses as `empty_value`.
Json ParseJson(std::string_view text, std::string_view what = "request body",
               const Json& empty_value = Json::object());

/// Field accessors that throw ApiError(kBadRequest) naming the field when the type is wrong.
/// Missing (or null) fields yield the default.
std::string GetString(const Json& obj, std::string_view field, std::string_view def = "");
bool GetBool(const Json& obj, std::string_view field, bool def);
long long GetInt(const Json& obj, std::string_view field, long long def);
/// Like GetString but throws ApiError(kBadRequest) when the field is missing or empty.
std::string RequireString(const Json& obj, std::string_view field);
/// Throws ApiError(kBadRequest) unless `j` is an object; `what` names it in the message.
const Json& RequireObject(const Json& j, std::string_view what);

/// Copies every key of `patch` into `target` (shallow merge).
void MergeInto(Json& target, const Json& patch);

}  // namespace dss
