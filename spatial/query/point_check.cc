#include "spatial/query/point_check.h"

#include <bit>
#include <cmath>
#include <cstring>
#include <limits>
#include <span>
#include <string>
#include <utility>

#include "spatial/base/day.h"
#include "spatial/coords/geodesic.h"
#include "spatial/geom/geos_util.h"
#include "spatial/input/geometry_input.h"
#include "spatial/query/display.h"
#include "spatial/query/near_search.h"

namespace redline {
namespace {

// ISO WKB of a point, little-endian: byte order, type 1, x, y.
std::string PointWkb(Point2 p) {
  static_assert(std::endian::native == std::endian::little, "WKB written in host order");
  std::string wkb(21, '\0');
  wkb[0] = 1;
  const uint32_t type = 1;
  std::memcpy(&wkb[1], &type, 4);
  std::memcpy(&wkb[5], &p.x, 8);
  std::memcpy(&wkb[13], &p.y, 8);
  return wkb;
}

bool IsHit(const CheckResult& result, uint32_t z) {
  for (const ZoneHitResult& h : result.hits) {
    if (h.zone == z) return true;
  }
  return false;
}

// The zones not hit whose boundary lies within reach of working point p,
// nearest box first, with their planar distances in result.nearest and
// their nearest boundary points in `scratch`. The geodesic distance (a PROJ
// inverse and a geodesic inverse problem) is needed only where it can
// change the answer: for a zone that may be the nearest of its kind, or
// within a setback. Planar and geodesic distances differ by the
// projection's scale, far less than kPlanarSlack here, so a zone whose
// planar distance puts it surely farther than both is dropped unmeasured,
// exactly as it would be dropped measured: what is kept, and its order
// (distance, then zone), stays the same. The planar search itself stops at
// that distance too, the nearest zones (by box) first, so that the bound
// per kind falls early.
void FindNearPlanar(const ZoneIndex& index, Point2 p, const std::vector<bool>& mask, int32_t day,
                    double planar, NearReach& near_reach, CheckResult& result,
                    std::vector<Point2>& scratch) {
  const std::vector<Zone>& zones = index.zones();
  thread_local std::vector<BoxCandidate> candidates;
  candidates.clear();
  index.boxes().Query(Box{p.x - planar, p.y - planar, p.x + planar, p.y + planar}, [&](uint32_t z) {
    if (!mask[zones[z].layer] || !zones[z].InForce(day) || IsHit(result, z)) {
      return;
    }
    candidates.push_back({BoxDistance2(zones[z].shape.bbox(), p), z});
  });
  SortNearestBoxFirst(candidates);
  // distance_m holds the planar distance until the geodesic one replaces it.
  scratch.clear();
  for (const BoxCandidate& c : candidates) {
    const double reach = near_reach.Reach(index.KindOf(c.zone));
    if (c.box_gap2 > reach * reach) continue;
    Point2 q;
    const double d = zones[c.zone].shape.BoundaryDistance(p, reach, &q);
    if (d == kInf) continue;
    near_reach.Found(index.KindOf(c.zone), d);
    result.nearest.push_back({.zone = c.zone, .distance_m = d});
    scratch.push_back(q);
  }
}

// Drops the zones NearReach proves irrelevant (see FindNearPlanar), keeping
// `scratch` in step; returns how many are left.
size_t KeepNeeded(const ZoneIndex& index, double radius, double setback,
                  const NearReach& near_reach, CheckResult& result, std::vector<Point2>& scratch) {
  size_t measured = 0;
  for (size_t i = 0; i < result.nearest.size(); ++i) {
    const double lower = result.nearest[i].distance_m / kPlanarSlack;
    const bool needed =
        lower <= radius &&
        (lower <= setback || (lower <= result.search_radius_m &&
                              lower <= near_reach.Upper(index.KindOf(result.nearest[i].zone))));
    if (!needed) continue;
    result.nearest[measured] = std::move(result.nearest[i]);
    scratch[measured] = scratch[i];
    ++measured;
  }
  result.nearest.resize(measured);
  scratch.resize(measured);
  return measured;
}

// Each kept distance on the ellipsoid: a near zone's by the ground scale at
// the midpoint, the others' through PROJ and GeographicLib in one call. Drops
// the zones farther than `radius`; returns whether a boundary point PROJ
// could not convert was left out.
bool MeasureOnEllipsoid(const ZoneIndex& index, Point2 lonlat, Point2 p, double radius,
                        const PointTransformer& to_lonlat, CheckResult& result,
                        const std::vector<Point2>& scratch) {
  const size_t measured = result.nearest.size();
  thread_local std::vector<double> geodesic;
  thread_local std::vector<Point2> exact;
  // NaN: measured through PROJ below.
  geodesic.assign(measured, std::numeric_limits<double>::quiet_NaN());
  exact.clear();
  for (size_t i = 0; i < measured; ++i) {
    const double planar_d = result.nearest[i].distance_m;
    const Point2 q = scratch[i];
    const double s = planar_d <= kScaleReachM
                         ? index.scale_grid().At({0.5 * (p.x + q.x), 0.5 * (p.y + q.y)})
                         : 0;
    if (s > 0) {
      geodesic[i] = planar_d * s;
    } else {
      exact.push_back(q);
    }
  }
  to_lonlat.ApplyUnchecked(exact);
  size_t kept = 0;
  bool dropped = false;
  for (size_t i = 0, e = 0; i < measured; ++i) {
    double d = geodesic[i];
    if (std::isnan(d)) {
      const Point2 q = exact[e++];
      // A boundary point PROJ cannot convert is left out, as it always was.
      if (!std::isfinite(q.x) || !std::isfinite(q.y) || q.x == HUGE_VAL || q.y == HUGE_VAL) {
        dropped = true;
        continue;
      }
      d = GeodesicDistanceM(lonlat, q);
    }
    if (d <= radius) {
      if (kept != i) result.nearest[kept] = std::move(result.nearest[i]);
      result.nearest[kept].distance_m = d;
      ++kept;
    }
  }
  result.nearest.resize(kept);
  return dropped;
}

// Every zone within `planar` measured exactly, none judged unmeasured.
void MeasureAll(const ZoneIndex& index, Point2 lonlat, Point2 p, const std::vector<bool>& mask,
                int32_t day, double planar, double radius, const PointTransformer& to_lonlat,
                CheckResult& result) {
  const std::vector<Zone>& zones = index.zones();
  result.nearest.clear();
  index.boxes().Query(Box{p.x - planar, p.y - planar, p.x + planar, p.y + planar}, [&](uint32_t z) {
    if (!mask[zones[z].layer] || !zones[z].InForce(day) || IsHit(result, z)) {
      return;
    }
    Point2 q;
    if (zones[z].shape.BoundaryDistance(p, planar, &q) == kInf) return;
    if (!to_lonlat.Apply(std::span<Point2>(&q, 1)).ok()) return;
    const double d = GeodesicDistanceM(lonlat, q);
    if (d <= radius) result.nearest.push_back({.zone = z, .distance_m = d});
  });
}

}  // namespace

bool MayTakeOpenCountry(const ZoneIndex& index, const CheckOptions& options) {
  // Zone outlines are clipped around the working coordinates, and a wider
  // radius reaches past the grid's.
  return !options.include_zone_geometry && SearchRadius(index, options) <= index.reach_m();
}

Reason CheckPreparedPoint(const ZoneIndex& index, Point2 lonlat, Point2 p,
                          const std::vector<bool>& mask, int32_t day, const CheckOptions& options,
                          const PointTransformer& to_lonlat, CheckResult& result,
                          std::vector<Point2>& scratch, RuleMemo* memo) {
  FindHits(index, p, mask, day, result.hits);
  result.nearest.clear();
  const double setback = index.rules().max_setback_m();
  const double radius = std::max(result.search_radius_m, setback);
  const double planar = radius * kPlanarSlack;
  NearReach near_reach(result.search_radius_m, setback, planar);
  FindNearPlanar(index, p, mask, day, planar, near_reach, result, scratch);
  if (scratch.empty()) return ApplyRules(index, options, result, memo);

  const size_t measured = KeepNeeded(index, radius, setback, near_reach, result, scratch);
  const bool dropped = MeasureOnEllipsoid(index, lonlat, p, radius, to_lonlat, result, scratch);
  if (dropped && measured > 0) {
    // A zone left out unmeasured may have been judged against one PROJ
    // could not place: measure everything instead (never seen in practice).
    scratch.clear();
    MeasureAll(index, lonlat, p, mask, day, planar, radius, to_lonlat, result);
  }
  return ApplyRules(index, options, result, memo);
}

absl::StatusOr<CheckResult> CheckPoint(const ZoneIndex& index, Point2 point, absl::string_view crs,
                                       const CheckOptions& options) {
  absl::StatusOr<std::vector<bool>> mask = ValidateOptions(index, options);
  if (!mask.ok()) return mask.status();
  absl::StatusOr<PointSite> site = ReadPoint(point, crs);
  if (!site.ok()) return site.status();
  const std::string& working_crs = index.config().working_crs;
  // Open country (reach_grid.h): no zone within reach, so no hit and no
  // nearby zone, and nothing to convert or look up.
  const bool open = MayTakeOpenCountry(index, options) && index.OutOfReach(site->lonlat);
  if (!open) {
    if (absl::Status st = ConvertToWorking(*site, working_crs); !st.ok()) return st;
  }

  CheckResult result;
  result.site.geometry_type = "Point";
  result.site.input_crs = site->input_crs;
  result.site.coordinates = std::move(site->interpretation);
  result.site.vertices = 1;
  result.site.representative_lonlat = site->lonlat;
  result.site.extent_lonlat.Include(site->lonlat);
  result.search_radius_m = SearchRadius(index, options);
  const int32_t day = options.as_of_day.value_or(TodayInChina());
  result.as_of_day = day;

  const Point2 p = site->working;
  result.hits_only = options.hits_only;
  if (open) {
    if (!options.hits_only) {
      SetReason(index, ApplyRules(index, options, result), result);
    }
  } else if (options.hits_only) {
    FindHits(index, p, *mask, day, result.hits);
    SortHitsInLayerOrder(index, result.hits);
  } else {
    absl::StatusOr<PointTransformer> to_lonlat = PointTransformer::Make(working_crs, kLonLatCrs);
    if (!to_lonlat.ok()) return to_lonlat.status();
    std::vector<Point2> scratch;
    const Reason reason = CheckPreparedPoint(index, site->lonlat, p, *mask, day, options,
                                             *to_lonlat, result, scratch);
    SetReason(index, reason, result);
  }

  if (options.include_intersection && !result.hits.empty()) {
    // A point's part in any zone is the point itself.
    GEOSContextHandle_t ctx = ThreadGeos().get();
    GeomPtr pt = Own(ctx, GEOSGeom_createPointFromXY_r(ctx, p.x, p.y));
    absl::StatusOr<std::string> wkb = LonLatWkb(ctx, pt.get(), working_crs);
    if (!wkb.ok()) return wkb.status();
    for (ZoneHitResult& hit : result.hits) hit.intersection_wkb = *wkb;
  }
  if (options.include_zone_geometry) {
    const double planar =
        std::max(result.search_radius_m, index.rules().max_setback_m()) * kPlanarSlack;
    if (absl::Status st =
            AddZoneGeometry(index, Box{p.x, p.y, p.x, p.y}.Expanded(planar + 1.0), result);
        !st.ok()) {
      return st;
    }
    result.site.geometry_wkb = PointWkb(site->lonlat);
  }
  return result;
}

}  // namespace redline
