#include "server/runtime/tls_files.h"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <fstream>
#include <iterator>
#include <memory>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace redline::server {
namespace {

struct BioDeleter {
  void operator()(BIO* b) const { BIO_free(b); }
};
struct X509Deleter {
  void operator()(X509* x) const { X509_free(x); }
};
struct KeyDeleter {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};

}  // namespace

absl::StatusOr<std::string> ReadTlsFile(const std::string& path, absl::string_view flag) {
  std::ifstream in(path, std::ios::binary);
  if (!in.is_open()) {
    return absl::NotFoundError(absl::StrCat("--", flag, " ", path, ": cannot read"));
  }
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

absl::Status CheckTlsFiles(const TlsFiles& tls) {
  absl::StatusOr<std::string> cert = ReadTlsFile(tls.cert, "tls_cert");
  if (!cert.ok()) return cert.status();
  absl::StatusOr<std::string> key = ReadTlsFile(tls.key, "tls_key");
  if (!key.ok()) return key.status();
  std::unique_ptr<BIO, BioDeleter> cert_bio(BIO_new_mem_buf(cert->data(), cert->size()));
  std::unique_ptr<X509, X509Deleter> x509(
      PEM_read_bio_X509(cert_bio.get(), nullptr, nullptr, nullptr));
  if (!x509)
    return absl::InvalidArgumentError("--tls_cert " + tls.cert + ": not a PEM certificate");
  std::unique_ptr<BIO, BioDeleter> key_bio(BIO_new_mem_buf(key->data(), key->size()));
  std::unique_ptr<EVP_PKEY, KeyDeleter> pkey(
      PEM_read_bio_PrivateKey(key_bio.get(), nullptr, nullptr, nullptr));
  if (!pkey) return absl::InvalidArgumentError("--tls_key " + tls.key + ": not a PEM private key");
  if (X509_check_private_key(x509.get(), pkey.get()) != 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("--tls_key ", tls.key, " is not the key of --tls_cert ", tls.cert));
  }
  if (!tls.client_ca.empty()) {
    absl::StatusOr<std::string> ca = ReadTlsFile(tls.client_ca, "tls_client_ca");
    if (!ca.ok()) return ca.status();
    if (!absl::StrContains(*ca, "-----BEGIN CERTIFICATE-----")) {
      return absl::InvalidArgumentError("--tls_client_ca " + tls.client_ca +
                                        ": no PEM certificate in it");
    }
  }
  return absl::OkStatus();
}

}  // namespace redline::server
