#pragma once
// engine/postgres_types.h: how PostgreSQL column types and text values become DSS storage
// types and the text DSS clients parse. Pure functions; thread-safe.

#include <string>
#include <string_view>

namespace dss::engine {

/// How date-like PostgreSQL columns are presented (the SQL query API's read modes).
enum class PgDateMode {
  kAsIs,      // timestamp → datetimenotz, date → dateonly
  kAsString,  // → string, PostgreSQL's text
  kAsDate,    // → date (an instant, the value taken as UTC)
};

struct PgTypeInfo {
  std::string dss_type;       // "int", "double", "date", "string"...
  std::string original_type;  // PostgreSQL's name, e.g. "int4", "varchar"
  int length = -1;            // declared length of varchar(n)/char(n), else -1
};

/// Maps a PostgreSQL type OID (+ type modifier, for lengths) to a DSS column type.
/// `timestamp_mode` applies to timestamp without time zone, `date_mode` to date. Unknown or
/// composite types map to "string".
PgTypeInfo MapPgType(unsigned int oid, int typmod, PgDateMode timestamp_mode = PgDateMode::kAsIs,
                     PgDateMode date_mode = PgDateMode::kAsIs);

/// Maps a type name as information_schema.columns.data_type/udt_name spells it (e.g.
/// "integer", "int4", "character varying", "timestamp with time zone") to a DSS type.
std::string DssTypeOfPgTypeName(std::string_view udt_name);

/// The DSS text of a PostgreSQL text-format value of a column mapped to `dss_type`: booleans
/// become true/false, timestamps ISO-8601 with 'T' (and 'Z' for UTC instants). Requires the
/// session to use DateStyle ISO and TimeZone UTC. Other values are returned unchanged.
void RenderPgValue(unsigned int oid, const std::string& dss_type, std::string_view pg_text,
                   std::string& out);

/// A PostgreSQL type name for a DSS column type, for CREATE TABLE.
std::string PgTypeOfDssType(std::string_view dss_type);

/// `"name"` with embedded quotes doubled.
std::string PgQuoteIdent(std::string_view name);
/// `'text'` with embedded quotes doubled (standard_conforming_strings is on by default).
std::string PgQuoteLiteral(std::string_view text);

}  // namespace dss::engine
