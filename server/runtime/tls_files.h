// The server's TLS files (--tls_cert, --tls_key, --tls_client_ca), shared by
// the gRPC port (grpc/auth.h: gRPC's own file watcher) and the HTTP port
// (http/http_tls.h: an OpenSSL context of its own), and the start-up check
// both rely on.
#ifndef REDLINE_SERVER_RUNTIME_TLS_FILES_H_
#define REDLINE_SERVER_RUNTIME_TLS_FILES_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace redline::server {

// The files of --tls_cert, --tls_key and --tls_client_ca (empty: no mutual
// TLS), re-read every `reload_s` seconds: a renewed certificate is taken up
// without a restart, and connections open stay open.
struct TlsFiles {
  std::string cert;
  std::string key;
  std::string client_ca;
  int reload_s = 60;
};

// Checks the files as a TLS stack will read them: readable, PEM, the key
// matching the certificate, the client CA holding a certificate. A wrong
// path or a key of another certificate is a start-up error (naming the
// flag and the file), not a failed handshake later.
absl::Status CheckTlsFiles(const TlsFiles& tls);

// The whole of a file; NOT_FOUND naming `flag` and `path` when unreadable.
absl::StatusOr<std::string> ReadTlsFile(const std::string& path, absl::string_view flag);

}  // namespace redline::server

#endif  // REDLINE_SERVER_RUNTIME_TLS_FILES_H_
