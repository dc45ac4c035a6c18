#include "common/tabular_encoder.h"

#include <cstring>

namespace dss {

std::optional<TabularFormat> ParseTabularFormat(std::string_view name) {
  if (name == "tsv-excel-noheader") return TabularFormat::kTsvExcelNoHeader;
  if (name == "tsv-excel-header") return TabularFormat::kTsvExcelHeader;
  if (name == "csv" || name == "csv-excel-header") return TabularFormat::kCsv;
  if (name == "json") return TabularFormat::kJson;
  return std::nullopt;
}

const char* TabularContentType(TabularFormat f) {
  switch (f) {
    case TabularFormat::kTsvExcelNoHeader:
    case TabularFormat::kTsvExcelHeader:
      return "text/tab-separated-values;charset=utf-8";
    case TabularFormat::kCsv:
      return "text/csv;charset=utf-8";
    case TabularFormat::kJson:
      return "application/json;charset=utf-8";
  }
  return "application/octet-stream";
}

TabularEncoder::TabularEncoder(TabularFormat format, std::string* out)
    : format_(format), out_(out), sep_(format == TabularFormat::kCsv ? ',' : '\t') {}

void TabularEncoder::Begin(const std::vector<std::string>& names) {
  if (format_ == TabularFormat::kJson) {
    out_->push_back('[');
    return;
  }
  if (format_ == TabularFormat::kTsvExcelNoHeader) return;
  BeginRow();
  for (const auto& n : names) String(n);
  EndRow();
  rows_ = 0;
}

void TabularEncoder::BeginRow() {
  field_ = 0;
  row_only_empty_string_ = false;
  if (format_ == TabularFormat::kJson) out_->append(rows_ == 0 ? "[" : ",[");
}

void TabularEncoder::Sep() {
  if (field_++ == 0) return;
  out_->push_back(format_ == TabularFormat::kJson ? ',' : sep_);
}

void TabularEncoder::Null() {
  Sep();
  row_only_empty_string_ = false;
  if (format_ == TabularFormat::kJson) out_->append("null");
}

void TabularEncoder::Quoted(std::string_view s) {
  out_->push_back('"');
  size_t start = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '"') {
      out_->append(s.data() + start, i - start + 1);
      out_->push_back('"');
      start = i + 1;
    }
  }
  out_->append(s.data() + start, s.size() - start);
  out_->push_back('"');
}

void TabularEncoder::String(std::string_view s) {
  bool first = field_ == 0;
  Sep();
  if (format_ == TabularFormat::kJson) {
    out_->push_back('"');
    static const char* kHex = "0123456789abcdef";
    for (char ch : s) {
      unsigned char c = static_cast<unsigned char>(ch);
      switch (c) {
        case '"':
          out_->append("\\\"");
          break;
        case '\\':
          out_->append("\\\\");
          break;
        case '\n':
          out_->append("\\n");
          break;
        case '\r':
          out_->append("\\r");
          break;
        case '\t':
          out_->append("\\t");
          break;
        default:
          if (c < 0x20) {
            out_->append("\\u00");
            out_->push_back(kHex[c >> 4]);
            out_->push_back(kHex[c & 15]);
          } else {
            out_->push_back(ch);
          }
      }
    }
    out_->push_back('"');
    return;
  }
  row_only_empty_string_ = first && s.empty();
  if (!first) row_only_empty_string_ = false;
  for (char c : s) {
    if (c == sep_ || c == '"' || c == '\n' || c == '\r') {
      Quoted(s);
      return;
    }
  }
  out_->append(s);
}

void TabularEncoder::Number(std::string_view s) {
  if (format_ == TabularFormat::kJson) {
    bool finite = !s.empty() && (s[0] == '-' || (s[0] >= '0' && s[0] <= '9'));
    if (finite && s.size() > 1 && s[0] == '-' && !(s[1] >= '0' && s[1] <= '9')) finite = false;
    if (!finite) {
      String(s);
      return;
    }
  }
  Sep();
  row_only_empty_string_ = false;
  out_->append(s);
}

void TabularEncoder::Bool(bool b) {
  Sep();
  row_only_empty_string_ = false;
  out_->append(b ? "true" : "false");
}

void TabularEncoder::EndRow() {
  if (format_ == TabularFormat::kJson) {
    out_->push_back(']');
  } else {
    if (field_ == 1 && row_only_empty_string_) out_->append("\"\"");
    out_->push_back('\n');
  }
  ++rows_;
}

void TabularEncoder::End() {
  if (format_ == TabularFormat::kJson) out_->push_back(']');
}

}  // namespace dss
