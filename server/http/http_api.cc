#include "server/http/http_api.h"

#include <google/protobuf/util/json_util.h>
#include <httplib.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <optional>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "report/report_html.h"
#include "server/grpc/convert.h"
#include "server/http/http_json.h"
#include "server/http/http_request_reader.h"
#include "server/runtime/log.h"
#include "server/grpc/status_map.h"
#include "spatial/input/site_file.h"

namespace redline::server {
namespace {

constexpr char kJson[] = "application/json; charset=utf-8";
// Longest error message sent: messages quote input, and input can be
// megabytes (a 73 MB body came back whole in a 400).
constexpr size_t kMaxErrorMessage = 1000;

// A JSON string literal: quotes, backslashes and control characters
// escaped; UTF-8 passes through.
std::string JsonString(absl::string_view s) {
  std::string out = "\"";
  for (const char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          absl::StrAppendFormat(&out, "\\u%04x", c);
        } else {
          out += c;
        }
    }
  }
  out += '"';
  return out;
}

// The request a worker thread is answering, for the metrics: httplib
// answers a request on one thread, from the pre-routing handler (which
// starts counting) to the post-routing handler (which stops).
struct CountedRequest {
  bool open = false;
  HttpRoute route = HttpRoute::kPage;
  std::chrono::steady_clock::time_point start;
};
thread_local CountedRequest counted_request;

void StopCounting(Metrics* metrics, int http_status) {
  CountedRequest& r = counted_request;
  if (!r.open) return;
  metrics->FinishHttp(r.route, http_status, std::chrono::steady_clock::now() - r.start);
  r.open = false;
}

void StartCounting(Metrics* metrics, HttpRoute route) {
  // Should the library ever skip the post-routing handler, the request
  // before is closed here (as 499, nginx's "client closed request") rather
  // than left in flight for ever.
  StopCounting(metrics, 499);
  metrics->StartHttp(route);
  counted_request = {true, route, std::chrono::steady_clock::now()};
}

std::string JsonStringArray(const std::vector<std::string>& items) {
  std::string out = "[";
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += ',';
    out += JsonString(items[i]);
  }
  return out + "]";
}

// The JSON error body: {"code", "status", "message"}, the message cut short.
std::string ErrorJson(grpc::StatusCode code, absl::string_view message) {
  // absl and gRPC share the canonical code numbering (google.rpc.Code).
  const std::string status_name = absl::StatusCodeToString(static_cast<absl::StatusCode>(code));
  return absl::StrCat("{\"code\":", static_cast<int>(code), ",\"status\":\"", status_name,
                      "\",\"message\":", JsonString(PrintableExcerpt(message, kMaxErrorMessage)), "}");
}

void SendError(httplib::Response& res, const grpc::Status& status) {
  res.status = HttpStatusFor(status.error_code());
  res.set_content(ErrorJson(status.error_code(), status.error_message()), kJson);
  if (res.status >= 500) {
    Log("ERROR", "HTTP ", res.status, ": ", PrintableExcerpt(status.error_message(), kMaxErrorMessage));
  }
}

void SendError(httplib::Response& res, grpc::StatusCode code, const std::string& message) {
  SendError(res, grpc::Status(code, message));
}

void SendMessage(httplib::Response& res, const google::protobuf::Message& message) {
  google::protobuf::util::JsonPrintOptions options;
  // Zeros and empty lists are answers too (no hits, 0 m²): print them.
  options.always_print_primitive_fields = true;
  std::string json;
  const auto st = google::protobuf::util::MessageToJsonString(message, &json, options);
  if (!st.ok()) {
    SendError(res, grpc::StatusCode::INTERNAL,
              absl::StrCat("cannot write the response as JSON: ", std::string(st.message())));
    return;
  }
  res.set_content(json, kJson);
}

// Parses a request body (or, for HTML forms, the field `request`) into
// `out`; on failure answers 400 naming the message type and the problem.
bool ParseBody(const httplib::Request& req, httplib::Response& res,
               google::protobuf::Message* out) {
  const std::string& body = req.has_param("request") ? req.get_param_value("request") : req.body;
  if (absl::Status st = ParseJsonRequest(body, out); !st.ok()) {
    SendError(res, ToGrpcStatus(st));
    return false;
  }
  return true;
}

