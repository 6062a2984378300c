#include "server/runtime/metrics.h"

#include <algorithm>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/time.h"

namespace redline::server {
namespace {

struct RpcName {
  const char* service;
  const char* method;
  const char* type;  // go-grpc-prometheus' grpc_type
};
constexpr RpcName kRpcNames[kRpcCount] = {
    {"redline.v1.Redline", "CheckPoint", "unary"},
    {"redline.v1.Redline", "CheckGeometry", "unary"},
    {"redline.v1.Redline", "ListLayers", "unary"},
    {"redline.v1.Redline", "GetZones", "unary"},
    {"redline.v1.Redline", "Overlay", "bidi_stream"},
    {"redline.v1.RedlineAdmin", "Reload", "unary"},
    {"redline.v1.Redline", "CompareVersions", "unary"},
    {"redline.v1.RedlineAdmin", "GetRecord", "unary"},
    {"redline.v1.RedlineAdmin", "ListRecords", "unary"},
};

constexpr const char* kRoutePaths[kHttpRouteCount] = {
    "/v1/check-point", "/v1/check-geometry", "/v1/layers",  "/v1/zones",
    "/v1/upload",      "/v1/record",         "/metrics",    "/v1/records/{id}",
    "/healthz",        "/v1/web-config",     "/v1/compare", "page",
};

// A label value: backslash, double quote and newline escaped.
std::string Label(absl::string_view value) {
  std::string out;
  for (const char c : value) {
    if (c == '\\' || c == '"') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

void Header(std::string* out, absl::string_view name, absl::string_view type,
            absl::string_view help) {
  absl::StrAppend(out, "# HELP ", name, " ", help, "\n# TYPE ", name, " ", type, "\n");
}

// The histogram lines of one series.
template <typename Buckets>
void Histogram(std::string* out, absl::string_view name, absl::string_view labels,
               const Buckets& buckets, uint64_t sum_ns) {
  uint64_t cumulative = 0;
  for (size_t i = 0; i < buckets.size(); ++i) {
    cumulative += buckets[i].load(std::memory_order_relaxed);
    const std::string le =
        i < Metrics::kBucketsS.size() ? absl::StrCat(Metrics::kBucketsS[i]) : "+Inf";
    absl::StrAppend(out, name, "_bucket{", labels, ",le=\"", le, "\"} ", cumulative, "\n");
  }
  absl::StrAppend(out, name, "_sum{", labels, "} ", absl::StrFormat("%.9f", sum_ns / 1e9), "\n",
                  name, "_count{", labels, "} ", cumulative, "\n");
}

std::string RpcLabels(int i) {
  return absl::StrCat("grpc_type=\"", kRpcNames[i].type, "\",grpc_service=\"", kRpcNames[i].service,
                      "\",grpc_method=\"", kRpcNames[i].method, "\"");
}

std::string RouteLabel(int i) {
  return absl::StrCat("route=\"", HttpRoutePath(static_cast<HttpRoute>(i)), "\"");
}

}  // namespace

const char* HttpRoutePath(HttpRoute route) { return kRoutePaths[static_cast<int>(route)]; }

HttpRoute HttpRouteFor(absl::string_view path) {
  // The one route with a parameter: a record by its id.
  if (absl::StartsWith(path, "/v1/records/")) return HttpRoute::kRecords;
  for (int i = 0; i < kHttpRouteCount - 1; ++i) {
    if (path == kRoutePaths[i]) return static_cast<HttpRoute>(i);
  }
  return HttpRoute::kPage;
}

Metrics::Call::Call(Metrics* metrics, Rpc rpc)
    : metrics_(metrics), rpc_(rpc), start_(std::chrono::steady_clock::now()) {
  if (metrics_ != nullptr) metrics_->rpcs_[static_cast<int>(rpc_)].Start();
}

Metrics::Call::~Call() { Finish(static_cast<int>(absl::StatusCode::kCancelled)); }

void Metrics::Call::Finish(int code) {
  if (metrics_ == nullptr) return;
  metrics_->rpcs_[static_cast<int>(rpc_)].Finish(code, std::chrono::steady_clock::now() - start_);
  metrics_ = nullptr;  // counted once
}

void Metrics::StartHttp(HttpRoute route) { http_[static_cast<int>(route)].Start(); }

void Metrics::FinishHttp(HttpRoute route, int http_status, std::chrono::nanoseconds took) {
  http_[static_cast<int>(route)].Finish(http_status, took);
}

void Metrics::Series::Finish(int code, std::chrono::nanoseconds took) {
  const double s = std::chrono::duration<double>(took).count();
  const size_t bucket = std::lower_bound(kBucketsS.begin(), kBucketsS.end(), s) - kBucketsS.begin();
  // A code out of range (none is expected) is clamped rather than dropped,
  // so that started and finished still balance.
  finished[std::clamp(code, 0, static_cast<int>(finished.size()) - 1)].fetch_add(
      1, std::memory_order_relaxed);
  buckets[bucket].fetch_add(1, std::memory_order_relaxed);
  sum_ns.fetch_add(static_cast<uint64_t>(std::max<int64_t>(0, took.count())),
                   std::memory_order_relaxed);
  in_flight.fetch_sub(1, std::memory_order_relaxed);
}

namespace {

// The data being served: version, load time, memory, and per layer its
// zones, vertices, repairs and skips.
void RenderDataset(const Snapshot& snapshot, std::string* out) {
  Header(out, "redline_dataset_info", "gauge",
         "The data being served: its version (as stamped on every answer) and content hash.");
  absl::StrAppend(out, "redline_dataset_info{version=\"", Label(snapshot.version()),
                  "\",content_hash=\"", Label(snapshot.content_hash()), "\"} 1\n");
  Header(out, "redline_dataset_loaded_timestamp_seconds", "gauge",
         "When the data being served was loaded, in seconds since the Unix epoch.");
  absl::StrAppend(
      out, "redline_dataset_loaded_timestamp_seconds ",
      absl::StrFormat("%.3f", absl::ToDoubleSeconds(snapshot.loaded_at() - absl::UnixEpoch())),
      "\n");
  Header(out, "redline_dataset_memory_bytes", "gauge",
         "Memory held by the zones and indexes being served.");
  absl::StrAppend(out, "redline_dataset_memory_bytes ", snapshot.MemoryBytes(), "\n");
  struct LayerGauge {
    const char* name;
    const char* help;
    int64_t LayerReport::*field;
  };
  constexpr LayerGauge kLayerGauges[] = {
      {"redline_layer_zones", "Zones served, by layer.", &LayerReport::zones_loaded},
      {"redline_layer_vertices", "Vertices of the zones served, by layer.", &LayerReport::vertices},
      {"redline_layer_repaired_features",
       "Source features served after make-valid repaired them, by layer.", &LayerReport::repaired},
      {"redline_layer_skipped_features",
       "Source features not served (nothing usable after repair), by layer.",
       &LayerReport::skipped},
  };
  for (const LayerGauge& gauge : kLayerGauges) {
    Header(out, gauge.name, "gauge", gauge.help);
    for (const LayerState& layer : snapshot.layers()) {
      const absl::string_view kind = ZoneKindName(layer.report.kind);
      absl::StrAppend(out, gauge.name, "{layer=\"", Label(layer.report.name), "\",kind=\"",
                      absl::string_view(kind.data(), kind.size()), "\"} ",
                      layer.report.*gauge.field, "\n");
    }
  }
}

// The reload attempts: counts, and whether the last one succeeded.
void RenderReloads(const Reloader& reloader, std::string* out) {
  const ReloadCounts counts = reloader.counts();
  Header(out, "redline_reloads_total", "counter",
         "Reload attempts (RedlineAdmin.Reload, SIGHUP, watched sources), by result.");
  absl::StrAppend(out, "redline_reloads_total{result=\"ok\"} ", counts.succeeded, "\n",
                  "redline_reloads_total{result=\"failed\"} ", counts.failed, "\n");
  if (std::optional<ReloadOutcome> last = reloader.last()) {
    Header(out, "redline_last_reload_ok", "gauge",
           "1 if the last reload attempt succeeded, 0 if it failed (the previous data "
           "is still served).");
    absl::StrAppend(out, "redline_last_reload_ok ", last->ok ? 1 : 0, "\n");
  }
}

}  // namespace

void Metrics::RenderRpcs(std::string* out) const {
  Header(out, "grpc_server_started_total", "counter",
         "Total number of RPCs started on the server.");
  for (int i = 0; i < kRpcCount; ++i) {
    absl::StrAppend(out, "grpc_server_started_total{", RpcLabels(i), "} ",
                    rpcs_[i].started.load(std::memory_order_relaxed), "\n");
  }
  Header(out, "grpc_server_handled_total", "counter",
         "Total number of RPCs completed on the server, regardless of success or failure.");
  for (int i = 0; i < kRpcCount; ++i) {
    for (int code = 0; code <= 16; ++code) {
      const uint64_t n = rpcs_[i].finished[code].load(std::memory_order_relaxed);
      // OK always, so that every method has a series from the start.
      if (n == 0 && code != 0) continue;
      absl::StrAppend(out, "grpc_server_handled_total{", RpcLabels(i), ",grpc_code=\"",
                      absl::StatusCodeToString(static_cast<absl::StatusCode>(code)), "\"} ", n,
                      "\n");
    }
  }
  Header(out, "redline_grpc_server_in_flight", "gauge",
         "RPCs started on the server and not yet completed.");
  for (int i = 0; i < kRpcCount; ++i) {
    absl::StrAppend(out, "redline_grpc_server_in_flight{", RpcLabels(i), "} ",
                    rpcs_[i].in_flight.load(std::memory_order_relaxed), "\n");
  }
  Header(out, "grpc_server_handling_seconds", "histogram",
         "Histogram of response latency (seconds) of gRPC that had been application-level "
         "handled by the server.");
  for (int i = 0; i < kRpcCount; ++i) {
    Histogram(out, "grpc_server_handling_seconds", RpcLabels(i), rpcs_[i].buckets,
              rpcs_[i].sum_ns.load(std::memory_order_relaxed));
  }
}

void Metrics::RenderHttp(std::string* out) const {
  Header(out, "redline_http_requests_total", "counter",
         "HTTP requests answered, by route and status.");
  for (int i = 0; i < kHttpRouteCount; ++i) {
    for (size_t status = 100; status < http_[i].finished.size(); ++status) {
      const uint64_t n = http_[i].finished[status].load(std::memory_order_relaxed);
      if (n == 0) continue;
      absl::StrAppend(out, "redline_http_requests_total{", RouteLabel(i), ",code=\"", status,
                      "\"} ", n, "\n");
    }
  }
  Header(out, "redline_http_requests_in_flight", "gauge",
         "HTTP requests being answered, by route.");
  for (int i = 0; i < kHttpRouteCount; ++i) {
    absl::StrAppend(out, "redline_http_requests_in_flight{", RouteLabel(i), "} ",
                    http_[i].in_flight.load(std::memory_order_relaxed), "\n");
  }
  Header(out, "redline_http_request_duration_seconds", "histogram",
         "Time to answer an HTTP request, up to writing the response, by route.");
  for (int i = 0; i < kHttpRouteCount; ++i) {
    Histogram(out, "redline_http_request_duration_seconds", RouteLabel(i), http_[i].buckets,
              http_[i].sum_ns.load(std::memory_order_relaxed));
  }
}

void Metrics::RenderAuth(std::string* out) const {
  Header(out, "redline_auth_refused_total", "counter",
         "Calls and requests refused by token authentication, by transport and reason "
         "(unauthenticated: no known token; permission_denied: the role is too low).");
  for (int grpc = 0; grpc < 2; ++grpc) {
    for (int unauthenticated = 0; unauthenticated < 2; ++unauthenticated) {
      absl::StrAppend(out, "redline_auth_refused_total{transport=\"", grpc ? "grpc" : "http",
                      "\",reason=\"", unauthenticated ? "unauthenticated" : "permission_denied",
                      "\"} ", auth_refused_[grpc][unauthenticated].load(std::memory_order_relaxed),
                      "\n");
    }
  }
}

std::string Metrics::Render(const Snapshot& snapshot, const Reloader* reloader) const {
  std::string out;
  RenderRpcs(&out);
  RenderHttp(&out);
  RenderAuth(&out);
  RenderDataset(snapshot, &out);
  if (reloader != nullptr) RenderReloads(*reloader, &out);
  if (extra_) out += extra_();
  return out;
}

}  // namespace redline::server
