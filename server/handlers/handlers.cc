#include "server/handlers/handlers.h"

#include <google/protobuf/util/time_util.h>

#include <optional>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "server/handlers/answer_encoder.h"
#include "server/handlers/convert.h"
#include "server/handlers/status_map.h"
#include "server/runtime/memory_budget.h"

namespace redline::handlers {

// The conversions and the status map keep the server's namespace.
using server::DisplayQueryFromProto;
using server::DisplayZoneToProto;
using server::EncodeCheckResponse;
using server::EstimateWorkingBytes;
using server::LayersToProto;
using server::OptionsFromProto;
using server::ParseAsOf;
using server::PointBatchToProto;
using server::RequestEncoding;
using server::ToGrpcStatus;

namespace {

// How the audit trail names a Geometry's encoding (AuditRecord.geometry_encoding).
const char* GeometryEncodingName(v1::Geometry::EncodingCase encoding) {
  switch (encoding) {
    case v1::Geometry::kWkt:
      return "wkt";
    case v1::Geometry::kWkb:
      return "wkb";
    case v1::Geometry::kGeojson:
      return "geojson";
    case v1::Geometry::kCoordinateTable:
      return "coordinate_table";
    default:
      return "";
  }
}

// The typed form of an encoded answer, for callers that want a message.
grpc::Status DecodeAnswer(const std::string& answer, v1::CheckResponse* response) {
  if (response->ParseFromString(answer)) return grpc::Status::OK;
  return grpc::Status(grpc::StatusCode::INTERNAL, "the answer was not a valid CheckResponse");
}

}  // namespace

namespace {

// Records a check's answer when there is an audit trail, then encodes the
// answer with the record's id. `geometry_encoding` and `geometry`: the
// request's geometry as given (audit_records.h).
grpc::Status RecordAndEncode(const Snapshot& snapshot, const CheckResult& result,
                             const CheckOptions& options, const v1::CheckOptions& options_proto,
                             const AuditContext* audit, const char* geometry_encoding,
                             absl::string_view geometry, const std::string& crs,
                             std::string* answer) {
  const absl::Time now = absl::Now();
  if (audit == nullptr || audit->log == nullptr) {
    EncodeCheckResponse(snapshot, result, options.siting, now, answer);
    return grpc::Status::OK;
  }
  server::AuditRecord record = CheckRecord(*audit, snapshot, result, options_proto, now);
  record.geometry_encoding = geometry_encoding;
  record.geometry = std::string(geometry);
  record.crs = crs;
  const std::string id = record.id;
  if (absl::Status st = audit->log->Submit(std::move(record)); !st.ok()) return ToGrpcStatus(st);
  EncodeCheckResponse(snapshot, result, options.siting, now, answer, id);
  return grpc::Status::OK;
}

}  // namespace

grpc::Status RequireVersion(const Snapshot& snapshot, const v1::CheckOptions& options) {
  if (snapshot.Holds(options.require_version())) return grpc::Status::OK;
  // The wanted text is the client's: quoted escaped and cut short.
  return grpc::Status(
      grpc::StatusCode::FAILED_PRECONDITION,
      absl::StrCat("dataset version ", absl::CHexEscape(options.require_version().substr(0, 80)),
                   " required; this server holds ", snapshot.version(), " (content ",
                   snapshot.content_hash(), ")"));
}

grpc::Status EncodeCheckPoint(const Snapshot& snapshot, const v1::CheckPointRequest& request,
                              std::string* answer, const AuditContext* audit) {
  if (grpc::Status st = RequireVersion(snapshot, request.options()); !st.ok()) return st;
  absl::StatusOr<CheckOptions> options = OptionsFromProto(request.options());
  if (!options.ok()) return ToGrpcStatus(options.status());
  absl::StatusOr<CheckResult> result =
      snapshot.CheckPoint({request.x(), request.y()}, request.crs(), *options);
  if (!result.ok()) return ToGrpcStatus(result.status());
  return RecordAndEncode(snapshot, *result, *options, request.options(), audit, "point",
                         audit != nullptr ? PointWkb(request.x(), request.y()) : std::string(),
                         request.crs(), answer);
}

grpc::Status EncodeCheckGeometry(const Snapshot& snapshot, const v1::CheckGeometryRequest& request,
                                 std::string* answer, const AuditContext* audit) {
  if (grpc::Status st = RequireVersion(snapshot, request.options()); !st.ok()) return st;
  absl::StatusOr<CheckOptions> options = OptionsFromProto(request.options());
  if (!options.ok()) return ToGrpcStatus(options.status());
  const v1::Geometry& g = request.geometry();
  GeometryEncoding encoding;
  absl::string_view data;
  switch (g.encoding_case()) {
    case v1::Geometry::kWkt:
      encoding = GeometryEncoding::kWkt;
      data = g.wkt();
      break;
    case v1::Geometry::kWkb:
      encoding = GeometryEncoding::kWkb;
      data = g.wkb();
      break;
    case v1::Geometry::kGeojson:
      encoding = GeometryEncoding::kGeoJson;
      data = g.geojson();
      break;
    case v1::Geometry::kCoordinateTable:
      encoding = GeometryEncoding::kCoordinateTable;
      data = g.coordinate_table();
      break;
    default:
      return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                          "geometry is missing: set one of wkt, wkb, geojson or coordinate_table");
  }
  absl::StatusOr<CheckResult> result = snapshot.CheckGeometry(encoding, data, g.crs(), *options);
  if (!result.ok()) return ToGrpcStatus(result.status());
  return RecordAndEncode(snapshot, *result, *options, request.options(), audit,
                         GeometryEncodingName(g.encoding_case()), data, g.crs(), answer);
}

