#include "clients/cli/channel.h"

#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/support/client_interceptor.h>
#include <netdb.h>
#include <sys/socket.h>

#include <algorithm>
#include <memory>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

namespace redline::cli {
namespace {

// Adds "authorization: Bearer TOKEN" to each call's metadata. Metadata
// rather than call credentials: gRPC refuses those on plain-text channels,
// and a server on loopback speaks plain text.
class BearerInterceptor final : public grpc::experimental::Interceptor {
 public:
  explicit BearerInterceptor(const std::string* header) : header_(header) {}
  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(
            grpc::experimental::InterceptionHookPoints::PRE_SEND_INITIAL_METADATA)) {
      methods->GetSendInitialMetadata()->emplace("authorization", *header_);
    }
    methods->Proceed();
  }

 private:
  const std::string* header_;
};

class BearerFactory final : public grpc::experimental::ClientInterceptorFactoryInterface {
 public:
  explicit BearerFactory(const std::string& token) : header_("Bearer " + token) {}
  grpc::experimental::Interceptor* CreateClientInterceptor(
      grpc::experimental::ClientRpcInfo* /*info*/) override {
    return new BearerInterceptor(&header_);
  }

 private:
  const std::string header_;  // lives as long as the channel, which owns the factory
};

// The calls that may be sent again: they change nothing on the server.
// Overlay (a stream whose answers are written as they come) and Reload are
// left out: a second attempt is the caller's decision.
constexpr const char* kRetriedMethods[][2] = {
    {"redline.v1.Redline", "CheckPoint"},       {"redline.v1.Redline", "CheckGeometry"},
    {"redline.v1.Redline", "ListLayers"},       {"redline.v1.Redline", "GetZones"},
    {"redline.v1.Redline", "CompareVersions"},  {"redline.v1.RedlineAdmin", "GetRecord"},
    {"redline.v1.RedlineAdmin", "ListRecords"},
};

std::string ServiceConfig() {
  std::vector<std::string> names;
  for (const auto& [service, method] : kRetriedMethods) {
    names.push_back(absl::StrCat(R"({"service":")", service, R"(","method":")", method, R"("})"));
  }
  // healthCheckConfig: round_robin skips a replica whose health service says
  // NOT_SERVING, as a draining redlined does at once (server/main.cc).
  return absl::StrCat(
      R"({"loadBalancingConfig":[{"round_robin":{}}],)",
      R"("healthCheckConfig":{"serviceName":"redline.v1.Redline"},)",
      R"("methodConfig":[{"name":[)", absl::StrJoin(names, ","),
      R"(],"retryPolicy":{"maxAttempts":4,"initialBackoff":"0.05s","maxBackoff":"1s",)",
      R"("backoffMultiplier":2,"retryableStatusCodes":["UNAVAILABLE"]}}]})");
}

// The addresses HOST:PORT stands for ("[v6]:port" for IPv6 literals), as
// "a.b.c.d:port" or "[v6]:port" strings, each tagged v6 or not.
absl::Status Resolve(absl::string_view entry, std::vector<std::string>* v4,
                     std::vector<std::string>* v6, std::string* host_out) {
  const size_t colon = entry.rfind(':');
  if (colon == absl::string_view::npos || colon == 0 || colon + 1 == entry.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--server: '", entry, "' is not HOST:PORT (several: a:1,b:2)"));
  }
  std::string host(entry.substr(0, colon));
  const std::string port(entry.substr(colon + 1));
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);  // "[::1]:50"
  }
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (const int rc = getaddrinfo(host.c_str(), port.c_str(), &hints, &found); rc != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("--server: cannot resolve '", entry, "': ", gai_strerror(rc)));
  }
  std::unique_ptr<addrinfo, void (*)(addrinfo*)> owned(found, freeaddrinfo);
  std::vector<std::string> mine4, mine6;
  for (const addrinfo* a = found; a != nullptr; a = a->ai_next) {
    char text[NI_MAXHOST];
    if (getnameinfo(a->ai_addr, a->ai_addrlen, text, sizeof text, nullptr, 0, NI_NUMERICHOST) !=
        0) {
      continue;
    }
    if (a->ai_family == AF_INET6) {
      mine6.push_back(absl::StrCat("[", text, "]:", port));
    } else {
      mine4.push_back(absl::StrCat(text, ":", port));
    }
  }
  // A name with both families counts as IPv4: one target holds one family.
  std::vector<std::string>* into = mine4.empty() ? v6 : v4;
  for (std::string& a : mine4.empty() ? mine6 : mine4) {
    if (std::find(into->begin(), into->end(), a) == into->end()) into->push_back(std::move(a));
  }
  if (host_out->empty()) *host_out = host;
  return absl::OkStatus();
}

}  // namespace

