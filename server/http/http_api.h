// The HTTP/JSON face of Redline, for browsers and scripts.
//
// The same requests and responses as the gRPC service, in protobuf's
// standard JSON mapping, answered by the same handlers:
//   POST /v1/check-point     CheckPointRequest    -> CheckResponse
//   POST /v1/check-geometry  CheckGeometryRequest -> CheckResponse
//   GET  /v1/layers                               -> ListLayersResponse
// and what a map page needs besides:
//   GET  /v1/zones?bbox=minLon,minLat,maxLon,maxLat&resolution_m=R
//        [&layers=a,b][&as_of=YYYY-MM-DD][&max_zones=N]
//        -> GeoJSON FeatureCollection of the zones, simplified for the scale
//   POST /v1/upload  (multipart, field "file")    -> the site in a file
//   POST /v1/record  CheckGeometryRequest         -> the printable record (HTML)
//   GET  /v1/records/{id}                         -> AuditRecord (the audit trail)
//   POST /v1/compare CompareVersionsRequest       -> CompareVersionsResponse
//   GET  /v1/compare?from=V[&to=V][&geometry=1]     (the same, from the query)
//        [&format=html]  -> the printable change report instead (HTML)
//   GET  /metrics    the server's metrics in Prometheus' text format
//                    (metrics.h); still answered while draining
//   GET  /healthz    200 "SERVING" once the data is loaded (SetServing),
//                    503 "NOT_SERVING" before and from the drain on: for
//                    load balancers' HTTP checks; no token needed (as
//                    gRPC's health service)
// With tokens (HttpOptions::auth) each route needs the role access.h names.
// Everything else is a file of the staff desk page (web_root), "/" its
// index.html. Errors are JSON {"code", "status", "message"} with the
// message the gRPC call would give and an HTTP status that fits it.
//
// Hardened against careless and hostile clients (issue 18): connections
// are read whole by HttpFront before a worker sees them (timeouts, body
// rate, body limits however framed, connection limits: http_front.h);
// browsers' cross-site requests, DNS rebinding and wrong body types are
// refused (http_policy.h); JSON bodies are bounded before protobuf parses
// them (http_json.h); every answer carries security headers; a wrong method
// on a known path is 405 with Allow.
#ifndef REDLINE_SERVER_HTTP_HTTP_API_H_
#define REDLINE_SERVER_HTTP_HTTP_API_H_

#include <grpcpp/support/status.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "server/audit/audit_log.h"
#include "server/http/http_front.h"
#include "server/http/http_policy.h"
#include "server/http/http_routes.h"
#include "server/runtime/access.h"
#include "server/runtime/memory_budget.h"
#include "server/runtime/metrics.h"
#include "server/runtime/reloader.h"
#include "server/runtime/snapshot_holder.h"

namespace httplib {
struct Request;
struct Response;
}  // namespace httplib

namespace redline::server {

class HttpServer;  // httplib's server, answering from buffers (http_api.cc)

struct HttpOptions {
  std::string web_root;  // the page's files; empty: no page, API only
  // Request bodies above this get 413 (JSON and uploads alike), however
  // framed, as soon as the limit is passed.
  int64_t max_request_bytes = 64 << 20;
  // Host names (besides IP addresses, localhost and the --http host) and
  // origins (besides the server's own) that browsers may use: http_policy.h.
  std::vector<std::string> allowed_hosts;
  std::vector<std::string> allowed_origins;
  // Timeouts, rates and connection limits (http_front.h); its
  // request.max_body_bytes is max_request_bytes.
  HttpFrontOptions connections;
  // The working memory of requests answered at once, shared with gRPC
  // (memory_budget.h); null: not bounded.
  MemoryBudget* budget = nullptr;
  // Who may call which route (access.h); null: anyone may call anything.
  // Every route but the page's files then needs "Authorization: Bearer
  // TOKEN": without a known token 401 (WWW-Authenticate: Bearer), with too
  // low a role 403. Routes learn the caller from HttpRouteContext::caller;
  // answers to a known token carry its name, percent-encoded, in
  // X-Redline-Caller (the staff desk shows who is signed in).
  const Authenticator* auth = nullptr;
  // The audit trail (audit_log.h); null: none. With one, every answered
  // check (check-point, check-geometry, record) is recorded and names its
  // record; /v1/records/{id} reads them.
  AuditLog* audit = nullptr;
};

// HTTP status for a gRPC status code: 400 for bad input, 404, 413 for
// requests too large, 503 while unavailable, 500 otherwise.
int HttpStatusFor(grpc::StatusCode code);

class HttpApi {
 public:
  // `reloader` may be null; when set, /v1/layers reports its last attempt.
  // `metrics` may be null; when set, requests are counted there and it is
  // served at /metrics.
  HttpApi(const SnapshotHolder* holder, const Reloader* reloader, HttpOptions options,
          Metrics* metrics = nullptr);
  ~HttpApi();  // stops
  HttpApi(const HttpApi&) = delete;
  HttpApi& operator=(const HttpApi&) = delete;

  // Binds host:port (port 0: the OS picks one; a port in use is an error)
  // and serves on a pool of threads; returns once bound.
  absl::Status Start(const std::string& host, int port);
  int port() const { return port_; }
  // New requests get 503 from here on; requests in flight finish.
  void Drain() { draining_ = true; }
  // What /healthz says: set once the data is loaded, cleared when the drain
  // starts (before Drain, while requests are still answered).
  void SetServing(bool serving) { serving_ = serving; }
  // Stops accepting and closes idle connections; requests that have
  // arrived are still answered for up to connections.stop_grace_ms (with
  // Connection: close); then waits for the workers.
  void Stop();

 private:
  // Registers the routes of http_routes.h and the library's error answers.
  void Route();
  void Guard();
  bool PreRoute(const httplib::Request& req, httplib::Response& res);
  // The token check of the pre-routing handler: true when `req` may go on
  // (its caller then set for the route), else the refusal is in `res`.
  bool Authorize(const httplib::Request& req, HttpRoute route, httplib::Response& res);
  // The whole response HttpFront sends when it refuses a request itself.
  std::string Refusal(absl::string_view path, int status, absl::string_view message);

  const SnapshotHolder* holder_;
  const Reloader* reloader_;
  const HttpOptions options_;
  Metrics* const metrics_;
  HttpAccessPolicy policy_;
  const HttpRouteContext route_context_;
  std::unique_ptr<HttpServer> server_;
  std::unique_ptr<HttpFront> front_;
  int port_ = 0;
  std::atomic<bool> draining_{false};
  std::atomic<bool> serving_{false};
};

}  // namespace redline::server

#endif  // REDLINE_SERVER_HTTP_HTTP_API_H_
