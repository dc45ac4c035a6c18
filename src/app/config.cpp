#include "app/config.h"

#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "common/json.h"
#include "storage/data_dir.h"

namespace dss::app {

std::string Usage() {
  return "usage: dssd [--data-dir DIR] [--port N] [--bind ADDR] [--max-body-bytes N]\n"
         "            [--max-header-bytes N]\n"
         "            [--header-timeout-ms N] [--idle-timeout-ms N] [--io-timeout-ms N]\n"
         "            [--max-connections N] [--duckdb-memory-limit SIZE] [--routes]\n"
         "Settings not given as flags come from DIR/config.json (written on first start).\n";
}

namespace {
long long ToNumber(const std::string& flag, const std::string& v) {
  try {
    size_t used = 0;
    long long n = std::stoll(v, &used);
    if (used == v.size() && n >= 0) return n;
  } catch (...) {
  }
  throw std::invalid_argument(flag + " expects a non-negative integer, got '" + v + "'\n" +
                              Usage());
}
}  // namespace

Config ParseFlags(int argc, char** argv) {
  Config c;
  std::string given;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) throw std::invalid_argument(a + " needs a value\n" + Usage());
      return argv[++i];
    };
    if (a == "--data-dir")
      c.data_dir = next();
    else if (a == "--port")
      c.server.port = static_cast<uint16_t>(ToNumber(a, next()));
    else if (a == "--bind")
      c.server.bind_address = next();
    else if (a == "--max-body-bytes")
      c.server.max_body_bytes = static_cast<size_t>(ToNumber(a, next()));
    else if (a == "--max-header-bytes")
      c.server.max_header_bytes = static_cast<size_t>(ToNumber(a, next()));
    else if (a == "--header-timeout-ms")
      c.server.header_timeout_ms = static_cast<int>(ToNumber(a, next()));
    else if (a == "--idle-timeout-ms")
      c.server.idle_timeout_ms = static_cast<int>(ToNumber(a, next()));
    else if (a == "--io-timeout-ms")
      c.server.io_timeout_ms = static_cast<int>(ToNumber(a, next()));
    else if (a == "--max-connections")
      c.server.max_connections = static_cast<int>(ToNumber(a, next()));
    else if (a == "--duckdb-memory-limit")
      c.duckdb_memory_limit = next();
    else if (a == "--routes")
      c.print_routes = true;
    else if (a == "--help" || a == "-h")
      throw std::invalid_argument(Usage());
    else
      throw std::invalid_argument("unknown flag " + a + "\n" + Usage());
    if (a.rfind("--", 0) == 0) given += a + " ";
  }
  ApplyConfigFile(c, given);
  return c;
}

void ApplyConfigFile(Config& c, const std::string& given) {
  namespace fs = std::filesystem;
  if (c.print_routes) return;
  fs::create_directories(c.data_dir);
  fs::path file = fs::path(c.data_dir) / "config.json";
  Json j = Json::object();
  if (fs::exists(file)) {
    std::ifstream in(file);
    std::stringstream ss;
    ss << in.rdbuf();
    j = Json::parse(ss.str(), nullptr, false);
    if (!j.is_object()) throw std::runtime_error("Malformed " + file.string());
  }
  auto has = [&](const char* flag) {
    return given.find(std::string(flag) + " ") != std::string::npos;
  };
  auto num = [&](const char* key, const char* flag, auto& field) {
    using T = std::remove_reference_t<decltype(field)>;
    if (has(flag)) return;
    if (j.contains(key) && j[key].is_number_integer())
      field = static_cast<T>(j[key].get<long long>());
  };
  if (!has("--bind") && j.contains("bindAddress") && j["bindAddress"].is_string())
    c.server.bind_address = j["bindAddress"];
  num("port", "--port", c.server.port);
  num("maxBodyBytes", "--max-body-bytes", c.server.max_body_bytes);
  num("maxHeaderBytes", "--max-header-bytes", c.server.max_header_bytes);
  num("headerTimeoutMs", "--header-timeout-ms", c.server.header_timeout_ms);
  num("idleTimeoutMs", "--idle-timeout-ms", c.server.idle_timeout_ms);
  num("ioTimeoutMs", "--io-timeout-ms", c.server.io_timeout_ms);
  num("maxConnections", "--max-connections", c.server.max_connections);
  num("drainTimeoutMs", "--drain-timeout-ms", c.server.drain_timeout_ms);
  num("duckdbThreads", "--duckdb-threads", c.duckdb_threads);
  if (!has("--duckdb-memory-limit") && j.contains("duckdbMemoryLimit") &&
      j["duckdbMemoryLimit"].is_string())
    c.duckdb_memory_limit = j["duckdbMemoryLimit"];
  if (!fs::exists(file)) {
    Json d = {{"bindAddress", "127.0.0.1"},
              {"port", 11200},
              {"maxBodyBytes", 64 * 1024 * 1024},
              {"maxHeaderBytes", 64 * 1024},
              {"headerTimeoutMs", 30000},
              {"idleTimeoutMs", 60000},
              {"ioTimeoutMs", 120000},
              {"maxConnections", 1024},
              {"drainTimeoutMs", 30000},
              {"duckdbMemoryLimit", "2GB"},
              {"duckdbThreads", 2}};
    storage::WriteFileAtomic(file, d.dump(2) + "\n");
  }
}

}  // namespace dss::app
