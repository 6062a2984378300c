#include "server/redline_service.h"

#include "absl/time/civil_time.h"
#include "server/convert.h"
#include "server/reloader.h"
#include "server/status_map.h"

namespace redline::server {
namespace {

std::atomic<uint64_t> next_holder_id{1};

grpc::ServerUnaryReactor* Reply(grpc::CallbackServerContext* context,
                                grpc::Status status) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  reactor->Finish(std::move(status));
  return reactor;
}

}  // namespace

SnapshotHolder::SnapshotHolder(std::shared_ptr<const Snapshot> initial)
    : current_(initial), history_{initial}, id_(next_holder_id++) {}

std::shared_ptr<const Snapshot> SnapshotHolder::Get() const {
  struct Cache {
    uint64_t holder = 0;
    uint64_t generation = 0;
    std::shared_ptr<const Snapshot> snapshot;
  };
  thread_local Cache cache;
  const uint64_t generation = generation_.load(std::memory_order_acquire);
  if (cache.holder == id_ && cache.generation == generation) return cache.snapshot;
  absl::MutexLock lock(&mu_);
  cache.holder = id_;
  cache.generation = generation_.load(std::memory_order_relaxed);
  cache.snapshot = current_;
  return cache.snapshot;
}

absl::StatusOr<std::shared_ptr<const Snapshot>> SnapshotHolder::GetAsOf(
    int32_t day) const {
  auto load_day = [](const Snapshot& s) { return DayInChina(s.loaded_at()); };
  absl::MutexLock lock(&mu_);
  if (current_->dated() || day >= load_day(*current_)) return current_;
  for (const auto& s : history_) {
    if (load_day(*s) <= day) return s;
  }
  const Snapshot& oldest = *history_.back();
  return absl::OutOfRangeError(absl::StrCat(
      "cannot answer as of ", FormatDay(day), ": the oldest dataset version kept (",
      oldest.version(), ") was loaded on ", FormatDay(load_day(oldest)),
      " and the layers carry no effective dates; ask for ", FormatDay(load_day(oldest)),
      " or later, keep more versions (keep_versions), or configure "
      "effective_from_field/effective_to_field"));
}

void SnapshotHolder::Set(std::shared_ptr<const Snapshot> next) {
  absl::MutexLock lock(&mu_);
  history_.push_front(next);
  while (history_.size() > static_cast<size_t>(std::max(1, next->config().keep_versions))) {
    history_.pop_back();
  }
  current_ = std::move(next);
  generation_.fetch_add(1, std::memory_order_release);
}

grpc::Status HandleCheckPoint(const Snapshot& snapshot,
                              const v1::CheckPointRequest& request,
                              v1::CheckResponse* response) {
  absl::StatusOr<CheckOptions> options =
      OptionsFromProto(request.siting(), request.search_radius_m(), request.layers(),
                       request.as_of(), request.include_zone_geometry());
  if (!options.ok()) return ToGrpcStatus(options.status());
  absl::StatusOr<CheckResult> result =
      snapshot.CheckPoint({request.x(), request.y()}, request.crs(), *options);
  if (!result.ok()) return ToGrpcStatus(result.status());
  ResultToProto(snapshot, *result, options->siting, response);
  return grpc::Status::OK;
}

grpc::Status HandleCheckGeometry(const Snapshot& snapshot,
                                 const v1::CheckGeometryRequest& request,
                                 v1::CheckResponse* response) {
  absl::StatusOr<CheckOptions> options =
      OptionsFromProto(request.siting(), request.search_radius_m(), request.layers(),
                       request.as_of(), request.include_zone_geometry());
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
      return grpc::Status(
          grpc::StatusCode::INVALID_ARGUMENT,
          "geometry is missing: set one of wkt, wkb, geojson or coordinate_table");
  }
  options->include_intersection = request.include_intersection();
  absl::StatusOr<CheckResult> result =
      snapshot.CheckGeometry(encoding, data, g.crs(), *options);
  if (!result.ok()) return ToGrpcStatus(result.status());
  ResultToProto(snapshot, *result, options->siting, response);
  return grpc::Status::OK;
}

void HandleListLayers(const Snapshot& snapshot, const Reloader* reloader,
                      v1::ListLayersResponse* response) {
  LayersToProto(snapshot, response);
  if (reloader != nullptr) {
    if (std::optional<ReloadOutcome> last = reloader->last()) {
      OutcomeToProto(*last, response->mutable_last_reload());
    }
  }
}

