#include "server/http/http_routes.h"

#include <google/protobuf/util/json_util.h>
#include <httplib.h>

#include <cmath>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "report/change_report.h"
#include "report/report_html.h"
#include "server/handlers/compare_convert.h"
#include "server/handlers/convert.h"
#include "server/handlers/handlers.h"
#include "server/handlers/status_map.h"
#include "server/http/http_api.h"
#include "server/http/http_json.h"
#include "server/http/http_request_reader.h"
#include "server/runtime/log.h"
#include "spatial/input/site_file.h"

namespace redline::server {
namespace {

// Keys in the order written, as the page and the tests have always seen them.
using Json = nlohmann::ordered_json;

// Longest error message sent: messages quote input, and input can be
// megabytes (a 73 MB body came back whole in a 400).
constexpr size_t kMaxErrorMessage = 1000;

// UTF-8 passes through unescaped; a byte that is not UTF-8 (input quoted in
// a message) becomes U+FFFD rather than an exception.
std::string Dump(const Json& json) {
  return json.dump(-1, ' ', /*ensure_ascii=*/false, Json::error_handler_t::replace);
}

void SendMessage(httplib::Response& res, const google::protobuf::Message& message) {
  google::protobuf::util::JsonPrintOptions options;
  // Zeros and empty lists are answers too (no hits, 0 m²): print them.
  options.always_print_primitive_fields = true;
  std::string json;
  const auto st = google::protobuf::util::MessageToJsonString(message, &json, options);
  if (!st.ok()) {
    SendError(res, grpc::Status(grpc::StatusCode::INTERNAL,
                                absl::StrCat("cannot write the response as JSON: ",
                                             std::string(st.message()))));
    return;
  }
  res.set_content(json, kJsonContentType);
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

// A lease of the memory budget for answering this request's body, or an
// error already sent. Refused requests get 503 with Retry-After, not 413: the
// request is within the limits, the server is busy with others just now.
std::optional<MemoryBudget::Lease> AdmitBody(MemoryBudget* budget, const httplib::Request& req,
                                             RequestEncoding encoding, httplib::Response& res) {
  if (budget == nullptr) return MemoryBudget::Lease();
  const int64_t bytes = static_cast<int64_t>(req.body.size());
  absl::StatusOr<MemoryBudget::Lease> lease = budget->Acquire(
      EstimateWorkingBytes(bytes, encoding), absl::StrCat(req.method, " ", req.path), bytes);
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
                                                const std::string& as_of, httplib::Response& res) {
  absl::StatusOr<std::shared_ptr<const Snapshot>> snapshot = handlers::SnapshotFor(holder, as_of);
  if (!snapshot.ok()) {
    SendError(res, ToGrpcStatus(snapshot.status()));
    return nullptr;
  }
  return *std::move(snapshot);
}

// True, with 412 Precondition Failed sent, when the request is pinned
// (CheckOptions.require_version) to data other than `snapshot`'s: a status
// of its own, so that a client spreading work over replicas tells "another
// dataset here" from a bad request (the other FAILED_PRECONDITIONs are 400).
bool RefusedOtherVersion(const Snapshot& snapshot, const v1::CheckOptions& options,
                         httplib::Response& res) {
  const grpc::Status st = handlers::RequireVersion(snapshot, options);
  if (st.ok()) return false;
  SendError(res, st);
  res.status = 412;
  return true;
}

// A query parameter as a number, or an error naming it.
template <typename Number>
absl::Status NumberParam(const httplib::Request& req, const char* name, const char* what,
                         Number* out) {
  const std::string value = req.get_param_value(name);
  bool ok;
  if constexpr (std::is_floating_point_v<Number>) {
    ok = absl::SimpleAtod(value, out);
  } else {
    ok = absl::SimpleAtoi(value, out);
  }
  if (ok) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(name, " '", value, "' is not ", what));
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
    return absl::InvalidArgumentError(
        absl::StrCat("bbox '", bbox, "' is not four numbers minLon,minLat,maxLon,maxLat"));
  }
  v1::Extent* e = out.mutable_bbox_lonlat();
  e->set_min_x(v[0]);
  e->set_min_y(v[1]);
  e->set_max_x(v[2]);
  e->set_max_y(v[3]);
  if (req.has_param("resolution_m")) {
    double r = 0;
    if (absl::Status st = NumberParam(req, "resolution_m", "a number", &r); !st.ok()) return st;
    out.set_resolution_m(r);
  }
  if (req.has_param("max_zones")) {
    int n = 0;
    if (absl::Status st = NumberParam(req, "max_zones", "a whole number", &n); !st.ok()) {
      return st;
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

// The zones' resolution as the API has always written it: six significant
// digits, and a whole number without ".0" (nlohmann would print 150.0).
// Texts for people as the API's Message (code, params, textZh, textEn),
// spelt as protobuf's JSON mapping spells it in the check answers.
Json MessagesJson(const std::vector<Message>& messages) {
  Json out = Json::array();
  for (const Message& m : messages) {
    Json params = Json::object();
    for (const auto& [key, value] : m.params) params[key] = value;
    out.push_back({{"code", m.code},
                   {"params", params},
                   {"textZh", RenderMessage(m, Lang::kZh)},
                   {"textEn", RenderMessage(m, Lang::kEn)}});
  }
  return out;
}

Json ResolutionJson(double resolution_m) {
  double shown = resolution_m;
  if (!absl::SimpleAtod(absl::StrCat(resolution_m), &shown)) return resolution_m;
  if (shown == std::trunc(shown) && std::abs(shown) < 0x1p53) {
    return static_cast<int64_t>(shown);
  }
  return shown;
}

// One zone as a GeoJSON Feature. Its geometry is GeoJSON already (written by
// the core for this query), so it is put in as it is: read back into a JSON
// value only to be printed again, every outline of the map would cost twice.
std::string ZoneFeatureJson(const v1::DisplayZone& z, absl::string_view geometry) {
  Json feature = {{"type", "Feature"},
                  {"id", absl::StrCat(z.layer(), "/", z.zone_id())},
                  {"properties",
                   {{"layer", z.layer()},
                    {"kind", v1::ZoneKind_Name(z.kind())},
                    {"zoneId", z.zone_id()},
                    {"zoneName", z.zone_name()},
                    {"level", z.level()},
                    {"normalizedLevel", z.normalized_level()}}}};
  std::string out = Dump(feature);
  out.pop_back();  // the closing brace
  return absl::StrCat(out, ",\"geometry\":", geometry, "}");
}

// The record context of a request; its log null without an audit trail.
handlers::AuditContext AuditFor(const HttpRouteContext& context, const httplib::Request& req) {
  if (context.audit == nullptr) return {};
  return handlers::AuditContext{context.audit, context.caller,
                                absl::StrCat(req.method, " ", req.path)};
}

const handlers::AuditContext* OrNull(const handlers::AuditContext& audit) {
  return audit.log != nullptr ? &audit : nullptr;
}

// POST /v1/check-point: CheckPointRequest -> CheckResponse.
void CheckPointRoute(const HttpRouteContext& context, const httplib::Request& req,
                     httplib::Response& res) {
  const auto lease = AdmitBody(context.budget, req, RequestEncoding::kJson, res);
  if (!lease) return;
  v1::CheckPointRequest request;
  if (!ParseBody(req, res, &request)) return;
  std::shared_ptr<const Snapshot> snapshot =
      SnapshotOrError(*context.holder, RequestAsOf(request), res);
  if (!snapshot || RefusedOtherVersion(*snapshot, request.options(), res)) return;
  v1::CheckResponse response;
  const handlers::AuditContext audit = AuditFor(context, req);
  const grpc::Status st = handlers::CheckPoint(*snapshot, request, &response, OrNull(audit));
  st.ok() ? SendMessage(res, response) : SendError(res, st);
}

// POST /v1/check-geometry: CheckGeometryRequest -> CheckResponse.
void CheckGeometryRoute(const HttpRouteContext& context, const httplib::Request& req,
                        httplib::Response& res) {
  const auto lease = AdmitBody(context.budget, req, RequestEncoding::kJson, res);
  if (!lease) return;
  v1::CheckGeometryRequest request;
  if (!ParseBody(req, res, &request)) return;
  std::shared_ptr<const Snapshot> snapshot =
      SnapshotOrError(*context.holder, RequestAsOf(request), res);
  if (!snapshot || RefusedOtherVersion(*snapshot, request.options(), res)) return;
  v1::CheckResponse response;
  const handlers::AuditContext audit = AuditFor(context, req);
  const grpc::Status st = handlers::CheckGeometry(*snapshot, request, &response, OrNull(audit));
  st.ok() ? SendMessage(res, response) : SendError(res, st);
}

// GET /v1/layers -> ListLayersResponse.
void LayersRoute(const HttpRouteContext& context, const httplib::Request&, httplib::Response& res) {
  v1::ListLayersResponse response;
  handlers::ListLayers(*context.holder->Get(), context.reloader, &response);
  SendMessage(res, response);
}

// GET /v1/zones?bbox=… -> a GeoJSON FeatureCollection of the zones,
// simplified for the scale; with context=true, of the context layers'
// features instead (kind CONTEXT_LAYER), which the page draws under the
// zones with their names.
void ZonesRoute(const HttpRouteContext& context, const httplib::Request& req,
                httplib::Response& res) {
  absl::StatusOr<v1::GetZonesRequest> request = ZonesRequest(req);
  if (!request.ok()) return SendError(res, ToGrpcStatus(request.status()));
  std::shared_ptr<const Snapshot> snapshot =
      SnapshotOrError(*context.holder, RequestAsOf(*request), res);
  if (!snapshot) return;
  absl::StatusOr<DisplayQuery> query = DisplayQueryFromProto(*request, GeometryFormat::kGeoJson);
  if (!query.ok()) return SendError(res, ToGrpcStatus(query.status()));
  const bool context_layers = req.get_param_value("context") == "true";
  const ZoneIndex& index = context_layers ? snapshot->context() : snapshot->index();
  absl::StatusOr<DisplayZones> zones = ZonesForDisplay(index, *query);
  if (!zones.ok()) return SendError(res, ToGrpcStatus(zones.status()));
  const Json collection = {{"type", "FeatureCollection"},
                           {"datasetVersion", snapshot->version()},
                           {"truncated", zones->truncated},
                           {"resolutionM", ResolutionJson(zones->resolution_m)}};
  std::string out = Dump(collection);
  out.pop_back();  // the closing brace: the features follow
  out += ",\"features\":[";
  v1::DisplayZone z;
  for (size_t i = 0; i < zones->zones.size(); ++i) {
    DisplayZoneToProto(index, zones->zones[i], GeometryFormat::kGeoJson, &z);
    absl::StrAppend(&out, i > 0 ? "," : "", ZoneFeatureJson(z, zones->zones[i].geometry));
  }
  out += "]}";
  res.set_content(out, "application/geo+json; charset=utf-8");
}

// POST /v1/upload (multipart, field "file") -> the site in the file.
void UploadRoute(const HttpRouteContext& context, const httplib::Request& req,
                 httplib::Response& res) {
  if (!req.is_multipart_form_data() || !req.has_file("file")) {
    return SendError(res, grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                                       "send the file as multipart/form-data in a field named "
                                       "'file'"));
  }
  // An upload inflates like a GeoJSON request once GDAL has read it.
  const auto lease = AdmitBody(context.budget, req, RequestEncoding::kJson, res);
  if (!lease) return;
  const httplib::MultipartFormData file = req.get_file_value("file");
  absl::StatusOr<SiteFile> site =
      ReadSiteFile(file.filename, file.content, context.holder->Get()->config().max_vertices);
  if (!site.ok()) return SendError(res, ToGrpcStatus(site.status()));
  const Json body = {{"geometry", {{"geojson", site->geojson}, {"crs", site->crs}}},
                     {"featureCount", site->feature_count},
                     {"vertices", site->vertices},
                     {"sourceCrs", site->source_crs},
                     {"driver", site->driver},
                     {"layer", site->layer},
                     {"featureLabels", site->feature_labels},
                     {"notes", site->notes},
                     {"noteMessages", MessagesJson(site->note_messages)}};
  res.set_content(Dump(body), kJsonContentType);
}

// POST /v1/record: CheckGeometryRequest -> the printable record (HTML).
void RecordRoute(const HttpRouteContext& context, const httplib::Request& req,
                 httplib::Response& res) {
  const auto lease = AdmitBody(context.budget, req, RequestEncoding::kJson, res);
  if (!lease) return;
  v1::CheckGeometryRequest request;
  if (!ParseBody(req, res, &request)) return;
  if (request.options().hits_only()) {  // a record states a verdict; hits_only has none
    return SendError(res, grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                                       "hits_only is not available for the record (POST "
                                       "/v1/record): a record states a verdict; leave it unset"));
  }
  request.mutable_options()->set_include_zone_geometry(true);  // the record draws the zones
  std::shared_ptr<const Snapshot> snapshot =
      SnapshotOrError(*context.holder, RequestAsOf(request), res);
  if (!snapshot || RefusedOtherVersion(*snapshot, request.options(), res)) return;
  v1::CheckResponse response;
  const handlers::AuditContext audit = AuditFor(context, req);
  const grpc::Status st = handlers::CheckGeometry(*snapshot, request, &response, OrNull(audit));
  if (!st.ok()) return SendError(res, st);
  report::ReportContext report =
      report::ContextForGeometry(request, absl::StrCat("http://", req.get_header_value("Host")));
  report::AddResponseGeometry(response, &report);
  // ?lang=en for an English record; Chinese otherwise (the staff's own).
  report.lang = req.get_param_value("lang") == "en" ? Lang::kEn : Lang::kZh;
  res.set_content(report::RenderReportHtml(response, report), "text/html; charset=utf-8");
}

// GET /v1/records/{id} -> AuditRecord.
void RecordsRoute(const HttpRouteContext& context, const httplib::Request& req,
                  httplib::Response& res) {
  v1::GetRecordRequest request;
  if (req.matches.size() > 1) request.set_record_id(req.matches[1].str());
  v1::AuditRecord record;
  const grpc::Status st = handlers::GetRecord(context.audit, request, &record);
  st.ok() ? SendMessage(res, record) : SendError(res, st);
}

// GET /v1/compare?from=V[&to=V][&geometry=1]: the request from the query.
v1::CompareVersionsRequest CompareQuery(const httplib::Request& req) {
  v1::CompareVersionsRequest out;
  out.set_from_version(req.get_param_value("from"));
  out.set_to_version(req.get_param_value("to"));
  const std::string geometry = req.get_param_value("geometry");
  out.set_include_geometry(geometry == "1" || geometry == "true");
  return out;
}

// POST /v1/compare: CompareVersionsRequest -> CompareVersionsResponse, the
// RPC's answer; GET /v1/compare?from=&to= the same from the query. With
// format=html (a query parameter or form field) the printable change report
// instead, which draws every changed zone (include_geometry is then set).
void CompareRoute(const HttpRouteContext& context, const httplib::Request& req,
                  httplib::Response& res) {
  v1::CompareVersionsRequest request;
  if (req.method == "POST") {
    const auto lease = AdmitBody(context.budget, req, RequestEncoding::kJson, res);
    if (!lease) return;
    if (!ParseBody(req, res, &request)) return;
  } else {
    request = CompareQuery(req);
  }
  const std::string format = req.get_param_value("format");
  if (!format.empty() && format != "json" && format != "html") {
    return SendError(res, grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                                       absl::StrCat("format '", PrintableExcerpt(format, 40),
                                                    "' is neither json nor html")));
  }
  const bool html = format == "html";
  if (html) request.set_include_geometry(true);
  v1::CompareVersionsResponse response;
  const grpc::Status st = handlers::CompareVersions(*context.holder, request, &response);
  if (!st.ok()) return SendError(res, st);
  if (!html) return SendMessage(res, response);
  // Stamped in China time, as `redline compare --output FILE.html` stamps it.
  const std::string now =
      absl::FormatTime("%Y-%m-%d %H:%M:%S %Ez", absl::Now(), absl::FixedTimeZone(8 * 3600));
  res.set_content(report::RenderChangeReportHtml(response, now), "text/html; charset=utf-8");
}

// GET /metrics: the server's metrics in Prometheus' text format.
void MetricsRoute(const HttpRouteContext& context, const httplib::Request&,
                  httplib::Response& res) {
  res.set_content(context.metrics->Render(*context.holder->Get(), context.reloader),
                  "text/plain; version=0.0.4; charset=utf-8");
}

// GET /v1/web-config -> what the staff page draws besides the zones: the
// config's base maps ({"basemaps": [...]}, empty when offline), tokens
// filled in by the config loader.
void WebConfigRoute(const HttpRouteContext& context, const httplib::Request&,
                    httplib::Response& res) {
  Json maps = Json::array();
  for (const BasemapConfig& m : context.holder->Get()->config().basemaps) {
    maps.push_back({{"name", m.name},
                    {"kind", m.kind},
                    {"url", m.url},
                    {"subdomains", m.subdomains},
                    {"attribution", m.attribution},
                    {"crs", m.crs},
                    {"maxZoom", m.max_zoom}});
  }
  const Json body = {{"basemaps", maps}};
  res.set_header("Cache-Control", "no-store");  // the URLs may carry a token
  res.set_content(Dump(body), kJsonContentType);
}

}  // namespace

