#pragma once
// http/http_server.h: the HTTP/1.1 listener. Thread per connection with blocking I/O, plus a
// watchdog that enforces header, read, write and idle deadlines by shutting sockets down, so
// a slow or stuck client only ever holds its own thread.

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "http/request.h"
#include "http/response.h"

namespace dss::http {

struct ServerOptions {
  std::string bind_address = "127.0.0.1";
  uint16_t port = 11200;  // 0 = pick a free port
  size_t max_header_bytes = 64 * 1024;
  size_t max_body_bytes = 64 * 1024 * 1024;  // buffered bodies; streamed bodies are unlimited
  int header_timeout_ms = 30'000;            // whole head must arrive within this
  int idle_timeout_ms = 60'000;              // keep-alive wait for the next request
  int io_timeout_ms = 120'000;               // no progress reading a body / writing a response
  int max_connections = 1024;
  int drain_timeout_ms = 30'000;         // SIGTERM: wait this long for in-flight requests
  std::string server_version = "0.1.0";  // DSS-Version header
};

/// What the server calls for each request.
class Handler {
 public:
  virtual ~Handler() = default;
  /// Called once the head is read: true when the handler wants the body as a stream
  /// (request.body_reader) instead of buffered in request.body. Must not throw.
  virtual bool WantsStreamingBody(const Request& head) = 0;
  /// Produces the response. Must not throw (errors become error responses inside).
  virtual Response Handle(Request& request) = 0;
  /// Response for a request rejected before reaching Handle (too large, malformed).
  virtual Response Reject(int status, const std::string& message) = 0;
};

class HttpServer {
 public:
  HttpServer(ServerOptions options, Handler& handler);
  ~HttpServer();

  /// Binds and listens. Throws std::runtime_error when the address cannot be bound.
  void Start();
  /// The bound port (after Start).
  uint16_t port() const;
  /// Stops accepting, lets in-flight requests finish (up to drain_timeout_ms), closes idle
  /// connections, and returns when every connection thread has ended. Thread-safe; idempotent.
  void Shutdown();
  /// Blocks until Shutdown has completed.
  void Wait();

  struct Stats {
    std::atomic<uint64_t> requests{0};
    std::atomic<uint64_t> responses_2xx{0}, responses_4xx{0}, responses_5xx{0};
    std::atomic<int64_t> open_connections{0};
  };
  const Stats& stats() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace dss::http
