#pragma once
// common/tabular_encoder.h: writes rows in the wire formats of the tabular data routes
// (endpoints.md §2.5). Shared by every engine that streams rows (DuckDB, PostgreSQL), so that
// the exact dialect lives in one place.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dss {

enum class TabularFormat {
  kTsvExcelNoHeader,  // what dataikuapi reads: tab, '"' quoting only when needed, no header
  kTsvExcelHeader,    // same with a header line
  kCsv,               // comma, '"' quoting only when needed, header line
  kJson,              // one JSON array of row arrays (numbers/booleans typed, null as null)
};

/// Parses a `format` query value ("tsv-excel-noheader", "tsv-excel-header", "csv", "json").
/// Returns nullopt for anything else.
std::optional<TabularFormat> ParseTabularFormat(std::string_view name);
/// The Content-Type header for a format.
const char* TabularContentType(TabularFormat f);

/// Appends encoded rows to a caller-owned buffer. Not thread-safe (one per stream).
///
/// Excel dialect: a field is quoted when it contains the separator, '"', '\n' or '\r', with
/// inner quotes doubled; a row whose only field is an empty string is written `""` (as
/// Python's csv writer does) so that it differs from a null (an empty line). Null is empty.
class TabularEncoder {
 public:
  TabularEncoder(TabularFormat format, std::string* out);

  /// Writes what precedes the rows: the header line, or '[' for JSON.
  void Begin(const std::vector<std::string>& column_names);
  void BeginRow();
  void Null();
  /// A text value (quoted as the format requires).
  void String(std::string_view s);
  /// A value already formatted as a number literal (e.g. "12", "0.5", "1e+20"). "NaN" and
  /// "inf" are written as strings in JSON.
  void Number(std::string_view s);
  void Bool(bool b);
  void EndRow();
  /// Writes what follows the rows (']' for JSON).
  void End();

  /// Redirects further output to `out` (streams encode one chunk per buffer while keeping the
  /// row count, which JSON needs for its separators).
  void SetOutput(std::string* out) { out_ = out; }
  TabularFormat format() const { return format_; }
  std::string& out() { return *out_; }
  uint64_t rows() const { return rows_; }

 private:
  void Sep();
  void Quoted(std::string_view s);

  TabularFormat format_;
  std::string* out_;
  char sep_;
  size_t field_ = 0;
  bool row_only_empty_string_ = false;
  uint64_t rows_ = 0;
};

}  // namespace dss