absl::Span<const HttpRouteEntry> HttpRoutes() {
  using enum HttpRoute;
  static constexpr HttpRouteEntry kRoutes[] = {
      {kCheckPoint, "POST", CheckPointRoute},
      {kCheckGeometry, "POST", CheckGeometryRoute},
      {kLayers, "GET", LayersRoute},
      {kZones, "GET", ZonesRoute},
      {kUpload, "POST", UploadRoute},
      {kRecord, "POST", RecordRoute},
      {kMetrics, "GET", MetricsRoute},
      {kRecords, "GET", RecordsRoute},
      {kWebConfig, "GET", WebConfigRoute},
      {kCompare, "POST", CompareRoute},  // GET too (http_api.cc)
  };
  return kRoutes;
}

std::string ErrorJson(grpc::StatusCode code, absl::string_view message) {
  // absl and gRPC share the canonical code numbering (google.rpc.Code).
  const Json error = {{"code", static_cast<int>(code)},
                      {"status", absl::StatusCodeToString(static_cast<absl::StatusCode>(code))},
                      {"message", PrintableExcerpt(message, kMaxErrorMessage)}};
  return Dump(error);
}

void SendError(httplib::Response& res, const grpc::Status& status) {
  res.status = HttpStatusFor(status.error_code());
  res.set_content(ErrorJson(status.error_code(), status.error_message()), kJsonContentType);
  if (res.status >= 500) {
    Log("ERROR", "HTTP ", res.status, ": ",
        PrintableExcerpt(status.error_message(), kMaxErrorMessage));
  }
}

}  // namespace redline::server
