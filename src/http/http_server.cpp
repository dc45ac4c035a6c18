// The only translation unit that includes Beast (it is slow to compile: keep it that way).
#include "http/http_server.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <condition_variable>
#include <limits>
#include <mutex>
#include <set>
#include <thread>

#include "common/api_error.h"
#include "common/clock.h"
#include "common/crypto.h"
#include "common/strings.h"

namespace dss::http {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = net::ip::tcp;

namespace {

constexpr int64_t kNever = std::numeric_limits<int64_t>::max();

int64_t MonoMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// Per-connection state shared with the watchdog.
struct Conn {
  int fd = -1;
  std::atomic<int64_t> deadline{kNever};
  std::atomic<bool> idle{false};
  std::atomic<bool> cut{false};
  void Cut() {
    if (!cut.exchange(true)) ::shutdown(fd, SHUT_RDWR);
  }
};

using Parser = bhttp::request_parser<bhttp::buffer_body>;

class BeastBodyReader : public BodyReader {
 public:
  BeastBodyReader(tcp::socket& s, beast::flat_buffer& b, Parser& p, Conn& c, int timeout_ms)
      : sock_(s), buf_(b), parser_(p), conn_(c), timeout_ms_(timeout_ms) {}
  size_t Read(char* out, size_t n) override {
    if (parser_.is_done() || n == 0) return 0;
    auto& body = parser_.get().body();
    body.data = out;
    body.size = n;
    body.more = true;
    conn_.deadline = MonoMs() + timeout_ms_;
    beast::error_code ec;
    bhttp::read(sock_, buf_, parser_, ec);
    conn_.deadline = kNever;
    if (ec == bhttp::error::need_buffer) ec = {};
    if (ec) throw ApiError::BadRequest("Request body could not be read: " + ec.message());
    return n - body.size;
  }

 private:
  tcp::socket& sock_;
  beast::flat_buffer& buf_;
  Parser& parser_;
  Conn& conn_;
  int timeout_ms_;
};

}  // namespace

class HttpServer::Impl {
 public:
  // Request ids only need to be unique, not secret: a random per-process prefix and a
  // counter. (Drawing 16 characters from the OS CSPRNG per request cost ~20 % of the CPU
  // time of a small GET.)
  std::string NextRequestId() {
    char tail[24];
    snprintf(tail, sizeof tail, "%010llx",
             static_cast<unsigned long long>(request_seq_.fetch_add(1) + 1));
    return request_prefix_ + tail;
  }

  Impl(ServerOptions o, Handler& h) : opts_(std::move(o)), handler_(h), acceptor_(ioc_) {}

  void Start() {
    tcp::endpoint ep(net::ip::make_address(opts_.bind_address), opts_.port);
    acceptor_.open(ep.protocol());
    acceptor_.set_option(net::socket_base::reuse_address(true));
    acceptor_.bind(ep);
    acceptor_.listen(1024);
    port_ = acceptor_.local_endpoint().port();
    accept_thread_ = std::thread([this] { AcceptLoop(); });
    watchdog_thread_ = std::thread([this] { Watchdog(); });
  }

  uint16_t port() const { return port_; }
  const Stats& stats() const { return stats_; }

  void Shutdown() {
    std::lock_guard<std::mutex> once(shutdown_mu_);
    if (shut_down_) return;
    stopping_ = true;
    ::shutdown(acceptor_.native_handle(), SHUT_RDWR);
    if (accept_thread_.joinable()) accept_thread_.join();
    {
      std::unique_lock<std::mutex> lock(mu_);
      for (auto& c : conns_)
        if (c->idle) c->Cut();
      auto deadline =
          std::chrono::steady_clock::now() + std::chrono::milliseconds(opts_.drain_timeout_ms);
      if (!cv_.wait_until(lock, deadline, [this] { return conns_.empty(); })) {
        for (auto& c : conns_) c->Cut();
        cv_.wait_for(lock, std::chrono::seconds(5), [this] { return conns_.empty(); });
      }
    }
    watchdog_stop_ = true;
    if (watchdog_thread_.joinable()) watchdog_thread_.join();
    beast::error_code ec;
    acceptor_.close(ec);
    shut_down_ = true;
    done_cv_.notify_all();
  }

  void Wait() {
    std::unique_lock<std::mutex> lock(shutdown_mu_);
    done_cv_.wait(lock, [this] { return shut_down_; });
  }