// An answer the policy gives instead of the route (http_policy.h).
void SendRefusal(httplib::Response& res, const HttpRefusal& refusal) {
  const grpc::StatusCode code = refusal.status == 403   ? grpc::StatusCode::PERMISSION_DENIED
                                : refusal.status == 405 ? grpc::StatusCode::UNIMPLEMENTED
                                                        : grpc::StatusCode::INVALID_ARGUMENT;
  res.status = refusal.status;
  res.set_content(ErrorJson(code, refusal.message), kJson);
  if (!refusal.allow.empty()) res.set_header("Allow", refusal.allow);
}

// A request httplib answers from memory: the whole request, read by
// HttpFront, in; the whole response out. Nothing here waits on a client.
class MemoryStream : public httplib::Stream {
 public:
  MemoryStream(HttpRawRequest in, const HttpPeer& peer) : in_(std::move(in)), peer_(peer) {}
  bool is_readable() const override { return pos_ < in_.head.size() + in_.body.size(); }
  bool is_writable() const override { return true; }
  // The head, then the body: two buffers read as one, so the body is not
  // copied once more to join them.
  ssize_t read(char* ptr, size_t size) override {
    const bool head = pos_ < in_.head.size();
    const std::string& part = head ? in_.head : in_.body;
    const size_t at = head ? pos_ : pos_ - in_.head.size();
    const size_t n = std::min(size, part.size() - at);
    std::memcpy(ptr, part.data() + at, n);
    pos_ += n;
    return static_cast<ssize_t>(n);
  }
  ssize_t write(const char* ptr, size_t size) override {
    out_.append(ptr, size);
    return static_cast<ssize_t>(size);
  }
  void get_remote_ip_and_port(std::string& ip, int& port) const override {
    ip = peer_.remote_ip;
    port = peer_.remote_port;
  }
  void get_local_ip_and_port(std::string& ip, int& port) const override {
    ip = peer_.local_ip;
    port = peer_.local_port;
  }
  socket_t socket() const override { return INVALID_SOCKET; }
  std::string TakeOutput() { return std::move(out_); }

 private:
  const HttpRawRequest in_;
  size_t pos_ = 0;
  const HttpPeer& peer_;
  std::string out_;
};

const char* ReasonPhrase(int status) {
  switch (status) {
    case 400: return "Bad Request";
    case 408: return "Request Timeout";
    case 413: return "Payload Too Large";
    case 414: return "URI Too Long";
    case 415: return "Unsupported Media Type";
    case 417: return "Expectation Failed";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 503: return "Service Unavailable";
    case 505: return "HTTP Version Not Supported";
    default: return "Error";
  }
}

grpc::StatusCode CodeForHttp(int status) {
  switch (status) {
    case 408: return grpc::StatusCode::DEADLINE_EXCEEDED;
    case 413: case 431: return grpc::StatusCode::RESOURCE_EXHAUSTED;
    case 500: return grpc::StatusCode::INTERNAL;
    case 501: case 505: return grpc::StatusCode::UNIMPLEMENTED;
    case 503: return grpc::StatusCode::UNAVAILABLE;
    default: return grpc::StatusCode::INVALID_ARGUMENT;
  }
}

// A lease of the memory budget for answering this request's body, or an
// error already sent. Refused requests get 503 with Retry-After, not 413: the
// request is within the limits, the server is busy with others just now.
std::optional<MemoryBudget::Lease> AdmitBody(MemoryBudget* budget, const httplib::Request& req,
                                             RequestEncoding encoding, httplib::Response& res) {
  if (budget == nullptr) return MemoryBudget::Lease();
  const int64_t bytes = static_cast<int64_t>(req.body.size());
  absl::StatusOr<MemoryBudget::Lease> lease =
      budget->Acquire(EstimateWorkingBytes(bytes, encoding), absl::StrCat(req.method, " ", req.path), bytes);
  if (!lease.ok()) {
    SendError(res, ToGrpcStatus(lease.status()));
    res.status = 503;
    res.set_header("Retry-After", "1");
    return std::nullopt;
  }
  return *std::move(lease);
}

// The snapshot for `as_of`, or an error already sent.
std::shared_ptr<const Snapshot> SnapshotOrError(const SnapshotHolder& holder,
                                                const std::string& as_of,
                                                httplib::Response& res) {
  absl::StatusOr<std::shared_ptr<const Snapshot>> snapshot = SnapshotFor(holder, as_of);
  if (!snapshot.ok()) {
    SendError(res, ToGrpcStatus(snapshot.status()));
    return nullptr;
  }
  return *std::move(snapshot);
}

