#include "spatial/query/display.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "spatial/base/day.h"
#include "spatial/coords/crs.h"
#include "spatial/geom/geos_util.h"
#include "spatial/input/geometry_input.h"

namespace redline {
namespace {

absl::Status ValidateDisplayQuery(const DisplayQuery& query) {
  const Box& b = query.bbox_lonlat;
  if (!(std::isfinite(b.min_x) && std::isfinite(b.min_y) && std::isfinite(b.max_x) &&
        std::isfinite(b.max_y)) ||
      b.min_x >= b.max_x || b.min_y >= b.max_y || b.min_x < -180 || b.max_x > 180 ||
      b.min_y < -90 || b.max_y > 90) {
    return absl::InvalidArgumentError(
        absl::StrFormat("bbox (%g, %g, %g, %g) is not a box in longitude/latitude: give "
                        "min_lon < max_lon within -180..180 and min_lat < max_lat within -90..90",
                        b.min_x, b.min_y, b.max_x, b.max_y));
  }
  if (!std::isfinite(query.resolution_m) || query.resolution_m < 0) {
    return absl::InvalidArgumentError(
        absl::StrFormat("resolution_m %g must be 0 (full detail) or a positive number of "
                        "metres per pixel",
                        query.resolution_m));
  }
  if (query.max_zones < 0 || query.max_zones > kMaxDisplayZones) {
    return absl::InvalidArgumentError(
        absl::StrFormat("max_zones %d is outside 0..%d", query.max_zones, kMaxDisplayZones));
  }
  return absl::OkStatus();
}

// Zone z's outline for the map, clipped to `clip` and simplified to the
// resolution; null when GEOS fails.
GeomPtr DisplayOutline(GEOSContextHandle_t ctx, const Zone& zone, const Box& clip,
                       double resolution_m) {
  const Box& zb = zone.shape.bbox();
  if (resolution_m > 0 && zb.max_x - zb.min_x < resolution_m &&
      zb.max_y - zb.min_y < resolution_m) {
    // Smaller than a pixel: simplifying would erase it; its box keeps it seen.
    return Own(ctx, GEOSGeom_createRectangle_r(ctx, zb.min_x, zb.min_y, zb.max_x, zb.max_y));
  }
  GeomPtr whole = zone.shape.ToGeos(ctx);
  GeomPtr g =
      Own(ctx, GEOSClipByRect_r(ctx, whole.get(), clip.min_x, clip.min_y, clip.max_x, clip.max_y));
  if (g && resolution_m > 0 && !GEOSisEmpty_r(ctx, g.get())) {
    GeomPtr simple = Own(ctx, GEOSSimplify_r(ctx, g.get(), resolution_m));
    // A thin zone can collapse under simplification: keep its box.
    if (simple && GEOSisEmpty_r(ctx, simple.get())) {
      simple = Own(ctx, GEOSEnvelope_r(ctx, g.get()));
    }
    g = std::move(simple);
  }
  return g;
}

}  // namespace

absl::StatusOr<DisplayZones> ZonesForDisplay(const ZoneIndex& index, const DisplayQuery& query) {
  if (absl::Status st = ValidateDisplayQuery(query); !st.ok()) return st;
  absl::StatusOr<std::vector<bool>> mask = index.LayerMask(query.layers);
  if (!mask.ok()) return mask.status();
  const int32_t day = query.as_of_day.value_or(TodayInChina());
  const size_t max_zones = query.max_zones > 0 ? query.max_zones : kDefaultMaxDisplayZones;
  const std::vector<Zone>& zones = index.zones();
  const std::string& working_crs = index.config().working_crs;

  DisplayZones out;
  out.resolution_m = query.resolution_m;
  // Only the part of the box the data covers: a world-wide box would not
  // transform into a Gauss-Kruger plane.
  Box data_lonlat;
  for (const LayerState& l : index.layers()) data_lonlat.Include(l.report.extent_lonlat);
  const Box lonlat = query.bbox_lonlat.Intersection(data_lonlat);
  if (lonlat.empty()) return out;
  absl::StatusOr<PointTransformer> to_working = PointTransformer::Make(kLonLatCrs, working_crs);
  if (!to_working.ok()) return to_working.status();
  absl::StatusOr<Box> converted = TransformBox(*to_working, lonlat, /*steps=*/8);
  if (!converted.ok()) return converted.status();
  const Box area = *converted;
  // A few pixels beyond the view, so clipped edges are not drawn on screen.
  const Box clip = area.Expanded(std::max(4 * query.resolution_m, 1.0));

  std::vector<uint32_t> found;
  index.boxes().Query(area, [&](uint32_t z) {
    if ((*mask)[zones[z].layer] && zones[z].InForce(day) &&
        zones[z].shape.bbox().Intersects(area)) {
      found.push_back(z);
    }
  });
  std::sort(found.begin(), found.end());
  if (found.size() > max_zones) {
    out.truncated = true;
    found.resize(max_zones);
  }
  GEOSContextHandle_t ctx = ThreadGeos().get();
  for (uint32_t z : found) {
    GeomPtr g = DisplayOutline(ctx, zones[z], clip, query.resolution_m);
    if (!g)
      return absl::InternalError(absl::StrCat("cannot prepare zone ", zones[z].id, " for display"));
    if (GEOSisEmpty_r(ctx, g.get())) continue;
    absl::StatusOr<std::string> encoded = LonLatEncoded(ctx, g.get(), working_crs, query.format);
    if (!encoded.ok()) return encoded.status();
    out.zones.push_back({z, *std::move(encoded)});
  }
  return out;
}

absl::Status AddZoneGeometry(const ZoneIndex& index, const Box& area, CheckResult& result) {
  GEOSContextHandle_t ctx = ThreadGeos().get();
  auto outline = [&](uint32_t z, std::string& out) -> absl::Status {
    GeomPtr g = index.zones()[z].shape.ToGeos(ctx);
    GeomPtr clipped =
        Own(ctx, GEOSClipByRect_r(ctx, g.get(), area.min_x, area.min_y, area.max_x, area.max_y));
    if (!clipped || GEOSisEmpty_r(ctx, clipped.get())) return absl::OkStatus();
    absl::StatusOr<std::string> wkb = LonLatWkb(ctx, clipped.get(), index.config().working_crs);
    if (!wkb.ok()) return wkb.status();
    out = *std::move(wkb);
    return absl::OkStatus();
  };
  for (ZoneHitResult& hit : result.hits) {
    if (absl::Status st = outline(hit.zone, hit.zone_geometry_wkb); !st.ok()) return st;
  }
  for (NearZoneResult& near : result.nearest) {
    if (absl::Status st = outline(near.zone, near.zone_geometry_wkb); !st.ok()) return st;
  }
  return absl::OkStatus();
}

}  // namespace redline
