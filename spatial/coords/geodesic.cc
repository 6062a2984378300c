#include "spatial/coords/geodesic.h"

#include <geodesic.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "spatial/coords/crs.h"
#include "spatial/geom/box_index.h"

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

// The ground scale s (metres on the ellipsoid per planar metre) at each point
// of `at`, held in the projected CRS `crs`: 10 m central differences along x,
// taken back to longitude/latitude by PROJ and measured by GeographicLib.
// The first `conformal_checks` points are measured along y as well, and the
// two must agree within 1e-8, as they do in a conformal projection. Empty
// when PROJ fails or a check does not hold.
std::vector<double> GroundScales(absl::string_view crs, std::span<const Point2> at,
                                 size_t conformal_checks) {
  constexpr double kStep = 5;
  const size_t n = at.size(), checks = std::min(conformal_checks, n);
  std::vector<Point2> pts;
  pts.reserve(2 * (n + checks));
  for (const Point2& c : at) {
    pts.push_back({c.x - kStep, c.y});
    pts.push_back({c.x + kStep, c.y});
  }
  for (size_t k = 0; k < checks; ++k) {
    pts.push_back({at[k].x, at[k].y - kStep});
    pts.push_back({at[k].x, at[k].y + kStep});
  }
  if (!TransformPoints(crs, kLonLatCrs, pts).ok()) return {};
  std::vector<double> s(n);
  for (size_t k = 0; k < n; ++k) {
    s[k] = GeodesicDistanceM(pts[2 * k], pts[2 * k + 1]) / (2 * kStep);
    if (!(s[k] > 0)) return {};
  }
  for (size_t k = 0; k < checks; ++k) {
    const double sy = GeodesicDistanceM(pts[2 * (n + k)], pts[2 * (n + k) + 1]) / (2 * kStep);
    if (std::fabs(s[k] - sy) > 1e-8 * s[k]) return {};  // not conformal
  }
  return s;
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

void PlanarMoments::AddSegment(Point2 a, Point2 b, double area_sign) {
  const double ax = a.x - origin.x, ay = a.y - origin.y;
  const double bx = b.x - origin.x, by = b.y - origin.y;
  // Not std::hypot: it guards against overflow these lengths never reach,
  // at several times the cost.
  const double len = std::sqrt((bx - ax) * (bx - ax) + (by - ay) * (by - ay));
  const double mx = 0.5 * (ax + bx), my = 0.5 * (ay + by);
  length += len;
  lx += len * mx;
  ly += len * my;
  lq += len * (mx * mx + my * my);
  cubes += len * len * len;
  if (area_sign == 0) return;
  const double cross = area_sign * (ax * by - bx * ay);
  area2 += cross;
  mx6 += (ax + bx) * cross;
  my6 += (ay + by) * cross;
  i12 += (ax * ax + ax * bx + bx * bx + ay * ay + ay * by + by * by) * cross;
}

void PlanarMoments::Add(const PlanarMoments& other, double area_sign) {
  area2 += area_sign * other.area2;
  mx6 += area_sign * other.mx6;
  my6 += area_sign * other.my6;
  i12 += area_sign * other.i12;
  length += other.length;
  lx += other.lx;
  ly += other.ly;
  lq += other.lq;
  cubes += other.cubes;
}

std::optional<GeodesicMeasure> MeasureConformal(std::span<const PlanarPart> parts,
                                                absl::string_view crs, double max_relative_error,
                                                const ScaleFit* nearby) {
  Box box;
  for (const PlanarPart& part : parts) {
    for (const Point2& p : part.points) box.Include(p);
  }
  if (box.empty()) return GeodesicMeasure{};
  PlanarMoments total({0.5 * (box.min_x + box.max_x), 0.5 * (box.min_y + box.max_y)});
  for (const PlanarPart& part : parts) {
    PlanarMoments one(total.origin);
    for (size_t i = 1; i < part.points.size(); ++i) {
      one.AddSegment(part.points[i - 1], part.points[i], part.ring ? 1 : 0);
    }
    // Shells count positive and holes negative whatever their orientation.
    total.Add(one, ((one.area2 < 0) != part.hole) ? -1 : 1);
  }
  return MeasureMoments(total, crs, max_relative_error, nearby);
}

namespace {

// The spacing of FitGroundScale's finite differences; a fit serves parts
// whose centroid lies within it.
constexpr double kFitStep = 2000;

}  // namespace

std::optional<ScaleFit> FitGroundScale(absl::string_view crs, Point2 c) {
  // Ground scale s at c (checked to be the same along x and y: conformal),
  // and at c + (+-D, 0), (0, +-D), (D, D) for its gradient and second
  // derivatives.
  constexpr double kD = kFitStep;
  const Point2 at[6] = {{c.x, c.y},      {c.x + kD, c.y}, {c.x - kD, c.y},
                        {c.x, c.y + kD}, {c.x, c.y - kD}, {c.x + kD, c.y + kD}};
  const std::vector<double> sv = GroundScales(crs, at, 1);
  if (sv.empty()) return std::nullopt;
  ScaleFit fit;
  fit.at = c;
  fit.s = sv[0];
  fit.gx = (sv[1] - sv[2]) / (2 * kD);
  fit.gy = (sv[3] - sv[4]) / (2 * kD);
  fit.hxx = (sv[1] - 2 * fit.s + sv[2]) / (kD * kD);
  fit.hyy = (sv[3] - 2 * fit.s + sv[4]) / (kD * kD);
  fit.hxy = (sv[5] - sv[1] - sv[3] + fit.s) / (kD * kD);
  return fit;
}

std::optional<GeodesicMeasure> MeasureMoments(const PlanarMoments& moments, absl::string_view crs,
                                              double max_relative_error, const ScaleFit* nearby) {
  if (moments.length == 0) return GeodesicMeasure{};
  const Point2 o = moments.origin;
  const double area2 = moments.area2, mx6 = moments.mx6, my6 = moments.my6;
  const double i12 = moments.i12, length = moments.length, lx = moments.lx;
  const double ly = moments.ly, lq = moments.lq, cubes = moments.cubes;
  const double area = 0.5 * area2;
  // The centroid of the area, or of the lines when there is no area.
  Point2 c = o;
  if (area > 0) {
    c = {o.x + mx6 / (3 * area2), o.y + my6 / (3 * area2)};
  } else if (length > 0) {
    c = {o.x + lx / length, o.y + ly / length};
  }
  const double cx = c.x - o.x, cy = c.y - o.y;

  // s at c, its gradient and second derivatives. A fit near c (several
  // parts of one site) gives the derivatives, carried to c; s itself is
  // always measured at c, so the main term stays exact. The fit's own
  // third-order error over kFitStep is ~1e-13 of s in any conformal CRS on
  // the Earth, far inside the bounds below.
  ScaleFit fit;
  if (nearby != nullptr && std::fabs(c.x - nearby->at.x) <= kFitStep &&
      std::fabs(c.y - nearby->at.y) <= kFitStep) {
    const Point2 at[1] = {c};
    const std::vector<double> sv = GroundScales(crs, at, 0);
    if (sv.empty()) return std::nullopt;
    const double dx = c.x - nearby->at.x, dy = c.y - nearby->at.y;
    fit = *nearby;
    fit.at = c;
    fit.s = sv[0];
    fit.gx += nearby->hxx * dx + nearby->hxy * dy;
    fit.gy += nearby->hxy * dx + nearby->hyy * dy;
  } else if (std::optional<ScaleFit> own = FitGroundScale(crs, c)) {
    fit = *own;
  } else {
    return std::nullopt;
  }
  const double s0 = fit.s, gx = fit.gx, gy = fit.gy;
  // A bound of the second derivatives of s, and of m = s^2 (the areal
  // scale): |H_m| <= 2 (s |H_s| + |grad s|^2). Half as much again, and a
  // floor, against the finite differences' own error.
  const double h_s =
      1.5 * (std::fabs(fit.hxx) + std::fabs(fit.hyy) + 2 * std::fabs(fit.hxy)) + 1e-16;
  const double grad2 = gx * gx + gy * gy;
  const double h_m = 2 * (s0 * h_s + 1.5 * grad2);

  // The bounds, relative. Area: the quadratic term of m over the polygon,
  // (|H_m| / 2) J / A with J its polar moment about the centroid, plus the
  // lenses between geodesic edges and their straight images (curvature at
  // most |grad s| / s, area at most curvature L^3 / 12; taken twice).
  // Length: the quadratic term of s at the edges' midpoints and along them.
  double bound = 0;
  if (area > 0) {
    // The polar moment about o is i12 / 12; moved to the centroid.
    const double j = i12 / 12 - area * (cx * cx + cy * cy);
    bound = std::max(bound, 0.5 * h_m * std::max(j, 0.0) / area / (s0 * s0) +
                                2 * std::sqrt(grad2) / s0 * cubes / 12 / area);
  }
  if (length > 0) {
    const double q = lq - 2 * (cx * lx + cy * ly) + length * (cx * cx + cy * cy);
    bound = std::max(bound, 0.5 * h_s * (std::max(q, 0.0) + cubes / 12) / length / s0);
  }
  if (!(bound <= max_relative_error)) return std::nullopt;

  GeodesicMeasure m;
  m.area_m2 = area > 0 ? area * s0 * s0 : 0;
  // sum len_i * s(mid_i) = s0 * length + grad . sum len_i (mid_i - c)
  m.length_m = s0 * length + gx * (lx - length * cx) + gy * (ly - length * cy);
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

std::optional<ScaleGrid> ScaleGrid::Build(const Box& box, absl::string_view crs, double spacing_m,
                                          double max_relative_error, size_t max_nodes) {
  if (box.empty() || !(spacing_m > 0)) return std::nullopt;
  ScaleGrid g;
  g.box_ = box;
  g.spacing_ = spacing_m;
  const double nx = std::max(2.0, std::ceil(box.width() / spacing_m) + 1);
  const double ny = std::max(2.0, std::ceil(box.height() / spacing_m) + 1);
  if (nx * ny > static_cast<double>(max_nodes)) return std::nullopt;
  g.nx_ = static_cast<size_t>(nx);
  g.ny_ = static_cast<size_t>(ny);
  const size_t n = g.nx_ * g.ny_;
  std::vector<Point2> nodes;
  nodes.reserve(n);
  for (size_t j = 0; j < g.ny_; ++j) {
    for (size_t i = 0; i < g.nx_; ++i) {
      nodes.push_back({box.min_x + i * spacing_m, box.min_y + j * spacing_m});
    }
  }
  g.scale_ = GroundScales(crs, nodes, n);  // conformal at every node
  if (g.scale_.empty()) return std::nullopt;
  const double smallest = *std::min_element(g.scale_.begin(), g.scale_.end());
  // Bilinear interpolation errs by at most h^2 / 8 (|s_xx| + |s_yy|).
  double sxx = 0, syy = 0;
  for (size_t j = 0; j < g.ny_; ++j) {
    for (size_t i = 0; i < g.nx_; ++i) {
      const double* s = &g.scale_[j * g.nx_ + i];
      if (i > 0 && i + 1 < g.nx_) sxx = std::max(sxx, std::fabs(s[-1] - 2 * s[0] + s[1]));
      if (j > 0 && j + 1 < g.ny_) {
        syy = std::max(syy, std::fabs(s[-static_cast<ptrdiff_t>(g.nx_)] - 2 * s[0] + s[g.nx_]));
      }
    }
  }
  // The second differences are h^2 s''; half as much again, with a floor of
  // a thousandth of the Earth's bound (|s''| <= 1/R^2) against their own
  // rounding. An axis with only two nodes has no second difference: it takes
  // the Earth's bound itself.
  const double earth = spacing_m * spacing_m / (kCgcs2000A * kCgcs2000A);
  auto axis = [&](double measured, size_t count) {
    return count >= 3 ? std::max(1.5 * measured, 1e-3 * earth) : earth;
  };
  const double bound = (axis(sxx, g.nx_) + axis(syy, g.ny_)) / 8 / smallest;
  if (!(bound <= max_relative_error)) return std::nullopt;
  return g;
}

double ScaleGrid::At(Point2 p) const {
  if (scale_.empty() || !box_.Contains(p)) return 0;
  // Build makes at least 2 x 2 nodes, and the last ones lie on or beyond
  // the box's far edges, so p always falls in a cell.
  const double fx = (p.x - box_.min_x) / spacing_, fy = (p.y - box_.min_y) / spacing_;
  const size_t i = std::min(static_cast<size_t>(fx), nx_ - 2);
  const size_t j = std::min(static_cast<size_t>(fy), ny_ - 2);
  const double tx = fx - i, ty = fy - j;
  const double* s = &scale_[j * nx_ + i];
  const double bottom = s[0] + tx * (s[1] - s[0]);
  const double top = s[nx_] + tx * (s[nx_ + 1] - s[nx_]);
  return bottom + ty * (top - bottom);
}

}  // namespace redline