// GET /v1/zones query parameters as a GetZonesRequest.
absl::StatusOr<v1::GetZonesRequest> ZonesRequest(const httplib::Request& req) {
  v1::GetZonesRequest out;
  if (!req.has_param("bbox")) {
    return absl::InvalidArgumentError(
        "bbox is missing: give bbox=minLon,minLat,maxLon,maxLat (EPSG:4490)");
  }
  const std::string bbox = req.get_param_value("bbox");
  std::vector<std::string> parts = absl::StrSplit(bbox, ',');
  double v[4];
  if (parts.size() != 4 || !absl::SimpleAtod(parts[0], &v[0]) ||
      !absl::SimpleAtod(parts[1], &v[1]) || !absl::SimpleAtod(parts[2], &v[2]) ||
      !absl::SimpleAtod(parts[3], &v[3])) {
    return absl::InvalidArgumentError(absl::StrCat(
        "bbox '", bbox, "' is not four numbers minLon,minLat,maxLon,maxLat"));
  }
  v1::Extent* e = out.mutable_bbox_lonlat();
  e->set_min_x(v[0]);
  e->set_min_y(v[1]);
  e->set_max_x(v[2]);
  e->set_max_y(v[3]);
  if (req.has_param("resolution_m")) {
    double r = 0;
    if (!absl::SimpleAtod(req.get_param_value("resolution_m"), &r)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "resolution_m '", req.get_param_value("resolution_m"), "' is not a number"));
    }
    out.set_resolution_m(r);
  }
  if (req.has_param("max_zones")) {
    int n = 0;
    if (!absl::SimpleAtoi(req.get_param_value("max_zones"), &n)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "max_zones '", req.get_param_value("max_zones"), "' is not a whole number"));
    }
    out.set_max_zones(n);
  }
  if (req.has_param("layers")) {
    for (absl::string_view l :
         absl::StrSplit(req.get_param_value("layers"), ',', absl::SkipEmpty())) {
      out.add_layers(std::string(l));
    }
  }
  if (req.has_param("as_of")) out.set_as_of(req.get_param_value("as_of"));
  return out;
}

}  // namespace

// httplib's routing and handlers, fed by HttpFront one whole request at a
// time (process_request is protected: this is what the subclass is for).
class HttpServer : public httplib::Server {
 public:
  std::string Answer(HttpRawRequest request, const HttpPeer& peer, bool last, bool* close) {
    MemoryStream stream(std::move(request), peer);
    bool closed = false;
    const bool ok = process_request(stream, last, closed, nullptr);
    *close = last || closed || !ok;
    return stream.TakeOutput();
  }
};

int HttpStatusFor(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::OK:
      return 200;
    case grpc::StatusCode::INVALID_ARGUMENT:
    case grpc::StatusCode::FAILED_PRECONDITION:
    case grpc::StatusCode::OUT_OF_RANGE:
      return 400;
    case grpc::StatusCode::UNAUTHENTICATED:
      return 401;
    case grpc::StatusCode::PERMISSION_DENIED:
      return 403;
    case grpc::StatusCode::NOT_FOUND:
      return 404;
    case grpc::StatusCode::ALREADY_EXISTS:
    case grpc::StatusCode::ABORTED:
      return 409;
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      return 413;
    case grpc::StatusCode::UNIMPLEMENTED:
      return 501;
    case grpc::StatusCode::UNAVAILABLE:
      return 503;
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return 504;
    default:
      return 500;
  }
}

HttpApi::HttpApi(const SnapshotHolder* holder, const Reloader* reloader, HttpOptions options,
                 Metrics* metrics)
    : holder_(holder),
      reloader_(reloader),
      options_(std::move(options)),
      metrics_(metrics),
      policy_{.allowed_hosts = options_.allowed_hosts,
              .allowed_origins = options_.allowed_origins},
      server_(std::make_unique<HttpServer>()) {
  Guard();
  Route();
}

HttpApi::~HttpApi() { Stop(); }

