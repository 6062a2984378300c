// The gRPC face of Redline: thin adapters that parse a request, pick the
// snapshot, call a handler once (server/handlers/handlers.h) and send the
// answer, on gRPC's thread or on a worker (runtime/worker_pool.h). The
// Overlay stream's reactor is in overlay_reactor.h.
#ifndef REDLINE_SERVER_GRPC_REDLINE_SERVICE_H_
#define REDLINE_SERVER_GRPC_REDLINE_SERVICE_H_

#include <atomic>
#include <memory>
#include <string>

#include "redline/v1/redline.grpc.pb.h"
#include "server/audit/audit_log.h"
#include "server/runtime/caller.h"
#include "server/runtime/memory_budget.h"
#include "server/runtime/metrics.h"
#include "server/runtime/snapshot_holder.h"
#include "spatial/snapshot.h"

namespace redline::server {

class Reloader;

class OverlayStreams;  // the open Overlay streams (overlay_reactor.h)

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
  // `audit` may be null (no audit trail); when set, every answered check and
  // every Overlay stream is recorded there (handlers::AuditContext).
  explicit RedlineService(const SnapshotHolder* holder, const Reloader* reloader = nullptr,
                          Metrics* metrics = nullptr, MemoryBudget* budget = nullptr,
                          AuditLog* audit = nullptr);
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
  grpc::ServerUnaryReactor* CompareVersions(grpc::CallbackServerContext* context,
                                            const v1::CompareVersionsRequest* request,
                                            v1::CompareVersionsResponse* response) override;
  grpc::ServerBidiReactor<v1::OverlayRequest, v1::OverlayResult>* Overlay(
      grpc::CallbackServerContext* context) override;

 private:
  const SnapshotHolder* holder_;
  const Reloader* reloader_;
  Metrics* metrics_;
  MemoryBudget* budget_;
  AuditLog* audit_;
  std::atomic<bool> draining_{false};
  std::unique_ptr<OverlayStreams> streams_;
};

}  // namespace redline::server

#endif  // REDLINE_SERVER_GRPC_REDLINE_SERVICE_H_
