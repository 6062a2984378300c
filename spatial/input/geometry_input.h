// Turning a request's geometry (WKT, WKB, GeoJSON or a coordinate table, in
// any CRS or web-map offset that spatial/coords/coordinates.h reads) into a valid
// GEOS geometry in the working CRS, and measuring GEOS geometries
// geodesically. Every rejection says what is wrong with the input.
#ifndef REDLINE_SPATIAL_INPUT_GEOMETRY_INPUT_H_
#define REDLINE_SPATIAL_INPUT_GEOMETRY_INPUT_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "spatial/coords/coordinates.h"
#include "spatial/coords/geodesic.h"
#include "spatial/geom/box_index.h"
#include "spatial/geom/geos_util.h"
#include "spatial/input/geometry_encoding.h"

namespace redline {

// A request's geometry, ready to query. Owned by the calling thread's GEOS
// context: use it on that thread only.
struct Site {
  GeomPtr working;    // in the working CRS
  std::string type;   // "Point", "Polygon", ...
  int dimension = 0;  // 0 points, 1 lines, 2 polygons
  int64_t vertices = 0;
  std::string input_crs;  // interpretation.crs
  CoordinateInterpretation interpretation;
  Box extent;  // in the working CRS
  Box extent_lonlat;
  Point2 representative_lonlat;  // a point on the geometry
  double area_m2 = 0;
  double length_m = 0;  // lines: length; polygons: perimeter
  // The ground scale fitted at the centre of `extent` (not for points):
  // measures the site, and serves again for its overlaps with zones.
  std::optional<ScaleFit> scale_fit;
  // The polygon was invalid as given and was made valid
  // (InvalidPolygon::kRepair); interpretation.notes says what was wrong, where.
  bool geometry_repaired = false;
};

// What PrepareSite does with a polygon that is invalid as the request gives
// it (a self-intersecting ring, a hole crossing its shell).
enum class InvalidPolygon {
  // Make it valid as the loader makes zones valid (MakeValidPolygonal in
  // spatial/geom/geos_util.h, in the working CRS), set Site::geometry_repaired
  // and add a note naming the fault and its place in the request's own
  // coordinates. Real boundary data is often invalid as published.
  kRepair,
  // INVALID_ARGUMENT naming the fault and its place (CheckOptions'
  // strict_geometry).
  kRefuse,
};

// Either way, a polygon of which nothing polygonal remains once made valid is
// INVALID_ARGUMENT. A polygon valid as given but not once reprojected (a
// vertex on another ring's edge) is repaired the same way, without a note:
// the fault is the conversion's, not the request's.
absl::StatusOr<Site> PrepareSite(GeometryEncoding encoding, absl::string_view data,
                                 absl::string_view crs, const std::string& working_crs,
                                 int64_t max_vertices,
                                 InvalidPolygon invalid = InvalidPolygon::kRepair);

// What is wrong with polygonal `g`, and where, in g's own coordinates
// ("Ring Self-intersection at (120.1, 30.2)", as GEOS's isValidDetail says
// it); empty when `g` is valid.
std::string PolygonFault(GeosContext& geos, const GEOSGeometry* g);

// A point given in `crs`, checked and converted without touching GEOS (the
// hot path of CheckPoint).
struct PointSite {
  Point2 lonlat;          // EPSG:4490
  Point2 working;         // the working CRS
  std::string input_crs;  // interpretation.crs
  CoordinateInterpretation interpretation;
};
absl::StatusOr<PointSite> PreparePoint(Point2 input, absl::string_view crs,
                                       const std::string& working_crs);
// PreparePoint's two steps: reading the point (`working` is left unset)...
absl::StatusOr<PointSite> ReadPoint(Point2 input, absl::string_view crs);
// ...and converting it to the working CRS.
absl::Status ConvertToWorking(PointSite& site, const std::string& working_crs);

// Geodesic area and length of a geometry held in `working_crs`; `nearby`,
// a ground-scale fit near it, as for MeasureMoments.
absl::StatusOr<GeodesicMeasure> MeasureGeodesic(GEOSContextHandle_t ctx, const GEOSGeometry* g,
                                                const std::string& working_crs,
                                                const ScaleFit* nearby = nullptr);

// `g` (in `working_crs`) in EPSG:4490, longitude first, encoded as asked.
absl::StatusOr<std::string> LonLatEncoded(GEOSContextHandle_t ctx, const GEOSGeometry* g,
                                          const std::string& working_crs, GeometryFormat format);
inline absl::StatusOr<std::string> LonLatWkb(GEOSContextHandle_t ctx, const GEOSGeometry* g,
                                             const std::string& working_crs) {
  return LonLatEncoded(ctx, g, working_crs, GeometryFormat::kWkb);
}

// Calls fn(ring_or_line, is_hole, is_polygon_ring) for every linear
// component of g, in GEOS's natural coordinate order.
template <typename Fn>
void ForEachLinear(GEOSContextHandle_t ctx, const GEOSGeometry* g, Fn&& fn);

// All coordinates of g in natural order.
std::vector<Point2> Coordinates(GEOSContextHandle_t ctx, const GEOSGeometry* g);

// ---------------------------------------------------------------------------

template <typename Fn>
void ForEachLinear(GEOSContextHandle_t ctx, const GEOSGeometry* g, Fn&& fn) {
  switch (GEOSGeomTypeId_r(ctx, g)) {
    case GEOS_POINT:
    case GEOS_LINESTRING:
    case GEOS_LINEARRING:
      fn(g, false, false);
      break;
    case GEOS_POLYGON: {
      fn(GEOSGetExteriorRing_r(ctx, g), false, true);
      const int holes = GEOSGetNumInteriorRings_r(ctx, g);
      for (int i = 0; i < holes; ++i) {
        fn(GEOSGetInteriorRingN_r(ctx, g, i), true, true);
      }
      break;
    }
    default: {
      const int n = GEOSGetNumGeometries_r(ctx, g);
      for (int i = 0; i < n; ++i) ForEachLinear(ctx, GEOSGetGeometryN_r(ctx, g, i), fn);
    }
  }
}

}  // namespace redline

#endif  // REDLINE_SPATIAL_INPUT_GEOMETRY_INPUT_H_
