#include "http/request.h"

#include "common/api_error.h"
#include "common/strings.h"

namespace dss::http {

std::string Request::Header(const std::string& name) const {
  for (const auto& [k, v] : headers)
    if (k == name) return v;
  return "";
}

std::optional<std::string> Request::Query(const std::string& name) const {
  auto it = query.find(name);
  if (it == query.end()) return std::nullopt;
  return it->second;
}

std::vector<std::string> Request::QueryAll(const std::string& name) const {
  std::vector<std::string> out;
  auto [b, e] = query.equal_range(name);
  for (auto it = b; it != e; ++it) out.push_back(it->second);
  return out;
}

bool Request::QueryBool(const std::string& name, bool def) const {
  auto v = Query(name);
  if (!v || v->empty()) return def;
  auto b = ParseBool(*v);
  if (!b)
    throw ApiError::BadRequest("Query parameter '" + name + "' must be a boolean, got '" + *v +
                               "'");
  return *b;
}

long long Request::QueryInt(const std::string& name, long long def) const {
  auto v = Query(name);
  if (!v || v->empty()) return def;
  try {
    size_t used = 0;
    long long n = std::stoll(*v, &used);
    if (used == v->size()) return n;
  } catch (...) {
  }
  throw ApiError::BadRequest("Query parameter '" + name + "' must be an integer, got '" + *v + "'");
}

bool Request::ParseQueryString(const std::string& qs) {
  if (qs.empty()) return true;
  for (const auto& part : Split(qs, '&')) {
    if (part.empty()) continue;
    auto eq = part.find('=');
    auto k = PercentDecode(part.substr(0, eq), true);
    auto v = PercentDecode(eq == std::string::npos ? "" : part.substr(eq + 1), true);
    if (!k || !v) return false;
    query.emplace(std::move(*k), std::move(*v));
  }
  return true;
}

}  // namespace dss::http
