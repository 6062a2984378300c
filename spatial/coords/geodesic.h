// Geodesic measures on the CGCS2000 ellipsoid, with GeographicLib's algorithms
// as PROJ ships them (geodesic.h) — the same ones PostGIS uses for geography.
// All inputs are longitude/latitude in degrees; results in metres and m².
// Thread-safe: the ellipsoid is initialised once and only read.
#ifndef REDLINE_SPATIAL_COORDS_GEODESIC_H_
#define REDLINE_SPATIAL_COORDS_GEODESIC_H_

#include <optional>
#include <span>
#include <vector>

#include "absl/strings/string_view.h"
#include "spatial/geom/box_index.h"
#include "spatial/geom/orientation.h"

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
// Area and length on the ellipsoid.
struct GeodesicMeasure {
  double area_m2 = 0;   // the rings' area, holes taken away
  double length_m = 0;  // every part's length (rings: perimeters)
};

// Sums over the segments of a geometry held in a projected CRS, relative to
// an origin near it (small numbers, so no cancellation): enough for the area,
// the length, the centroid and MeasureMoments' error bounds. They add up
// segment by segment, so the boundary pieces of an overlay (Green's theorem)
// measure a region that was never built as a polygon.
struct PlanarMoments {
  explicit PlanarMoments(Point2 o) : origin(o) {}
  // One segment: of a linear part (area_sign 0), or of a region's boundary
  // with area_sign +1 where the region lies to the segment's left and -1
  // where it lies to its right.
  void AddSegment(Point2 a, Point2 b, double area_sign);
  // Every term of `other` (same origin), its area terms times area_sign.
  void Add(const PlanarMoments& other, double area_sign);

  Point2 origin;
  // Twice the area, six times its first moments, twelve times its polar
  // second moment about the origin.
  double area2 = 0, mx6 = 0, my6 = 0, i12 = 0;
  // Total length; its first moments and polar second moment (segment
  // midpoints); the sum of cubed segment lengths.
  double length = 0, lx = 0, ly = 0, lq = 0, cubes = 0;
};

// The ground scale s of a conformal projected CRS near `at`: its value
// there, its gradient and second derivatives (finite differences over
// 2 km, through PROJ and GeographicLib).
struct ScaleFit {
  Point2 at;
  double s = 1, gx = 0, gy = 0, hxx = 0, hyy = 0, hxy = 0;
};
// nullopt when PROJ fails, or the CRS is not conformal at `at`.
std::optional<ScaleFit> FitGroundScale(absl::string_view crs, Point2 at);

// The relative error MeasureGeodesic accepts from the planar measures below
// before it measures vertex by vertex.
inline constexpr double kConformalMeasureError = 2e-7;

// The geodesic area and length of what `m` sums, held in the conformal
// projected CRS `crs`, without taking every vertex back to
// longitude/latitude: in a conformal projection the ground scale s (metres
// on the ellipsoid per planar metre) is the same in every direction and
// varies slowly, so
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
//
// `nearby`, a fit from FitGroundScale near the parts (within 2 km of their
// centroid), spares most of the PROJ and geodesic work when one site
// measures several parts: s is still measured at the centroid, only its
// derivatives come from the fit.
std::optional<GeodesicMeasure> MeasureMoments(const PlanarMoments& m, absl::string_view crs,
                                              double max_relative_error,
                                              const ScaleFit* nearby = nullptr);

// MeasureMoments of `parts`, each ring counted positive for a shell and
// negative for a hole whatever its orientation.
std::optional<GeodesicMeasure> MeasureConformal(std::span<const PlanarPart> parts,
                                                absl::string_view crs, double max_relative_error,
                                                const ScaleFit* nearby = nullptr);

// The ground scale s of a conformal projected CRS tabulated over a box, for
// short distances without PROJ or GeographicLib: a planar segment from p to
// q (|pq| = d) is d x s((p + q) / 2) metres long on the ellipsoid, to within
// |s''| d^3 / 24 (|s''| <= 1/R^2: 3e-8 relative at 5 km) plus the
// interpolation error, which Build bounds. Immutable once built; shared by
// every thread of a snapshot.
class ScaleGrid {
 public:
  ScaleGrid() = default;
  // Nodes every `spacing_m` over `box` (working CRS), each measured with 10 m
  // central differences along x and y. nullopt when PROJ fails, the CRS is
  // not conformal at some node (the two scales differ by more than 1e-8), the
  // bilinear interpolation may err by more than `max_relative_error` (from
  // the table's own second differences, half as much again), or the table
  // would exceed `max_nodes`.
  static std::optional<ScaleGrid> Build(const Box& box, absl::string_view crs, double spacing_m,
                                        double max_relative_error, size_t max_nodes);
  // s at p, bilinearly interpolated; 0 outside the box or for an empty grid.
  double At(Point2 p) const;
  size_t MemoryBytes() const { return scale_.capacity() * sizeof(double); }

 private:
  Box box_;
  double spacing_ = 0;
  size_t nx_ = 0, ny_ = 0;     // nodes along x and y
  std::vector<double> scale_;  // row-major, y outer
};

}  // namespace redline

#endif  // REDLINE_SPATIAL_COORDS_GEODESIC_H_
