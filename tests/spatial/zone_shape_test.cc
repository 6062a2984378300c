// ZoneShape (spatial/geom/zone_shape.h): construction, accessors, GEOS round trip,
// degenerate input, BoundaryDistance and SegmentDistance. Point location is
// covered by the golden cases (golden_test.cc) and against the sample data by
// differential_test.cc.
#include "spatial/geom/zone_shape.h"

#include <cmath>
#include <limits>
#include <random>
#include <string>

#include "gtest/gtest.h"
#include "spatial/geom/geos_util.h"

namespace redline {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

GeomPtr Wkt(const std::string& wkt) {
  GEOSContextHandle_t ctx = ThreadGeos().get();
  GEOSWKTReader* r = GEOSWKTReader_create_r(ctx);
  GeomPtr g = Own(ctx, GEOSWKTReader_read_r(ctx, r, wkt.c_str()));
  GEOSWKTReader_destroy_r(ctx, r);
  EXPECT_TRUE(g) << wkt;
  return g;
}

ZoneShape Build(const std::string& wkt, double tolerance = 0.001) {
  GeomPtr g = Wkt(wkt);
  absl::StatusOr<ZoneShape> s = ZoneShape::FromGeos(ThreadGeos().get(), g.get(), tolerance);
  EXPECT_TRUE(s.ok()) << s.status();
  return s.ok() ? *std::move(s) : ZoneShape();
}

const char kSquareWithHole[] = "POLYGON((0 0, 10 0, 10 10, 0 10, 0 0),(4 4, 6 4, 6 6, 4 6, 4 4))";
const char kTwoParts[] =
    "MULTIPOLYGON(((0 0, 10 0, 10 10, 0 10, 0 0)),"
    "((20 20, 30 20, 25 30, 20 20),(22 22, 24 22, 24 24, 22 22)))";

TEST(ZoneShape, CountsAndBbox) {
  const ZoneShape s = Build(kSquareWithHole);
  EXPECT_EQ(s.vertex_count(), 10u);  // two closed rings of 5
  EXPECT_EQ(s.ring_count(), 2u);
  EXPECT_EQ(s.ring_begin(0), 0u);
  EXPECT_EQ(s.ring_end(0), 5u);
  EXPECT_EQ(s.ring_begin(1), 5u);
  EXPECT_EQ(s.ring_end(1), 10u);
  EXPECT_EQ(s.polygon_rings(), std::vector<uint32_t>({2}));
  EXPECT_EQ(s.bbox().min_x, 0);
  EXPECT_EQ(s.bbox().min_y, 0);
  EXPECT_EQ(s.bbox().max_x, 10);
  EXPECT_EQ(s.bbox().max_y, 10);
  EXPECT_EQ(s.vertices()[5], (Point2{4, 4}));
  EXPECT_GT(s.MemoryBytes(), s.vertex_count() * sizeof(Point2) - 1);

  const ZoneShape m = Build(kTwoParts);
  EXPECT_EQ(m.vertex_count(), 5u + 4u + 4u);
  EXPECT_EQ(m.ring_count(), 3u);
  EXPECT_EQ(m.polygon_rings(), std::vector<uint32_t>({1, 2}));
  EXPECT_EQ(m.bbox().max_x, 30);
  EXPECT_EQ(m.bbox().max_y, 30);
  EXPECT_GT(m.MemoryBytes(), 0u);
}

// ToGeos gives back exactly the input (same rings, same order, same
// coordinates), and GEOS locates points in it as ZoneShape does.
TEST(ZoneShape, ToGeosRoundTrip) {
  GEOSContextHandle_t ctx = ThreadGeos().get();
  for (const char* wkt :
       {kSquareWithHole, kTwoParts, "POLYGON((0 0, 1 0, 0 1, 0 0))",
        "POLYGON((500000.123 3300000.456, 500100.789 3300000.001, 500050.5 3300080.25, "
        "500000.123 3300000.456))"}) {
    GeomPtr in = Wkt(wkt);
    const ZoneShape s = Build(wkt);
    GeomPtr out = s.ToGeos(ctx);
    ASSERT_TRUE(out);
    EXPECT_EQ(GEOSEqualsExact_r(ctx, in.get(), out.get(), 0.0), 1) << wkt;
    EXPECT_EQ(GEOSGeomTypeId_r(ctx, in.get()), GEOSGeomTypeId_r(ctx, out.get())) << wkt;
    EXPECT_EQ(GEOSGetNumCoordinates_r(ctx, in.get()), static_cast<int>(s.vertex_count()));
  }
}

// A polygon with a single part given as a MultiPolygon comes back as a
// Polygon: equal as a point set, and locating points gives the same answer.
TEST(ZoneShape, SinglePartMultiPolygon) {
  GEOSContextHandle_t ctx = ThreadGeos().get();
  GeomPtr in = Wkt("MULTIPOLYGON(((0 0, 10 0, 10 10, 0 10, 0 0)))");
  const ZoneShape s = Build("MULTIPOLYGON(((0 0, 10 0, 10 10, 0 10, 0 0)))");
  GeomPtr out = s.ToGeos(ctx);
  EXPECT_EQ(GEOSEquals_r(ctx, in.get(), out.get()), 1);
  EXPECT_EQ(s.LocateExact({5, 5}), Location::kInterior);
  EXPECT_EQ(s.LocateExact({10, 5}), Location::kBoundary);
}

TEST(ZoneShape, RejectsNonPolygonalAndEmpty) {
  GEOSContextHandle_t ctx = ThreadGeos().get();
  for (const char* wkt : {"POINT(1 2)", "LINESTRING(0 0, 1 1)",
                          "GEOMETRYCOLLECTION(POLYGON((0 0, 1 0, 0 1, 0 0)))"}) {
    GeomPtr g = Wkt(wkt);
    absl::StatusOr<ZoneShape> s = ZoneShape::FromGeos(ctx, g.get(), 0.001);
    EXPECT_FALSE(s.ok()) << wkt;
    EXPECT_EQ(s.status().code(), absl::StatusCode::kInvalidArgument) << wkt;
  }
  for (const char* wkt : {"POLYGON EMPTY", "MULTIPOLYGON EMPTY"}) {
    GeomPtr g = Wkt(wkt);
    absl::StatusOr<ZoneShape> s = ZoneShape::FromGeos(ctx, g.get(), 0.001);
    EXPECT_FALSE(s.ok()) << wkt;
    EXPECT_NE(s.status().message().find("empty"), std::string::npos) << s.status();
  }
}

// A zero-area "polygon" (all vertices on one line; the loader would have
// dropped it, but ZoneShape must still not crash or invent an interior).
TEST(ZoneShape, DegenerateZeroAreaZone) {
  for (const char* wkt : {"POLYGON((0 0, 5 0, 10 0, 0 0))",    // horizontal
                          "POLYGON((3 0, 3 5, 3 10, 3 0))",    // vertical
                          "POLYGON((0 0, 4 3, 8 6, 0 0))"}) {  // slanted
    for (double tol : {0.0, 0.001}) {
      const ZoneShape s = Build(wkt, tol);
      ASSERT_EQ(s.vertex_count(), 4u) << wkt;
      const Point2 a = s.vertices()[0], b = s.vertices()[2];
      const Point2 mid{(a.x + b.x) / 2, (a.y + b.y) / 2};
      EXPECT_EQ(s.LocateExact(mid), Location::kBoundary) << wkt;
      EXPECT_EQ(s.Locate(mid), Location::kBoundary) << wkt;
      EXPECT_EQ(s.Locate(a), Location::kBoundary) << wkt;
      // Nothing is interior; off the line is exterior unless within tolerance.
      const Point2 off{mid.x + 0.6, mid.y - 0.8};  // 1 m from a horizontal/vertical
      EXPECT_EQ(s.LocateExact(off), Location::kExterior) << wkt;
      EXPECT_EQ(s.Locate(off), Location::kExterior) << wkt;
      const Point2 near{mid.x + 0.0003, mid.y - 0.0004};  // 0.5 mm from the line at most
      EXPECT_EQ(s.Locate(near), tol > 0 ? Location::kBoundary : Location::kExterior) << wkt;
      Point2 q;
      EXPECT_NEAR(s.BoundaryDistance(mid, 10, &q), 0, 1e-12) << wkt;
    }
  }
  // A single point repeated: a zone of one location.
  const ZoneShape dot = Build("POLYGON((1 1, 1 1, 1 1, 1 1))", 0.001);
  EXPECT_EQ(dot.Locate({1, 1}), Location::kBoundary);
  EXPECT_EQ(dot.Locate({1.0005, 1}), Location::kBoundary);
  EXPECT_EQ(dot.Locate({1.002, 1}), Location::kExterior);
}

TEST(ZoneShape, SegmentDistance) {
  Point2 c;
  EXPECT_DOUBLE_EQ(SegmentDistance({5, 3}, {0, 0}, {10, 0}, &c), 3);
  EXPECT_EQ(c, (Point2{5, 0}));
  EXPECT_DOUBLE_EQ(SegmentDistance({-3, 4}, {0, 0}, {10, 0}, &c), 5);  // before a
  EXPECT_EQ(c, (Point2{0, 0}));
  EXPECT_DOUBLE_EQ(SegmentDistance({13, 4}, {0, 0}, {10, 0}, &c), 5);  // beyond b
  EXPECT_EQ(c, (Point2{10, 0}));
  EXPECT_DOUBLE_EQ(SegmentDistance({3, 4}, {1, 1}, {1, 1}, &c), std::sqrt(13.0));  // a == b
  EXPECT_DOUBLE_EQ(SegmentDistance({4, 3}, {0, 0}, {8, 6}, nullptr), 0);
}

// BoundaryDistance against GEOS's distance to the boundary, for points inside,
// outside, in holes and far away; `max_distance` cuts off.
TEST(ZoneShape, BoundaryDistanceMatchesGeos) {
  GEOSContextHandle_t ctx = ThreadGeos().get();
  std::mt19937_64 rng(99);
  for (const char* wkt : {kSquareWithHole, kTwoParts}) {
    const ZoneShape s = Build(wkt);
    GeomPtr g = s.ToGeos(ctx);
    GeomPtr boundary = Own(ctx, GEOSBoundary_r(ctx, g.get()));
    std::uniform_real_distribution<double> u(-15, 45);
    for (int i = 0; i < 2000; ++i) {
      const Point2 p{u(rng), u(rng)};
      GeomPtr pt = Own(ctx, GEOSGeom_createPointFromXY_r(ctx, p.x, p.y));
      double want = -1;
      ASSERT_EQ(GEOSDistance_r(ctx, pt.get(), boundary.get(), &want), 1);
      Point2 q{kInf, kInf};
      const double got = s.BoundaryDistance(p, 1e6, &q);
      ASSERT_NEAR(got, want, 1e-9) << wkt << " at " << p.x << "," << p.y;
      EXPECT_NEAR(std::hypot(q.x - p.x, q.y - p.y), got, 1e-9);
      // The nearest point lies on the boundary.
      GeomPtr qp = Own(ctx, GEOSGeom_createPointFromXY_r(ctx, q.x, q.y));
      double dq = -1;
      ASSERT_EQ(GEOSDistance_r(ctx, qp.get(), boundary.get(), &dq), 1);
      EXPECT_LT(dq, 1e-9);
      // Cut-off: a limit below the true distance finds nothing.
      if (want > 0.01) {
        EXPECT_EQ(s.BoundaryDistance(p, want * 0.99, nullptr), kInf);
        EXPECT_NEAR(s.BoundaryDistance(p, want * 1.01, nullptr), want, 1e-9);
      }
    }
  }
}

// Locate never says INSIDE within the tolerance of the boundary, nor
// exterior for an exactly interior point farther than it; and LocateExact
// is independent of the tolerance the shape was built with.
TEST(ZoneShape, ToleranceDoesNotChangeExactLocation) {
  std::mt19937_64 rng(1);
  const ZoneShape t0 = Build(kTwoParts, 0);
  const ZoneShape t1 = Build(kTwoParts, 0.001);
  const ZoneShape t2 = Build(kTwoParts, 0.5);
  std::uniform_real_distribution<double> u(-2, 32);
  for (int i = 0; i < 20000; ++i) {
    const Point2 p{u(rng), u(rng)};
    const Location exact = t0.LocateExact(p);
    ASSERT_EQ(t0.Locate(p), exact);
    ASSERT_EQ(t1.LocateExact(p), exact);
    ASSERT_EQ(t2.LocateExact(p), exact);
    const double d = t0.BoundaryDistance(p, 10, nullptr);
    if (d > 0.5 + 1e-9) {
      ASSERT_EQ(t2.Locate(p), exact);
    } else if (d <= 0.5 - 1e-9) {
      ASSERT_EQ(t2.Locate(p), Location::kBoundary) << p.x << "," << p.y << " d=" << d;
    }
  }
}

}  // namespace
}  // namespace redline
