#include "common/json.h"

#include "common/api_error.h"

namespace dss {

Json ParseJson(std::string_view text, std::string_view what, const Json& empty_value) {
  size_t i = 0;
  while (i < text.size() && isspace(static_cast<unsigned char>(text[i]))) ++i;
  if (i == text.size()) return empty_value;
  try {
    return Json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    throw ApiError(ErrorCode::kMalformedJson,
                   std::string("Malformed JSON in ") + std::string(what) + ": " + e.what());
  }
}

namespace {
[[noreturn]] void WrongType(std::string_view field, const char* expected, const Json& v) {
  throw ApiError::BadRequest("Field '" + std::string(field) + "' must be " + expected + ", got " +
                             v.type_name());
}
const Json* Find(const Json& obj, std::string_view field) {
  if (!obj.is_object()) return nullptr;
  auto it = obj.find(field);
  if (it == obj.end() || it->is_null()) return nullptr;
  return &*it;
}
}  // namespace

std::string GetString(const Json& obj, std::string_view field, std::string_view def) {
  const Json* v = Find(obj, field);
  if (!v) return std::string(def);
  if (!v->is_string()) WrongType(field, "a string", *v);
  return v->get<std::string>();
}

bool GetBool(const Json& obj, std::string_view field, bool def) {
  const Json* v = Find(obj, field);
  if (!v) return def;
  if (!v->is_boolean()) WrongType(field, "a boolean", *v);
  return v->get<bool>();
}

long long GetInt(const Json& obj, std::string_view field, long long def) {
  const Json* v = Find(obj, field);
  if (!v) return def;
  if (!v->is_number_integer()) WrongType(field, "an integer", *v);
  return v->get<long long>();
}

std::string RequireString(const Json& obj, std::string_view field) {
  std::string s = GetString(obj, field);
  if (s.empty()) throw ApiError::BadRequest("Missing required field '" + std::string(field) + "'");
  return s;
}

const Json& RequireObject(const Json& j, std::string_view what) {
  if (!j.is_object())
    throw ApiError::BadRequest(std::string(what) + " must be a JSON object, got " + j.type_name());
  return j;
}

void MergeInto(Json& target, const Json& patch) {
  if (!patch.is_object()) return;
  for (auto it = patch.begin(); it != patch.end(); ++it) target[it.key()] = it.value();
}

}  // namespace dss
