#pragma once
// core/sql_connection_resolver.h: turns a connection name into libpq parameters, enforcing
// who may use the connection.
//
// Reads connection definitions through ConnectionService; the params of a PostgreSQL connection
// are {host, port, db, user, password, schema?, properties?: [{name, value}]}.

#include <string>

#include "auth/principal.h"
#include "common/json.h"
#include "engine/postgres_connection.h"

namespace dss::core {

class ConnectionService;

class SqlConnectionResolver {
 public:
  explicit SqlConnectionResolver(ConnectionService& connections);

  /// The stored definition of `name` (secrets included: never return it to a client).
  /// Throws ApiError(kConnectionDoesNotExist) naming the connection. Thread-safe.
  Json Definition(const std::string& name) const;

  /// Whether `who` may use connection definition `def`: global admins always, others when
  /// usableBy is ALL or they belong to one of allowedGroups. Thread-safe.
  static bool MayUse(const auth::Principal& who, const Json& def);

  /// libpq parameters of PostgreSQL connection `name`. Throws ApiError(kConnectionDoesNotExist),
  /// ApiError(kForbidden) when `who` may not use it, ApiError(kInvalidConnection) when it is
  /// not a PostgreSQL connection or lacks host/db/user. Thread-safe.
  engine::PgParams Resolve(const auth::Principal& who, const std::string& name) const;
  /// Same, without the permission check (the caller already checked, e.g. project access to a
  /// dataset on the connection).
  engine::PgParams ResolveTrusted(const std::string& name) const;

  /// The connection's default schema ("" when none is set). Throws like Definition.
  std::string DefaultSchema(const std::string& name) const;

 private:
  ConnectionService& connections_;
};

}  // namespace dss::core