grpc::Status CheckPoint(const Snapshot& snapshot, const v1::CheckPointRequest& request,
                        v1::CheckResponse* response, const AuditContext* audit) {
  std::string answer;
  grpc::Status status = EncodeCheckPoint(snapshot, request, &answer, audit);
  return status.ok() ? DecodeAnswer(answer, response) : status;
}

grpc::Status CheckGeometry(const Snapshot& snapshot, const v1::CheckGeometryRequest& request,
                           v1::CheckResponse* response, const AuditContext* audit) {
  std::string answer;
  grpc::Status status = EncodeCheckGeometry(snapshot, request, &answer, audit);
  return status.ok() ? DecodeAnswer(answer, response) : status;
}

void ListLayers(const Snapshot& snapshot, const server::Reloader* reloader,
                v1::ListLayersResponse* response) {
  LayersToProto(snapshot, response);
  if (reloader != nullptr) {
    if (std::optional<server::ReloadOutcome> last = reloader->last()) {
      OutcomeToProto(*last, response->mutable_last_reload());
    }
  }
}

grpc::Status GetZones(const Snapshot& snapshot, const v1::GetZonesRequest& request,
                      v1::GetZonesResponse* response) {
  absl::StatusOr<DisplayQuery> query = DisplayQueryFromProto(request, GeometryFormat::kWkb);
  if (!query.ok()) return ToGrpcStatus(query.status());
  absl::StatusOr<DisplayZones> zones = snapshot.ZonesForDisplay(*query);
  if (!zones.ok()) return ToGrpcStatus(zones.status());
  response->set_dataset_version(snapshot.version());
  response->set_truncated(zones->truncated);
  response->set_resolution_m(zones->resolution_m);
  for (const DisplayZone& z : zones->zones) {
    DisplayZoneToProto(snapshot, z, GeometryFormat::kWkb, response->add_zones());
  }
  return grpc::Status::OK;
}

void OverlayFeature(const Snapshot& snapshot, const v1::OverlayRequest& request,
                    v1::OverlayResult* result) {
  result->set_id(request.id());
  result->set_dataset_version(snapshot.version());
  if (request.geometry().encoding_case() == v1::Geometry::ENCODING_NOT_SET) {
    result->set_error("the feature has no geometry (null, or coordinates that could not be read)");
    result->set_error_code(grpc::StatusCode::INVALID_ARGUMENT);
    return;
  }
  v1::CheckGeometryRequest check;
  *check.mutable_geometry() = request.geometry();
  *check.mutable_options() = request.options();
  grpc::Status status = CheckGeometry(snapshot, check, result->mutable_response());
  if (!status.ok()) {
    result->clear_response();
    result->set_error(status.error_message());
    result->set_error_code(status.error_code());
  }
}

namespace {

void SetError(const absl::Status& status, v1::OverlayResult* result) {
  const grpc::Status grpc_status = ToGrpcStatus(status);
  result->set_error(grpc_status.error_message());
  result->set_error_code(grpc_status.error_code());
}

int64_t EstimateGeometryBytes(const v1::Geometry& g) {
  switch (g.encoding_case()) {
    case v1::Geometry::kWkt:
      return EstimateWorkingBytes(g.wkt().size(), RequestEncoding::kWkt);
    case v1::Geometry::kWkb:
      return EstimateWorkingBytes(g.wkb().size(), RequestEncoding::kWkb);
    case v1::Geometry::kGeojson:
      return EstimateWorkingBytes(g.geojson().size(), RequestEncoding::kJson);
    case v1::Geometry::kCoordinateTable:
      return EstimateWorkingBytes(g.coordinate_table().size(), RequestEncoding::kWkt);
    default:
      return 0;
  }
}

}  // namespace

int64_t EstimateOverlayBytes(const v1::OverlayRequest& request) {
  int64_t bytes = EstimateGeometryBytes(request.geometry());
  for (const v1::OverlayFeature& feature : request.features()) {
    bytes += EstimateGeometryBytes(feature.geometry());
  }
  if (request.has_points()) {
    const int64_t coordinates = request.points().x_size() + request.points().y_size();
    bytes += EstimateWorkingBytes(coordinates * sizeof(double), RequestEncoding::kWkb);
  }
  return bytes;
}

