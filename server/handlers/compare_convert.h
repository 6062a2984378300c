// The comparison of two versions of the zones (spatial/compare/) on the wire:
// CompareVersionsResponse for the RPC and for `redline compare`, whose local
// mode and server mode thus print the same thing.
#ifndef REDLINE_SERVER_HANDLERS_COMPARE_CONVERT_H_
#define REDLINE_SERVER_HANDLERS_COMPARE_CONVERT_H_

#include <span>

#include "absl/strings/string_view.h"
#include "redline/v1/redline.pb.h"
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

#endif  // REDLINE_SERVER_HANDLERS_COMPARE_CONVERT_H_
