#pragma once
// common/log.h: JSON-lines logging to stderr and, once configured, to a log file that
// /admin/logs/ serves. Thread-safe.

#include <string>
#include <string_view>

namespace dss::log {

enum class Level { kDebug, kInfo, kWarn, kError };

/// Also append every line to `path` (the server log). Call once at start-up.
void SetFile(const std::string& path);
/// Path given to SetFile, or empty.
std::string FilePath();
void SetMinLevel(Level level);
/// Writes one JSON line {"ts","level","msg", extra fields...}. `fields_json` is either empty
/// or a JSON object text whose keys are added to the line.
void Write(Level level, std::string_view msg, std::string_view fields_json = "");

inline void Info(std::string_view m, std::string_view f = "") {
  Write(Level::kInfo, m, f);
}
inline void Warn(std::string_view m, std::string_view f = "") {
  Write(Level::kWarn, m, f);
}
inline void Error(std::string_view m, std::string_view f = "") {
  Write(Level::kError, m, f);
}

}  // namespace dss::log
