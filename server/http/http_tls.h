// TLS on the HTTP port: an OpenSSL server context made from the same files
// as the gRPC port's (--tls_cert, --tls_key, --tls_client_ca), and a
// session per accepted connection that the front (http_front.cc) drives
// with non-blocking reads and writes on its one event loop.
//
// Why OpenSSL here and gRPC's stack there: gRPC's TLS belongs to its own
// transport; the HTTP front owns its sockets (so that slow clients cost a
// descriptor, not a thread), and OpenSSL's non-blocking SSL_accept /
// SSL_read / SSL_write fit that loop as they are. libssl is Debian's.
//
// Renewed certificates: the files are looked at every reload_s seconds
// (as gRPC's file watcher does for the gRPC port) and, when one changed,
// a new context is made for the connections that come next; a session
// holds a reference to the context it started with, so open connections
// keep going. Files that do not load are logged and the old context stays.
//
// Thread-safety: none; the front's loop thread alone uses it.
#ifndef REDLINE_SERVER_HTTP_HTTP_TLS_H_
#define REDLINE_SERVER_HTTP_HTTP_TLS_H_

#include <openssl/ssl.h>
#include <sys/types.h>

#include <chrono>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "server/runtime/tls_files.h"

namespace redline::server {

struct SslFree {
  void operator()(SSL* ssl) const { SSL_free(ssl); }
};
struct SslCtxFree {
  void operator()(SSL_CTX* ctx) const { SSL_CTX_free(ctx); }
};
using SslPtr = std::unique_ptr<SSL, SslFree>;
using SslCtxPtr = std::unique_ptr<SSL_CTX, SslCtxFree>;

class HttpTls {
 public:
  // The context of `files`, or the error naming the flag and file that
  // would not load.
  static absl::StatusOr<std::unique_ptr<HttpTls>> Create(TlsFiles files);

  // A server session on the accepted socket `fd` (not yet handshaken).
  SslPtr NewSession(int fd);

  // Makes a new context when reload_s has passed since the last look and a
  // file changed (its modification time or size).
  void MaybeReload(std::chrono::steady_clock::time_point now);

 private:
  struct Stamp {
    int64_t mtime_ns = 0;
    int64_t size = -1;
    bool operator==(const Stamp& o) const { return mtime_ns == o.mtime_ns && size == o.size; }
  };
  HttpTls(TlsFiles files, SslCtxPtr ctx);
  Stamp StampOf() const;

  const TlsFiles files_;
  SslCtxPtr ctx_;
  Stamp stamp_;
  std::chrono::steady_clock::time_point next_look_;
};

// The result of a non-blocking TLS call on a session, as recv/send give
// theirs: n > 0 bytes; 0 for a closed connection (close_notify); -1 with
// errno EAGAIN when TLS waits for the socket (*want_write: to become
// writable, else readable), or ECONNRESET for anything else.
ssize_t TlsIoResult(SSL* ssl, int result, bool* want_write);

}  // namespace redline::server

#endif  // REDLINE_SERVER_HTTP_HTTP_TLS_H_
