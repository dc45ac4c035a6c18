#pragma once
// http/router.h: matches (method, path) against route patterns.
//
// Patterns are slash-separated segments: a literal, `{name}` (one segment) or `{name*}`
// (the rest of the path, zero or more segments, joined with '/'); for example
// "/projects/{projectKey}/managedfolders/{folderId}/contents/{path*}". Literal segments win
// over parameters, parameters over tails. Trailing slashes and empty segments are ignored,
// so "X" and "X/" match alike.

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace dss::http {

class Router {
 public:
  Router();
  ~Router();
  Router(Router&&) noexcept;
  Router& operator=(Router&&) noexcept;

  /// Registers `pattern` for `method` as route `id`. Throws std::logic_error on a duplicate
  /// method + pattern or a malformed pattern. Not thread-safe (build once, then only Find).
  void Add(const std::string& method, const std::string& pattern, int id);

  struct Match {
    int id = -1;                // -1: no route for this method
    bool path_matched = false;  // some method exists for this path (405 rather than 404)
    std::map<std::string, std::string> params;
  };

  /// Finds the route for already-decoded path `segments`. Thread-safe after building.
  Match Find(const std::string& method, const std::vector<std::string>& segments) const;

  /// Splits a raw path on '/', drops empty segments and percent-decodes each one.
  /// Returns nullopt on a malformed escape.
  static std::optional<std::vector<std::string>> SplitPath(const std::string& raw_path);

 private:
  struct Node;
  std::unique_ptr<Node> root_;
};

}  // namespace dss::http
