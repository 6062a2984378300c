// Totals per context region (AreaTotals::Scope::kRegion): the part of each
// zone that lies in each feature of a context layer (kind: context; e.g. the
// counties), before and after, with the parts gained and lost there.
//
// Each area is the polygonal part of a GEOS intersection in the working CRS,
// measured vertex by vertex on the ellipsoid by ZoneAreaM2 (as every other
// area of the comparison); a zone a region covers whole brings its own area.
// Internal to compare.cc. Not thread-safe: one comparison, one thread.
#ifndef REDLINE_SPATIAL_COMPARE_REGIONS_H_
#define REDLINE_SPATIAL_COMPARE_REGIONS_H_

#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "absl/status/status.h"
#include "spatial/compare/compare.h"
#include "spatial/geom/geos_util.h"
#include "spatial/index/zone_index.h"

namespace redline::compare_internal {

class RegionTotals {
 public:
  // `regions`: the polygonal features of `context`'s layers, held in
  // `working_crs` as the zones are.
  RegionTotals(const ZoneIndex& context, const std::string& working_crs, double tolerance_m);

  // Adds one pair of zones (either may be null; `change` null when the pair
  // did not change).
  absl::Status Account(const Zone* a, ZoneKind kind_a, const Zone* b, ZoneKind kind_b,
                       const ZoneChange* change);

  // The rows, by context layer, region id, then zone kind.
  std::vector<AreaTotals> Finish();

 private:
  struct Region {
    const Zone* zone;
    GeomPtr geometry;
    PreparedPtr prepared;
  };
  // Region index -> area (m²) of `g` in it; `whole_m2` is g's own area.
  using Areas = std::map<size_t, double>;
  absl::StatusOr<Areas> AreasIn(const GEOSGeometry* g, double whole_m2);
  absl::StatusOr<Areas> ZoneAreas(const Zone& zone);
  absl::StatusOr<Areas> PartAreas(const Zone& a, const Zone& b, bool gained);
  AreaTotals& Row(size_t region, ZoneKind kind);

  const ZoneIndex& context_;
  std::string working_crs_;
  double tolerance_m_;
  std::vector<Region> regions_;
  std::map<std::tuple<size_t, ZoneKind>, AreaTotals> rows_;
};

}  // namespace redline::compare_internal

#endif  // REDLINE_SPATIAL_COMPARE_REGIONS_H_