bool IsServerList(const std::string& server) { return absl::StrContains(server, ','); }

absl::StatusOr<MultiTarget> ResolveServerList(const std::string& servers) {
  std::vector<std::string> v4, v6;
  MultiTarget out;
  for (absl::string_view entry : absl::StrSplit(servers, ',', absl::SkipWhitespace())) {
    entry = absl::StripAsciiWhitespace(entry);
    if (absl::Status st = Resolve(entry, &v4, &v6, &out.first_host); !st.ok()) return st;
  }
  if (v4.empty() && v6.empty()) {
    return absl::InvalidArgumentError(absl::StrCat("--server '", servers, "': no address"));
  }
  if (!v4.empty() && !v6.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--server '", servers,
                     "' mixes IPv4 and IPv6-only replicas; give addresses of one family"));
  }
  out.target = v4.empty() ? absl::StrCat("ipv6:", absl::StrJoin(v6, ","))
                          : absl::StrCat("ipv4:", absl::StrJoin(v4, ","));
  out.service_config = ServiceConfig();
  return out;
}

std::shared_ptr<grpc::Channel> OpenChannel(const std::string& server,
                                           const ChannelSecurity& security,
                                           const grpc::ChannelArguments& args) {
  std::shared_ptr<grpc::ChannelCredentials> credentials;
  if (security.tls_ca_pem.empty()) {
    credentials = grpc::InsecureChannelCredentials();
  } else {
    grpc::SslCredentialsOptions options;
    options.pem_root_certs = security.tls_ca_pem;
    options.pem_cert_chain = security.tls_cert_pem;  // empty: no client certificate
    options.pem_private_key = security.tls_key_pem;
    credentials = grpc::SslCredentials(options);
  }
  std::string target = server;
  grpc::ChannelArguments channel_args = args;
  if (absl::StartsWith(server, "dns:")) {
    // A name standing for every replica (a Kubernetes headless Service):
    // balanced and retried as a list is.
    channel_args.SetServiceConfigJSON(ServiceConfig());
    channel_args.SetInt(GRPC_ARG_ENABLE_RETRIES, 1);
  } else if (IsServerList(server)) {
    // Checked by main() before any command: a list that does not resolve
    // here (a name gone since) is passed on whole, and fails UNAVAILABLE.
    if (absl::StatusOr<MultiTarget> multi = ResolveServerList(server); multi.ok()) {
      target = multi->target;
      channel_args.SetServiceConfigJSON(multi->service_config);
      channel_args.SetInt(GRPC_ARG_ENABLE_RETRIES, 1);
      // Certificates name hosts, not the addresses resolved here.
      if (!security.tls_ca_pem.empty()) {
        channel_args.SetSslTargetNameOverride(multi->first_host);
      }
    }
  }
  if (security.token.empty()) return grpc::CreateCustomChannel(target, credentials, channel_args);
  std::vector<std::unique_ptr<grpc::experimental::ClientInterceptorFactoryInterface>> factories;
  factories.push_back(std::make_unique<BearerFactory>(security.token));
  return grpc::experimental::CreateCustomChannelWithInterceptors(target, credentials, channel_args,
                                                                 std::move(factories));
}

}  // namespace redline::cli
