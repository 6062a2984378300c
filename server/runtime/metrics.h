// What the server has been doing, for monitoring: calls started, finished
// by status, in flight and their latency, per gRPC method and per HTTP
// route, and the data being served. Rendered in Prometheus' text format
// (GET /metrics on the HTTP port). The gRPC series carry the names and
// labels of go-grpc-prometheus (grpc_server_started_total,
// grpc_server_handled_total, grpc_server_handling_seconds), so existing
// gRPC dashboards and alerts read them as they are.
//
// Free of gRPC (codes are plain ints) so that the ThreadSanitizer build
// checks it. Counting costs a few relaxed atomic increments per call.
#ifndef REDLINE_SERVER_RUNTIME_METRICS_H_
#define REDLINE_SERVER_RUNTIME_METRICS_H_

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

#include "absl/strings/string_view.h"
#include "server/runtime/reloader.h"
#include "spatial/snapshot.h"

namespace redline::server {

// The gRPC methods counted.
enum class Rpc : int {
  kCheckPoint,
  kCheckGeometry,
  kListLayers,
  kGetZones,
  kOverlay,
  kReload,
  kCompareVersions,
  kGetRecord,
  kListRecords,
};
inline constexpr int kRpcCount = 9;

// The HTTP routes counted; kPage is the staff desk's files and any path
// that is not the API's.
enum class HttpRoute : int {
  kCheckPoint,
  kCheckGeometry,
  kLayers,
  kZones,
  kUpload,
  kRecord,
  kMetrics,
  kRecords,    // GET /v1/records/{id}
  kHealthz,    // GET /healthz: for load balancers
  kWebConfig,  // GET /v1/web-config: the page's base maps
  kCompare,    // GET and POST /v1/compare
  kPage,
};
inline constexpr int kHttpRouteCount = 12;

// The route a request path is counted under.
HttpRoute HttpRouteFor(absl::string_view path);
// The path the HTTP API serves a route at, and its label; kPage's is "page".
const char* HttpRoutePath(HttpRoute route);

class Metrics {
 public:
  // Upper bounds of the latency histograms' buckets, in seconds: from a
  // point check's tens of microseconds to an Overlay stream's seconds.
  static constexpr std::array<double, 16> kBucketsS = {
      0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
      0.05,   0.1,     0.25,   0.5,   1,      2.5,   5,    10};

  // One gRPC call, counted as started when made and as handled, with its
  // status code and time, at Finish. A call never finished is counted as
  // CANCELLED when it goes. `metrics` may be null: nothing is counted.
  class Call {
   public:
    Call(Metrics* metrics, Rpc rpc);
    ~Call();
    Call(const Call&) = delete;
    Call& operator=(const Call&) = delete;
    // `code`: the gRPC status code (0 OK … 16 UNAUTHENTICATED). Only the
    // first Finish counts.
    void Finish(int code);

   private:
    Metrics* metrics_;
    Rpc rpc_;
    std::chrono::steady_clock::time_point start_;
  };

  // An HTTP request, as Call: in flight from Start to Finish.
  void StartHttp(HttpRoute route);
  void FinishHttp(HttpRoute route, int http_status, std::chrono::nanoseconds took);

  // A call or request refused by authentication (tokens.h): `grpc` or HTTP,
  // and whether no known token came (UNAUTHENTICATED / 401) or the role was
  // too low (PERMISSION_DENIED / 403).
  void CountAuthRefusal(bool grpc, bool unauthenticated) {
    auth_refused_[grpc ? 1 : 0][unauthenticated ? 1 : 0].fetch_add(1, std::memory_order_relaxed);
  }
  uint64_t auth_refusals(bool grpc, bool unauthenticated) const {
    return auth_refused_[grpc ? 1 : 0][unauthenticated ? 1 : 0].load(std::memory_order_relaxed);
  }

  // The text exposition format (version 0.0.4): the counters above, then the
  // snapshot being served (version, zones and vertices per layer) and, with
  // a reloader, the reload attempts.
  std::string Render(const Snapshot& snapshot, const Reloader* reloader) const;

  // More series, appended by Render: parts of the server that runtime/ does
  // not know (the audit trail's). Set before the server starts; not
  // thread-safe against Render.
  void SetExtra(std::function<std::string()> extra) { extra_ = std::move(extra); }

 private:
  // The counters of one method or route. Codes index `finished`: gRPC codes
  // 0-16 and HTTP statuses 100-599 both fit.
  struct Series {
    std::atomic<uint64_t> started{0};
    // Its own count rather than started minus finished: the two are read
    // one after the other while calls come and go, and their difference
    // would count the calls in between.
    std::atomic<int64_t> in_flight{0};
    std::array<std::atomic<uint64_t>, 600> finished{};
    std::array<std::atomic<uint64_t>, kBucketsS.size() + 1> buckets{};  // last: +Inf
    std::atomic<uint64_t> sum_ns{0};

    void Start() {
      started.fetch_add(1, std::memory_order_relaxed);
      in_flight.fetch_add(1, std::memory_order_relaxed);
    }
    void Finish(int code, std::chrono::nanoseconds took);
  };

  // Render's parts: the gRPC methods' series, then the HTTP routes'.
  void RenderRpcs(std::string* out) const;
  void RenderHttp(std::string* out) const;
  void RenderAuth(std::string* out) const;

  std::array<Series, kRpcCount> rpcs_;
  std::array<Series, kHttpRouteCount> http_;
  // [http, grpc][denied, unauthenticated]
  std::array<std::array<std::atomic<uint64_t>, 2>, 2> auth_refused_{};
  std::function<std::string()> extra_;
};

}  // namespace redline::server

#endif  // REDLINE_SERVER_RUNTIME_METRICS_H_
