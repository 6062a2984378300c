// What a check is asked and what it answers: the options every check takes,
// and the answer for one site (a point or any geometry). The batch of points
// has its own flat answer, PointBatch (point_batch.h).
#ifndef REDLINE_SPATIAL_QUERY_CHECK_TYPES_H_
#define REDLINE_SPATIAL_QUERY_CHECK_TYPES_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "spatial/base/messages.h"
#include "spatial/coords/coordinates.h"
#include "spatial/geom/box.h"
#include "spatial/geom/point.h"
#include "spatial/index/zone_index.h"
#include "spatial/rules/rules.h"

namespace redline {

enum class Relation {
  kInside,      // point in the interior
  kBoundary,    // point on the boundary (within the tolerance)
  kWithin,      // the whole site lies in the zone
  kIntersects,  // part of the site lies in the zone
  kTouches,     // only the boundaries meet
};
absl::string_view RelationName(Relation relation);

struct CheckOptions {
  Siting siting;
  double search_radius_m = 0;       // 0: the config's default
  std::vector<std::string> layers;  // empty: all layers
  // Fill ZoneHitResult::intersection_wkb (EPSG:4490 WKB).
  bool include_intersection = false;
  // Only zones in force on this day (days since 1970-01-01); unset: today in
  // China (UTC+8). Zones without effective dates are always in force.
  std::optional<int32_t> as_of_day;
  // Fill zone_geometry_wkb: each zone's outline clipped to the search area.
  bool include_zone_geometry = false;
  // Find the zones the site lies in and how (a spatial join), nothing else:
  // no nearby zones, distances, rules, verdict or reason, which are what
  // cost most. The hits come in layer order, then by zone id.
  bool hits_only = false;
  // Refuse a polygon that is invalid as given instead of making it valid
  // (spatial/input/geometry_input.h, InvalidPolygon).
  bool strict_geometry = false;
};

struct ZoneHitResult {
  uint32_t zone = 0;  // index into Snapshot::zones()
  Relation relation = Relation::kInside;
  double overlap_area_m2 = 0;
  double overlap_ratio = 0;
  double overlap_length_m = 0;
  std::vector<const Rule*> rules;
  std::string intersection_wkb;   // only with CheckOptions::include_intersection
  std::string zone_geometry_wkb;  // only with CheckOptions::include_zone_geometry
};

struct NearZoneResult {
  uint32_t zone = 0;
  double distance_m = 0;
  std::vector<const Rule*> rules;
  std::string zone_geometry_wkb;  // only with CheckOptions::include_zone_geometry
};

struct SiteSummary {
  std::string geometry_type;
  std::string input_crs;                 // coordinates.crs
  CoordinateInterpretation coordinates;  // how the request's coordinates were read
  int64_t vertices = 0;
  double area_m2 = 0;
  double length_m = 0;
  Point2 representative_lonlat;
  Box extent_lonlat;
  // The site as read, EPSG:4490 WKB; only with include_zone_geometry.
  std::string geometry_wkb;
  // The site was an invalid polygon, made valid before the check;
  // coordinates.notes says what was wrong and where.
  bool geometry_repaired = false;
};

struct CheckResult {
  SiteSummary site;
  std::vector<ZoneHitResult> hits;
  // Per zone kind the nearest zone not hit within the search radius, and any
  // other zone whose setback rule applies; ordered by distance.
  std::vector<NearZoneResult> nearest;
  double search_radius_m = 0;
  int32_t as_of_day = 0;  // the day whose zones answered
  Verdict verdict = Verdict::kClear;
  std::string verdict_reason;
  // The reason as a code with parameters (spatial/base/messages.h);
  // verdict_reason is its English text.
  Message verdict_message;
  // Checked with CheckOptions::hits_only: the hits (without rules) are the
  // whole answer; verdict and reason mean nothing, nearest is empty.
  bool hits_only = false;
};

// Checks the options against the index; returns which layers they select.
absl::StatusOr<std::vector<bool>> ValidateOptions(const ZoneIndex& index,
                                                  const CheckOptions& options);
// The search radius the options ask for, or the config's default.
double SearchRadius(const ZoneIndex& index, const CheckOptions& options);

}  // namespace redline

#endif  // REDLINE_SPATIAL_QUERY_CHECK_TYPES_H_