void OverlayMessage(const Snapshot& snapshot, const v1::OverlayRequest& request,
                    PointBatch* scratch, v1::OverlayResult* result, const absl::Status& refused) {
  if (request.features_size() == 0 && !request.has_points()) {
    if (refused.ok()) {
      OverlayFeature(snapshot, request, result);
    } else {
      result->set_id(request.id());
      result->set_dataset_version(snapshot.version());
      SetError(refused, result);
    }
    return;
  }
  result->set_dataset_version(snapshot.version());
  v1::OverlayBatchResult* batch = result->mutable_batch();
  absl::StatusOr<CheckOptions> options =
      refused.ok() ? OptionsFromProto(request.options()) : absl::StatusOr<CheckOptions>(refused);

  // Features: each exactly as the one-feature form with these options.
  v1::OverlayRequest one;
  *one.mutable_options() = request.options();
  for (const v1::OverlayFeature& feature : request.features()) {
    v1::OverlayResult* r = batch->add_results();
    if (!refused.ok()) {
      r->set_id(feature.id());
      SetError(refused, r);
      continue;
    }
    one.set_id(feature.id());
    if (feature.has_geometry()) {
      *one.mutable_geometry() = feature.geometry();
    } else {
      one.clear_geometry();
    }
    OverlayFeature(snapshot, one, r);
    r->clear_dataset_version();  // on the enclosing result
  }
  if (!request.has_points()) return;

  // Points: the batch path of the core, answered in columns.
  const v1::PointColumns& columns = request.points();
  const int n = columns.x_size();
  std::vector<Point2> points(n);
  for (int i = 0; i < n && i < columns.y_size(); ++i) points[i] = {columns.x(i), columns.y(i)};
  if (options.ok() && columns.y_size() != n) {
    options = absl::InvalidArgumentError(absl::StrCat("points has ", n, " x and ", columns.y_size(),
                                                      " y values: give one of each per point"));
  }
  if (options.ok() && options->include_zone_geometry) {
    options = absl::InvalidArgumentError(
        "include_zone_geometry is not available for OverlayRequest.points: the point columns "
        "carry no zone outlines; send the points as features, or leave it unset");
  }
  if (!options.ok()) {
    // Every point gets the error, as one-feature messages would.
    scratch->Clear();
    scratch->points.resize(n);
    for (int i = 0; i < n; ++i) {
      scratch->points[i].error = i;
      scratch->errors.emplace_back(i, options.status());
    }
  } else {
    snapshot.CheckPoints(points, columns.crs(), *options, scratch);
  }
  PointBatchToProto(snapshot, *scratch, batch->mutable_points());
}

absl::StatusOr<std::shared_ptr<const Snapshot>> SnapshotFor(const server::SnapshotHolder& holder,
                                                            const std::string& as_of) {
  absl::StatusOr<std::optional<int32_t>> day = ParseAsOf(as_of);
  if (!day.ok()) return day.status();
  if (!day->has_value()) return holder.Get();
  return holder.GetAsOf(**day);
}

namespace {

grpc::Status NoAuditTrail() {
  return grpc::Status(grpc::StatusCode::FAILED_PRECONDITION,
                      "this server keeps no audit trail: start redlined with --audit FILE or URL");
}

}  // namespace

grpc::Status GetRecord(server::AuditLog* log, const v1::GetRecordRequest& request,
                       v1::AuditRecord* response) {
  if (log == nullptr) return NoAuditTrail();
  if (!server::IsRecordId(request.record_id())) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                        absl::StrCat("'", absl::CHexEscape(request.record_id().substr(0, 40)),
                                     "' is not a record id (R and 26 letters and digits)"));
  }
  absl::StatusOr<std::optional<server::AuditRecord>> record = log->Get(request.record_id());
  if (!record.ok()) return ToGrpcStatus(record.status());
  if (!record->has_value()) {
    return grpc::Status(grpc::StatusCode::NOT_FOUND,
                        absl::StrCat("no record ", request.record_id(), " in the audit trail"));
  }
  RecordToProto(**record, response);
  return grpc::Status::OK;
}

grpc::Status ListRecords(server::AuditLog* log, const v1::ListRecordsRequest& request,
                         v1::ListRecordsResponse* response) {
  if (log == nullptr) return NoAuditTrail();
  absl::StatusOr<server::RecordQuery> query = QueryFromProto(request);
  if (!query.ok()) return ToGrpcStatus(query.status());
  absl::StatusOr<server::RecordPage> page = log->List(*query);
  if (!page.ok()) return ToGrpcStatus(page.status());
  for (const server::AuditRecord& r : page->records) RecordToProto(r, response->add_records());
  response->set_next_page_token(page->next_after_id);
  return grpc::Status::OK;
}

void OutcomeToProto(const server::ReloadOutcome& outcome, v1::ReloadAttempt* out) {
  *out->mutable_at() =
      google::protobuf::util::TimeUtil::MicrosecondsToTimestamp(absl::ToUnixMicros(outcome.at));
  out->set_ok(outcome.ok);
  out->set_error(outcome.error);
  out->set_dataset_version(outcome.version);
  out->set_previous_version(outcome.previous_version);
  out->set_load_seconds(outcome.load_seconds);
}

}  // namespace redline::handlers
