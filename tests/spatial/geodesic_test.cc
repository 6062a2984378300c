// Tests of the geodesic measures (spatial/coords/geodesic.h, MeasureGeodesic in
// spatial/input/geometry_input.h) against values obtained independently:
//  - exact values of the ellipsoid: along the equator a geodesic is the
//    equator itself, so its length is a * dlambda; the meridian quadrant of
//    GRS80 is published (Moritz, "Geodetic Reference System 1980") as
//    10 001 965.7293 m;
//  - PROJ's `geod` command-line tool, run from the test. `geod +ellps=GRS80`
//    uses a = 6378137, 1/f = 298.257222101 (see `geod -le`), which are exactly
//    CGCS2000's defining constants; GRS80 itself is defined by J2, from which
//    1/f = 298.257222100882711 follows, a difference of 4e-13 in f that moves
//    no distance here by a micrometre;
//  - areas from GDAL/OGR: the polygon is densified, projected to a Lambert
//    azimuthal equal-area projection on the GRS80 ellipsoid centred on it,
//    and measured in the plane. An equal-area projection preserves area
//    exactly, so the only difference left is straight vs. geodesic edges
//    between close vertices, far below 0.01 % for km-size polygons.
#include "spatial/coords/geodesic.h"

#include <gdal_priv.h>
#include <ogr_geometry.h>
#include <ogr_spatialref.h>
#include <ogrsf_frmts.h>

#include <cmath>
#include <cstdio>
#include <memory>
#include <numbers>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_format.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "spatial/coords/crs.h"
#include "spatial/data/config.h"
#include "spatial/data/loader.h"
#include "spatial/geom/geos_util.h"
#include "spatial/input/geometry_input.h"

