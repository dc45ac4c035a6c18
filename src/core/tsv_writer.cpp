#include "core/tsv_writer.h"

#include "common/api_error.h"
#include "common/json.h"

namespace dss::core {

TabularFormat ParseTabularFormat(std::string_view f) {
  if (f.empty() || f == "tsv-excel-noheader") return TabularFormat::kTsvExcelNoHeader;
  if (f == "tsv-excel-header") return TabularFormat::kTsvExcelHeader;
  if (f == "json") return TabularFormat::kJson;
  throw ApiError::BadRequest("Unsupported format '" + std::string(f) +
                             "': use tsv-excel-noheader, tsv-excel-header or json");
}

const char* TabularContentType(TabularFormat f) {
  return f == TabularFormat::kJson ? "application/json;charset=utf-8"
                                   : "text/tab-separated-values;charset=utf-8";
}

TsvWriter::JsonKind JsonKindOfDssType(std::string_view t) {
  if (t == "tinyint" || t == "smallint" || t == "int" || t == "bigint" || t == "float" ||
      t == "double")
    return TsvWriter::JsonKind::kNumber;
  if (t == "boolean") return TsvWriter::JsonKind::kBoolean;
  return TsvWriter::JsonKind::kString;
}

TsvWriter::TsvWriter(TabularFormat format, std::vector<JsonKind> json_kinds)
    : format_(format), kinds_(std::move(json_kinds)) {}

void TsvWriter::AppendTsvCell(std::string& out, std::string_view v) {
  // An empty string is written quoted so that a one-column row of "" is not an empty line
  // (csv.reader yields [] for it, i.e. a null).
  bool quote = v.empty() || v.find_first_of("\t\"\n\r") != std::string_view::npos;
  if (!quote) {
    out.append(v);
    return;
  }
  out.push_back('"');
  for (char c : v) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
}

void TsvWriter::Begin(std::string& out, const std::vector<std::string>& names) {
  if (format_ == TabularFormat::kJson) {
    out.push_back('[');
    return;
  }
  if (format_ == TabularFormat::kTsvExcelHeader) {
    for (size_t i = 0; i < names.size(); ++i) {
      if (i) out.push_back('\t');
      AppendTsvCell(out, names[i]);
    }
    out.push_back('\n');
  }
}

void TsvWriter::BeginRow(std::string& out) {
  col_ = 0;
  if (format_ == TabularFormat::kJson) {
    if (!first_row_) out.push_back(',');
    out.push_back('[');
  }
  first_row_ = false;
}

namespace {
bool IsJsonNumber(std::string_view v) {
  if (v.empty()) return false;
  try {
    auto j = Json::parse(v);
    return j.is_number();
  } catch (const std::exception&) {
    return false;  // NaN, Infinity...: written as strings
  }
}
}  // namespace

void TsvWriter::Cell(std::string& out, std::string_view v) {
  if (format_ == TabularFormat::kJson) {
    if (col_) out.push_back(',');
    JsonKind k = col_ < kinds_.size() ? kinds_[col_] : JsonKind::kString;
    if (k == JsonKind::kBoolean && (v == "true" || v == "false")) {
      out.append(v);
    } else if (k == JsonKind::kNumber && IsJsonNumber(v)) {
      out.append(v);
    } else {
      out += Json(std::string(v)).dump(-1, ' ', false, Json::error_handler_t::replace);
    }
  } else {
    if (col_) out.push_back('\t');
    AppendTsvCell(out, v);
  }
  ++col_;
}

void TsvWriter::Null(std::string& out) {
  if (format_ == TabularFormat::kJson) {
    if (col_) out.push_back(',');
    out.append("null");
  } else if (col_) {
    out.push_back('\t');
  }
  ++col_;
}

void TsvWriter::EndRow(std::string& out) {
  out.push_back(format_ == TabularFormat::kJson ? ']' : '\n');
}

void TsvWriter::End(std::string& out) {
  if (format_ == TabularFormat::kJson) out.push_back(']');
}

}  // namespace dss::core
