// The check of one point: the zones that hold it (the point grid and each
// zone's own index, no GEOS), the nearby zones with their geodesic
// distances, and the verdict. CheckPoint is the whole request;
// CheckPreparedPoint is the query it shares with the batches
// (point_batch.h), for a point already read and converted.
#ifndef REDLINE_SPATIAL_QUERY_POINT_CHECK_H_
#define REDLINE_SPATIAL_QUERY_POINT_CHECK_H_

#include <algorithm>
#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "spatial/coords/crs.h"
#include "spatial/geom/point.h"
#include "spatial/index/zone_index.h"
#include "spatial/query/check_types.h"
#include "spatial/query/verdict.h"

namespace redline {

// A point given in `crs`, checked with `options`: Snapshot::CheckPoint.
absl::StatusOr<CheckResult> CheckPoint(const ZoneIndex& index, Point2 point, absl::string_view crs,
                                       const CheckOptions& options);

// Whether the point checks may answer from the open-country grid with these
// options.
bool MayTakeOpenCountry(const ZoneIndex& index, const CheckOptions& options);

// The zones in force of the masked layers that hold working point p
// (interior or boundary), in the order the index finds them.
inline void FindHits(const ZoneIndex& index, Point2 p, const std::vector<bool>& mask, int32_t day,
                     std::vector<ZoneHitResult>& hits) {
  const std::vector<Zone>& zones = index.zones();
  hits.clear();
  index.LocateWorking(p, [&](uint32_t z, Location loc) {
    if (!mask[zones[z].layer] || !zones[z].InForce(day)) return;
    hits.push_back(
        {.zone = z,
         .relation = loc == Location::kInterior ? Relation::kInside : Relation::kBoundary});
  });
}

// The hits of a CheckOptions::hits_only answer in its order: the whole
// check's order where no rule ranks them.
inline void SortHitsInLayerOrder(const ZoneIndex& index, std::vector<ZoneHitResult>& hits) {
  std::sort(hits.begin(), hits.end(), [&](const ZoneHitResult& x, const ZoneHitResult& y) {
    return index.InLayerOrder(x.zone, y.zone);
  });
}

// The point query shared by CheckPoint and CheckPoints: hits and nearby
// zones of a point already converted, into `result` (whose vectors are
// reused; result.search_radius_m must be set). `to_lonlat` converts working
// coordinates to EPSG:4490. `memo` may be null.
Reason CheckPreparedPoint(const ZoneIndex& index, Point2 lonlat, Point2 working,
                          const std::vector<bool>& mask, int32_t day, const CheckOptions& options,
                          const PointTransformer& to_lonlat, CheckResult& result,
                          std::vector<Point2>& scratch, RuleMemo* memo = nullptr);

}  // namespace redline

#endif  // REDLINE_SPATIAL_QUERY_POINT_CHECK_H_
