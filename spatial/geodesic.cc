#include "spatial/geodesic.h"

#include <geodesic.h>

#include <cmath>
#include <vector>

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
