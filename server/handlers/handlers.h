// What Redline answers, free of any transport: each handler takes a
// snapshot and a request message and fills the response message. The gRPC
// service (server/grpc/), the HTTP API (server/http/) and the CLI's --local
// mode (through the in-process gRPC service) all answer through these, so a
// request means the same whichever way it arrives.
//
// Two forms of the checks: EncodeCheckPoint and EncodeCheckGeometry write
// the answer straight to wire bytes (answer_encoder.h), the gRPC fast path;
// CheckPoint and CheckGeometry parse those bytes into a message, for callers
// that want one. Errors are grpc::Status values, already mapped from the
// core's absl::Status (status_map.h): every caller sends them on as gRPC
// codes or as the HTTP statuses made from them, so mapping here once costs
// nothing and spares each transport its own.
//
// Thread safety: the handlers keep no state of their own; a Snapshot is
// immutable and may be shared by any number of calls at once.
#ifndef REDLINE_SERVER_HANDLERS_HANDLERS_H_
#define REDLINE_SERVER_HANDLERS_HANDLERS_H_

#include <grpcpp/support/status.h>

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "redline/v1/redline.pb.h"
#include "server/handlers/audit_records.h"
#include "server/runtime/reloader.h"
#include "server/runtime/snapshot_holder.h"
#include "spatial/snapshot.h"

namespace redline::handlers {

// The snapshot a request with this as_of ("" or YYYY-MM-DD) is answered
// from: the current one, or the version that was serving on that day.
absl::StatusOr<std::shared_ptr<const Snapshot>> SnapshotFor(const server::SnapshotHolder& holder,
                                                            const std::string& as_of);

// OK when the snapshot holds the data `options.require_version` names
// (Snapshot::Holds; empty: any); else FAILED_PRECONDITION "dataset version X
// required; this server holds Y (content H)". Every check calls it first;
// the HTTP routes call it themselves to answer 412, and an Overlay stream
// is refused whole.
grpc::Status RequireVersion(const Snapshot& snapshot, const v1::CheckOptions& options);

// The checks' answers as encoded CheckResponse bytes (answer_encoder.h),
// appended to `answer`. With an audit trail (`audit` set, its log too)
// every answer is recorded (audit_records.h) and carries its record_id; a
// record the log refuses (it cannot write: fail closed) makes the call
// UNAVAILABLE instead of an answer.
grpc::Status EncodeCheckPoint(const Snapshot& snapshot, const v1::CheckPointRequest& request,
                              std::string* answer, const AuditContext* audit = nullptr);
grpc::Status EncodeCheckGeometry(const Snapshot& snapshot, const v1::CheckGeometryRequest& request,
                                 std::string* answer, const AuditContext* audit = nullptr);

// The checks with typed answers, for tests and other transports.
grpc::Status CheckPoint(const Snapshot& snapshot, const v1::CheckPointRequest& request,
                        v1::CheckResponse* response, const AuditContext* audit = nullptr);
// With CheckOptions.hits_only the response has no verdict, reason, nearby
// zones or rules.
grpc::Status CheckGeometry(const Snapshot& snapshot, const v1::CheckGeometryRequest& request,
                           v1::CheckResponse* response, const AuditContext* audit = nullptr);

// `reloader` may be null; when set, the response reports its last attempt.
void ListLayers(const Snapshot& snapshot, const server::Reloader* reloader,
                v1::ListLayersResponse* response);
grpc::Status GetZones(const Snapshot& snapshot, const v1::GetZonesRequest& request,
                      v1::GetZonesResponse* response);

// One feature of an Overlay stream; errors go into the result.
void OverlayFeature(const Snapshot& snapshot, const v1::OverlayRequest& request,
                    v1::OverlayResult* result);
// One message of an Overlay stream, one feature or a batch; errors go into
// the results. `scratch` is reused from call to call (one per thread). The
// zone and rule tables of a batch are left to the stream (StreamTables).
// `refused`: not OK when the message could not be admitted (MemoryBudget):
// every feature and point then gets that error.
void OverlayMessage(const Snapshot& snapshot, const v1::OverlayRequest& request,
                    PointBatch* scratch, v1::OverlayResult* result,
                    const absl::Status& refused = absl::OkStatus());
// The estimated working memory of answering one Overlay message.
int64_t EstimateOverlayBytes(const v1::OverlayRequest& request);

// The audit trail's reads (RedlineAdmin.GetRecord / ListRecords, GET
// /v1/records/{id}). `log` may be null: FAILED_PRECONDITION, the server
// keeps no audit trail. An unknown id is NOT_FOUND.
grpc::Status GetRecord(server::AuditLog* log, const v1::GetRecordRequest& request,
                       v1::AuditRecord* response);
grpc::Status ListRecords(server::AuditLog* log, const v1::ListRecordsRequest& request,
                         v1::ListRecordsResponse* response);

// A reload attempt as the wire describes it (ListLayers, RedlineAdmin.Reload).
void OutcomeToProto(const server::ReloadOutcome& outcome, v1::ReloadAttempt* out);

}  // namespace redline::handlers

#endif  // REDLINE_SERVER_HANDLERS_HANDLERS_H_
