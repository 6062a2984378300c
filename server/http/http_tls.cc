#include "server/http/http_tls.h"

#include <openssl/err.h>
#include <sys/stat.h>

#include <cerrno>
#include <utility>

#include "absl/strings/str_cat.h"
#include "server/runtime/log.h"

namespace redline::server {
namespace {

// The reason of OpenSSL's last error, for a message.
std::string OpenSslError() {
  const unsigned long code = ERR_get_error();  // NOLINT(google-runtime-int): OpenSSL's type
  ERR_clear_error();
  if (code == 0) return "unknown OpenSSL error";
  char text[256];
  ERR_error_string_n(code, text, sizeof text);
  return text;
}

absl::StatusOr<SslCtxPtr> MakeContext(const TlsFiles& files) {
  if (absl::Status st = CheckTlsFiles(files); !st.ok()) return st;
  SslCtxPtr ctx(SSL_CTX_new(TLS_server_method()));
  if (!ctx) return absl::InternalError("HTTP TLS: " + OpenSslError());
  SSL_CTX_set_min_proto_version(ctx.get(), TLS1_2_VERSION);
  // Renegotiation would let a client make the server read in the middle of
  // writing an answer; nothing here needs it.
  SSL_CTX_set_options(ctx.get(), SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
  // Answers are written in pieces as the socket takes them, from a buffer
  // that stays put until written.
  SSL_CTX_set_mode(ctx.get(), SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  if (SSL_CTX_use_certificate_chain_file(ctx.get(), files.cert.c_str()) != 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("--tls_cert ", files.cert, ": ", OpenSslError()));
  }
  if (SSL_CTX_use_PrivateKey_file(ctx.get(), files.key.c_str(), SSL_FILETYPE_PEM) != 1 ||
      SSL_CTX_check_private_key(ctx.get()) != 1) {
    return absl::InvalidArgumentError(absl::StrCat("--tls_key ", files.key, ": ", OpenSslError()));
  }
  if (!files.client_ca.empty()) {
    if (SSL_CTX_load_verify_locations(ctx.get(), files.client_ca.c_str(), nullptr) != 1) {
      return absl::InvalidArgumentError(
          absl::StrCat("--tls_client_ca ", files.client_ca, ": ", OpenSslError()));
    }
    // Tells clients which CAs to pick a certificate for (as gRPC's port does).
    SSL_CTX_set_client_CA_list(ctx.get(), SSL_load_client_CA_file(files.client_ca.c_str()));
    SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
  }
  return ctx;
}

int64_t StampPart(const std::string& path, int64_t* size) {
  struct stat st {};
  if (path.empty() || ::stat(path.c_str(), &st) != 0) return 0;
  *size += st.st_size;
  return static_cast<int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
}

}  // namespace

absl::StatusOr<std::unique_ptr<HttpTls>> HttpTls::Create(TlsFiles files) {
  absl::StatusOr<SslCtxPtr> ctx = MakeContext(files);
  if (!ctx.ok()) return ctx.status();
  return std::unique_ptr<HttpTls>(new HttpTls(std::move(files), *std::move(ctx)));
}

HttpTls::HttpTls(TlsFiles files, SslCtxPtr ctx)
    : files_(std::move(files)),
      ctx_(std::move(ctx)),
      next_look_(std::chrono::steady_clock::now() + std::chrono::seconds(files_.reload_s)) {
  stamp_ = StampOf();
}

HttpTls::Stamp HttpTls::StampOf() const {
  Stamp stamp;
  stamp.size = 0;
  // The sum of the three files' times tells a change apart as well as each
  // would: a renewal rewrites at least one of them.
  stamp.mtime_ns = StampPart(files_.cert, &stamp.size) + StampPart(files_.key, &stamp.size) +
                   StampPart(files_.client_ca, &stamp.size);
  return stamp;
}

SslPtr HttpTls::NewSession(int fd) {
  SslPtr ssl(SSL_new(ctx_.get()));  // holds its own reference to the context
  if (ssl && SSL_set_fd(ssl.get(), fd) != 1) ssl.reset();
  if (ssl) SSL_set_accept_state(ssl.get());
  ERR_clear_error();
  return ssl;
}

void HttpTls::MaybeReload(std::chrono::steady_clock::time_point now) {
  if (now < next_look_) return;
  next_look_ = now + std::chrono::seconds(files_.reload_s);
  const Stamp stamp = StampOf();
  if (stamp == stamp_) return;
  // Looked at once per change: files caught half-written are tried again at
  // the next look only if they change again (they will, when the writer
  // finishes).
  stamp_ = stamp;
  absl::StatusOr<SslCtxPtr> ctx = MakeContext(files_);
  if (!ctx.ok()) {
    Log("WARN", "HTTP TLS: the renewed files do not load (", ctx.status().message(),
        "); new connections keep the certificate they had");
    return;
  }
  ctx_ = *std::move(ctx);
  Log("INFO", "HTTP TLS: certificate re-read from ", files_.cert);
}

ssize_t TlsIoResult(SSL* ssl, int result, bool* want_write) {
  if (result > 0) return result;
  switch (SSL_get_error(ssl, result)) {
    case SSL_ERROR_WANT_READ:
      *want_write = false;
      errno = EAGAIN;
      return -1;
    case SSL_ERROR_WANT_WRITE:
      *want_write = true;
      errno = EAGAIN;
      return -1;
    case SSL_ERROR_ZERO_RETURN:
      return 0;
    default:
      ERR_clear_error();
      errno = ECONNRESET;
      return -1;
  }
}

}  // namespace redline::server
