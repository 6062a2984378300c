#include "server/http_api.h"

#include <google/protobuf/util/json_util.h>
#include <httplib.h>

#include <chrono>
#include <filesystem>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "report/report_html.h"
#include "server/convert.h"
#include "server/log.h"
#include "server/status_map.h"
#include "spatial/site_file.h"

namespace redline::server {
namespace {

constexpr char kJson[] = "application/json; charset=utf-8";
constexpr size_t kHttpWorkers = 32;

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

void SendError(httplib::Response& res, const grpc::Status& status) {
  res.status = HttpStatusFor(status.error_code());
  // absl and gRPC share the canonical code numbering (google.rpc.Code).
  const int code = status.error_code();
  const std::string status_name = absl::StatusCodeToString(static_cast<absl::StatusCode>(code));
  res.set_content(absl::StrCat("{\"code\":", code, ",\"status\":\"", status_name,
                               "\",\"message\":", JsonString(status.error_message()), "}"),
                  kJson);
  if (res.status >= 500) Log("ERROR", "HTTP ", res.status, ": ", status.error_message());
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
  if (body.empty()) {
    SendError(res, grpc::StatusCode::INVALID_ARGUMENT,
              absl::StrCat("the request body is empty: send a ", out->GetDescriptor()->name(),
                           " as JSON"));
    return false;
  }
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;  // a misspelt field is an error, not a default
  const auto st = google::protobuf::util::JsonStringToMessage(body, out, options);
  if (!st.ok()) {
    SendError(res, grpc::StatusCode::INVALID_ARGUMENT,
              absl::StrCat("the request body is not a valid ", out->GetDescriptor()->name(),
                           " in JSON: ", std::string(st.message())));
    return false;
  }
  return true;
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
      server_(std::make_unique<httplib::Server>()) {
  Route();
}

HttpApi::~HttpApi() { Stop(); }

void HttpApi::Route() {
  httplib::Server& s = *server_;
  // A browser keeps several keep-alive connections open and each holds a
  // worker while it lasts; the library's default of 8 workers would let two
  // open pages starve everyone else.
  s.new_task_queue = [] { return new httplib::ThreadPool(kHttpWorkers); };
  s.set_payload_max_length(static_cast<size_t>(options_.max_request_bytes));
  s.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
    const HttpRoute route = HttpRouteFor(req.path);
    if (metrics_ != nullptr) StartCounting(metrics_, route);
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
  s.set_post_routing_handler([this](const httplib::Request&, httplib::Response& res) {
    if (metrics_ != nullptr) StopCounting(metrics_, res.status);
  });
  // Errors raised by the library itself (no route, body too large) in the
  // same JSON shape as the API's own.
  s.set_error_handler([this](const httplib::Request& req, httplib::Response& res) {
    if (!res.body.empty()) return;
    const int status = res.status;
    if (status == 404) {
      SendError(res, grpc::StatusCode::NOT_FOUND, absl::StrCat("no such path: ", req.path));
    } else if (status == 413) {
      SendError(res, grpc::StatusCode::RESOURCE_EXHAUSTED,
                absl::StrCat("the request body is larger than max_request_bytes (",
                             options_.max_request_bytes, " bytes)"));
    } else {
      SendError(res, grpc::StatusCode::INVALID_ARGUMENT,
                absl::StrCat("HTTP ", status, " for ", req.method, " ", req.path));
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
        SendError(res, grpc::StatusCode::INTERNAL, absl::StrCat(req.path, ": ", what));
      });

  // The API's paths, as the metrics name them (metrics.h).
  using enum HttpRoute;
  constexpr auto path = HttpRoutePath;
  s.Post(path(kCheckPoint), [this](const httplib::Request& req, httplib::Response& res) {
    v1::CheckPointRequest request;
    if (!ParseBody(req, res, &request)) return;
    std::shared_ptr<const Snapshot> snapshot = SnapshotOrError(*holder_, request.as_of(), res);
    if (!snapshot) return;
    v1::CheckResponse response;
    const grpc::Status st = HandleCheckPoint(*snapshot, request, &response);
    st.ok() ? SendMessage(res, response) : SendError(res, st);
  });
  s.Post(path(kCheckGeometry), [this](const httplib::Request& req, httplib::Response& res) {
    v1::CheckGeometryRequest request;
    if (!ParseBody(req, res, &request)) return;
    std::shared_ptr<const Snapshot> snapshot = SnapshotOrError(*holder_, request.as_of(), res);
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
    v1::CheckGeometryRequest request;
    if (!ParseBody(req, res, &request)) return;
    request.set_include_zone_geometry(true);  // the record draws the zones
    std::shared_ptr<const Snapshot> snapshot = SnapshotOrError(*holder_, request.as_of(), res);
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
  // cpp-httplib sets SO_REUSEPORT, so a second server on this port would
  // start and take half the requests; SO_REUSEADDR alone still allows a
  // restart while old connections linger in TIME_WAIT.
  server_->set_socket_options([](socket_t sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
  });
  if (port == 0) {
    port_ = server_->bind_to_any_port(host);
  } else {
    port_ = server_->bind_to_port(host, port) ? port : -1;
  }
  if (port_ <= 0) {
    return absl::UnavailableError(absl::StrCat("cannot listen for HTTP on ", host, ":", port,
                                               ": the address is in use (is another redlined "
                                               "running?) or not this machine's"));
  }
  thread_ = std::thread([this] { server_->listen_after_bind(); });
  return absl::OkStatus();
}

void HttpApi::Stop() {
  if (!thread_.joinable()) return;
  server_->stop();
  thread_.join();
}

}  // namespace redline::server
