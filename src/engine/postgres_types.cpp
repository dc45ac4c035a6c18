#include "engine/postgres_types.h"

#include "common/strings.h"

namespace dss::engine {

namespace {
// Built-in type OIDs are fixed by PostgreSQL (pg_type.dat); the server headers that name them
// are not part of libpq-dev.
constexpr unsigned kBool = 16, kInt8 = 20, kInt2 = 21, kInt4 = 23, kOid = 26, kFloat4 = 700,
                   kFloat8 = 701, kBpchar = 1042, kVarchar = 1043, kDate = 1082, kTimestamp = 1114,
                   kTimestamptz = 1184, kNumeric = 1700;

const char* OidName(unsigned oid) {
  switch (oid) {
    case kBool:
      return "bool";
    case 17:
      return "bytea";
    case 18:
      return "char";
    case 19:
      return "name";
    case kInt8:
      return "int8";
    case kInt2:
      return "int2";
    case kInt4:
      return "int4";
    case 25:
      return "text";
    case kOid:
      return "oid";
    case 114:
      return "json";
    case 142:
      return "xml";
    case kFloat4:
      return "float4";
    case kFloat8:
      return "float8";
    case kBpchar:
      return "bpchar";
    case kVarchar:
      return "varchar";
    case kDate:
      return "date";
    case 1083:
      return "time";
    case kTimestamp:
      return "timestamp";
    case kTimestamptz:
      return "timestamptz";
    case 1186:
      return "interval";
    case 1266:
      return "timetz";
    case kNumeric:
      return "numeric";
    case 2950:
      return "uuid";
    case 3802:
      return "jsonb";
    default:
      return "unknown";
  }
}

std::string DateModeType(PgDateMode mode, const char* as_is) {
  switch (mode) {
    case PgDateMode::kAsString:
      return "string";
    case PgDateMode::kAsDate:
      return "date";
    case PgDateMode::kAsIs:
      break;
  }
  return as_is;
}
}  // namespace

PgTypeInfo MapPgType(unsigned oid, int typmod, PgDateMode timestamp_mode, PgDateMode date_mode) {
  PgTypeInfo t;
  t.original_type = OidName(oid);
  if (t.original_type == "unknown") t.original_type = "oid:" + std::to_string(oid);
  switch (oid) {
    case kBool:
      t.dss_type = "boolean";
      break;
    case kInt2:
      t.dss_type = "smallint";
      break;
    case kInt4:
      t.dss_type = "int";
      break;
    case kInt8:
    case kOid:
      t.dss_type = "bigint";
      break;
    case kFloat4:
      t.dss_type = "float";
      break;
    case kFloat8:
    case kNumeric:
      t.dss_type = "double";
      break;
    case kTimestamptz:
      t.dss_type = "date";
      break;
    case kTimestamp:
      t.dss_type = DateModeType(timestamp_mode, "datetimenotz");
      break;
    case kDate:
      t.dss_type = DateModeType(date_mode, "dateonly");
      break;
    case kBpchar:
    case kVarchar:
      t.dss_type = "string";
      if (typmod >= 4) t.length = typmod - 4;  // typmod carries the header size
      break;
    default:
      t.dss_type = "string";
  }
  return t;
}

std::string DssTypeOfPgTypeName(std::string_view name) {
  std::string n = ToLower(name);
  if (n == "int2" || n == "smallint") return "smallint";
  if (n == "int4" || n == "integer" || n == "int") return "int";
  if (n == "int8" || n == "bigint" || n == "oid") return "bigint";
  if (n == "float4" || n == "real") return "float";
  if (n == "float8" || n == "double precision" || n == "numeric" || n == "decimal") return "double";
  if (n == "bool" || n == "boolean") return "boolean";
  if (n == "timestamptz" || n == "timestamp with time zone") return "date";
  if (n == "timestamp" || n == "timestamp without time zone") return "datetimenotz";
  if (n == "date") return "dateonly";
  return "string";
}

void RenderPgValue(unsigned oid, const std::string& dss_type, std::string_view v,
                   std::string& out) {
  out.clear();
  if (oid == kBool) {
    out = (v == "t") ? "true" : "false";
    return;
  }
  if (oid == kTimestamp || oid == kTimestamptz) {
    if (dss_type == "string") {
      out.assign(v);
      return;
    }
    // ISO DateStyle: "2024-01-02 03:04:05[.ffffff][+00]"; infinity stays as text.
    out.assign(v);
    auto sp = out.find(' ');
    if (sp != std::string::npos && sp == 10) out[sp] = 'T';
    if (oid == kTimestamptz) {
      if (EndsWith(out, "+00")) out.resize(out.size() - 3);
      if (out.size() >= 19 && out[10] == 'T') out += 'Z';
    } else if (dss_type == "date" && out.size() >= 19 && out[10] == 'T') {
      out += 'Z';  // AS_DATE: the naive value read as UTC
    }
    return;
  }
  if (oid == kDate && dss_type == "date" && v.size() == 10) {
    out.assign(v);
    out += "T00:00:00Z";
    return;
  }
  out.assign(v);
}

std::string PgTypeOfDssType(std::string_view t) {
  if (t == "tinyint" || t == "smallint") return "smallint";
  if (t == "int") return "integer";
  if (t == "bigint") return "bigint";
  if (t == "float") return "real";
  if (t == "double") return "double precision";
  if (t == "boolean") return "boolean";
  if (t == "date") return "timestamp with time zone";
  if (t == "datetimenotz") return "timestamp without time zone";
  if (t == "dateonly") return "date";
  return "text";
}

std::string PgQuoteIdent(std::string_view name) {
  std::string out = "\"";
  for (char c : name) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
  return out;
}

std::string PgQuoteLiteral(std::string_view text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'') out += '\'';
    out += c;
  }
  out += '\'';
  return out;
}

}  // namespace dss::engine