// What every request passes before its route, and what every answer
// carries: the policy of http_policy.h, the drain, the metrics.
void HttpApi::Guard() {
  httplib::Server& s = *server_;
  // HttpFront has read the whole body within max_request_bytes already;
  // this stays as a second fence.
  s.set_payload_max_length(static_cast<size_t>(options_.max_request_bytes));
  s.set_keep_alive_max_count(
      static_cast<size_t>(std::max(1, options_.connections.max_requests_per_connection)));
  s.set_keep_alive_timeout(std::max(1, options_.connections.idle_timeout_ms / 1000));
  s.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
    const HttpRoute route = HttpRouteFor(req.path);
    if (metrics_ != nullptr) StartCounting(metrics_, route);
    std::optional<HttpRefusal> refusal;
    const std::string host = req.get_header_value("Host");
    const std::string origin = req.get_header_value("Origin");
    if (!(req.version == "HTTP/1.0" && host.empty())) refusal = CheckHost(host, policy_);
    // A CORS preflight from an origin the operator allowed: its page may
    // then POST JSON (which browsers only send cross-origin after asking).
    if (!refusal && req.method == "OPTIONS" && IsAllowedOrigin(origin, policy_)) {
      res.status = 204;
      res.set_header("Access-Control-Allow-Methods", "GET, HEAD, POST");
      res.set_header("Access-Control-Allow-Headers", "Content-Type");
      res.set_header("Access-Control-Max-Age", "600");
      return httplib::Server::HandlerResponse::Handled;
    }
    if (!refusal && route == HttpRoute::kPage) refusal = CheckFilePath(req.path);
    if (!refusal) refusal = CheckMethod(route, req.method);
    if (!refusal && req.method == "POST") {
      refusal = CheckOrigin(origin, req.get_header_value("Sec-Fetch-Site"), host, policy_);
      if (!refusal) {
        refusal = CheckBodyType(route, req.get_header_value("Content-Type"), req.body.empty(),
                                origin.empty() || IsSameOrigin(origin, host));
      }
    }
    if (refusal) {
      SendRefusal(res, *refusal);
      return httplib::Server::HandlerResponse::Handled;
    }
    // While draining, /metrics still answers: the calls finishing are worth
    // watching.
    if (!draining_ || route == HttpRoute::kMetrics) {
      return httplib::Server::HandlerResponse::Unhandled;
    }
    SendError(res, grpc::StatusCode::UNAVAILABLE, "the server is shutting down");
    return httplib::Server::HandlerResponse::Handled;
  });
  // Called for every response, whatever answered it, with its final status,
  // just before it is written: so a client that has its answer also finds
  // it counted.
  s.set_post_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
    for (const auto& [name, value] : SecurityHeaders()) res.set_header(name, value);
    if (auto it = res.headers.find("Content-Type"); it != res.headers.end()) {
      it->second = WithCharset(it->second);
    }
    // A page at an origin the operator allowed may read the answers.
    if (const std::string origin = req.get_header_value("Origin");
        !origin.empty() && IsAllowedOrigin(origin, policy_)) {
      res.set_header("Access-Control-Allow-Origin", origin);
      res.set_header("Vary", "Origin");
    }
    if (metrics_ != nullptr) StopCounting(metrics_, res.status);
  });
}

std::string HttpApi::Refusal(absl::string_view path, int status, absl::string_view message) {
  if (metrics_ != nullptr) {
    const HttpRoute route = path.empty() ? HttpRoute::kPage : HttpRouteFor(path);
    metrics_->StartHttp(route);
    metrics_->FinishHttp(route, status, std::chrono::nanoseconds(0));
  }
  const std::string body = ErrorJson(CodeForHttp(status), message);
  std::string out = absl::StrCat("HTTP/1.1 ", status, " ", ReasonPhrase(status),
                                 "\r\nContent-Type: ", kJson, "\r\nContent-Length: ", body.size(),
                                 "\r\nConnection: close\r\n");
  if (status == 503) out += "Retry-After: 1\r\n";
  for (const auto& [name, value] : SecurityHeaders()) absl::StrAppend(&out, name, ": ", value, "\r\n");
  return absl::StrCat(out, "\r\n", body);
}

