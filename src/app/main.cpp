// dssd: the server.
#include <pthread.h>
#include <signal.h>

#include <cstdio>
#include <cstdlib>
#include <iostream>

#include "api/dispatcher.h"
#include "api/routes.h"
#include "app/bootstrap.h"
#include "app/config.h"
#include "common/api_error.h"
#include "common/log.h"
#include "core/job_service.h"
#include "core/services.h"
#include "engine/duckdb_engine.h"
#include "storage/data_dir.h"

using namespace dss;

namespace {
int PrintRoutes() {
  for (const auto& r : api::Routes()) {
    std::string p = r.pattern;
    printf("%-7s %-90s %s\n", r.method, p.c_str(), api::AccessName(r.access));
  }
  return 0;
}
}  // namespace

int main(int argc, char** argv) {
  app::Config cfg;
  try {
    cfg = app::ParseFlags(argc, argv);
  } catch (const std::exception& e) {
    fprintf(stderr, "%s", e.what());
    return 2;
  }
  if (cfg.print_routes) return PrintRoutes();

  // Block termination signals in every thread; the main thread waits for them.
  sigset_t sigs;
  sigemptyset(&sigs);
  sigaddset(&sigs, SIGTERM);
  sigaddset(&sigs, SIGINT);
  pthread_sigmask(SIG_BLOCK, &sigs, nullptr);
  signal(SIGPIPE, SIG_IGN);

  try {
    storage::DataDir dir(cfg.data_dir);
    dir.EnsureLayout();
    log::SetFile(dir.ServerLog().string());
    engine::DuckOptions duck;
    duck.memory_limit = cfg.duckdb_memory_limit;
    duck.threads = cfg.duckdb_threads;
    duck.temp_directory = (dir.TmpDir() / "duckdb").string();
    engine::DuckEngine engine(duck);
    core::ServicesOptions sopts;
    sopts.server_version = cfg.server.server_version;
    // Recipe processes import the `dataiku` package from the source tree's python/ directory
    // unless DSSD_PYTHON_LIB_DIR points elsewhere (an installed copy).
    const char* pylib = getenv("DSSD_PYTHON_LIB_DIR");
    sopts.python_lib_dir = pylib && *pylib ? pylib : DSS_PYTHON_LIB_DIR;
    core::Services services(dir, storage::OpenSqliteMetadataStore(dir.MetadataFile().string()),
                            engine, sopts);
    std::string secret = app::BootstrapIfNeeded(services);
    if (!secret.empty()) {
      printf("dssd: initialised %s\n", dir.root().c_str());
      printf("dssd: global admin API key (shown once, also in %s): %s\n",
             dir.AdminKeyFile().c_str(), secret.c_str());
      fflush(stdout);
    }
    api::Dispatcher dispatcher(services, dir.AccessLog().string());
    http::HttpServer server(cfg.server, dispatcher);
    server.Start();
    services.jobs().SetBackendUrl(
        "http://" +
        std::string(cfg.server.bind_address == "0.0.0.0" ? "127.0.0.1" : cfg.server.bind_address) +
        ":" + std::to_string(server.port()));
    storage::WriteFileAtomic(dir.RunDir() / "port", std::to_string(server.port()) + "\n");
    Json f = {{"port", server.port()},
              {"bind", cfg.server.bind_address},
              {"dataDir", dir.root().string()},
              {"duckdb", engine::DuckEngine::Version()}};
    log::Info("dssd listening", f.dump());
    printf("dssd: listening on http://%s:%u/ (data dir %s)\n", cfg.server.bind_address.c_str(),
           server.port(), dir.root().c_str());
    fflush(stdout);
    int sig = 0;
    sigwait(&sigs, &sig);
    log::Info("dssd draining", Json{{"signal", sig}}.dump());
    server.Shutdown();
    log::Info("dssd stopped");
    return 0;
  } catch (const std::exception& e) {
    fprintf(stderr, "dssd: fatal: %s\n", e.what());
    return 1;
  }
}
