#include "common/log.h"

#include <cstdio>
#include <mutex>

#include "common/clock.h"
#include "common/json.h"

namespace dss::log {
namespace {
std::mutex g_mu;
FILE* g_file = nullptr;
std::string g_path;
Level g_min = Level::kInfo;
const char* Name(Level l) {
  switch (l) {
    case Level::kDebug:
      return "DEBUG";
    case Level::kInfo:
      return "INFO";
    case Level::kWarn:
      return "WARN";
    case Level::kError:
      return "ERROR";
  }
  return "INFO";
}
}  // namespace

void SetFile(const std::string& path) {
  std::lock_guard<std::mutex> lock(g_mu);
  if (g_file) fclose(g_file);
  g_file = fopen(path.c_str(), "a");
  g_path = g_file ? path : "";
}

std::string FilePath() {
  std::lock_guard<std::mutex> lock(g_mu);
  return g_path;
}

void SetMinLevel(Level level) {
  std::lock_guard<std::mutex> lock(g_mu);
  g_min = level;
}

void Write(Level level, std::string_view msg, std::string_view fields_json) {
  Json line = Json::object();
  line["ts"] = IsoUtc(NowMs());
  line["level"] = Name(level);
  line["msg"] = std::string(msg);
  if (!fields_json.empty()) {
    Json extra = Json::parse(fields_json, nullptr, false);
    if (extra.is_object()) MergeInto(line, extra);
  }
  std::string text = line.dump(-1, ' ', false, Json::error_handler_t::replace) + "\n";
  std::lock_guard<std::mutex> lock(g_mu);
  if (level < g_min) return;
  fwrite(text.data(), 1, text.size(), stderr);
  if (g_file) {
    fwrite(text.data(), 1, text.size(), g_file);
    fflush(g_file);
  }
}

}  // namespace dss::log
