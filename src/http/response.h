#pragma once
// http/response.h: what a handler returns. Either a whole body or a pull stream.

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "common/json.h"

namespace dss::http {

struct Response {
  int status = 200;
  std::string content_type = "application/json;charset=utf-8";
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  /// When set, the body is streamed with chunked encoding: called repeatedly, it fills
  /// `chunk` and returns true, or returns false at the end. It runs on the connection's
  /// thread and each chunk is written before the next is asked for (backpressure). If it
  /// throws, the connection is cut (the status is already sent); the producer records the
  /// failure itself for finish-streaming.
  std::function<bool(std::string& chunk)> stream;
  /// Called once after the response was fully written (true) or cut (false).
  std::function<void(bool completed)> on_complete;

  static Response FromJson(const Json& j, int status = 200);
  static Response Text(std::string text, int status = 200,
                       std::string content_type = "text/plain;charset=utf-8");
  /// 200 with an empty JSON object, for routes the client reads with _perform_empty.
  static Response Empty();
};

}  // namespace dss::http
