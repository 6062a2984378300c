// The CLI's channel to a server: TLS when --tls-ca is given (else plain
// text, as a server on loopback speaks), showing the client certificate of
// --tls-cert/--tls-key when given (mutual TLS), and the bearer token of
// --token-file / REDLINE_TOKEN sent with every call.
#ifndef REDLINE_CLIENTS_CLI_CHANNEL_H_
#define REDLINE_CLIENTS_CLI_CHANNEL_H_

#include <grpcpp/channel.h>
#include <grpcpp/support/channel_arguments.h>

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "clients/cli/flags.h"

namespace redline::cli {

// `server` is HOST:PORT, or several as "a:1,b:2,c:3" (replicas of one
// dataset): one channel then balances round-robin over them with gRPC's own
// load balancing, skips replicas whose health service says NOT_SERVING
// (draining), and retries the idempotent calls (checks, layers, zones,
// audit reads) that fail UNAVAILABLE on another replica, up to 4 attempts.
// Overlay streams and Reload are never retried. A "dns:///name:port" target
// (every address of the name: a Kubernetes headless Service) gets the same.
std::shared_ptr<grpc::Channel> OpenChannel(const std::string& server,
                                           const ChannelSecurity& security,
                                           const grpc::ChannelArguments& args = {});

// The gRPC target and service config of a --server list (exposed for the
// tests): "ipv4:a:1,b:2" or "ipv6:[a]:1,[b]:2" after each host is resolved
// (a name may stand for several addresses); an InvalidArgumentError naming
// an entry that is not HOST:PORT or does not resolve.
struct MultiTarget {
  std::string target;
  std::string service_config;  // JSON
  std::string first_host;      // for TLS: the name the certificates carry
};
bool IsServerList(const std::string& server);
absl::StatusOr<MultiTarget> ResolveServerList(const std::string& servers);

}  // namespace redline::cli

#endif  // REDLINE_CLIENTS_CLI_CHANNEL_H_
