// The gRPC face of Redline: thin adapters that parse a request, call the
// current snapshot once, and format the answer.
#ifndef REDLINE_SERVER_GRPC_REDLINE_SERVICE_H_
#define REDLINE_SERVER_GRPC_REDLINE_SERVICE_H_

#include <atomic>
#include <memory>
#include <string>

#include "redline/v1/redline.grpc.pb.h"
#include "server/runtime/memory_budget.h"
#include "server/runtime/metrics.h"
#include "server/runtime/snapshot_holder.h"
#include "spatial/snapshot.h"

namespace redline::server {

class Reloader;
class OverlayStreams;  // the open Overlay streams (redline_service.cc)

// CheckPoint and CheckGeometry are raw methods: their answers are encoded
// straight to bytes (answer_encoder.h), not built as messages.
class RedlineService final
    : public v1::Redline::WithRawCallbackMethod_CheckPoint<
          v1::Redline::WithRawCallbackMethod_CheckGeometry<v1::Redline::CallbackService>> {
 public:
  // `reloader` may be null; when set, ListLayers reports its last attempt.
  // `metrics` may be null; when set, every call is counted there.
  // `budget` may be null (no limit); when set, every check call and every
  // Overlay message holds a lease on it while it is answered.
  explicit RedlineService(const SnapshotHolder* holder, const Reloader* reloader = nullptr,
                          Metrics* metrics = nullptr, MemoryBudget* budget = nullptr);
  ~RedlineService() override;

  // Shutting down (server/main.cc), in this order:
  // From BeginDrain on, every call is answered on a worker, off gRPC's
  // threads, so that those stay free to take in each call that arrives:
  // Server::Shutdown cancels the calls still waiting inside gRPC, whatever
  // its deadline. Answers are otherwise unchanged.
  void BeginDrain();
  // Every open Overlay stream stops reading, writes the answers it owes for
  // the messages already read, and ends UNAVAILABLE saying how many results
  // it sent and where to resume. Call it shortly before the grace period
  // ends. Returns how many streams were open.
  int StopOverlayStreams();

  grpc::ServerUnaryReactor* CheckPoint(grpc::CallbackServerContext* context,
                                       const grpc::ByteBuffer* request,
                                       grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* CheckGeometry(grpc::CallbackServerContext* context,
                                          const grpc::ByteBuffer* request,
                                          grpc::ByteBuffer* response) override;
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
  Metrics* metrics_;
  MemoryBudget* budget_;
  std::atomic<bool> draining_{false};
  std::unique_ptr<OverlayStreams> streams_;
};

// The snapshot a request with this as_of ("" or YYYY-MM-DD) is answered
// from: the current one, or the version that was serving on that day.
absl::StatusOr<std::shared_ptr<const Snapshot>> SnapshotFor(const SnapshotHolder& holder,
                                                            const std::string& as_of);

// The checks' answers as encoded CheckResponse bytes (answer_encoder.h),
// appended to `answer`.
grpc::Status AnswerCheckPoint(const Snapshot& snapshot, const v1::CheckPointRequest& request,
                              std::string* answer);
grpc::Status AnswerCheckGeometry(const Snapshot& snapshot,
                                 const v1::CheckGeometryRequest& request,
                                 std::string* answer);

// The handlers as plain functions with typed answers, for tests and other
// transports.
grpc::Status HandleCheckPoint(const Snapshot& snapshot,
                              const v1::CheckPointRequest& request,
                              v1::CheckResponse* response);
grpc::Status HandleCheckGeometry(const Snapshot& snapshot,
                                 const v1::CheckGeometryRequest& request,
                                 v1::CheckResponse* response);
void HandleListLayers(const Snapshot& snapshot, const Reloader* reloader,
                      v1::ListLayersResponse* response);
grpc::Status HandleGetZones(const Snapshot& snapshot, const v1::GetZonesRequest& request,
                            v1::GetZonesResponse* response);
// One feature of an Overlay stream; errors go into the result.
void HandleOverlayFeature(const Snapshot& snapshot,
                          const v1::OverlayRequest& request,
                          v1::OverlayResult* result);
// One message of an Overlay stream, one feature or a batch; errors go into
// the results. `scratch` is reused from call to call (one per thread). The
// zone and rule tables of a batch are left to the stream (StreamTables).
// `refused`: not OK when the message could not be admitted (MemoryBudget):
// every feature and point then gets that error.
void HandleOverlayMessage(const Snapshot& snapshot, const v1::OverlayRequest& request,
                          PointBatch* scratch, v1::OverlayResult* result,
                          const absl::Status& refused = absl::OkStatus());
// The estimated working memory of answering one Overlay message.
int64_t EstimateOverlayBytes(const v1::OverlayRequest& request);

}  // namespace redline::server

#endif  // REDLINE_SERVER_GRPC_REDLINE_SERVICE_H_
