#pragma once
// core/tsv_writer.h: the tabular text dialects DSS clients parse (spec endpoints.md §2.5).
//
// "tsv-excel-noheader": UTF-8, tab-separated, no header, '\n' line ends; a cell holding a tab,
// a quote, '\n' or '\r' (or empty) is wrapped in '"' with inner quotes doubled (Python's csv excel
// dialect with delimiter '\t'); a NULL is an empty cell. "tsv-excel-header" adds one header
// line of column names. "json" is one JSON array of row arrays.

#include <string>
#include <string_view>
#include <vector>

namespace dss::core {

enum class TabularFormat { kTsvExcelNoHeader, kTsvExcelHeader, kJson };

/// Parses a `format` query value; "" means tsv-excel-noheader. Throws ApiError(kBadRequest)
/// naming the format when unsupported.
TabularFormat ParseTabularFormat(std::string_view format);

/// Content-Type for a format.
const char* TabularContentType(TabularFormat format);

/// Appends rows to a caller-owned buffer, so that a streaming producer can flush it in chunks.
/// Not thread-safe (one writer per stream).
class TsvWriter {
 public:
  /// `json_kinds`: per column, how a JSON cell is written (only used for kJson): see JsonKind.
  enum class JsonKind { kString, kNumber, kBoolean };

  TsvWriter(TabularFormat format, std::vector<JsonKind> json_kinds = {});

  /// Writes the opening of the document (header line or '['); call once before rows.
  void Begin(std::string& out, const std::vector<std::string>& column_names);
  /// Cells of one row, in order. Each row is BeginRow, Cell/Null per column, EndRow.
  void BeginRow(std::string& out);
  void Cell(std::string& out, std::string_view value);
  void Null(std::string& out);
  void EndRow(std::string& out);
  /// Closes the document (']' for JSON); call once after the last row.
  void End(std::string& out);

  /// The excel-dialect form of one TSV cell (quoted when needed).
  static void AppendTsvCell(std::string& out, std::string_view value);

 private:
  TabularFormat format_;
  std::vector<JsonKind> kinds_;
  size_t col_ = 0;
  bool first_row_ = true;
};

/// JSON kind of a DSS storage type: numbers for integer and floating types, booleans for
/// boolean, strings otherwise.
TsvWriter::JsonKind JsonKindOfDssType(std::string_view dss_type);

}  // namespace dss::core