grpc::Status HandleGetZones(const Snapshot& snapshot, const v1::GetZonesRequest& request,
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

void HandleOverlayFeature(const Snapshot& snapshot,
                          const v1::OverlayRequest& request,
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
  *check.mutable_siting() = request.siting();
  check.set_search_radius_m(request.search_radius_m());
  *check.mutable_layers() = request.layers();
  check.set_include_intersection(request.include_intersection());
  check.set_as_of(request.as_of());
  grpc::Status status = HandleCheckGeometry(snapshot, check, result->mutable_response());
  if (!status.ok()) {
    result->clear_response();
    result->set_error(status.error_message());
    result->set_error_code(status.error_code());
  }
}

namespace {

// One Overlay stream: read a feature, answer it, write the answer, and only
// then read the next. One message in flight each way keeps memory bounded
// whatever the client's pace; the snapshot is fixed when the stream opens.
class OverlayReactor final
    : public grpc::ServerBidiReactor<v1::OverlayRequest, v1::OverlayResult> {
 public:
  explicit OverlayReactor(std::shared_ptr<const Snapshot> snapshot)
      : snapshot_(std::move(snapshot)) {
    StartRead(&request_);
  }

  void OnReadDone(bool ok) override {
    if (!ok) {  // the client finished sending (or went away)
      Finish(grpc::Status::OK);
      return;
    }
    result_.Clear();
    HandleOverlayFeature(*snapshot_, request_, &result_);
    StartWrite(&result_);
  }

  void OnWriteDone(bool ok) override {
    if (!ok) {
      Finish(grpc::Status(grpc::StatusCode::CANCELLED, "the client stopped reading"));
      return;
    }
    StartRead(&request_);
  }

  void OnDone() override { delete this; }

 private:
  const std::shared_ptr<const Snapshot> snapshot_;
  v1::OverlayRequest request_;
  v1::OverlayResult result_;
};

}  // namespace

grpc::ServerBidiReactor<v1::OverlayRequest, v1::OverlayResult>*
RedlineService::Overlay(grpc::CallbackServerContext*) {
  return new OverlayReactor(holder_->Get());
}

absl::StatusOr<std::shared_ptr<const Snapshot>> SnapshotFor(
    const SnapshotHolder& holder, const std::string& as_of) {
  absl::StatusOr<std::optional<int32_t>> day = ParseAsOf(as_of);
  if (!day.ok()) return day.status();
  if (!day->has_value()) return holder.Get();
  return holder.GetAsOf(**day);
}

grpc::ServerUnaryReactor* RedlineService::CheckPoint(
    grpc::CallbackServerContext* context, const v1::CheckPointRequest* request,
    v1::CheckResponse* response) {
  absl::StatusOr<std::shared_ptr<const Snapshot>> snapshot =
      SnapshotFor(*holder_, request->as_of());
  if (!snapshot.ok()) return Reply(context, ToGrpcStatus(snapshot.status()));
  return Reply(context, HandleCheckPoint(**snapshot, *request, response));
}

grpc::ServerUnaryReactor* RedlineService::CheckGeometry(
    grpc::CallbackServerContext* context,
    const v1::CheckGeometryRequest* request, v1::CheckResponse* response) {
  absl::StatusOr<std::shared_ptr<const Snapshot>> snapshot =
      SnapshotFor(*holder_, request->as_of());
  if (!snapshot.ok()) return Reply(context, ToGrpcStatus(snapshot.status()));
  return Reply(context, HandleCheckGeometry(**snapshot, *request, response));
}

grpc::ServerUnaryReactor* RedlineService::GetZones(grpc::CallbackServerContext* context,
                                                   const v1::GetZonesRequest* request,
                                                   v1::GetZonesResponse* response) {
  absl::StatusOr<std::shared_ptr<const Snapshot>> snapshot =
      SnapshotFor(*holder_, request->as_of());
  if (!snapshot.ok()) return Reply(context, ToGrpcStatus(snapshot.status()));
  return Reply(context, HandleGetZones(**snapshot, *request, response));
}

grpc::ServerUnaryReactor* RedlineService::ListLayers(
    grpc::CallbackServerContext* context, const v1::ListLayersRequest*,
    v1::ListLayersResponse* response) {
  HandleListLayers(*holder_->Get(), reloader_, response);
  return Reply(context, grpc::Status::OK);
}

}  // namespace redline::server
