#pragma once
// app/config.h: server settings from the data directory's config.json, overridden by flags.

#include <string>

#include "http/http_server.h"

namespace dss::app {

struct Config {
  std::string data_dir = "./dss-data";
  http::ServerOptions server;
  std::string duckdb_memory_limit = "2GB";
  int duckdb_threads = 2;
  bool print_routes = false;
};

/// Parses argv. Throws std::invalid_argument with a usage message on a bad flag.
Config ParseFlags(int argc, char** argv);

/// Fills settings not given on the command line from `<data_dir>/config.json`, writing that
/// file with the defaults on first start. Throws std::runtime_error on an unreadable file.
void ApplyConfigFile(Config& cfg, const std::string& explicit_flags);

/// The usage text.
std::string Usage();

}  // namespace dss::app