void HttpApi::Route() {
  httplib::Server& s = *server_;
  // Errors raised by the library itself (no route, body too large) in the
  // same JSON shape as the API's own.
  s.set_error_handler([this](const httplib::Request& req, httplib::Response& res) {
    if (!res.body.empty()) return;
    const int status = res.status;
    if (status == 404) {
      SendError(res, grpc::StatusCode::NOT_FOUND,
                absl::StrCat("no such path: ", PrintableExcerpt(req.path, 200)));
    } else if (status == 413) {
      SendError(res, grpc::StatusCode::RESOURCE_EXHAUSTED,
                absl::StrCat("the request body is larger than max_request_bytes (",
                             options_.max_request_bytes, " bytes)"));
    } else {
      SendError(res, grpc::StatusCode::INVALID_ARGUMENT,
                absl::StrCat("HTTP ", status, " for ", PrintableExcerpt(req.method, 20), " ",
                             PrintableExcerpt(req.path, 200)));
    }
    res.status = status;
  });
  s.set_exception_handler(
      [](const httplib::Request& req, httplib::Response& res, std::exception_ptr ep) {
        std::string what = "unknown error";
        try {
          std::rethrow_exception(ep);
        } catch (const std::exception& e) {
          what = e.what();
        } catch (...) {
        }
        SendError(res, grpc::StatusCode::INTERNAL, absl::StrCat(PrintableExcerpt(req.path, 200), ": ", what));
      });

  // The API's paths, as the metrics name them (metrics.h).
  using enum HttpRoute;
  constexpr auto path = HttpRoutePath;
  s.Post(path(kCheckPoint), [this](const httplib::Request& req, httplib::Response& res) {
    const auto lease = AdmitBody(options_.budget, req, RequestEncoding::kJson, res);
    if (!lease) return;
    v1::CheckPointRequest request;
    if (!ParseBody(req, res, &request)) return;
    std::shared_ptr<const Snapshot> snapshot = SnapshotOrError(*holder_, RequestAsOf(request), res);
    if (!snapshot) return;
    v1::CheckResponse response;
    const grpc::Status st = HandleCheckPoint(*snapshot, request, &response);
    st.ok() ? SendMessage(res, response) : SendError(res, st);
  });
  s.Post(path(kCheckGeometry), [this](const httplib::Request& req, httplib::Response& res) {
    const auto lease = AdmitBody(options_.budget, req, RequestEncoding::kJson, res);
    if (!lease) return;
    v1::CheckGeometryRequest request;
    if (!ParseBody(req, res, &request)) return;
    std::shared_ptr<const Snapshot> snapshot = SnapshotOrError(*holder_, RequestAsOf(request), res);
    if (!snapshot) return;
    v1::CheckResponse response;
    const grpc::Status st = HandleCheckGeometry(*snapshot, request, &response);
    st.ok() ? SendMessage(res, response) : SendError(res, st);
  });
  s.Get(path(kLayers), [this](const httplib::Request&, httplib::Response& res) {
    v1::ListLayersResponse response;
    HandleListLayers(*holder_->Get(), reloader_, &response);
    SendMessage(res, response);
  });
  s.Get(path(kZones), [this](const httplib::Request& req, httplib::Response& res) {
    absl::StatusOr<v1::GetZonesRequest> request = ZonesRequest(req);
    if (!request.ok()) return SendError(res, ToGrpcStatus(request.status()));
    std::shared_ptr<const Snapshot> snapshot = SnapshotOrError(*holder_, request->as_of(), res);
    if (!snapshot) return;
    absl::StatusOr<DisplayQuery> query =
        DisplayQueryFromProto(*request, GeometryFormat::kGeoJson);
    if (!query.ok()) return SendError(res, ToGrpcStatus(query.status()));
    absl::StatusOr<DisplayZones> zones = snapshot->ZonesForDisplay(*query);
    if (!zones.ok()) return SendError(res, ToGrpcStatus(zones.status()));
    std::string out = absl::StrCat("{\"type\":\"FeatureCollection\",\"datasetVersion\":",
                                   JsonString(snapshot->version()),
                                   ",\"truncated\":", zones->truncated ? "true" : "false",
                                   ",\"resolutionM\":", zones->resolution_m, ",\"features\":[");
    v1::DisplayZone z;
    for (size_t i = 0; i < zones->zones.size(); ++i) {
      DisplayZoneToProto(*snapshot, zones->zones[i], GeometryFormat::kGeoJson, &z);
      absl::StrAppend(&out, i > 0 ? "," : "", "{\"type\":\"Feature\",\"id\":",
                      JsonString(absl::StrCat(z.layer(), "/", z.zone_id())),
                      ",\"properties\":{\"layer\":", JsonString(z.layer()),
                      ",\"kind\":", JsonString(v1::ZoneKind_Name(z.kind())),
                      ",\"zoneId\":", JsonString(z.zone_id()),
                      ",\"zoneName\":", JsonString(z.zone_name()),
                      ",\"level\":", JsonString(z.level()),
                      ",\"normalizedLevel\":", JsonString(z.normalized_level()),
                      "},\"geometry\":", zones->zones[i].geometry, "}");
    }
    out += "]}";
    res.set_content(out, "application/geo+json; charset=utf-8");
  });
  s.Post(path(kUpload), [this](const httplib::Request& req, httplib::Response& res) {
    if (!req.is_multipart_form_data() || !req.has_file("file")) {
      return SendError(res, grpc::StatusCode::INVALID_ARGUMENT,
                       "send the file as multipart/form-data in a field named 'file'");
    }
    // An upload inflates like a GeoJSON request once GDAL has read it.
    const auto lease = AdmitBody(options_.budget, req, RequestEncoding::kJson, res);
    if (!lease) return;
    const httplib::MultipartFormData file = req.get_file_value("file");
    absl::StatusOr<SiteFile> site =
        ReadSiteFile(file.filename, file.content, holder_->Get()->config().max_vertices);
    if (!site.ok()) return SendError(res, ToGrpcStatus(site.status()));
    res.set_content(
        absl::StrCat("{\"geometry\":{\"geojson\":", JsonString(site->geojson),
                     ",\"crs\":", JsonString(site->crs), "},\"featureCount\":",
                     site->feature_count, ",\"vertices\":", site->vertices,
                     ",\"sourceCrs\":", JsonString(site->source_crs),
                     ",\"driver\":", JsonString(site->driver),
                     ",\"layer\":", JsonString(site->layer),
                     ",\"featureLabels\":", JsonStringArray(site->feature_labels),
                     ",\"notes\":", JsonStringArray(site->notes), "}"),
        kJson);
  });
  s.Post(path(kRecord), [this](const httplib::Request& req, httplib::Response& res) {
    const auto lease = AdmitBody(options_.budget, req, RequestEncoding::kJson, res);
    if (!lease) return;
    v1::CheckGeometryRequest request;
    if (!ParseBody(req, res, &request)) return;
    if (request.options().hits_only()) {  // a record states a verdict; hits_only has none
      return SendError(res, grpc::StatusCode::INVALID_ARGUMENT,
                       "hits_only is not available for the record (POST /v1/record): a record "
                       "states a verdict; leave it unset");
    }
    request.mutable_options()->set_include_zone_geometry(true);  // the record draws the zones
    std::shared_ptr<const Snapshot> snapshot = SnapshotOrError(*holder_, RequestAsOf(request), res);
    if (!snapshot) return;
    v1::CheckResponse response;
    const grpc::Status st = HandleCheckGeometry(*snapshot, request, &response);
    if (!st.ok()) return SendError(res, st);
    report::ReportContext context =
        report::ContextForGeometry(request, absl::StrCat("http://", req.get_header_value("Host")));
    report::AddResponseGeometry(response, &context);
    res.set_content(report::RenderReportHtml(response, context), "text/html; charset=utf-8");
  });

  if (metrics_ != nullptr) {
    s.Get(path(kMetrics), [this](const httplib::Request&, httplib::Response& res) {
      res.set_content(metrics_->Render(*holder_->Get(), reloader_),
                      "text/plain; version=0.0.4; charset=utf-8");
    });
  }

  if (!options_.web_root.empty()) {
    if (!std::filesystem::is_directory(options_.web_root) ||
        !s.set_mount_point("/", options_.web_root)) {
      Log("WARN", "web root ", options_.web_root,
          " is not a directory: the staff desk page is not served (the API is)");
    }
  }
}

absl::Status HttpApi::Start(const std::string& host, int port) {
  policy_.listen_host = host;
  HttpFrontOptions front = options_.connections;
  front.request.max_body_bytes = options_.max_request_bytes;
  front_ = std::make_unique<HttpFront>(
      front,
      [this](HttpRawRequest request, const HttpPeer& peer, bool last, bool* close) {
        return server_->Answer(std::move(request), peer, last, close);
      },
      [this](absl::string_view path, int status, absl::string_view message) {
        return Refusal(path, status, message);
      });
  if (absl::Status st = front_->Start(host, port); !st.ok()) {
    front_.reset();
    return st;
  }
  port_ = front_->port();
  return absl::OkStatus();
}

void HttpApi::Stop() {
  if (front_ != nullptr) front_->Stop();
}

}  // namespace redline::server
