#include "server/grpc/redline_service.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "grpcpp/support/proto_buffer_reader.h"
#include "server/grpc/auth.h"
#include "server/grpc/overlay_reactor.h"
#include "server/handlers/compare_convert.h"
#include "server/handlers/convert.h"
#include "server/handlers/handlers.h"
#include "server/handlers/status_map.h"
#include "server/runtime/worker_pool.h"

namespace redline::server {
namespace {

// Ends a unary call: counted as handled, then sent.
grpc::ServerUnaryReactor* Reply(grpc::CallbackServerContext* context, Metrics::Call* call,
                                grpc::Status status) {
  call->Finish(status.error_code());
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  reactor->Finish(std::move(status));
  return reactor;
}

}  // namespace

RedlineService::RedlineService(const SnapshotHolder* holder, const Reloader* reloader,
                               Metrics* metrics, MemoryBudget* budget, AuditLog* audit)
    : holder_(holder),
      reloader_(reloader),
      metrics_(metrics),
      budget_(budget),
      audit_(audit),
      streams_(std::make_unique<OverlayStreams>()) {}

RedlineService::~RedlineService() = default;

void RedlineService::BeginDrain() { draining_.store(true, std::memory_order_relaxed); }

int RedlineService::StopOverlayStreams() { return streams_->StopAll(); }

namespace {

// A unary call answered by `handle` from the snapshot its request's as_of
// names (the current one when unset).
template <typename Request, typename Response, typename Handle>
grpc::Status WithSnapshotAsOf(const SnapshotHolder& holder, const Request& request,
                              Response* response, Handle handle) {
  absl::StatusOr<std::shared_ptr<const Snapshot>> snapshot =
      handlers::SnapshotFor(holder, RequestAsOf(request));
  if (!snapshot.ok()) return ToGrpcStatus(snapshot.status());
  return handle(**snapshot, request, response);
}

// The answer for gRPC to send. Answers are encoded into a buffer each
// thread keeps, so a call allocates only the slice gRPC sends from (and
// frees after sending); an answer bigger than kKeptBuffer (zone outlines)
// is handed over whole instead, and the thread starts a fresh buffer.
constexpr size_t kKeptBuffer = 64 * 1024;

grpc::ByteBuffer TakeAnswer(std::string& buffer) {
  if (buffer.size() <= kKeptBuffer) {
    grpc::Slice slice(buffer.data(), buffer.size());  // copies
    return grpc::ByteBuffer(&slice, 1);
  }
  auto* owned = new std::string(std::move(buffer));
  buffer = std::string();
  grpc::Slice slice(
      owned->data(), owned->size(), [](void* s) { delete static_cast<std::string*>(s); }, owned);
  return grpc::ByteBuffer(&slice, 1);
}

// A check call, raw: the request parsed here, the answer encoded by
// `answer` (see answer_encoder.h) and sent as it is.
template <typename Request, typename Answer>
grpc::Status RawCheck(const SnapshotHolder& holder, const grpc::ByteBuffer& request_bytes,
                      grpc::ByteBuffer* response, Answer answer, MemoryBudget* budget,
                      RequestEncoding encoding) {
  // Leased before the parse, from the bytes alone: the parsed copy is part
  // of what the estimate covers. A geometry's encoding is not known yet, so
  // CheckGeometry is sized as the most expansive one (GeoJSON).
  absl::StatusOr<MemoryBudget::Lease> lease = MemoryBudget::Lease();
  if (budget != nullptr) {
    const int64_t size = static_cast<int64_t>(request_bytes.Length());
    lease =
        budget->Acquire(EstimateWorkingBytes(size, encoding), Request::descriptor()->name(), size);
    if (!lease.ok()) return ToGrpcStatus(lease.status());
  }
  Request request;
  grpc::ByteBuffer shared(request_bytes);  // the reader wants it mutable; shares the slices
  grpc::ProtoBufferReader reader(&shared);
  if (!request.ParseFromZeroCopyStream(&reader)) {
    return grpc::Status(
        grpc::StatusCode::INVALID_ARGUMENT,
        absl::StrCat("the request is not a valid ", Request::descriptor()->full_name()));
  }
  return WithSnapshotAsOf(
      holder, request, response,
      [&answer](const Snapshot& snapshot, const Request& request, grpc::ByteBuffer* response) {
        thread_local std::string buffer;
        buffer.clear();
        grpc::Status status = answer(snapshot, request, &buffer);
        if (status.ok()) *response = TakeAnswer(buffer);
        return status;
      });
}

// Answers a unary call with `answer()` (a grpc::Status; it fills the
// response): here, on gRPC's thread, when `here`, else on a worker.
//
// Why not always here: gRPC's callback threads (about one per core) also
// take the next calls in. While every one of them is busy with a long
// answer, new calls wait inside gRPC unmatched, and Server::Shutdown cancels
// those outright, whatever its deadline (they came back CANCELLED a fraction
// of a second after SIGTERM). Why not always a worker: the hop costs a
// point check a good part of its latency. So the calls that can take long
// (a site, zone outlines) always go to a worker, and every call does while
// the server shuts down (BeginDrain).
template <typename Answer>
grpc::ServerUnaryReactor* Dispatch(grpc::CallbackServerContext* context, Metrics* metrics, Rpc rpc,
                                   bool here, Answer answer) {
  if (here) {
    Metrics::Call call(metrics, rpc);
    return Reply(context, &call, answer());
  }
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  auto call = std::make_shared<Metrics::Call>(metrics, rpc);
  WorkerPool::Shared().Submit([context, reactor, call, answer = std::move(answer)]() mutable {
    // Cancelled while queued (the client gave up, or the grace period
    // ended): no use computing the answer.
    grpc::Status status = context->IsCancelled()
                              ? grpc::Status(grpc::StatusCode::CANCELLED, "the call was cancelled")
                              : answer();
    call->Finish(status.error_code());
    reactor->Finish(std::move(status));
  });
  return reactor;
}

// The record context of a call; its log null without an audit trail.
handlers::AuditContext AuditFor(AuditLog* log, const grpc::CallbackServerContext& context,
                                const char* method) {
  if (log == nullptr) return {};
  return handlers::AuditContext{log, CallerOf(context), method};
}

const handlers::AuditContext* OrNull(const handlers::AuditContext& audit) {
  return audit.log != nullptr ? &audit : nullptr;
}

}  // namespace

grpc::ServerUnaryReactor* RedlineService::CheckPoint(grpc::CallbackServerContext* context,
                                                     const grpc::ByteBuffer* request,
                                                     grpc::ByteBuffer* response) {
  return Dispatch(context, metrics_, Rpc::kCheckPoint,
                  /*here=*/!draining_.load(std::memory_order_relaxed),
                  [holder = holder_, budget = budget_, request, response,
                   audit = AuditFor(audit_, *context, "CheckPoint")] {
                    return RawCheck<v1::CheckPointRequest>(
                        *holder, *request, response,
                        [&audit](const Snapshot& snapshot, const v1::CheckPointRequest& request,
                                 std::string* answer) {
                          return handlers::EncodeCheckPoint(snapshot, request, answer,
                                                            OrNull(audit));
                        },
                        budget, RequestEncoding::kSmall);
                  });
}

grpc::ServerUnaryReactor* RedlineService::CheckGeometry(grpc::CallbackServerContext* context,
                                                        const grpc::ByteBuffer* request,
                                                        grpc::ByteBuffer* response) {
  return Dispatch(context, metrics_, Rpc::kCheckGeometry, /*here=*/false,
                  [holder = holder_, budget = budget_, request, response,
                   audit = AuditFor(audit_, *context, "CheckGeometry")] {
                    return RawCheck<v1::CheckGeometryRequest>(
                        *holder, *request, response,
                        [&audit](const Snapshot& snapshot, const v1::CheckGeometryRequest& request,
                                 std::string* answer) {
                          return handlers::EncodeCheckGeometry(snapshot, request, answer,
                                                               OrNull(audit));
                        },
                        budget, RequestEncoding::kJson);
                  });
}

grpc::ServerUnaryReactor* RedlineService::GetZones(grpc::CallbackServerContext* context,
                                                   const v1::GetZonesRequest* request,
                                                   v1::GetZonesResponse* response) {
  return Dispatch(context, metrics_, Rpc::kGetZones, /*here=*/false,
                  [holder = holder_, request, response] {
                    return WithSnapshotAsOf(*holder, *request, response, handlers::GetZones);
                  });
}

// Comparing two versions measures every reshaped zone: a worker's job.
grpc::ServerUnaryReactor* RedlineService::CompareVersions(grpc::CallbackServerContext* context,
                                                          const v1::CompareVersionsRequest* request,
                                                          v1::CompareVersionsResponse* response) {
  return Dispatch(context, metrics_, Rpc::kCompareVersions, /*here=*/false,
                  [holder = holder_, request, response] {
                    return handlers::CompareVersions(*holder, *request, response);
                  });
}

grpc::ServerUnaryReactor* RedlineService::ListLayers(grpc::CallbackServerContext* context,
                                                     const v1::ListLayersRequest*,
                                                     v1::ListLayersResponse* response) {
  Metrics::Call call(metrics_, Rpc::kListLayers);
  handlers::ListLayers(*holder_->Get(), reloader_, response);
  return Reply(context, &call, grpc::Status::OK);
}

grpc::ServerBidiReactor<v1::OverlayRequest, v1::OverlayResult>* RedlineService::Overlay(
    grpc::CallbackServerContext* context) {
  return NewOverlayReactor(holder_->Get(), metrics_, &draining_, streams_.get(), budget_,
                           AuditFor(audit_, *context, "Overlay"));
}

}  // namespace redline::server
