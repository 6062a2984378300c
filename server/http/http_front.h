// The connection layer of the HTTP API: accepts connections, reads each
// request whole in one event loop, and only then hands it to a worker.
//
// Why not httplib's own loop: cpp-httplib 0.11 gives every connection a
// worker thread from accept to close, blocked in read() while the client
// sends its head, its body and its next keep-alive request. 32 sockets that
// each send one byte every 3 s held all 32 workers and the API stopped
// answering (issue 18, finding 4); a chunked body was read without any
// limit (finding 3). Here a connection costs a file descriptor and a small
// buffer until its request is complete, and no worker ever waits on a
// client, so slow clients cannot starve the others:
//   - the request head must arrive within head_timeout_ms of its first byte
//     (of the connection, for the first request), else 408 and close;
//   - the body must arrive at min_body_bytes_per_s on average after a grace
//     of body_grace_ms, else 408 and close;
//   - bodies are limited however framed (HttpRequestReader): 413 as soon as
//     the limit is passed, and the connection is closed;
//   - an idle keep-alive connection waits here, not in a worker, for at most
//     idle_timeout_ms;
//   - answers are written from here, non-blocking, at min_body_bytes_per_s
//     after the same grace, else the connection is dropped;
//   - open connections are limited in total and per client address, and the
//     bytes of request bodies held at once in total: 503 to the excess.
// Other choices weighed: libmicrohttpd and Boost.Beast (both in Debian)
// would mean rewriting every route and the metrics hooks; overriding
// httplib's private process_and_close_socket alone still holds a thread
// while a slow body arrives. This keeps httplib's routing and handlers and
// replaces only the socket handling, which is where the problems were.
//
// Thread-safety: Start/Stop from one thread; the handler is called on the
// worker threads, several at once.
#ifndef REDLINE_SERVER_HTTP_HTTP_FRONT_H_
#define REDLINE_SERVER_HTTP_HTTP_FRONT_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "server/http/http_request_reader.h"
#include "server/runtime/tls_files.h"

namespace redline::server {

struct HttpFrontOptions {
  HttpRequestLimits request;
  int workers = 32;
  int max_connections = 1024;
  int max_connections_per_client = 128;
  int head_timeout_ms = 10'000;
  int idle_timeout_ms = 30'000;
  int body_grace_ms = 10'000;
  int64_t min_body_bytes_per_s = 8 << 10;
  // Request bodies held in memory at once, all connections together (never
  // less than one request's limit).
  int64_t max_buffered_bytes = 256 << 20;
  int max_requests_per_connection = 1000;
  // On Stop, how long requests that have arrived may take to be answered.
  int stop_grace_ms = 5'000;
  // TLS on every connection (http_tls.h); unset: plain text. The handshake
  // counts as part of the first request's head (head_timeout_ms).
  std::optional<TlsFiles> tls;
};

// Who is at the other end of a connection, and which address it reached.
struct HttpPeer {
  std::string remote_ip;
  int remote_port = 0;
  std::string local_ip;
  int local_port = 0;
};

class HttpFront {
 public:
  // Answers one whole request (as HttpRequestReader::TakeRequest gives it)
  // with the bytes of the response; sets *close when the connection must
  // close after it. `last`: the connection closes after this answer anyway.
  using Handler = std::function<std::string(HttpRawRequest request, const HttpPeer& peer, bool last,
                                            bool* close)>;
  // The whole response the front itself gives when it refuses a request
  // (status 400, 408, 413, 415, 431, 503, ...): `path` is the request's if
  // its head was read, else empty. The connection is closed after it.
  using Refuser =
      std::function<std::string(absl::string_view path, int status, absl::string_view message)>;

  HttpFront(HttpFrontOptions options, Handler handler, Refuser refuser);
  ~HttpFront();  // stops
  HttpFront(const HttpFront&) = delete;
  HttpFront& operator=(const HttpFront&) = delete;

  // Binds host:port (port 0: the OS picks one; no SO_REUSEPORT, so a port in
  // use is an error) and starts the loop and the workers; with TLS, the
  // files must load first.
  absl::Status Start(const std::string& host, int port);
  int port() const { return port_; }
  // Stops accepting and closes idle connections at once; requests that
  // have arrived (whole or in part) are still read, answered and written,
  // with Connection: close, for up to stop_grace_ms; then every connection
  // is closed and the threads are joined.
  void Stop();

 private:
  class Loop;
  std::unique_ptr<Loop> loop_;
  int port_ = 0;
};

}  // namespace redline::server

#endif  // REDLINE_SERVER_HTTP_HTTP_FRONT_H_
