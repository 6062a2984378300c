// The check of a site of any shape (WKT, WKB, GeoJSON or a coordinate
// table): how it relates to each zone near it, how much of it lies in each,
// the nearby zones with their distances, and the verdict. A single Point
// goes the point check's way (point_check.h), with the same answer.
#ifndef REDLINE_SPATIAL_QUERY_SITE_CHECK_H_
#define REDLINE_SPATIAL_QUERY_SITE_CHECK_H_

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "spatial/index/zone_index.h"
#include "spatial/input/geometry_encoding.h"
#include "spatial/query/check_types.h"

namespace redline {

// Snapshot::CheckGeometry.
absl::StatusOr<CheckResult> CheckGeometry(const ZoneIndex& index, GeometryEncoding encoding,
                                          absl::string_view data, absl::string_view crs,
                                          const CheckOptions& options);

}  // namespace redline

#endif  // REDLINE_SPATIAL_QUERY_SITE_CHECK_H_
