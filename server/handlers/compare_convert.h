// The comparison of two versions of the zones (spatial/compare/) on the wire:
// CompareVersionsResponse for the RPC and for `redline compare`, whose local
// mode and server mode thus print the same thing; and the RPC's handler.
#ifndef REDLINE_SERVER_HANDLERS_COMPARE_CONVERT_H_
#define REDLINE_SERVER_HANDLERS_COMPARE_CONVERT_H_

#include <grpcpp/support/status.h>

#include <span>

#include "absl/strings/string_view.h"
#include "redline/v1/redline.pb.h"
#include "server/runtime/snapshot_holder.h"
#include "spatial/compare/compare.h"
#include "spatial/compare/impact.h"

namespace redline::server {

// Changes, unchanged count and totals (not the versions, which the caller
// names).
void ComparisonToProto(const ZoneComparison& comparison, v1::CompareVersionsResponse* out);

// The register features whose answer changed; `features` are those checked
// (ids, and WKB kept in the geometry only when `lonlat_wkb` gives it, in the
// same order: empty when none).
void ImpactToProto(const ZoneComparison& comparison, const RegisterImpact& impact,
                   std::span<const RegisterFeature> features,
                   std::span<const std::string> lonlat_wkb, absl::string_view purpose,
                   v1::RegisterImpact* out);

}  // namespace redline::server

namespace redline::handlers {

// CompareVersions: the two versions looked up in `holder` (to_version empty:
// the current one), compared, converted. OUT_OF_RANGE, naming the versions
// held, for a version the server no longer holds (or never had). With
// register_sites, each site is checked under both versions (CompareRegister)
// into register_impact; a site that cannot be checked is listed as failed.
grpc::Status CompareVersions(const server::SnapshotHolder& holder,
                             const v1::CompareVersionsRequest& request,
                             v1::CompareVersionsResponse* response);

}  // namespace redline::handlers

#endif  // REDLINE_SERVER_HANDLERS_COMPARE_CONVERT_H_
