// The gRPC face of Redline: thin adapters that parse a request, call the
// current snapshot once, and format the answer.
#ifndef REDLINE_SERVER_REDLINE_SERVICE_H_
#define REDLINE_SERVER_REDLINE_SERVICE_H_

#include <atomic>
#include <cstdint>
#include <deque>
#include <memory>

#include "absl/synchronization/mutex.h"
#include "redline/v1/redline.grpc.pb.h"
#include "server/arena_allocator.h"
#include "spatial/snapshot.h"

namespace redline::server {

// Holds the snapshot requests are answered from. Reading it is lock-free in
// the common case: each thread caches the current snapshot with its
// generation number and only takes the mutex after a swap. A request keeps
// the shared_ptr it got for its whole life, so it never mixes two versions.
class SnapshotHolder {
 public:
  explicit SnapshotHolder(std::shared_ptr<const Snapshot> initial);

  std::shared_ptr<const Snapshot> Get() const;
  void Set(std::shared_ptr<const Snapshot> next);

  // The snapshot that answers for zones in force on `day` (days since
  // 1970-01-01): the current one when its layers carry effective dates or
  // the day is not before its load, else the newest past version loaded by
  // the end of that day. OUT_OF_RANGE, saying which dates can be answered,
  // when no version kept covers the day.
  absl::StatusOr<std::shared_ptr<const Snapshot>> GetAsOf(int32_t day) const;

 private:
  mutable absl::Mutex mu_;
  std::shared_ptr<const Snapshot> current_ ABSL_GUARDED_BY(mu_);
  // Newest first, current_ included; at most the config's keep_versions.
  std::deque<std::shared_ptr<const Snapshot>> history_ ABSL_GUARDED_BY(mu_);
  std::atomic<uint64_t> generation_{1};
  const uint64_t id_;  // tells holders apart in the thread-local cache
};

class Reloader;

class RedlineService final : public v1::Redline::CallbackService {
 public:
  // `reloader` may be null; when set, ListLayers reports its last attempt.
  explicit RedlineService(const SnapshotHolder* holder,
                          const Reloader* reloader = nullptr);

  grpc::ServerUnaryReactor* CheckPoint(grpc::CallbackServerContext* context,
                                       const v1::CheckPointRequest* request,
                                       v1::CheckResponse* response) override;
  grpc::ServerUnaryReactor* CheckGeometry(
      grpc::CallbackServerContext* context,
      const v1::CheckGeometryRequest* request,
      v1::CheckResponse* response) override;
  grpc::ServerUnaryReactor* ListLayers(grpc::CallbackServerContext* context,
                                       const v1::ListLayersRequest* request,
                                       v1::ListLayersResponse* response) override;
  grpc::ServerUnaryReactor* GetZones(grpc::CallbackServerContext* context,
                                     const v1::GetZonesRequest* request,
                                     v1::GetZonesResponse* response) override;
  grpc::ServerBidiReactor<v1::OverlayRequest, v1::OverlayResult>* Overlay(
      grpc::CallbackServerContext* context) override;

 private:
  const SnapshotHolder* holder_;
  const Reloader* reloader_;
  // The two checks answer on arenas (see arena_allocator.h).
  ArenaMessageAllocator<v1::CheckPointRequest, v1::CheckResponse> check_point_allocator_;
  ArenaMessageAllocator<v1::CheckGeometryRequest, v1::CheckResponse>
      check_geometry_allocator_;
};

// The snapshot a request with this as_of ("" or YYYY-MM-DD) is answered
// from: the current one, or the version that was serving on that day.
absl::StatusOr<std::shared_ptr<const Snapshot>> SnapshotFor(const SnapshotHolder& holder,
                                                            const std::string& as_of);

// The same handlers as plain functions, for tests and other transports.
grpc::Status HandleCheckPoint(const Snapshot& snapshot,
                              const v1::CheckPointRequest& request,
                              v1::CheckResponse* response);
// `hits_only`: CheckOptions::hits_only (OverlayOptions.hits_only for the
// features of a batch); the response then has no verdict, reason, nearby
// zones or rules.
grpc::Status HandleCheckGeometry(const Snapshot& snapshot,
                                 const v1::CheckGeometryRequest& request,
                                 v1::CheckResponse* response, bool hits_only = false);
void HandleListLayers(const Snapshot& snapshot, const Reloader* reloader,
                      v1::ListLayersResponse* response);
grpc::Status HandleGetZones(const Snapshot& snapshot, const v1::GetZonesRequest& request,
                            v1::GetZonesResponse* response);
// One feature of an Overlay stream; errors go into the result.
void HandleOverlayFeature(const Snapshot& snapshot,
                          const v1::OverlayRequest& request,
                          v1::OverlayResult* result, bool hits_only = false);
// One message of an Overlay stream, one feature or a batch; errors go into
// the results. `scratch` is reused from call to call (one per thread). The
// zone and rule tables of a batch are left to the stream (StreamTables).
void HandleOverlayMessage(const Snapshot& snapshot, const v1::OverlayRequest& request,
                          PointBatch* scratch, v1::OverlayResult* result);

}  // namespace redline::server

#endif  // REDLINE_SERVER_REDLINE_SERVICE_H_
