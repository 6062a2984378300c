// The HTTP API's routes (listed in http_api.h): one small function per
// route, and the table HttpApi registers them from. Each route parses its
// request, calls a transport-free handler (server/handlers/handlers.h) and
// writes the answer: messages in protobuf's JSON mapping
// (MessageToJsonString), other bodies with nlohmann::json; no JSON is
// written by hand.
//
// Internal to redline_http (http_api.cc is its one user besides tests).
#ifndef REDLINE_SERVER_HTTP_HTTP_ROUTES_H_
#define REDLINE_SERVER_HTTP_HTTP_ROUTES_H_

#include <grpcpp/support/status.h>

#include <string>

#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "server/audit/audit_log.h"
#include "server/runtime/caller.h"
#include "server/runtime/memory_budget.h"
#include "server/runtime/metrics.h"
#include "server/runtime/reloader.h"
#include "server/runtime/snapshot_holder.h"

namespace httplib {
struct Request;
struct Response;
}  // namespace httplib

namespace redline::server {

inline constexpr char kJsonContentType[] = "application/json; charset=utf-8";

// What the routes answer from; owned by HttpApi, which outlives them, and
// copied for each request with its caller filled in.
struct HttpRouteContext {
  const SnapshotHolder* holder;
  const Reloader* reloader;  // may be null
  Metrics* metrics;          // may be null: /metrics is then not served
  MemoryBudget* budget;      // may be null: not bounded
  AuditLog* audit;           // may be null: no audit trail
  // Who sent this request (its token's name and role, its address); without
  // tokens no name and admin.
  Caller caller = {};
};

using HttpHandler = void (*)(const HttpRouteContext& context, const httplib::Request& req,
                             httplib::Response& res);

struct HttpRouteEntry {
  HttpRoute route;     // its path is HttpRoutePath(route)
  const char* method;  // "GET" (HEAD too) or "POST"
  HttpHandler handle;
};

// Every API route, in the order they are registered.
absl::Span<const HttpRouteEntry> HttpRoutes();

// The JSON error body: {"code", "status", "message"}, the message made
// printable and cut short (messages quote input, which can be megabytes).
std::string ErrorJson(grpc::StatusCode code, absl::string_view message);
// An error answer: the HTTP status for `status`, its JSON body; 5xx logged.
void SendError(httplib::Response& res, const grpc::Status& status);

}  // namespace redline::server

#endif  // REDLINE_SERVER_HTTP_HTTP_ROUTES_H_
