// Geodesic measures on the CGCS2000 ellipsoid, with GeographicLib's algorithms
// as PROJ ships them (geodesic.h) — the same ones PostGIS uses for geography.
// All inputs are longitude/latitude in degrees; results in metres and m².
// Thread-safe: the ellipsoid is initialised once and only read.
#ifndef REDLINE_SPATIAL_GEODESIC_H_
#define REDLINE_SPATIAL_GEODESIC_H_

#include <optional>
#include <span>
#include "absl/strings/string_view.h"

#include "spatial/orientation.h"

namespace redline {

// CGCS2000 ellipsoid (EPSG:1024): a = 6378137 m, 1/f = 298.257222101.
inline constexpr double kCgcs2000A = 6378137.0;
inline constexpr double kCgcs2000InvF = 298.257222101;

double GeodesicDistanceM(Point2 lonlat1, Point2 lonlat2);

// Area enclosed by a ring (closed or not), always >= 0.
double GeodesicRingAreaM2(std::span<const Point2> ring_lonlat);

// Length of a path through the given vertices.
double GeodesicPathLengthM(std::span<const Point2> path_lonlat);

// Area enclosed by a ring and its perimeter, from the same geodesics.
struct RingMeasure {
  double area_m2 = 0;  // >= 0
  double perimeter_m = 0;
};
RingMeasure GeodesicRingMeasure(std::span<const Point2> ring_lonlat);

// One linear component of a geometry held in a projected CRS.
struct PlanarPart {
  std::span<const Point2> points;
  bool ring = false;  // a polygon ring: encloses area
  bool hole = false;  // a hole: its area is taken away
};
struct PlanarGeodesicMeasure {
  double area_m2 = 0;    // the rings' area, holes taken away
  double length_m = 0;   // every part's length (rings: perimeters)
};

// The geodesic area and length of `parts`, held in the conformal projected
// CRS `crs`, without taking every vertex back to longitude/latitude: in a
// conformal projection the ground scale s (metres on the ellipsoid per
// planar metre) is the same in every direction and varies slowly, so
//   area   = planar area x s(centroid)^2   (exact for s linear in x, y)
//   length = sum of edge length x s(edge midpoint)   (likewise)
// with s and its gradient measured by PROJ and GeographicLib at a few
// points. The error has two parts, each bounded here: the curvature of s
// (|s''| <= 1/R^2 on the Earth, so at most 2 rho^2 / R^2 for parts within
// rho of the centre), and the area between each geodesic edge and its
// straight image (at most |grad s| L^3 / 6 per edge of length L). Returns
// nullopt when the bound exceeds `max_relative_error`, when the CRS is not
// conformal where the parts lie (scales along x and y differ), or when PROJ
// fails: the caller then measures vertex by vertex.
std::optional<PlanarGeodesicMeasure> MeasureConformal(std::span<const PlanarPart> parts,
                                                      absl::string_view crs,
                                                      double max_relative_error);

}  // namespace redline

#endif  // REDLINE_SPATIAL_GEODESIC_H_
