#include "http/router.h"

#include <functional>
#include <stdexcept>

#include "common/strings.h"

namespace dss::http {

struct Router::Node {
  std::map<std::string, std::unique_ptr<Node>> literals;
  std::unique_ptr<Node> param;
  std::string param_name;
  std::map<std::string, int> methods;       // routes ending at this node
  std::map<std::string, int> tail_methods;  // `{name*}` routes hanging off this node
  std::string tail_name;
};

Router::Router() : root_(std::make_unique<Node>()) {}
Router::~Router() = default;
Router::Router(Router&&) noexcept = default;
Router& Router::operator=(Router&&) noexcept = default;

void Router::Add(const std::string& method, const std::string& pattern, int id) {
  Node* n = root_.get();
  std::vector<std::string> segs;
  for (auto& s : Split(pattern, '/'))
    if (!s.empty()) segs.push_back(s);
  for (size_t i = 0; i < segs.size(); ++i) {
    const std::string& s = segs[i];
    bool is_param = s.size() > 2 && s.front() == '{' && s.back() == '}';
    if (is_param && s[s.size() - 2] == '*') {
      if (i + 1 != segs.size()) throw std::logic_error("tail parameter must be last: " + pattern);
      std::string name = s.substr(1, s.size() - 3);
      if (!n->tail_name.empty() && n->tail_name != name)
        throw std::logic_error("conflicting tail names in " + pattern);
      n->tail_name = name;
      if (!n->tail_methods.emplace(method, id).second)
        throw std::logic_error("duplicate route " + method + " " + pattern);
      return;
    }
    if (is_param) {
      std::string name = s.substr(1, s.size() - 2);
      if (!n->param) {
        n->param = std::make_unique<Node>();
        n->param_name = name;
      } else if (n->param_name != name) {
        throw std::logic_error("conflicting parameter names {" + n->param_name + "} and {" + name +
                               "} in " + pattern);
      }
      n = n->param.get();
    } else {
      auto& child = n->literals[s];
      if (!child) child = std::make_unique<Node>();
      n = child.get();
    }
  }
  if (!n->methods.emplace(method, id).second)
    throw std::logic_error("duplicate route " + method + " " + pattern);
}

Router::Match Router::Find(const std::string& method,
                           const std::vector<std::string>& segments) const {
  Match best;
  // Depth-first with backtracking: literal, then parameter, then tail.
  std::map<std::string, std::string> params;
  std::function<bool(const Node*, size_t)> walk = [&](const Node* n, size_t i) -> bool {
    if (i == segments.size()) {
      if (!n->methods.empty()) {
        best.path_matched = true;
        auto it = n->methods.find(method);
        if (it != n->methods.end()) {
          best.id = it->second;
          best.params = params;
          return true;
        }
      }
    } else {
      auto lit = n->literals.find(segments[i]);
      if (lit != n->literals.end() && walk(lit->second.get(), i + 1)) return true;
      if (n->param) {
        params[n->param_name] = segments[i];
        if (walk(n->param.get(), i + 1)) return true;
        params.erase(n->param_name);
      }
    }
    if (!n->tail_methods.empty()) {
      best.path_matched = true;
      auto it = n->tail_methods.find(method);
      if (it != n->tail_methods.end()) {
        std::vector<std::string> rest(segments.begin() + static_cast<long>(i), segments.end());
        params[n->tail_name] = Join(rest, "/");
        best.id = it->second;
        best.params = params;
        return true;
      }
    }
    return false;
  };
  walk(root_.get(), 0);
  return best;
}

std::optional<std::vector<std::string>> Router::SplitPath(const std::string& raw_path) {
  std::vector<std::string> out;
  for (auto& s : Split(raw_path, '/')) {
    if (s.empty()) continue;
    auto d = PercentDecode(s);
    if (!d) return std::nullopt;
    out.push_back(std::move(*d));
  }
  return out;
}

}  // namespace dss::http
