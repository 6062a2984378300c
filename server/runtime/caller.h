// Who is calling, as the transport's authentication found it (tokens with
// roles: server/grpc and server/http check them), for what records the call
// (the audit trail) and what decides whether it may be made.
#ifndef REDLINE_SERVER_RUNTIME_CALLER_H_
#define REDLINE_SERVER_RUNTIME_CALLER_H_

#include <string>

namespace redline::server {

// In increasing order of what a role may do: reader (the checks, layers,
// zones, the staff desk), analyst (reader + Overlay), admin (everything).
enum class Role { kNone = 0, kReader = 1, kAnalyst = 2, kAdmin = 3 };

struct Caller {
  // The token's name ("zhang.wei"); empty when the server runs without
  // tokens (every caller may then do everything, as before tokens).
  std::string name;
  Role role = Role::kAdmin;
  // The peer as the transport gives it, e.g. "ipv4:127.0.0.1:40112".
  std::string address;
};

}  // namespace redline::server

#endif  // REDLINE_SERVER_RUNTIME_CALLER_H_
