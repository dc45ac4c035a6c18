#include "core/sql_connection_resolver.h"

#include <algorithm>

#include "common/api_error.h"
#include "core/connection_service.h"

namespace dss::core {

SqlConnectionResolver::SqlConnectionResolver(ConnectionService& connections)
    : connections_(connections) {}

Json SqlConnectionResolver::Definition(const std::string& name) const {
  if (name.empty())
    throw ApiError(ErrorCode::kBadRequest, "No connection given: field 'connection' is empty");
  return connections_.GetDefinition(name);
}

bool SqlConnectionResolver::MayUse(const auth::Principal& who, const Json& def) {
  if (who.IsAdmin()) return true;
  std::string by = def.contains("usableBy") && def["usableBy"].is_string()
                       ? def["usableBy"].get<std::string>()
                       : "ALL";
  if (by == "ALL") return true;
  if (!def.contains("allowedGroups") || !def["allowedGroups"].is_array()) return false;
  for (const auto& g : def["allowedGroups"]) {
    if (g.is_string() &&
        std::find(who.groups.begin(), who.groups.end(), g.get<std::string>()) != who.groups.end())
      return true;
  }
  return false;
}

engine::PgParams SqlConnectionResolver::Resolve(const auth::Principal& who,
                                                const std::string& name) const {
  Json def = Definition(name);
  if (!MayUse(who, def))
    throw ApiError(ErrorCode::kForbidden, "You may not use connection '" + name + "'");
  return ResolveTrusted(name);
}

engine::PgParams SqlConnectionResolver::ResolveTrusted(const std::string& name) const {
  Json def = Definition(name);
  std::string type = def.value("type", "");
  if (type != "PostgreSQL")
    throw ApiError(ErrorCode::kInvalidConnection,
                   "Connection '" + name + "' is of type '" + type +
                       "', not a SQL connection (only PostgreSQL is supported)");
  const Json params = def.value("params", Json::object());
  auto str = [&](const char* key, bool required) {
    std::string v;
    if (params.contains(key) && params[key].is_string()) v = params[key].get<std::string>();
    if (required && v.empty())
      throw ApiError(ErrorCode::kInvalidConnection,
                     "Connection '" + name + "' has no '" + key + "' parameter");
    return v;
  };
  engine::PgParams p;
  p.host = str("host", true);
  p.db = str("db", true);
  p.user = str("user", true);
  p.password = str("password", false);
  p.port = 5432;
  if (params.contains("port")) {
    const Json& pv = params["port"];
    if (pv.is_number_integer()) p.port = pv.get<int>();
    if (pv.is_string() && !pv.get<std::string>().empty()) {
      try {
        p.port = std::stoi(pv.get<std::string>());
      } catch (const std::exception&) {
        throw ApiError(ErrorCode::kInvalidConnection,
                       "Connection '" + name + "' has an invalid 'port' parameter");
      }
    }
  }
  if (params.contains("properties") && params["properties"].is_array()) {
    for (const auto& prop : params["properties"]) {
      if (!prop.is_object() || !prop.contains("name") || !prop["name"].is_string()) continue;
      std::string v = prop.contains("value") && prop["value"].is_string()
                          ? prop["value"].get<std::string>()
                          : "";
      if (prop["name"] == "sslmode") p.sslmode = v;
      if (prop["name"] == "connectTimeout" || prop["name"] == "connect_timeout") {
        try {
          p.connect_timeout_s = std::stoi(v);
        } catch (const std::exception&) {
        }
      }
    }
  }
  return p;
}

std::string SqlConnectionResolver::DefaultSchema(const std::string& name) const {
  Json def = Definition(name);
  const Json params = def.value("params", Json::object());
  return params.contains("schema") && params["schema"].is_string()
             ? params["schema"].get<std::string>()
             : "";
}

}  // namespace dss::core
