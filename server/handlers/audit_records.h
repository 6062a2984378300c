// Audit records (server/audit/) made from the wire's requests and the
// core's answers, and given back as redline.v1.AuditRecord: the one place
// that knows both the record and the wire contract.
#ifndef REDLINE_SERVER_HANDLERS_AUDIT_RECORDS_H_
#define REDLINE_SERVER_HANDLERS_AUDIT_RECORDS_H_

#include <cstdint>
#include <map>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "redline/v1/redline.pb.h"
#include "server/audit/audit_log.h"
#include "server/audit/audit_record.h"
#include "server/runtime/caller.h"
#include "spatial/snapshot.h"

namespace redline::handlers {

// Where a check's record goes and who asked: the transports make one per
// call (the caller from the call, the method its name). A null `log`: the
// server keeps no audit trail and answers carry no record id.
struct AuditContext {
  server::AuditLog* log = nullptr;
  server::Caller caller;
  std::string method;
};

// The record of a check answered with `result` from `snapshot`, made at
// `at`, with a fresh id; the request's geometry is for the caller to set.
server::AuditRecord CheckRecord(const AuditContext& audit, const Snapshot& snapshot,
                                const CheckResult& result, const v1::CheckOptions& options,
                                absl::Time at);

// The geometry of a CheckPointRequest as WKB (little-endian), in its CRS.
std::string PointWkb(double x, double y);

// What an Overlay stream answered so far, counted result by result.
struct OverlayTally {
  int64_t features = 0;
  int64_t with_hits = 0;
  int64_t errors = 0;
  std::map<std::string, int64_t> by_verdict;
  void Add(const v1::OverlayResult& result);
};

// The record of an Overlay stream (id made at its start, counts at its end).
server::AuditRecord OverlayRecord(const AuditContext& audit, const std::string& id, absl::Time at,
                                  const std::string& dataset_version, const OverlayTally& tally);

void RecordToProto(const server::AuditRecord& record, v1::AuditRecord* out);

// A ListRecordsRequest as a query: INVALID_ARGUMENT for a bad page token.
absl::StatusOr<server::RecordQuery> QueryFromProto(const v1::ListRecordsRequest& request);

}  // namespace redline::handlers

#endif  // REDLINE_SERVER_HANDLERS_AUDIT_RECORDS_H_
