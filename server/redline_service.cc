#include "server/redline_service.h"

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
    : current_(std::move(initial)), id_(next_holder_id++) {}

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

void SnapshotHolder::Set(std::shared_ptr<const Snapshot> next) {
  absl::MutexLock lock(&mu_);
  current_ = std::move(next);
  generation_.fetch_add(1, std::memory_order_release);
}

grpc::Status HandleCheckPoint(const Snapshot& snapshot,
                              const v1::CheckPointRequest& request,
                              v1::CheckResponse* response) {
  absl::StatusOr<CheckOptions> options = OptionsFromProto(
      request.siting(), request.search_radius_m(), request.layers());
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
  absl::StatusOr<CheckOptions> options = OptionsFromProto(
      request.siting(), request.search_radius_m(), request.layers());
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
    default:
      return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                          "geometry is missing: set one of wkt, wkb or geojson");
  }
  absl::StatusOr<CheckResult> result =
      snapshot.CheckGeometry(encoding, data, g.crs(), *options);
  if (!result.ok()) return ToGrpcStatus(result.status());
  ResultToProto(snapshot, *result, options->siting, response);
  return grpc::Status::OK;
}

grpc::ServerUnaryReactor* RedlineService::CheckPoint(
    grpc::CallbackServerContext* context, const v1::CheckPointRequest* request,
    v1::CheckResponse* response) {
  const std::shared_ptr<const Snapshot> snapshot = holder_->Get();
  return Reply(context, HandleCheckPoint(*snapshot, *request, response));
}

grpc::ServerUnaryReactor* RedlineService::CheckGeometry(
    grpc::CallbackServerContext* context,
    const v1::CheckGeometryRequest* request, v1::CheckResponse* response) {
  const std::shared_ptr<const Snapshot> snapshot = holder_->Get();
  return Reply(context, HandleCheckGeometry(*snapshot, *request, response));
}

grpc::ServerUnaryReactor* RedlineService::ListLayers(
    grpc::CallbackServerContext* context, const v1::ListLayersRequest*,
    v1::ListLayersResponse* response) {
  const std::shared_ptr<const Snapshot> snapshot = holder_->Get();
  LayersToProto(*snapshot, response);
  if (reloader_ != nullptr) {
    if (std::optional<ReloadOutcome> last = reloader_->last()) {
      OutcomeToProto(*last, response->mutable_last_reload());
    }
  }
  return Reply(context, grpc::Status::OK);
}

}  // namespace redline::server
