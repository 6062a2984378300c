// Geodesic measures on the CGCS2000 ellipsoid, with GeographicLib's algorithms
// as PROJ ships them (geodesic.h) — the same ones PostGIS uses for geography.
// All inputs are longitude/latitude in degrees; results in metres and m².
// Thread-safe: the ellipsoid is initialised once and only read.
#ifndef REDLINE_SPATIAL_GEODESIC_H_
#define REDLINE_SPATIAL_GEODESIC_H_

#include <span>

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

}  // namespace redline

#endif  // REDLINE_SPATIAL_GEODESIC_H_