 private:
  void AcceptLoop() {
    while (!stopping_) {
      tcp::socket sock(ioc_);
      beast::error_code ec;
      acceptor_.accept(sock, ec);
      if (ec) {
        if (stopping_) return;
        if (ec == net::error::no_descriptors)
          std::this_thread::sleep_for(std::chrono::milliseconds(50));
        continue;
      }
      auto conn = std::make_shared<Conn>();
      conn->fd = sock.native_handle();
      {
        std::lock_guard<std::mutex> lock(mu_);
        if (static_cast<int>(conns_.size()) >= opts_.max_connections) {
          RefuseBusy(sock);
          continue;
        }
        conns_.insert(conn);
      }
      stats_.open_connections++;
      std::thread([this, s = std::move(sock), conn]() mutable {
        Session(s, *conn);
        beast::error_code ignored;
        s.close(ignored);
        stats_.open_connections--;
        std::lock_guard<std::mutex> lock(mu_);
        conns_.erase(conn);
        cv_.notify_all();
      }).detach();
    }
  }

  void RefuseBusy(tcp::socket& sock) {
    timeval tv{1, 0};
    setsockopt(sock.native_handle(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    Response r = handler_.Reject(503, "Too many connections");
    std::string out = "HTTP/1.1 503 Service Unavailable\r\nContent-Type: " + r.content_type +
                      "\r\nConnection: close\r\nContent-Length: " + std::to_string(r.body.size()) +
                      "\r\n\r\n" + r.body;
    beast::error_code ec;
    net::write(sock, net::buffer(out), ec);
    sock.close(ec);
  }

  void Watchdog() {
    while (!watchdog_stop_) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      int64_t now = MonoMs();
      std::lock_guard<std::mutex> lock(mu_);
      for (auto& c : conns_) {
        if (now > c->deadline.load() || (stopping_ && c->idle)) c->Cut();
      }
    }
  }

  void Session(tcp::socket& sock, Conn& conn) {
    int one = 1;
    setsockopt(sock.native_handle(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    std::string remote;
    {
      beast::error_code ec;
      auto ep = sock.remote_endpoint(ec);
      if (!ec) remote = ep.address().to_string();
    }
    beast::flat_buffer buf;
    while (!stopping_) {
      // Idle: wait for the first byte of the next request.
      if (buf.size() == 0) {
        conn.idle = true;
        conn.deadline = MonoMs() + opts_.idle_timeout_ms;
        if (stopping_) return;
        beast::error_code ec;
        sock.wait(tcp::socket::wait_read, ec);
        conn.idle = false;
        if (ec) return;
      }
      conn.idle = false;
      conn.deadline = MonoMs() + opts_.header_timeout_ms;
      Parser parser;
      parser.header_limit(static_cast<std::uint32_t>(opts_.max_header_bytes));
      parser.body_limit(std::numeric_limits<std::uint64_t>::max());
      beast::error_code ec;
      bhttp::read_header(sock, buf, parser, ec);
      conn.deadline = kNever;
      if (ec) {
        if (ec == bhttp::error::header_limit) {
          WriteSimple(sock, conn, handler_.Reject(431, "Request header too large"), false, "");
        } else if (ec != bhttp::error::end_of_stream && ec != net::error::eof &&
                   ec != net::error::connection_reset && !conn.cut) {
          WriteSimple(sock, conn, handler_.Reject(400, "Malformed HTTP request: " + ec.message()),
                      false, "");
        }
        return;
      }
      auto& head = parser.get();
      Request req;
      req.method = std::string(head.method_string());
      req.target = std::string(head.target());
      req.remote = remote;
      req.request_id = NextRequestId();
      for (const auto& f : head)
        req.headers.emplace_back(ToLower(f.name_string()), std::string(f.value()));
      auto q = req.target.find('?');
      req.raw_path = req.target.substr(0, q);
      if (q != std::string::npos && !req.ParseQueryString(req.target.substr(q + 1))) {
        WriteSimple(sock, conn, handler_.Reject(400, "Malformed query string"), false,
                    req.request_id);
        return;
      }
      bool expects_continue = IEquals(req.Header("expect"), "100-continue");
      BeastBodyReader reader(sock, buf, parser, conn, opts_.io_timeout_ms);
      if (expects_continue && !parser.is_done()) {
        static const char kContinue[] = "HTTP/1.1 100 Continue\r\n\r\n";
        net::write(sock, net::buffer(kContinue, sizeof kContinue - 1), ec);
        if (ec) return;
      }
      bool keep_alive = head.keep_alive();
      if (handler_.WantsStreamingBody(req)) {
        req.body_reader = &reader;
      } else {
        if (auto len = parser.content_length(); len && *len > opts_.max_body_bytes) {
          WriteSimple(sock, conn,
                      handler_.Reject(413, "Request body too large (limit " +
                                               std::to_string(opts_.max_body_bytes) + " bytes)"),
                      false, req.request_id);
          return;
        }
        try {
          char tmp[65536];
          while (size_t n = reader.Read(tmp, sizeof tmp)) {
            req.body.append(tmp, n);
            if (req.body.size() > opts_.max_body_bytes) {
              WriteSimple(
                  sock, conn,
                  handler_.Reject(413, "Request body too large (limit " +
                                           std::to_string(opts_.max_body_bytes) + " bytes)"),
                  false, req.request_id);
              return;
            }
          }
        } catch (const std::exception&) {
          return;  // client went away or stalled mid-body
        }
      }
      stats_.requests++;
      Response res = handler_.Handle(req);
      if (!parser.is_done()) keep_alive = false;  // unread streamed body: cannot reuse
      if (stopping_) keep_alive = false;
      bool ok = res.stream ? WriteStream(sock, conn, res, keep_alive, req.request_id)
                           : WriteSimple(sock, conn, res, keep_alive, req.request_id);
      if (res.on_complete) res.on_complete(ok);
      if (!ok || !keep_alive) return;
    }
  }

  template <class Msg>
  void SetCommonHeaders(Msg& m, const Response& res, bool keep_alive, const std::string& rid) {
    m.set(bhttp::field::content_type, res.content_type);
    m.set("DSS-API-Version", "1");
    m.set("DSS-Version", opts_.server_version);
    if (!rid.empty()) m.set("X-Request-Id", rid);
    for (const auto& [k, v] : res.headers) m.set(k, v);
    m.keep_alive(keep_alive);
  }

  void Count(int status) {
    if (status >= 500)
      stats_.responses_5xx++;
    else if (status >= 400)
      stats_.responses_4xx++;
    else
      stats_.responses_2xx++;
  }

  bool WriteSimple(tcp::socket& sock, Conn& conn, const Response& res, bool keep_alive,
                   const std::string& rid) {
    bhttp::response<bhttp::string_body> m{static_cast<bhttp::status>(res.status), 11};
    SetCommonHeaders(m, res, keep_alive, rid);
    m.body() = res.body;
    m.prepare_payload();
    Count(res.status);
    conn.deadline = MonoMs() + opts_.io_timeout_ms;
    beast::error_code ec;
    bhttp::write(sock, m, ec);
    conn.deadline = kNever;
    return !ec;
  }

  bool WriteStream(tcp::socket& sock, Conn& conn, Response& res, bool keep_alive,
                   const std::string& rid) {
    bhttp::response<bhttp::empty_body> m{static_cast<bhttp::status>(res.status), 11};
    SetCommonHeaders(m, res, keep_alive, rid);
    m.chunked(true);
    Count(res.status);
    beast::error_code ec;
    bhttp::response_serializer<bhttp::empty_body> sr{m};
    conn.deadline = MonoMs() + opts_.io_timeout_ms;
    bhttp::write_header(sock, sr, ec);
    if (ec) return false;
    std::string chunk;
    try {
      while (true) {
        chunk.clear();
        conn.deadline = kNever;
        if (!res.stream(chunk)) break;
        if (chunk.empty()) continue;
        conn.deadline = MonoMs() + opts_.io_timeout_ms;
        net::write(sock, bhttp::make_chunk(net::buffer(chunk)), ec);
        if (ec) return false;
      }
    } catch (...) {
      return false;  // cut without the last chunk: the client sees a truncated stream
    }
    conn.deadline = MonoMs() + opts_.io_timeout_ms;
    net::write(sock, bhttp::make_chunk_last(), ec);
    conn.deadline = kNever;
    return !ec;
  }

  ServerOptions opts_;
  Handler& handler_;
  const std::string request_prefix_ = RandomToken(6);
  std::atomic<uint64_t> request_seq_{0};
  net::io_context ioc_;
  tcp::acceptor acceptor_;
  uint16_t port_ = 0;
  std::thread accept_thread_, watchdog_thread_;
  std::atomic<bool> stopping_{false}, watchdog_stop_{false};
  std::mutex mu_;
  std::condition_variable cv_;
  std::set<std::shared_ptr<Conn>> conns_;
  std::mutex shutdown_mu_;
  std::condition_variable done_cv_;
  bool shut_down_ = false;
  Stats stats_;
};

HttpServer::HttpServer(ServerOptions options, Handler& handler)
    : impl_(std::make_unique<Impl>(std::move(options), handler)) {}
HttpServer::~HttpServer() {
  impl_->Shutdown();
}
void HttpServer::Start() {
  impl_->Start();
}
uint16_t HttpServer::port() const {
  return impl_->port();
}
void HttpServer::Shutdown() {
  impl_->Shutdown();
}
void HttpServer::Wait() {
  impl_->Wait();
}
const HttpServer::Stats& HttpServer::stats() const {
  return impl_->stats();
}

}  // namespace dss::http
