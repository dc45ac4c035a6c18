#pragma once
// http/request.h: a parsed HTTP request, free of Beast types so that api/ and tests can build
// one without a socket.

#include <cstddef>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace dss::http {

/// Pull-based reader over a request body that is streamed rather than buffered.
class BodyReader {
 public:
  virtual ~BodyReader() = default;
  /// Reads up to `n` bytes into `buf`. Returns 0 at the end of the body. Throws
  /// ApiError(kBadRequest) when the client disconnects or times out mid-body.
  virtual size_t Read(char* buf, size_t n) = 0;
};

struct Request {
  std::string method;    // upper-case, e.g. "GET"
  std::string target;    // raw request target, e.g. "/public/api/projects/?tags=a"
  std::string raw_path;  // target without the query string, still percent-encoded
  std::multimap<std::string, std::string> query;             // percent-decoded
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased
  std::string body;                   // the whole body, unless `body_reader` is set
  BodyReader* body_reader = nullptr;  // set for routes that stream their body
  std::string request_id;
  std::string remote;

  /// First header named `name` (lower-case), or "".
  std::string Header(const std::string& name) const;
  /// First value of a query parameter.
  std::optional<std::string> Query(const std::string& name) const;
  /// Every value of a repeated parameter, in order.
  std::vector<std::string> QueryAll(const std::string& name) const;
  /// Boolean query parameter, case-insensitive ("True", "true", "1"). Throws
  /// ApiError(kBadRequest) naming the parameter when present but not a boolean.
  bool QueryBool(const std::string& name, bool def) const;
  /// Integer query parameter. Throws ApiError(kBadRequest) when not an integer.
  long long QueryInt(const std::string& name, long long def) const;

  /// Parses "a=b&c=d" into `query`. Returns false on a bad percent-escape.
  bool ParseQueryString(const std::string& qs);
};

}  // namespace dss::http
