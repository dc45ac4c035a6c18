#include "core/partitioning.h"

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <set>

#include "common/api_error.h"
#include "common/strings.h"

namespace dss::core {

namespace {

ApiError Invalid(const std::string& msg) {
  return ApiError(ErrorCode::kInvalidConfig, msg);
}

bool AllDigits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// Parses a time value of `period` into a struct tm (UTC). Returns false when malformed.
bool ParseTime(const std::string& period, const std::string& v, std::tm& tm) {
  tm = {};
  tm.tm_mday = 1;
  auto parts = Split(v, '-');
  size_t want = period == "YEAR" ? 1 : period == "MONTH" ? 2 : period == "DAY" ? 3 : 4;
  if (parts.size() != want) return false;
  static const size_t kLens[] = {4, 2, 2, 2};
  for (size_t i = 0; i < want; ++i)
    if (parts[i].size() != kLens[i] || !AllDigits(parts[i])) return false;
  tm.tm_year = std::stoi(parts[0]) - 1900;
  if (want > 1) tm.tm_mon = std::stoi(parts[1]) - 1;
  if (want > 2) tm.tm_mday = std::stoi(parts[2]);
  if (want > 3) tm.tm_hour = std::stoi(parts[3]);
  if (tm.tm_mon < 0 || tm.tm_mon > 11 || tm.tm_mday < 1 || tm.tm_mday > 31 || tm.tm_hour > 23)
    return false;
  std::tm copy = tm;
  time_t t = timegm(&copy);
  std::tm back{};
  gmtime_r(&t, &back);
  return back.tm_mday == tm.tm_mday && back.tm_mon == tm.tm_mon;  // rejects Feb 30
}

std::string FormatTime(const std::string& period, const std::tm& tm) {
  char buf[32];
  if (period == "YEAR")
    snprintf(buf, sizeof buf, "%04d", tm.tm_year + 1900);
  else if (period == "MONTH")
    snprintf(buf, sizeof buf, "%04d-%02d", tm.tm_year + 1900, tm.tm_mon + 1);
  else if (period == "DAY")
    snprintf(buf, sizeof buf, "%04d-%02d-%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
  else
    snprintf(buf, sizeof buf, "%04d-%02d-%02d-%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
             tm.tm_hour);
  return buf;
}

void Step(const std::string& period, std::tm& tm) {
  if (period == "YEAR")
    tm.tm_year += 1;
  else if (period == "MONTH")
    tm.tm_mon += 1;
  else if (period == "DAY")
    tm.tm_mday += 1;
  else
    tm.tm_hour += 1;
  time_t t = timegm(&tm);
  gmtime_r(&t, &tm);
}

std::string EscapeRegex(char c) {
  static const std::string kSpecial = ".^$|()[]{}*+?\\";
  if (kSpecial.find(c) != std::string::npos) return std::string("\\") + c;
  return std::string(1, c);
}

}  // namespace

Partitioning Partitioning::FromJson(const Json& p) {
  Partitioning out;
  if (p.is_null()) return out;
  if (!p.is_object()) throw Invalid("Field 'partitioning' must be an object");
  if (p.contains("dimensions") && !p["dimensions"].is_null()) {
    const Json& dims = p["dimensions"];
    if (!dims.is_array()) throw Invalid("Field 'partitioning.dimensions' must be an array");
    std::set<std::string> seen;
    for (const auto& d : dims) {
      if (!d.is_object()) throw Invalid("Each of 'partitioning.dimensions' must be an object");
      PartitionDimension dim;
      dim.name = d.value("name", "");
      dim.type = d.value("type", "value");
      if (dim.name.empty()) throw Invalid("Missing 'partitioning.dimensions[].name'");
      if (!seen.insert(dim.name).second)
        throw Invalid("Duplicate partitioning dimension '" + dim.name + "'");
      if (dim.type == "time") {
        dim.period = d.contains("params") && d["params"].is_object()
                         ? d["params"].value("period", "DAY")
                         : "DAY";
        if (dim.period != "YEAR" && dim.period != "MONTH" && dim.period != "DAY" &&
            dim.period != "HOUR")
          throw Invalid("Invalid 'partitioning.dimensions[].params.period' '" + dim.period +
                        "' for dimension '" + dim.name + "': expected YEAR, MONTH, DAY or HOUR");
      } else if (dim.type != "value") {
        throw Invalid("Invalid 'partitioning.dimensions[].type' '" + dim.type +
                      "' for dimension '" + dim.name + "': expected value or time");
      }
      out.dims_.push_back(dim);
    }
  }
  std::string pattern = p.contains("filePathPattern") && p["filePathPattern"].is_string()
                            ? p["filePathPattern"].get<std::string>()
                            : "";
  if (!pattern.empty() && out.partitioned()) {
    std::string re;
    std::string pat = pattern;
    if (!pat.empty() && pat[0] == '/') pat = pat.substr(1);
    for (size_t i = 0; i < pat.size(); ++i) {
      char c = pat[i];
      if (c == '%' && i + 1 < pat.size()) {
        char k = pat[i + 1];
        if (k == 'Y') {
          re += "(\\d{4})";
          out.pattern_groups_.push_back("%Y");
          ++i;
          continue;
        }
        if (k == 'M' || k == 'D' || k == 'H') {
          re += "(\\d{2})";
          out.pattern_groups_.push_back(std::string("%") + k);
          ++i;
          continue;
        }
        if (k == '{') {
          size_t e = pat.find('}', i + 2);
          if (e == std::string::npos)
            throw Invalid("Unterminated '%{' in 'partitioning.filePathPattern'");
          std::string name = pat.substr(i + 2, e - i - 2);
          bool known = std::any_of(out.dims_.begin(), out.dims_.end(),
                                   [&](const auto& d) { return d.name == name; });
          if (!known)
            throw Invalid("'partitioning.filePathPattern' names unknown dimension '" + name + "'");
          re += "([^/]+)";
          out.pattern_groups_.push_back(name);
          i = e;
          continue;
        }
      }
      if (c == '.' && i + 1 < pat.size() && pat[i + 1] == '*') {
        re += ".*";
        ++i;
        continue;
      }
      re += EscapeRegex(c);
    }
    try {
      out.pattern_re_ = std::regex(re);
    } catch (const std::regex_error&) {
      throw Invalid("Invalid 'partitioning.filePathPattern' '" + pattern + "'");
    }
    out.has_pattern_ = true;
    out.pattern_ = pattern;
  }
  return out;
}

void Partitioning::ValidateId(const std::string& id) const {
  if (!partitioned()) {
    if (id == "NP" || id.empty()) return;
    throw ApiError::BadRequest("Invalid partition '" + id + "': the dataset is not partitioned");
  }
  auto vals = Split(id, '|');
  if (vals.size() != dims_.size())
    throw ApiError::BadRequest("Invalid partition '" + id + "': expected " +
                               std::to_string(dims_.size()) +
                               " dimension value(s) separated by '|'");
  for (size_t i = 0; i < dims_.size(); ++i) {
    if (vals[i].empty())
      throw ApiError::BadRequest("Invalid partition '" + id + "': empty value for dimension '" +
                                 dims_[i].name + "'");
    if (vals[i].find('/') != std::string::npos || vals[i].find(',') != std::string::npos)
      throw ApiError::BadRequest("Invalid partition '" + id + "': value for dimension '" +
                                 dims_[i].name + "' contains '/' or ','");
    std::tm tm;
    if (dims_[i].type == "time" && !ParseTime(dims_[i].period, vals[i], tm))
      throw ApiError::BadRequest("Invalid partition '" + id + "': '" + vals[i] +
                                 "' is not a valid " + dims_[i].period + " for dimension '" +
                                 dims_[i].name + "'");
  }
}

std::vector<std::string> Partitioning::ExpandSpec(const std::string& spec_in) const {
  std::string spec = Trim(spec_in);
  std::vector<std::string> out;
  if (spec.empty() || spec == "ALL") return out;
  if (!partitioned()) {
    for (const auto& p : Split(spec, ','))
      if (Trim(p) != "NP" && Trim(p) != "ALL")
        throw ApiError::BadRequest("Invalid partition '" + Trim(p) +
                                   "': the dataset is not partitioned (use NP)");
    return out;
  }
  std::set<std::string> seen;
  for (const auto& raw_id : Split(spec, ',')) {
    std::string id = Trim(raw_id);
    if (id.empty()) continue;
    if (id == "ALL") return {};
    auto vals = Split(id, '|');
    if (vals.size() != dims_.size())
      throw ApiError::BadRequest("Invalid partition '" + id + "': expected " +
                                 std::to_string(dims_.size()) +
                                 " dimension value(s) separated by '|'");
    std::vector<std::vector<std::string>> choices;
    for (size_t i = 0; i < dims_.size(); ++i) {
      auto parts = Split(vals[i], '/');
      std::vector<std::string> vs;
      if (dims_[i].type == "time" && parts.size() == 2) {
        std::tm a, b;
        if (!ParseTime(dims_[i].period, parts[0], a) || !ParseTime(dims_[i].period, parts[1], b))
          throw ApiError::BadRequest("Invalid partition range '" + vals[i] + "' for dimension '" +
                                     dims_[i].name + "'");
        time_t ta = timegm(&a), tb = timegm(&b);
        if (ta > tb)
          throw ApiError::BadRequest("Invalid partition range '" + vals[i] +
                                     "': start is after end");
        for (int guard = 0; timegm(&a) <= tb; ++guard) {
          if (guard > 100000)
            throw ApiError::BadRequest("Partition range '" + vals[i] + "' is too large");
          vs.push_back(FormatTime(dims_[i].period, a));
          Step(dims_[i].period, a);
        }
      } else {
        vs = parts;
      }
      choices.push_back(vs);
    }
    // Cartesian product, first dimension outermost.
    std::vector<std::string> acc = {""};
    for (size_t i = 0; i < choices.size(); ++i) {
      std::vector<std::string> next;
      for (const auto& a : acc)
        for (const auto& v : choices[i]) next.push_back(i == 0 ? v : a + "|" + v);
      acc = std::move(next);
    }
    for (const auto& p : acc) {
      ValidateId(p);
      if (seen.insert(p).second) out.push_back(p);
    }
  }
  return out;
}

std::vector<std::string> Partitioning::ExpandSpecs(const std::vector<std::string>& specs) const {
  std::vector<std::string> out;
  std::set<std::string> seen;
  for (const auto& s : specs) {
    if (Trim(s) == "ALL") return {};
    for (auto& id : ExpandSpec(s))
      if (seen.insert(id).second) out.push_back(id);
  }
  return out;
}

std::optional<std::string> Partitioning::IdOfPath(const std::string& relative_path) const {
  if (!has_pattern_) return std::nullopt;
  std::string path = relative_path;
  if (!path.empty() && path[0] == '/') path = path.substr(1);
  std::smatch m;
  if (!std::regex_match(path, m, pattern_re_)) return std::nullopt;
  std::string y, mo, d, h;
  std::map<std::string, std::string> values;
  for (size_t g = 0; g < pattern_groups_.size(); ++g) {
    const std::string& k = pattern_groups_[g];
    std::string v = m[g + 1].str();
    if (k == "%Y")
      y = v;
    else if (k == "%M")
      mo = v;
    else if (k == "%D")
      d = v;
    else if (k == "%H")
      h = v;
    else
      values[k] = v;
  }
  std::vector<std::string> parts;
  for (const auto& dim : dims_) {
    if (dim.type == "time") {
      std::string v = y;
      if (dim.period != "YEAR") v += "-" + mo;
      if (dim.period == "DAY" || dim.period == "HOUR") v += "-" + d;
      if (dim.period == "HOUR") v += "-" + h;
      parts.push_back(v);
    } else {
      auto it = values.find(dim.name);
      if (it == values.end()) return std::nullopt;
      parts.push_back(it->second);
    }
  }
  return Join(parts, "|");
}

}  // namespace dss::core
