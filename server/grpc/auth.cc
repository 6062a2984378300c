#include "server/grpc/auth.h"

#include <arpa/inet.h>
#include <grpcpp/security/tls_certificate_provider.h>
#include <grpcpp/security/tls_credentials_options.h>
#include <netinet/in.h>

#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace redline::server {
namespace {

// Auth-context properties the token check sets for the call.
constexpr char kNameProperty[] = "redline.caller";
constexpr char kRoleProperty[] = "redline.role";

absl::string_view FirstValue(const grpc::AuthContext& context, const char* name) {
  const std::vector<grpc::string_ref> values = context.FindPropertyValues(name);
  if (values.empty()) return {};
  return absl::string_view(values.front().data(), values.front().size());
}

absl::string_view FindMetadata(const grpc::AuthMetadataProcessor::InputMetadata& metadata,
                               absl::string_view key) {
  const auto it = metadata.find(grpc::string_ref(key.data(), key.size()));
  if (it == metadata.end()) return {};
  return absl::string_view(it->second.data(), it->second.size());
}

// gRPC's hook gives no peer address; what the transport knows of the peer
// instead (a client certificate's name under mutual TLS).
std::string PeerHint(const grpc::AuthContext& context) {
  const absl::string_view cn = FirstValue(context, GRPC_X509_CN_PROPERTY_NAME);
  const absl::string_view transport =
      FirstValue(context, GRPC_TRANSPORT_SECURITY_TYPE_PROPERTY_NAME);
  if (!cn.empty()) return absl::StrCat("client certificate CN=", cn);
  return absl::StrCat("a ", transport.empty() ? "plain-text" : transport,
                      " connection (gRPC does not give the address here)");
}

// The token check: the role the method needs (access.h) against the
// caller's token. Not blocking: a SHA-256 and a table scan, cheap enough to
// run on gRPC's own thread.
class TokenProcessor final : public grpc::AuthMetadataProcessor {
 public:
  explicit TokenProcessor(const Authenticator* auth) : auth_(auth) {}
  bool IsBlocking() const override { return false; }

  grpc::Status Process(const InputMetadata& auth_metadata, grpc::AuthContext* context,
                       OutputMetadata* /*consumed*/, OutputMetadata* /*response*/) override {
    const absl::string_view method = FindMetadata(auth_metadata, ":path");
    const Role required = RequiredRoleForMethod(method, auth_->options());
    const AuthDecision decision =
        auth_->Decide(/*grpc=*/true, method, required, FindMetadata(auth_metadata, "authorization"),
                      PeerHint(*context));
    switch (decision.outcome) {
      case AuthDecision::Outcome::kAllowed:
        break;
      case AuthDecision::Outcome::kUnauthenticated:
        return grpc::Status(grpc::StatusCode::UNAUTHENTICATED, decision.message);
      case AuthDecision::Outcome::kDenied:
        return grpc::Status(grpc::StatusCode::PERMISSION_DENIED, decision.message);
    }
    context->AddProperty(kNameProperty, decision.caller.name);
    context->AddProperty(kRoleProperty, RoleName(decision.caller.role));
    return grpc::Status::OK;
  }

 private:
  const Authenticator* auth_;
};

std::shared_ptr<grpc::ServerCredentials> TlsCredentials(const TlsFiles& tls) {
  auto provider = std::make_shared<grpc::experimental::FileWatcherCertificateProvider>(
      tls.key, tls.cert, tls.client_ca, static_cast<unsigned int>(tls.reload_s));
  grpc::experimental::TlsServerCredentialsOptions options(provider);
  options.watch_identity_key_cert_pairs();
  if (tls.client_ca.empty()) {
    options.set_cert_request_type(GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE);
  } else {
    options.watch_root_certs();
    options.set_cert_request_type(GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
  }
  return grpc::experimental::TlsServerCredentials(options);
}

}  // namespace

Caller CallerOf(const grpc::ServerContextBase& context) {
  Caller caller;
  caller.address = context.peer();
  const std::shared_ptr<const grpc::AuthContext> auth = context.auth_context();
  const absl::string_view role = auth ? FirstValue(*auth, kRoleProperty) : absl::string_view();
  if (role.empty()) return caller;  // no token check: admin, as before tokens
  caller.role = ParseRole(role).value_or(Role::kNone);
  caller.name = std::string(FirstValue(*auth, kNameProperty));
  return caller;
}

bool IsLoopbackAddress(absl::string_view listen) {
  if (absl::StartsWith(listen, "unix:") || absl::StartsWith(listen, "unix-abstract:")) return true;
  const size_t colon = listen.rfind(':');
  absl::string_view host = colon == absl::string_view::npos ? listen : listen.substr(0, colon);
  if (absl::ConsumePrefix(&host, "[")) absl::ConsumeSuffix(&host, "]");
  if (host == "localhost") return true;
  const std::string text(host);
  in_addr v4;
  if (inet_pton(AF_INET, text.c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
  in6_addr v6;
  return inet_pton(AF_INET6, text.c_str(), &v6) == 1 && IN6_IS_ADDR_LOOPBACK(&v6);
}

absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> GrpcServerCredentials(
    absl::string_view listen, const TlsFiles* tls, const Authenticator* auth) {
  const bool tokens = auth != nullptr && auth->enabled();
  std::shared_ptr<grpc::ServerCredentials> credentials;
  if (tls != nullptr) {
    if (absl::Status st = CheckTlsFiles(*tls); !st.ok()) return st;
    credentials = TlsCredentials(*tls);
  } else if (!tokens) {
    // Plain text as before tokens (main has refused it off loopback unless
    // --insecure).
    return grpc::InsecureServerCredentials();
  } else if (IsLoopbackAddress(listen)) {
    credentials = grpc::experimental::LocalServerCredentials(
        absl::StartsWith(listen, "unix") ? UDS : LOCAL_TCP);
  } else {
    return absl::FailedPreconditionError(absl::StrCat(
        "--tokens on ", listen,
        " without TLS: tokens would cross the network in plain text, and gRPC cannot check "
        "them on an insecure port; give --tls_cert and --tls_key (or listen on loopback "
        "behind a TLS proxy)"));
  }
  if (tokens) credentials->SetAuthMetadataProcessor(std::make_shared<TokenProcessor>(auth));
  return credentials;
}

}  // namespace redline::server