namespace redline {
namespace {

constexpr double kDeg = std::numbers::pi / 180;

// ---------------------------------------------------------------------------
// Independent references.

// Distances from `geod +ellps=GRS80 -I`, one per pair; empty if the tool is
// missing. geod prints distances to the millimetre.
std::vector<double> GeodDistances(const std::vector<std::pair<Point2, Point2>>& pairs) {
  std::string input;
  for (const auto& [a, b] : pairs) {
    input += absl::StrFormat("%.10f %.10f %.10f %.10f\\n", a.y, a.x, b.y, b.x);
  }
  const std::string cmd =
      absl::StrFormat("printf '%s' | geod +ellps=GRS80 -I -f %%.10f 2>/dev/null", input);
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(cmd.c_str(), "r"), pclose);
  std::vector<double> out;
  if (!pipe) return out;
  char buf[512];
  while (fgets(buf, sizeof buf, pipe.get()) != nullptr) {
    std::istringstream line(buf);
    double az12 = 0, az21 = 0, s12 = 0;
    if (line >> az12 >> az21 >> s12) out.push_back(s12);
  }
  return out;
}

struct PlanarMeasure {
  double area_m2 = 0;
  double length_m = 0;
};

// Area (and boundary length) of `g`, given in `crs`, measured by OGR in a
// Lambert azimuthal equal-area projection centred at (lon0, lat0).
PlanarMeasure LaeaMeasure(const OGRGeometry& g, const char* crs, double densify, double lon0,
                          double lat0) {
  OGRSpatialReference src, laea;
  src.SetFromUserInput(crs);
  src.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
  laea.importFromProj4(
      absl::StrFormat("+proj=laea +lat_0=%.10f +lon_0=%.10f +ellps=GRS80 +units=m +no_defs", lat0,
                      lon0)
          .c_str());
  laea.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
  std::unique_ptr<OGRCoordinateTransformation> ct(OGRCreateCoordinateTransformation(&src, &laea));
  EXPECT_NE(ct, nullptr);
  std::unique_ptr<OGRGeometry> copy(g.clone());
  copy->segmentize(densify);
  EXPECT_EQ(copy->transform(ct.get()), OGRERR_NONE);
  PlanarMeasure m;
  const OGRwkbGeometryType t = wkbFlatten(copy->getGeometryType());
  if (t == wkbPolygon || t == wkbMultiPolygon) {
    // A MultiPolygon is no OGRSurface: toSurface() on it is a bad downcast.
    m.area_m2 =
        t == wkbPolygon ? copy->toPolygon()->get_Area() : copy->toMultiPolygon()->get_Area();
    std::unique_ptr<OGRGeometry> boundary(copy->Boundary());
    if (wkbFlatten(boundary->getGeometryType()) == wkbLineString) {
      m.length_m = boundary->toLineString()->get_Length();
    } else {
      m.length_m = boundary->toMultiLineString()->get_Length();
    }
  } else if (t == wkbLineString) {
    m.length_m = copy->toLineString()->get_Length();
  }
  return m;
}

std::unique_ptr<OGRGeometry> FromWkt(const std::string& wkt) {
  OGRGeometry* g = nullptr;
  EXPECT_EQ(OGRGeometryFactory::createFromWkt(wkt.c_str(), nullptr, &g), OGRERR_NONE) << wkt;
  return std::unique_ptr<OGRGeometry>(g);
}

std::string RingWkt(const std::vector<Point2>& ring) {
  std::string s = "(";
  for (size_t i = 0; i < ring.size(); ++i) {
    absl::StrAppendFormat(&s, "%s%.12f %.12f", i ? ", " : "", ring[i].x, ring[i].y);
  }
  return s + ")";
}

// ---------------------------------------------------------------------------
// Distances.

TEST(GeodesicDistanceTest, AlongTheEquatorIsATimesDeltaLambda) {
  // The equator is a geodesic for |dlambda| < (1 - f) * 180 degrees.
  EXPECT_NEAR(GeodesicDistanceM({0, 0}, {1, 0}), kCgcs2000A * kDeg, 1e-6);
  EXPECT_NEAR(GeodesicDistanceM({0, 0}, {1, 0}), 111319.49079327357, 1e-6);
  EXPECT_NEAR(GeodesicDistanceM({100, 0}, {110, 0}), kCgcs2000A * 10 * kDeg, 1e-6);
  EXPECT_NEAR(GeodesicDistanceM({-20, 0}, {150, 0}), kCgcs2000A * 170 * kDeg, 1e-5);
}

TEST(GeodesicDistanceTest, MeridianQuadrantIsThePublishedValue) {
  EXPECT_NEAR(GeodesicDistanceM({120, 0}, {120, 90}), 10001965.7293, 1e-3);
}

TEST(GeodesicDistanceTest, SymmetricAndZeroForTheSamePoint) {
  const Point2 a{120.15, 30.28}, b{121.55, 29.87};
  EXPECT_EQ(GeodesicDistanceM(a, a), 0);
  EXPECT_NEAR(GeodesicDistanceM(a, b), GeodesicDistanceM(b, a), 1e-9);
}

TEST(GeodesicDistanceTest, AgreesWithProjGeod) {
  const std::vector<std::pair<Point2, Point2>> pairs = {
      {{120.15, 30.28}, {121.55, 29.87}},                 // 杭州 - 宁波, ~140 km
      {{118.0, 27.0}, {123.0, 31.2}},                     // across the province
      {{120.0, 30.0}, {120.001, 30.0}},                   // ~96 m
      {{121.069788, 29.97078}, {121.069828, 29.977304}},  // ~725 m
      {{120.0, 30.0}, {-60.0, -29.5}},                    // nearly antipodal
      {{0.0, 0.0}, {179.5, 0.5}},                         // nearly antipodal on the equator
  };
  const std::vector<double> reference = GeodDistances(pairs);
  if (reference.empty()) GTEST_SKIP() << "geod is not installed";
  ASSERT_EQ(reference.size(), pairs.size());
  for (size_t i = 0; i < pairs.size(); ++i) {
    // geod rounds to the millimetre.
    EXPECT_NEAR(GeodesicDistanceM(pairs[i].first, pairs[i].second), reference[i], 6e-4)
        << "pair " << i;
  }
}

TEST(GeodesicPathLengthTest, SumsTheLegs) {
  const std::vector<Point2> path = {
      {120.15, 30.28}, {120.30, 30.10}, {120.55, 30.12}, {121.55, 29.87}};
  std::vector<std::pair<Point2, Point2>> legs;
  for (size_t i = 1; i < path.size(); ++i) legs.push_back({path[i - 1], path[i]});
  const std::vector<double> reference = GeodDistances(legs);
  if (reference.empty()) GTEST_SKIP() << "geod is not installed";
  double total = 0;
  for (double d : reference) total += d;
  EXPECT_NEAR(GeodesicPathLengthM(path), total, 2e-3);
  EXPECT_EQ(GeodesicPathLengthM(std::span<const Point2>(path).first(1)), 0);
  EXPECT_EQ(GeodesicPathLengthM({}), 0);
}

// ---------------------------------------------------------------------------
// Areas.

// A 1 km x 1 km square near 杭州, drawn in EPSG:4549 and converted to lon/lat
// by OGR.
std::vector<Point2> HangzhouSquareLonLat() {
  OGRSpatialReference gk, ll;
  gk.SetFromUserInput("EPSG:4549");
  ll.SetFromUserInput("EPSG:4490");
  gk.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
  ll.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
  std::unique_ptr<OGRCoordinateTransformation> ct(OGRCreateCoordinateTransformation(&gk, &ll));
  const double x0 = 514000, y0 = 3350000;  // ~120.15E 30.27N
  std::vector<Point2> ring = {
      {x0, y0}, {x0 + 1000, y0}, {x0 + 1000, y0 + 1000}, {x0, y0 + 1000}, {x0, y0}};
  for (Point2& p : ring) EXPECT_TRUE(ct->Transform(1, &p.x, &p.y));
  return ring;
}

TEST(GeodesicRingAreaTest, KilometreSquareNearHangzhouMatchesEqualAreaProjection) {
  const std::vector<Point2> ring = HangzhouSquareLonLat();
  EXPECT_NEAR(ring[0].x, 120.15, 0.05);
  EXPECT_NEAR(ring[0].y, 30.27, 0.05);
  auto poly = FromWkt("POLYGON (" + RingWkt(ring) + ")");
  const PlanarMeasure ref = LaeaMeasure(*poly, "EPSG:4490", 1e-4, ring[0].x, ring[0].y);
  const double area = GeodesicRingAreaM2(ring);
  EXPECT_NEAR(area, ref.area_m2, ref.area_m2 * 1e-4);
  // Gauss-Kruger scale 15 km from the central meridian is 1 + 3e-6, so the
  // ground area of a 1000 m x 1000 m grid square is within 0.01 % of 1 km^2.
  EXPECT_NEAR(area, 1e6, 100);
}

TEST(GeodesicRingAreaTest, OrientationAndClosureDoNotMatter) {
  std::vector<Point2> ring = HangzhouSquareLonLat();
  const double area = GeodesicRingAreaM2(ring);
  ASSERT_GT(area, 0);
  std::vector<Point2> open(ring.begin(), ring.end() - 1);
  EXPECT_NEAR(GeodesicRingAreaM2(open), area, 1e-6);
  std::vector<Point2> reversed(ring.rbegin(), ring.rend());
  EXPECT_NEAR(GeodesicRingAreaM2(reversed), area, 1e-6);
}

TEST(GeodesicRingAreaTest, DegenerateRingsHaveNoArea) {
  EXPECT_EQ(GeodesicRingAreaM2({}), 0);
  const std::vector<Point2> two = {{120, 30}, {120.01, 30}, {120, 30}};
  EXPECT_EQ(GeodesicRingAreaM2(two), 0);
  // Out and back along a meridian, which is a geodesic: no area. (Along a
  // parallel it would not be: the one long geodesic back bows poleward of
  // the two short ones out, enclosing some 40 m^2 over 2 km at 30N.)
  const std::vector<Point2> line = {{120, 30}, {120, 30.01}, {120, 30.02}, {120, 30}};
  EXPECT_NEAR(GeodesicRingAreaM2(line), 0, 1e-3);
}

TEST(GeodesicRingAreaTest, LargeIrregularPolygonMatchesEqualAreaProjection) {
  // A ~30 km concave polygon around 四明山 with edges of up to 25 km. Over
  // 25 km a geodesic and a straight line in lon/lat part by several metres,
  // so both sides measure the same polygon: the corners densified by OGR to
  // ~100 m edges, where the two kinds of edge agree to millimetres.
  const std::vector<Point2> corners = {{121.00, 29.70}, {121.25, 29.72}, {121.20, 29.85},
                                       {121.10, 29.80}, {121.05, 29.95}, {120.95, 29.88},
                                       {121.00, 29.70}};
  auto poly = FromWkt("POLYGON (" + RingWkt(corners) + ")");
  poly->segmentize(1e-3);
  const OGRLinearRing* shell = poly->toPolygon()->getExteriorRing();
  std::vector<Point2> ring(shell->getNumPoints());
  for (int i = 0; i < shell->getNumPoints(); ++i) ring[i] = {shell->getX(i), shell->getY(i)};
  ASSERT_GT(ring.size(), 500u);
  const PlanarMeasure ref = LaeaMeasure(*poly, "EPSG:4490", 1e-4, 121.1, 29.82);
  EXPECT_NEAR(GeodesicRingAreaM2(ring), ref.area_m2, ref.area_m2 * 1e-4);
  EXPECT_GT(ref.area_m2, 3e8);
}

// ---------------------------------------------------------------------------
// MeasureGeodesic on GEOS geometries held in the working CRS.

GeomPtr GeosFromWkt(GEOSContextHandle_t ctx, const std::string& wkt) {
  GEOSWKTReader* r = GEOSWKTReader_create_r(ctx);
  GeomPtr g = Own(ctx, GEOSWKTReader_read_r(ctx, r, wkt.c_str()));
  GEOSWKTReader_destroy_r(ctx, r);
  return g;
}

// Zhejiang in CGCS2000 / 3-degree GK CM 120E, where fits are made.
const Box kZhejiangGkForFit{220000, 3000000, 780000, 3460000};

TEST(MeasureGeodesicTest, PolygonWithAHole) {
  // 2 km square with a 600 m square hole, in EPSG:4549 near 余姚.
  const std::string wkt =
      "POLYGON ((600000 3320000, 602000 3320000, 602000 3322000, 600000 3322000, "
      "600000 3320000), (600700 3320700, 600700 3321300, 601300 3321300, "
      "601300 3320700, 600700 3320700))";
  GEOSContextHandle_t ctx = ThreadGeos().get();
  GeomPtr g = GeosFromWkt(ctx, wkt);
  ASSERT_TRUE(g);
  absl::StatusOr<GeodesicMeasure> m = MeasureGeodesic(ctx, g.get(), "EPSG:4549");
  ASSERT_TRUE(m.ok()) << m.status();

  std::vector<Point2> centre = {{601000, 3321000}};
  ASSERT_TRUE(TransformPoints("EPSG:4549", "EPSG:4490", centre).ok());
  auto poly = FromWkt(wkt);
  // Densified in the working CRS: the site's edges are straight there.
  const PlanarMeasure ref = LaeaMeasure(*poly, "EPSG:4549", 10, centre[0].x, centre[0].y);
  EXPECT_NEAR(m->area_m2, ref.area_m2, ref.area_m2 * 1e-4);
  EXPECT_NEAR(m->length_m, ref.length_m, ref.length_m * 1e-4);
  // The hole is subtracted: (4 - 0.36) km^2 to within Gauss-Kruger scale
  // (about 1 + 1.2e-4 at 100 km from the central meridian, squared).
  EXPECT_NEAR(m->area_m2, 3.64e6, 3.64e6 * 5e-4);
  EXPECT_NEAR(m->length_m, 8000 + 2400, 10400 * 5e-4);
}

TEST(MeasureGeodesicTest, LineStringAndMultiPolygon) {
  GEOSContextHandle_t ctx = ThreadGeos().get();
  const std::string line = "LINESTRING (500000 3320000, 503000 3324000, 503000 3330000)";
  GeomPtr g = GeosFromWkt(ctx, line);
  absl::StatusOr<GeodesicMeasure> m = MeasureGeodesic(ctx, g.get(), "EPSG:4549");
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(m->area_m2, 0);
  std::vector<Point2> c = {{501500, 3325000}};
  ASSERT_TRUE(TransformPoints("EPSG:4549", "EPSG:4490", c).ok());
  const PlanarMeasure ref = LaeaMeasure(*FromWkt(line), "EPSG:4549", 10, c[0].x, c[0].y);
  EXPECT_NEAR(m->length_m, ref.length_m, ref.length_m * 1e-4);

  const std::string multi =
      "MULTIPOLYGON (((500000 3320000, 501000 3320000, 501000 3321000, 500000 3321000, "
      "500000 3320000)), ((505000 3320000, 505500 3320000, 505500 3320500, "
      "505000 3320000)))";
  GeomPtr mp = GeosFromWkt(ctx, multi);
  absl::StatusOr<GeodesicMeasure> mm = MeasureGeodesic(ctx, mp.get(), "EPSG:4549");
  ASSERT_TRUE(mm.ok()) << mm.status();
  const PlanarMeasure mref = LaeaMeasure(*FromWkt(multi), "EPSG:4549", 10, c[0].x, c[0].y);
  EXPECT_NEAR(mm->area_m2, mref.area_m2, mref.area_m2 * 1e-4);
  EXPECT_NEAR(mm->area_m2, 1e6 + 125000, 1125000 * 1e-4);  // on the central meridian
}

TEST(MeasureGeodesicTest, PointsMeasureNothing) {
  GEOSContextHandle_t ctx = ThreadGeos().get();
  GeomPtr g = GeosFromWkt(ctx, "MULTIPOINT ((500000 3320000), (501000 3320000))");
  absl::StatusOr<GeodesicMeasure> m = MeasureGeodesic(ctx, g.get(), "EPSG:4549");
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(m->area_m2, 0);
  EXPECT_EQ(m->length_m, 0);
}

// MeasureMoments with a fit of the ground scale made up to 2 km away (one fit
// per site, reused for each zone the site overlaps) against its own fit at
// the centroid and against the polygon densified, taken to
// longitude/latitude and measured by GeographicLib; a fit farther away is
// not used.
TEST(MeasureMomentsTest, AFitNearbyGivesTheSameMeasure) {
  std::mt19937_64 rng(11);
  std::uniform_real_distribution<double> ux(kZhejiangGkForFit.min_x, kZhejiangGkForFit.max_x);
  std::uniform_real_distribution<double> uy(kZhejiangGkForFit.min_y, kZhejiangGkForFit.max_y);
  std::uniform_real_distribution<double> off(-1900, 1900), size(50, 1500), turn(0, 6.28);
  int used = 0;
  for (int k = 0; k < 200; ++k) {
    const Point2 at{ux(rng), uy(rng)};
    const std::optional<ScaleFit> fit = FitGroundScale("EPSG:4549", at);
    ASSERT_TRUE(fit.has_value());
    // A lopsided 200-gon (short edges, like a surveyed site) whose centroid
    // lies within 1.9 km of the fit (or, for one case in four, 2.5-4 km
    // away, where the fit must be left alone).
    const bool far = k % 4 == 3;
    const double fx = far ? 2500 + std::fabs(off(rng)) : off(rng), fy = off(rng);
    const Point2 c{at.x + fx, at.y + fy};
    const double r = size(rng), a0 = turn(rng);
    std::vector<Point2> ring;
    for (int i = 0; i <= 200; ++i) {
      const double a = a0 + 2 * std::numbers::pi * (i % 200) / 200;
      const double ri = r * (1 + 0.5 * std::cos(a - a0) * std::cos(a - a0));
      ring.push_back({c.x + ri * std::cos(a), c.y + 0.6 * ri * std::sin(a)});
    }
    PlanarMoments m(c);
    for (size_t i = 1; i < ring.size(); ++i) m.AddSegment(ring[i - 1], ring[i], 1);
    if (m.area2 < 0) {
      m = PlanarMoments(c);
      for (size_t i = ring.size() - 1; i > 0; --i) m.AddSegment(ring[i], ring[i - 1], 1);
    }
    const std::optional<GeodesicMeasure> own = MeasureMoments(m, "EPSG:4549", 2e-7);
    const std::optional<GeodesicMeasure> with = MeasureMoments(m, "EPSG:4549", 2e-7, &*fit);
    ASSERT_TRUE(own && with) << k;
    if (far) {
      EXPECT_EQ(with->area_m2, own->area_m2);
      EXPECT_EQ(with->length_m, own->length_m);
      continue;
    }
    ++used;
    EXPECT_NEAR(with->area_m2, own->area_m2, own->area_m2 * 1e-10);
    EXPECT_NEAR(with->length_m, own->length_m, own->length_m * 1e-10);
    // Densified to 1 m steps, the straight edges of the plane follow.
    std::vector<Point2> dense;
    for (size_t i = 1; i < ring.size(); ++i) {
      const double len = std::hypot(ring[i].x - ring[i - 1].x, ring[i].y - ring[i - 1].y);
      const int n = static_cast<int>(std::ceil(len));
      for (int j = 0; j < n; ++j) {
        const double t = static_cast<double>(j) / n;
        dense.push_back({ring[i - 1].x + t * (ring[i].x - ring[i - 1].x),
                         ring[i - 1].y + t * (ring[i].y - ring[i - 1].y)});
      }
    }
    dense.push_back(dense.front());
    ASSERT_TRUE(TransformPoints("EPSG:4549", "EPSG:4490", dense).ok());
    const RingMeasure ref = GeodesicRingMeasure(dense);
    EXPECT_NEAR(with->area_m2, ref.area_m2, ref.area_m2 * 2e-7);
    EXPECT_NEAR(with->length_m, ref.perimeter_m, ref.perimeter_m * 2e-7);
  }
  EXPECT_EQ(used, 150);
}

// ---------------------------------------------------------------------------
// The ground-scale table: planar distance x s(midpoint) against the geodesic
// between the two points taken back to longitude/latitude by PROJ.

// Zhejiang in CGCS2000 / 3-degree GK CM 120E, 300 km either side of the
// central meridian, where the scale changes fastest.
const Box kZhejiangGk{200000, 2980000, 800000, 3480000};

TEST(ScaleGridTest, ShortDistancesMatchTheGeodesic) {
  std::optional<ScaleGrid> grid = ScaleGrid::Build(kZhejiangGk, "EPSG:4549", 5000, 2e-7, 1 << 20);
  ASSERT_TRUE(grid.has_value());
  std::mt19937_64 rng(11);
  std::uniform_real_distribution<double> ux(kZhejiangGk.min_x + 5000, kZhejiangGk.max_x - 5000);
  std::uniform_real_distribution<double> uy(kZhejiangGk.min_y + 5000, kZhejiangGk.max_y - 5000);
  std::uniform_real_distribution<double> angle(0, 2 * std::numbers::pi), len(0, 5000);
  std::vector<Point2> pts;
  std::vector<double> planar;
  for (int i = 0; i < 20000; ++i) {
    const Point2 p{ux(rng), uy(rng)};
    const double a = angle(rng), d = i % 10 == 0 ? len(rng) / 1000 : len(rng);
    pts.push_back(p);
    pts.push_back({p.x + d * std::cos(a), p.y + d * std::sin(a)});
    planar.push_back(std::hypot(pts.back().x - p.x, pts.back().y - p.y));
  }
  std::vector<Point2> lonlat = pts;
  ASSERT_TRUE(TransformPoints("EPSG:4549", "EPSG:4490", lonlat).ok());
  double worst = 0;
  for (size_t i = 0; i < planar.size(); ++i) {
    const Point2 p = pts[2 * i], q = pts[2 * i + 1];
    const double s = grid->At({0.5 * (p.x + q.x), 0.5 * (p.y + q.y)});
    ASSERT_GT(s, 0);
    const double want = GeodesicDistanceM(lonlat[2 * i], lonlat[2 * i + 1]);
    const double err = std::fabs(planar[i] * s - want);
    // 2e-7 relative from the table, 3e-8 from the midpoint rule, and a
    // nanometre floor for GeographicLib and PROJ at short range.
    ASSERT_LE(err, 2.3e-7 * want + 1e-9) << "planar " << planar[i] << " m at " << p.x << " " << p.y;
    worst = std::max(worst, err);
  }
  EXPECT_LT(worst, 1e-3);  // a millimetre at 5 km
}

TEST(ScaleGridTest, ZeroOutsideItsBox) {
  std::optional<ScaleGrid> grid = ScaleGrid::Build(kZhejiangGk, "EPSG:4549", 5000, 2e-7, 1 << 20);
  ASSERT_TRUE(grid.has_value());
  EXPECT_GT(grid->At({500000, 3300000}), 0);
  EXPECT_GT(grid->At({kZhejiangGk.max_x, kZhejiangGk.max_y}), 0);  // the far corner is in
  EXPECT_EQ(grid->At({kZhejiangGk.max_x + 1, 3300000}), 0);
  EXPECT_EQ(grid->At({500000, kZhejiangGk.min_y - 1}), 0);
  EXPECT_EQ(ScaleGrid().At({500000, 3300000}), 0);
}

TEST(ScaleGridTest, RefusesWhatItCannotBound) {
  // Web Mercator applies spherical formulas to ellipsoidal latitudes: its
  // scales along x and y differ, so it is not conformal on CGCS2000.
  EXPECT_FALSE(
      ScaleGrid::Build({13200000, 3100000, 13600000, 3600000}, "EPSG:3857", 5000, 1e-7, 1 << 20)
          .has_value());
  // A table too coarse for the bound asked: 5 km nodes err by ~1.2e-7.
  EXPECT_FALSE(ScaleGrid::Build(kZhejiangGk, "EPSG:4549", 5000, 1e-7, 1 << 20).has_value());
  // Or too large.
  EXPECT_FALSE(ScaleGrid::Build(kZhejiangGk, "EPSG:4549", 5000, 2e-7, 1000).has_value());
  // Two nodes a side measure no curvature: the Earth's bound (|s''| <= 1/R^2,
  // 2 x 6.1e-7 / 8 here) stands in for it.
  const Box small{500000, 3300000, 504000, 3304000};
  EXPECT_FALSE(ScaleGrid::Build(small, "EPSG:4549", 5000, 1.5e-7, 1 << 20).has_value());
  EXPECT_TRUE(ScaleGrid::Build(small, "EPSG:4549", 5000, 1.6e-7, 1 << 20).has_value());
}

// ---------------------------------------------------------------------------
// A real zone: the loader's area of a sample red line against OGR reading
// the same feature from the GeoJSON file.

TEST(ZoneAreaTest, SampleRedLineZoneMatchesEqualAreaProjection) {
  LayerConfig layer;
  layer.name = "red_lines";
  layer.kind = ZoneKind::kEcologicalRedLine;
  layer.source = std::string(REDLINE_SOURCE_DIR) + "/data/sample/red_lines.geojson";
  layer.id_field = "hx_id";
  layer.name_field = "hx_name";
  layer.level_field = "hx_type";
  absl::StatusOr<LoadedLayer> loaded = LoadLayer(layer, "EPSG:4549", 0.001);
  ASSERT_TRUE(loaded.ok()) << loaded.status();

  GDALDatasetUniquePtr ds(GDALDataset::Open(layer.source.c_str(), GDAL_OF_VECTOR));
  ASSERT_TRUE(ds);
  OGRLayer* l = ds->GetLayer(0);
  // A zone with holes (18 have them), a MultiPolygon and a plain one; all valid.
  int checked = 0;
  for (const char* id : {"HX-3302-0001", "HX-3311-0002"}) {
    l->SetAttributeFilter(absl::StrFormat("hx_id = '%s'", id).c_str());
    l->ResetReading();
    std::unique_ptr<OGRFeature> f(l->GetNextFeature());
    ASSERT_TRUE(f) << id;
    const OGRGeometry* g = f->GetGeometryRef();
    ASSERT_TRUE(g->IsValid()) << id;
    OGREnvelope env;
    g->getEnvelope(&env);
    const PlanarMeasure ref =
        LaeaMeasure(*g, "EPSG:4326", 1e-3, (env.MinX + env.MaxX) / 2, (env.MinY + env.MaxY) / 2);
    const Zone* zone = nullptr;
    for (const Zone& z : loaded->zones) {
      if (z.id == id) zone = &z;
    }
    ASSERT_NE(zone, nullptr) << id;
    EXPECT_GT(ref.area_m2, 1e6) << id;  // km-size zones
    EXPECT_NEAR(zone->area_m2, ref.area_m2, ref.area_m2 * 1e-4) << id;
    ++checked;
  }
  EXPECT_EQ(checked, 2);
}

}  // namespace
}  // namespace redline
