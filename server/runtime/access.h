// Who may call what: the one table of the role each gRPC method and each
// HTTP route needs (tokens.h says who holds which role). Free of gRPC and
// httplib so that both transports read the same table.
//
//   reader   CheckPoint, CheckGeometry, ListLayers, GetZones; the HTTP API's
//            checks, layers, zones, upload and printable record
//   analyst  reader + Overlay
//   admin    everything: RedlineAdmin.*, server reflection, /metrics, and
//            any method this table does not name
//   open     grpc.health.v1 (load balancers have no token); the staff desk
//            page's static files (the page then asks for a token); and
//            reflection or /metrics when the config opens them
#ifndef REDLINE_SERVER_RUNTIME_ACCESS_H_
#define REDLINE_SERVER_RUNTIME_ACCESS_H_

#include <memory>
#include <mutex>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "server/runtime/caller.h"
#include "server/runtime/metrics.h"
#include "server/runtime/tokens.h"

namespace redline::server {

// What the config opens to callers without a token (open_metrics,
// open_reflection in the config; both admin-only by default).
struct AccessOptions {
  bool open_metrics = false;
  bool open_reflection = false;
};

// The role a gRPC method needs, by its full name ("/redline.v1.Redline/
// CheckPoint"); kNone: anyone, without a token. A method the table does not
// know needs admin, so that a method added later is closed until listed.
Role RequiredRoleForMethod(absl::string_view full_method, const AccessOptions& options);
// The role an HTTP route needs; kNone: anyone.
Role RequiredRoleForRoute(HttpRoute route, const AccessOptions& options);

struct AuthDecision {
  enum class Outcome { kAllowed, kUnauthenticated, kDenied };
  Outcome outcome = Outcome::kAllowed;
  Caller caller;
  // Why it was refused, for the client (names the role needed, never the
  // token).
  std::string message;
};

// Decides each call from its "Authorization: Bearer TOKEN" value and the
// role the call needs. Without a token file every caller is allowed, as an
// admin with no name (the server as before tokens). Refusals are counted in
// `metrics` (may be null) and logged with the caller's address and, for a
// known token with too low a role, its name; the token is never logged.
// Thread-safe: Decide may run on many threads while Reload swaps the table.
class Authenticator {
 public:
  // No tokens: everyone may do everything.
  Authenticator(AccessOptions options, Metrics* metrics) : options_(options), metrics_(metrics) {}
  // Reads the token file; its error (with the line number) when it is bad.
  static absl::StatusOr<std::unique_ptr<Authenticator>> FromFile(const std::string& path,
                                                                 AccessOptions options,
                                                                 Metrics* metrics);

  bool enabled() const { return !path_.empty(); }
  const AccessOptions& options() const { return options_; }
  // Reads the token file again (SIGHUP). On error the tokens in force stay
  // and the error is returned; calls under way are not affected.
  absl::Status Reload();
  size_t token_count() const;

  // `grpc`: which transport asks (for the metrics and the log); `what`: the
  // method or path, for the log; `authorization`: the header's value, empty
  // when absent; `address`: the peer, for the log and the Caller (empty when
  // the transport cannot say).
  AuthDecision Decide(bool grpc, absl::string_view what, Role required,
                      absl::string_view authorization, absl::string_view address) const;

 private:
  std::shared_ptr<const TokenTable> tokens() const;
  AuthDecision Refuse(bool grpc, absl::string_view what, AuthDecision::Outcome outcome,
                      Caller caller, std::string message) const;

  const AccessOptions options_;
  Metrics* const metrics_;
  std::string path_;
  // std::mutex, not absl::Mutex, as everywhere in runtime/ (see
  // snapshot_holder.h: ThreadSanitizer sees only pthread mutexes).
  mutable std::mutex mu_;
  std::shared_ptr<const TokenTable> tokens_;  // guarded by mu_
};

// The token in an Authorization value "Bearer TOKEN" (the scheme in any
// case, blanks around the token ignored); empty when there is none.
absl::string_view BearerToken(absl::string_view authorization);

}  // namespace redline::server

#endif  // REDLINE_SERVER_RUNTIME_ACCESS_H_
