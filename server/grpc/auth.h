// Who may connect to the gRPC port and call what: the server's credentials
// (TLS, mutual TLS, or plain text on loopback) and the token check every
// call passes before any service sees it (access.h's table).
//
// The check is a grpc::AuthMetadataProcessor on the server credentials,
// not a check in each handler: it runs for every method (health,
// reflection and methods added later included) before the call reaches a
// service, and a refused call never starts. gRPC 1.51 attaches processors
// only to secure credentials, so plain text with tokens is served with
// local credentials (LOCAL_TCP: loopback peers only, no handshake on the
// wire, so plain-text clients connect as before); InsecureServerCredentials
// (any address, --insecure) cannot carry the check, and --tokens with it
// is refused. Without tokens nothing changes: plain text stays insecure
// credentials, with no check in the way of a call.
#ifndef REDLINE_SERVER_GRPC_AUTH_H_
#define REDLINE_SERVER_GRPC_AUTH_H_

#include <grpcpp/security/auth_metadata_processor.h>
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server_context.h>

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "server/runtime/access.h"
#include "server/runtime/caller.h"
#include "server/runtime/tls_files.h"

namespace redline::server {

// Who is calling, as the token check found it: the token's name and role,
// and the peer's address. Without tokens: no name, admin (every caller may
// do everything, as before tokens).
Caller CallerOf(const grpc::ServerContextBase& context);

// Whether `listen` (HOST:PORT, [V6]:PORT, unix:PATH) is reached only from
// this machine: 127.0.0.0/8, ::1, localhost, a Unix socket.
bool IsLoopbackAddress(absl::string_view listen);

// The credentials for `listen`: TLS when `tls` is set (its files checked
// now: readable, PEM, the key matching the certificate); else, without
// tokens, plain text as before (the caller has checked --insecure off
// loopback); else local credentials on a loopback address, and an error
// off loopback. The token check of `auth` is attached when it has tokens.
absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> GrpcServerCredentials(
    absl::string_view listen, const TlsFiles* tls, const Authenticator* auth);

}  // namespace redline::server

#endif  // REDLINE_SERVER_GRPC_AUTH_H_
