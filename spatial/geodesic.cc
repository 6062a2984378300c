#include "spatial/geodesic.h"

#include <geodesic.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "spatial/box_index.h"
#include "spatial/crs.h"

namespace redline {
namespace {

const geod_geodesic& Cgcs2000() {
  static const geod_geodesic g = [] {
    geod_geodesic init;
    geod_init(&init, kCgcs2000A, 1 / kCgcs2000InvF);
    return init;
  }();
  return g;
}

}  // namespace

double GeodesicDistanceM(Point2 a, Point2 b) {
  double s12 = 0;
  geod_inverse(&Cgcs2000(), a.y, a.x, b.y, b.x, &s12, nullptr, nullptr);
  return s12;
}

RingMeasure GeodesicRingMeasure(std::span<const Point2> ring) {
  size_t n = ring.size();
  if (n > 1 && ring.front() == ring.back()) --n;  // geod wants it open
  if (n < 2) return {};
  geod_polygon poly;
  geod_polygon_init(&poly, 0);
  for (size_t i = 0; i < n; ++i) {
    geod_polygon_addpoint(&Cgcs2000(), &poly, ring[i].y, ring[i].x);
  }
  RingMeasure m;
  geod_polygon_compute(&Cgcs2000(), &poly, 0, 1, &m.area_m2, &m.perimeter_m);
  m.area_m2 = n < 3 ? 0 : std::fabs(m.area_m2);
  return m;
}

std::optional<PlanarGeodesicMeasure> MeasureConformal(std::span<const PlanarPart> parts,
                                                      absl::string_view crs,
                                                      double max_relative_error) {
  // A lower bound of the Earth's radii of curvature (the meridional radius
  // at the equator is 6,335 km), for the curvature term of the bound.
  constexpr double kMinRadiusM = 6.3e6;
  Box box;
  for (const PlanarPart& part : parts) {
    for (const Point2& p : part.points) box.Include(p);
  }
  if (box.empty()) return PlanarGeodesicMeasure{};
  const Point2 o{0.5 * (box.min_x + box.max_x), 0.5 * (box.min_y + box.max_y)};
  const double rho2 = box.width() * box.width() + box.height() * box.height();

  // Planar area and its first moments, relative to o (small numbers, so no
  // cancellation), and the sums the length and the lens bound need.
  double area2 = 0, mx6 = 0, my6 = 0;
  double length = 0, lx = 0, ly = 0, cubes = 0;
  for (const PlanarPart& part : parts) {
    double ring_area2 = 0, ring_mx6 = 0, ring_my6 = 0;
    for (size_t i = 1; i < part.points.size(); ++i) {
      const double ax = part.points[i - 1].x - o.x, ay = part.points[i - 1].y - o.y;
      const double bx = part.points[i].x - o.x, by = part.points[i].y - o.y;
      const double len = std::hypot(bx - ax, by - ay);
      length += len;
      lx += len * 0.5 * (ax + bx);
      ly += len * 0.5 * (ay + by);
      cubes += len * len * len;
      if (part.ring) {
        const double cross = ax * by - bx * ay;
        ring_area2 += cross;
        ring_mx6 += (ax + bx) * cross;
        ring_my6 += (ay + by) * cross;
      }
    }
    if (!part.ring) continue;
    // Shells count positive and holes negative whatever their orientation.
    const double sign = ((ring_area2 < 0) != part.hole) ? -1 : 1;
    area2 += sign * ring_area2;
    mx6 += sign * ring_mx6;
    my6 += sign * ring_my6;
  }
  const double area = 0.5 * area2;
  // The centroid of the area, or of the lines when there is no area.
  Point2 c = o;
  if (area > 0) {
    c = {o.x + mx6 / (3 * area2), o.y + my6 / (3 * area2)};
  } else if (length > 0) {
    c = {o.x + lx / length, o.y + ly / length};
  }

  // Ground scale at c along x and y (10 m central differences), and at
  // c + D along each axis for the gradient.
  constexpr double kStep = 5, kD = 500;
  Point2 pts[8] = {{c.x - kStep, c.y},      {c.x + kStep, c.y},
                   {c.x, c.y - kStep},      {c.x, c.y + kStep},
                   {c.x + kD - kStep, c.y}, {c.x + kD + kStep, c.y},
                   {c.x, c.y + kD - kStep}, {c.x, c.y + kD + kStep}};
  if (!TransformPoints(crs, "EPSG:4490", pts).ok()) return std::nullopt;
  const double sx = GeodesicDistanceM(pts[0], pts[1]) / (2 * kStep);
  const double sy = GeodesicDistanceM(pts[2], pts[3]) / (2 * kStep);
  if (!(sx > 0) || std::fabs(sx - sy) > 1e-8 * sx) return std::nullopt;  // not conformal
  const double s0 = 0.5 * (sx + sy);
  const double gx = (GeodesicDistanceM(pts[4], pts[5]) / (2 * kStep) - sx) / kD;
  const double gy = (GeodesicDistanceM(pts[6], pts[7]) / (2 * kStep) - sy) / kD;
  const double grad = std::hypot(gx, gy) / s0;

  // The bound, relative. Twice the theoretical terms, for safety.
  const double curvature = 2 * rho2 / (kMinRadiusM * kMinRadiusM);
  double bound = curvature;
  if (area > 0) bound += 2 * grad * cubes / 6 / area;
  if (!(bound <= max_relative_error)) return std::nullopt;

  PlanarGeodesicMeasure m;
  m.area_m2 = area > 0 ? area * s0 * s0 : 0;
  // sum len_i * s(mid_i) = s0 * length + grad . sum len_i (mid_i - c)
  m.length_m = s0 * length + gx * (lx - length * (c.x - o.x)) + gy * (ly - length * (c.y - o.y));
  return m;
}

double GeodesicRingAreaM2(std::span<const Point2> ring) {
  size_t n = ring.size();
  if (n > 1 && ring.front() == ring.back()) --n;  // geod wants it open
  if (n < 3) return 0;
  geod_polygon poly;
  geod_polygon_init(&poly, 0);
  for (size_t i = 0; i < n; ++i) {
    geod_polygon_addpoint(&Cgcs2000(), &poly, ring[i].y, ring[i].x);
  }
  double area = 0;
  geod_polygon_compute(&Cgcs2000(), &poly, 0, 1, &area, nullptr);
  return std::fabs(area);
}

double GeodesicPathLengthM(std::span<const Point2> path) {
  double total = 0;
  for (size_t i = 1; i < path.size(); ++i) {
    total += GeodesicDistanceM(path[i - 1], path[i]);
  }
  return total;
}

}  // namespace redline
