#include "core/settings_service.h"

#include "common/api_error.h"

namespace dss::core {

namespace {

constexpr const char* kGeneralId = "general";
constexpr const char* kVariablesId = "variables";

enum class FieldType { kInt, kString, kBool, kObject, kArray };

struct KnownField {
  const char* name;
  FieldType type;
  int64_t min = 0;
  int64_t max = 0;
};

// Known top-level fields and how they are checked. Integer ranges are inclusive.
const std::vector<KnownField>& Known() {
  static const std::vector<KnownField> kFields = {
      {"nodeName", FieldType::kString},
      {"studioExternalUrl", FieldType::kString},
      {"maxRunningActivities", FieldType::kInt, 1, 1000},
      {"maxRunningActivitiesPerJob", FieldType::kInt, 1, 1000},
      {"datasetVersionsToKeep", FieldType::kInt, 1, 1000000},
      {"sqlQueryTimeoutSeconds", FieldType::kInt, 0, 7 * 24 * 3600},
      {"futureRetentionSeconds", FieldType::kInt, 0, 365LL * 24 * 3600},
      {"jobLogRetentionDays", FieldType::kInt, 0, 36500},
      {"impersonation", FieldType::kObject},
      {"security", FieldType::kObject},
      {"limits", FieldType::kObject},
      {"containerSettings", FieldType::kObject},
      {"sparkSettings", FieldType::kObject},
      {"codeEnvsSettings", FieldType::kObject},
      {"notifications", FieldType::kObject},
      {"auditTrailSettings", FieldType::kObject},
      {"themingSettings", FieldType::kObject},
      {"globalCustomFields", FieldType::kObject},
  };
  return kFields;
}

const char* TypeName(FieldType t) {
  switch (t) {
    case FieldType::kInt:
      return "an integer";
    case FieldType::kString:
      return "a string";
    case FieldType::kBool:
      return "a boolean";
    case FieldType::kObject:
      return "an object";
    case FieldType::kArray:
      return "an array";
  }
  return "?";
}

bool HasType(const Json& v, FieldType t) {
  switch (t) {
    case FieldType::kInt:
      return v.is_number_integer();
    case FieldType::kString:
      return v.is_string();
    case FieldType::kBool:
      return v.is_boolean();
    case FieldType::kObject:
      return v.is_object();
    case FieldType::kArray:
      return v.is_array();
  }
  return false;
}

void ValidateRules(const Json& imp, const char* list, const char* subject_field) {
  if (!imp.contains(list) || imp[list].is_null()) return;
  std::string where = std::string("impersonation.") + list;
  if (!imp[list].is_array()) throw ApiError::BadRequest("Field '" + where + "' must be an array");
  static const char* kTypes[] = {"IDENTITY", "SINGLE_MAPPING", "REGEXP_RULE"};
  size_t i = 0;
  for (const auto& r : imp[list]) {
    std::string at = where + "[" + std::to_string(i++) + "]";
    if (!r.is_object()) throw ApiError::BadRequest("Field '" + at + "' must be an object");
    for (const char* f :
         {"type", subject_field, "ruleFrom", "targetUnix", "targetHadoop", "scope", "projectKey"})
      if (r.contains(f) && !r[f].is_null() && !r[f].is_string())
        throw ApiError::BadRequest("Field '" + at + "." + f + "' must be a string");
    if (r.contains("type") && r["type"].is_string()) {
      std::string t = r["type"];
      bool ok = false;
      for (const char* k : kTypes) ok |= t == k;
      if (!ok)
        throw ApiError::BadRequest("Field '" + at +
                                   ".type' must be IDENTITY, SINGLE_MAPPING or "
                                   "REGEXP_RULE, got '" +
                                   t + "'");
    }
  }
}

}  // namespace

SettingsService::SettingsService(storage::MetadataStore& store) : store_(store) {}

Json SettingsService::DefaultGeneral() {
  Json d = Json::object();
  d["nodeName"] = "dssd";
  d["studioExternalUrl"] = "";
  d["maxRunningActivities"] = 5;
  d["maxRunningActivitiesPerJob"] = 5;
  d["datasetVersionsToKeep"] = 3;
  d["sqlQueryTimeoutSeconds"] = 3600;
  d["futureRetentionSeconds"] = 3600;
  d["jobLogRetentionDays"] = 30;
  d["impersonation"] = {
      {"enabled", false}, {"userRules", Json::array()}, {"groupRules", Json::array()}};
  d["security"] = {{"hashedApiKeys", true}, {"apiKeysLifetimeDays", 0}};
  d["limits"] = {{"attachedFileMaxSizeMB", 64}};
  d["containerSettings"] = {{"executionConfigs", Json::array()},
                            {"defaultExecutionConfig", nullptr}};
  d["sparkSettings"] = {{"executionConfigs", Json::array()}};
  d["codeEnvsSettings"] = {{"preferredPythonInterpreter", "PYTHON3"}};
  d["notifications"] = {{"emailChannels", Json::array()}};
  d["auditTrailSettings"] = {{"targets", Json::array()}};
  d["themingSettings"] = Json::object();
  d["globalCustomFields"] = Json::object();
  return d;
}

Json SettingsService::GetGeneral() const {
  Json out = DefaultGeneral();
  auto doc = store_.Get(kKindSettings, "", kGeneralId);
  if (doc) MergeInto(out, *doc->data);
  return out;
}

std::vector<std::string> SettingsService::PutGeneral(const Json& body) {
  RequireObject(body, "General settings");
  for (const auto& f : Known()) {
    if (!body.contains(f.name) || body[f.name].is_null()) continue;
    const Json& v = body[f.name];
    if (!HasType(v, f.type))
      throw ApiError::BadRequest(std::string("Field '") + f.name + "' must be " + TypeName(f.type) +
                                 ", got " + v.type_name());
    if (f.type == FieldType::kInt) {
      int64_t n = v.get<int64_t>();
      if (n < f.min || n > f.max)
        throw ApiError::BadRequest(std::string("Field '") + f.name + "' must be between " +
                                   std::to_string(f.min) + " and " + std::to_string(f.max) +
                                   ", got " + std::to_string(n));
    }
  }
  if (body.contains("impersonation") && body["impersonation"].is_object()) {
    const Json& imp = body["impersonation"];
    if (imp.contains("enabled") && !imp["enabled"].is_null() && !imp["enabled"].is_boolean())
      throw ApiError::BadRequest("Field 'impersonation.enabled' must be a boolean");
    ValidateRules(imp, "userRules", "dssUser");
    ValidateRules(imp, "groupRules", "dssGroup");
  }
  std::vector<std::string> warnings;
  Json saved = Json::object();
  for (auto it = body.begin(); it != body.end(); ++it) {
    if (it.value().is_null()) continue;  // null = back to the default
    bool known = false;
    for (const auto& f : Known()) known |= it.key() == f.name;
    if (!known) warnings.push_back(it.key());
    saved[it.key()] = it.value();
  }
  store_.Put(kKindSettings, "", kGeneralId, saved);
  return warnings;
}

int64_t SettingsService::IntSetting(const char* field) const {
  auto doc = store_.Get(kKindSettings, "", kGeneralId);
  if (doc && doc->data->contains(field) && (*doc->data)[field].is_number_integer())
    return (*doc->data)[field].get<int64_t>();
  return DefaultGeneral()[field].get<int64_t>();
}

int SettingsService::MaxRunningActivities() const {
  return static_cast<int>(IntSetting("maxRunningActivities"));
}
int SettingsService::MaxRunningActivitiesPerJob() const {
  return static_cast<int>(IntSetting("maxRunningActivitiesPerJob"));
}
int SettingsService::DatasetVersionsToKeep() const {
  return static_cast<int>(IntSetting("datasetVersionsToKeep"));
}
int SettingsService::SqlQueryTimeoutSeconds() const {
  return static_cast<int>(IntSetting("sqlQueryTimeoutSeconds"));
}
int64_t SettingsService::FutureRetentionSeconds() const {
  return IntSetting("futureRetentionSeconds");
}
int SettingsService::JobLogRetentionDays() const {
  return static_cast<int>(IntSetting("jobLogRetentionDays"));
}

std::string SettingsService::NodeName() const {
  auto doc = store_.Get(kKindSettings, "", kGeneralId);
  if (doc && doc->data->contains("nodeName") && (*doc->data)["nodeName"].is_string())
    return (*doc->data)["nodeName"].get<std::string>();
  return "dssd";
}

Json SettingsService::GetVariables() const {
  auto doc = store_.Get(kKindSettings, "", kVariablesId);
  return doc ? *doc->data : Json::object();
}

void SettingsService::PutVariables(const Json& vars) {
  if (!vars.is_object())
    throw ApiError::BadRequest(std::string("Instance variables must be a JSON object, got ") +
                               vars.type_name());
  store_.Put(kKindSettings, "", kVariablesId, vars);
}

}  // namespace dss::core
