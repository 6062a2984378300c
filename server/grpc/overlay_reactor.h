// The Overlay call: one bidirectional stream of features (or batches of
// features and points) in, their answers out, in request order.
//
// Each stream is an OverlayReactor (overlay_reactor.cc): up to kMaxInFlight
// request messages are read ahead of their answers, answered in parallel on
// the worker pool (runtime/worker_pool.h) and written strictly in order; a
// slow reader stops the reading, so it holds the server's memory to a few
// messages. At shutdown every open stream stops reading, writes what it
// owes and ends UNAVAILABLE saying where to resume (OverlayStreams).
#ifndef REDLINE_SERVER_GRPC_OVERLAY_REACTOR_H_
#define REDLINE_SERVER_GRPC_OVERLAY_REACTOR_H_

#include <atomic>
#include <memory>
#include <unordered_set>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "redline/v1/redline.grpc.pb.h"
#include "server/handlers/audit_records.h"
#include "server/runtime/memory_budget.h"
#include "server/runtime/metrics.h"
#include "spatial/snapshot.h"

namespace redline::server {

// The open Overlay streams, to stop them at shutdown.
class OverlayStreams {
 public:
  class Stream {
   public:
    virtual ~Stream() = default;
    virtual void Stop() = 0;
  };
  void Add(const std::shared_ptr<Stream>& stream) {
    absl::MutexLock lock(&mu_);
    open_.insert(stream);
  }
  void Remove(const std::shared_ptr<Stream>& stream) {
    absl::MutexLock lock(&mu_);
    open_.erase(stream);
  }
  int StopAll() {
    std::vector<std::shared_ptr<Stream>> open;
    {
      absl::MutexLock lock(&mu_);
      open.assign(open_.begin(), open_.end());
    }
    // Not under mu_: Stop may end a stream, and its OnDone removes it.
    for (const std::shared_ptr<Stream>& stream : open) stream->Stop();
    return static_cast<int>(open.size());
  }

 private:
  absl::Mutex mu_;
  std::unordered_set<std::shared_ptr<Stream>> open_ ABSL_GUARDED_BY(mu_);
};

// A new reactor for one Overlay stream, answered from `snapshot` (fixed when
// the stream opens). gRPC owns it and deletes it when the stream is done.
// `draining`: while set, every message is answered on a worker
// (RedlineService::BeginDrain). `streams` registers it until it is done.
// `metrics` and `budget` may be null. With an audit trail (`audit.log`
// set) the stream is one record: its id on the first result, its counts
// written when the stream ends (a record the log refuses then ends the
// stream UNAVAILABLE); a stream opened while the log cannot write is
// refused UNAVAILABLE at once (fail closed).
grpc::ServerBidiReactor<v1::OverlayRequest, v1::OverlayResult>* NewOverlayReactor(
    std::shared_ptr<const Snapshot> snapshot, Metrics* metrics, const std::atomic<bool>* draining,
    OverlayStreams* streams, MemoryBudget* budget, handlers::AuditContext audit = {});

}  // namespace redline::server

#endif  // REDLINE_SERVER_GRPC_OVERLAY_REACTOR_H_
