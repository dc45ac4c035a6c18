#pragma once
// core/tabular_stream.h: a pull stream of rows rendered as text, handed from a service to a
// handler without core/ knowing about HTTP.

#include <functional>
#include <string>

namespace dss::core {

struct TabularStream {
  std::string content_type;
  /// Fills `chunk` with the next bytes and returns true, or returns false at the end (its
  /// `chunk` is then ignored). Throws when the stream fails; the failure is already recorded
  /// by the producer for finish-streaming.
  std::function<bool(std::string& chunk)> next;
  /// Called once when the transfer ended: completed (true) or cut by the client (false).
  std::function<void(bool completed)> done;
};

}  // namespace dss::core
