// OverlaySiteWithZone and SiteZoneDistance (spatial/query/overlap.h) against GEOS
// relate, overlay and distance: random polygons and lines in general position
// (shells and holes in both orientations, multi-part sites and zones, zones
// inside sites), at the working CRS's coordinate magnitudes; and the contacts
// it must leave to GEOS. CheckGeometry's use of it is compared with plain
// GEOS on the sample data by site_fast_path_test.cc.
#include "spatial/query/overlap.h"

#include <cmath>
#include <limits>
#include <numbers>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "gtest/gtest.h"
#include "spatial/geom/geos_util.h"

namespace redline {
namespace {

using Rel = SiteZoneOverlay::Relation;

// About where EPSG:4549 puts Zhejiang: large coordinates, as in production.
constexpr double kX0 = 500000, kY0 = 3300000;

GeomPtr Wkt(const std::string& wkt) {
  GEOSContextHandle_t ctx = ThreadGeos().get();
  GEOSWKTReader* r = GEOSWKTReader_create_r(ctx);
  GeomPtr g = Own(ctx, GEOSWKTReader_read_r(ctx, r, wkt.c_str()));
  GEOSWKTReader_destroy_r(ctx, r);
  EXPECT_TRUE(g) << wkt;
  return g;
}

ZoneShape Zone(const GEOSGeometry* g) {
  absl::StatusOr<ZoneShape> s = ZoneShape::FromGeos(ThreadGeos().get(), g, 0.001);
  EXPECT_TRUE(s.ok()) << s.status();
  return s.ok() ? *std::move(s) : ZoneShape();
}

std::optional<SiteZoneOverlay> Overlay(const std::string& site_wkt, const std::string& zone_wkt) {
  GeomPtr site = Wkt(site_wkt), zone = Wkt(zone_wkt);
  std::optional<SiteLinework> lines = SiteLinework::FromGeos(ThreadGeos().get(), site.get());
  EXPECT_TRUE(lines.has_value()) << site_wkt;
  if (!lines) return std::nullopt;
  return OverlaySiteWithZone(*lines, Zone(zone.get()));
}

// The relation GEOS relate gives, in the overlay's terms; "touches" when the
// geometries meet but their interiors do not.
std::string RefRelation(const GEOSGeometry* site, const GEOSGeometry* zone) {
  GEOSContextHandle_t ctx = ThreadGeos().get();
  GeosString im(GEOSRelate_r(ctx, site, zone), GeosFree{ctx});
  const std::string m = im.get();
  const bool ii = m[0] != 'F', ib = m[1] != 'F', ie = m[2] != 'F';
  const bool bi = m[3] != 'F', bb = m[4] != 'F', be = m[5] != 'F';
  if (!(ii || ib || bi || bb)) return "disjoint";
  if (!ie && !be) return "within";
  if (!ii) return "touches";
  return "intersects";
}

std::string Name(Rel r) {
  switch (r) {
    case Rel::kDisjoint:
      return "disjoint";
    case Rel::kWithin:
      return "within";
    case Rel::kIntersects:
      return "intersects";
  }
  return "?";
}

// The overlay of site and zone, checked against GEOS relate and overlay
// when it is not left to GEOS; counts each relation in `seen`.
std::optional<SiteZoneOverlay> CheckAgainstGeos(const std::string& site_wkt,
                                                const std::string& zone_wkt, int* seen) {
  GEOSContextHandle_t ctx = ThreadGeos().get();
  GeomPtr site = Wkt(site_wkt), zone = Wkt(zone_wkt);
  std::optional<SiteLinework> lines = SiteLinework::FromGeos(ctx, site.get());
  EXPECT_TRUE(lines.has_value()) << site_wkt;
  if (!lines) return std::nullopt;
  const ZoneShape shape = Zone(zone.get());
  const std::optional<SiteZoneOverlay> got = OverlaySiteWithZone(*lines, shape);
  if (!got) return got;
  ++seen[static_cast<int>(got->relation)];
  SCOPED_TRACE(absl::StrCat("site ", site_wkt, "\nzone ", zone_wkt));
  EXPECT_EQ(Name(got->relation), RefRelation(site.get(), zone.get()));
  if (got->relation == Rel::kDisjoint) {
    double distance = 0;
    EXPECT_EQ(GEOSDistance_r(ctx, site.get(), zone.get(), &distance), 1);
    EXPECT_NEAR(SiteZoneDistance(*lines, shape, 1e7), distance, 1e-9 * distance);
    // Beyond the limit: infinity; at it: found.
    EXPECT_EQ(SiteZoneDistance(*lines, shape, 0.5 * distance),
              std::numeric_limits<double>::infinity());
    EXPECT_NEAR(SiteZoneDistance(*lines, shape, distance * (1 + 1e-9)), distance, 1e-9 * distance);
  }
  if (got->relation == Rel::kIntersects) {
    GeomPtr inter = Own(ctx, GEOSIntersection_r(ctx, site.get(), zone.get()));
    double area = 0, length = 0;
    EXPECT_EQ(GEOSArea_r(ctx, inter.get(), &area), 1);
    EXPECT_EQ(GEOSLength_r(ctx, inter.get(), &length), 1);
    if (lines->polygonal()) {
      EXPECT_NEAR(0.5 * got->part.area2, area, 1e-9 * area + 1e-6);
    } else {
      EXPECT_NEAR(got->part.length, length, 1e-9 * length + 1e-6);
      EXPECT_EQ(got->part.area2, 0);
    }
  }
  return got;
}

// A star-shaped ring around c (radii in [r0, r1], n vertices), closed,
// counter-clockwise unless `clockwise`.
std::vector<Point2> Star(std::mt19937_64& rng, Point2 c, double r0, double r1, int n,
                         bool clockwise) {
  std::uniform_real_distribution<double> radius(r0, r1), jitter(-0.3, 0.3);
  std::vector<Point2> ring;
  for (int i = 0; i < n; ++i) {
    const double a = 2 * std::numbers::pi * (i + 0.5 + jitter(rng)) / n;
    const double r = radius(rng);
    ring.push_back({c.x + r * std::cos(a), c.y + r * std::sin(a)});
  }
  if (clockwise) std::reverse(ring.begin(), ring.end());
  ring.push_back(ring.front());
  return ring;
}

std::string RingText(const std::vector<Point2>& ring) {
  std::string out = "(";
  for (size_t i = 0; i < ring.size(); ++i) {
    absl::StrAppendFormat(&out, "%s%.17g %.17g", i ? ", " : "", ring[i].x, ring[i].y);
  }
  return out + ")";
}

// A polygon with up to one hole, either orientation for each ring.
std::string StarPolygon(std::mt19937_64& rng, Point2 c, double r, int n) {
  std::bernoulli_distribution coin;
  std::string out = absl::StrCat("(", RingText(Star(rng, c, 0.6 * r, r, n, coin(rng))));
  if (coin(rng)) {
    absl::StrAppend(&out, ", ", RingText(Star(rng, c, 0.1 * r, 0.35 * r, n / 2 + 3, coin(rng))));
  }
  return absl::StrCat(out, ")");
}

TEST(OverlaySiteWithZone, RandomPolygonsAgreeWithGeos) {
  GEOSContextHandle_t ctx = ThreadGeos().get();
  std::mt19937_64 rng(20261126);
  std::uniform_real_distribution<double> offset(-1500, 1500), size(100, 1500);
  std::uniform_int_distribution<int> vertices(4, 60);
  std::bernoulli_distribution coin;
  int fast = 0, cases = 0;
  int seen[3] = {0, 0, 0};
  for (int k = 0; k < 3000; ++k) {
    const Point2 zc{kX0, kY0};
    std::string zone_wkt = "MULTIPOLYGON(" + StarPolygon(rng, zc, 1000, vertices(rng));
    if (coin(rng)) zone_wkt += ", " + StarPolygon(rng, {kX0 + 2600, kY0}, 400, vertices(rng));
    zone_wkt += ")";
    // Every third site small, between the zone's hole and its shell.
    const bool small = k % 3 == 0;
    const double a = 2 * std::numbers::pi * offset(rng) / 3000;
    const Point2 sc = small ? Point2{kX0 + 475 * std::cos(a), kY0 + 475 * std::sin(a)}
                            : Point2{kX0 + offset(rng), kY0 + offset(rng)};
    std::string site_wkt =
        "MULTIPOLYGON(" + StarPolygon(rng, sc, small ? 60 : size(rng), vertices(rng));
    if (coin(rng)) {
      site_wkt += ", " + StarPolygon(rng, {sc.x + 3500, sc.y + offset(rng)}, 300, vertices(rng));
    }
    site_wkt += ")";
    GeomPtr zone = Wkt(zone_wkt), site = Wkt(site_wkt);
    if (GEOSisValid_r(ctx, zone.get()) != 1 || GEOSisValid_r(ctx, site.get()) != 1) continue;
    ++cases;
    if (CheckAgainstGeos(site_wkt, zone_wkt, seen)) ++fast;
    if (HasFailure()) return;
  }
  // Random vertices are in general position: nearly every case must take
  // the fast path, and all three relations must occur.
  EXPECT_GT(cases, 2500);
  EXPECT_GT(fast, cases * 95 / 100) << fast << " of " << cases;
  EXPECT_GT(seen[static_cast<int>(Rel::kDisjoint)], 100);
  EXPECT_GT(seen[static_cast<int>(Rel::kWithin)], 100);
  EXPECT_GT(seen[static_cast<int>(Rel::kIntersects)], 1000);
}

TEST(OverlaySiteWithZone, RandomLinesAgreeWithGeos) {
  GEOSContextHandle_t ctx = ThreadGeos().get();
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> step(-300, 300), start(-1500, 1500);
  std::uniform_int_distribution<int> vertices(2, 40);
  int fast = 0;
  int seen[3] = {0, 0, 0};
  for (int k = 0; k < 2000; ++k) {
    const std::string zone_wkt = "POLYGON" + StarPolygon(rng, {kX0, kY0}, 1000, vertices(rng) + 3);
    std::string site_wkt = "MULTILINESTRING(";
    // Every third site short, between the zone's hole and its shell.
    const bool small = k % 3 == 0;
    for (int part = 0; part < 1 + k % 2; ++part) {
      const double a = 2 * std::numbers::pi * start(rng) / 3000;
      Point2 p = small ? Point2{kX0 + 475 * std::cos(a), kY0 + 475 * std::sin(a)}
                       : Point2{kX0 + start(rng), kY0 + start(rng)};
      std::vector<Point2> line{p};
      for (int i = small ? 2 : vertices(rng); i > 0; --i) {
        p = {p.x + (small ? 0.1 : 1) * step(rng), p.y + (small ? 0.1 : 1) * step(rng)};
        line.push_back(p);
      }
      site_wkt += (part ? ", " : "") + RingText(line);
    }
    site_wkt += ")";
    GeomPtr zone = Wkt(zone_wkt);
    if (GEOSisValid_r(ctx, zone.get()) != 1) continue;
    if (CheckAgainstGeos(site_wkt, zone_wkt, seen)) ++fast;
    if (HasFailure()) return;
  }
  EXPECT_GT(fast, 1900);
  for (int r = 0; r < 3; ++r) EXPECT_GT(seen[r], 100) << r;
}

const char kSquare[] = "POLYGON((0 0, 10 0, 10 10, 0 10, 0 0))";

TEST(OverlaySiteWithZone, SimpleCases) {
  // Across one side: the part is 2 x 4.
  std::optional<SiteZoneOverlay> o = Overlay("POLYGON((8 3, 12 3, 12 7, 8 7, 8 3))", kSquare);
  ASSERT_TRUE(o);
  EXPECT_EQ(o->relation, Rel::kIntersects);
  EXPECT_NEAR(0.5 * o->part.area2, 8, 1e-12);
  // Its centroid: x = 9 and y = 5 (moments are about the site box's centre,
  // (10, 5)).
  EXPECT_NEAR(o->part.mx6 / (3 * o->part.area2), -1, 1e-12);
  EXPECT_NEAR(o->part.my6 / (3 * o->part.area2), 0, 1e-12);

  o = Overlay("POLYGON((2 2, 4 2, 4 4, 2 4, 2 2))", kSquare);
  ASSERT_TRUE(o);
  EXPECT_EQ(o->relation, Rel::kWithin);

  o = Overlay("POLYGON((20 2, 24 2, 24 4, 20 4, 20 2))", kSquare);
  ASSERT_TRUE(o);
  EXPECT_EQ(o->relation, Rel::kDisjoint);

  // The zone wholly inside the site: the part is the zone.
  o = Overlay("POLYGON((-5 -5, 15 -5, 15 15, -5 15, -5 -5))", kSquare);
  ASSERT_TRUE(o);
  EXPECT_EQ(o->relation, Rel::kIntersects);
  EXPECT_NEAR(0.5 * o->part.area2, 100, 1e-12);

  // A site around the zone's hole: in the zone but not within it.
  o = Overlay("POLYGON((2 2, 8 2, 8 8, 2 8, 2 2))",
              "POLYGON((0 0, 10 0, 10 10, 0 10, 0 0), (4 4, 4 6, 6 6, 6 4, 4 4))");
  ASSERT_TRUE(o);
  EXPECT_EQ(o->relation, Rel::kIntersects);
  EXPECT_NEAR(0.5 * o->part.area2, 36 - 4, 1e-12);

  // A site in the hole is apart from the zone.
  o = Overlay("POLYGON((4.5 4.5, 5.5 4.5, 5 5.5, 4.5 4.5))",
              "POLYGON((0 0, 10 0, 10 10, 0 10, 0 0), (4 4, 4 6, 6 6, 6 4, 4 4))");
  ASSERT_TRUE(o);
  EXPECT_EQ(o->relation, Rel::kDisjoint);

  // A clockwise site with a hole across the zone's corner.
  o = Overlay("POLYGON((-2 -2, -2 2, 2 2, 2 -2, -2 -2), (-1 -1, 1 -1, 1 1, -1 1, -1 -1))", kSquare);
  ASSERT_TRUE(o);
  EXPECT_EQ(o->relation, Rel::kIntersects);
  EXPECT_NEAR(0.5 * o->part.area2, 4 - 1, 1e-12);

  // A line across: 2 of its 4 units inside.
  o = Overlay("LINESTRING(8 5, 12 5)", kSquare);
  ASSERT_TRUE(o);
  EXPECT_EQ(o->relation, Rel::kIntersects);
  EXPECT_NEAR(o->part.length, 2, 1e-12);
}

TEST(OverlaySiteWithZone, LeavesContactsToGeos) {
  // A shared vertex, a vertex on an edge, an edge along an edge, a line
  // ending on the boundary, a site vertex on the boundary inside a ring.
  for (const char* site :
       {"POLYGON((10 10, 12 10, 12 12, 10 10))", "POLYGON((10 5, 12 4, 12 6, 10 5))",
        "POLYGON((10 2, 12 2, 12 8, 10 8, 10 2))", "LINESTRING(5 5, 10 5)",
        "POLYGON((0 5, 5 4, 5 6, 0 5))"}) {
    EXPECT_FALSE(Overlay(site, kSquare).has_value()) << site;
  }
  // Crossing at a shallow angle (the crossing point is ill-conditioned).
  EXPECT_FALSE(
      Overlay("LINESTRING(1 -1e-5, 9 1e-5)", "POLYGON((0 0, 10 0, 10 1, 0 1, 0 0))").has_value());
}

TEST(SiteLinework, LocatesAgainstEveryRing) {
  GeomPtr g =
      Wkt("MULTIPOLYGON(((0 0, 10 0, 10 10, 0 10, 0 0), (4 4, 6 4, 6 6, 4 6, 4 4)),"
          "((20 0, 30 0, 30 10, 20 0)))");
  std::optional<SiteLinework> s = SiteLinework::FromGeos(ThreadGeos().get(), g.get());
  ASSERT_TRUE(s);
  ASSERT_TRUE(s->polygonal());
  EXPECT_EQ(s->parts().size(), 3u);
  EXPECT_EQ(s->Locate({1, 1}), Location::kInterior);
  EXPECT_EQ(s->Locate({5, 5}), Location::kExterior);  // in the hole
  EXPECT_EQ(s->Locate({4, 5}), Location::kBoundary);
  EXPECT_EQ(s->Locate({29, 5}), Location::kInterior);
  EXPECT_EQ(s->Locate({21, 5}), Location::kExterior);
  EXPECT_EQ(s->Locate({15, 5}), Location::kExterior);
  // Shell counter-clockwise: interior on the left; the hole, also
  // counter-clockwise here, has it on the right.
  EXPECT_EQ(s->parts()[0].area_sign, 1);
  EXPECT_EQ(s->parts()[1].area_sign, -1);

  GeomPtr point = Wkt("POINT(1 2)");
  EXPECT_FALSE(SiteLinework::FromGeos(ThreadGeos().get(), point.get()).has_value());
}

TEST(ZoneShape, EdgeAreaSignFollowsShellsAndHoles) {
  // Shell clockwise, hole counter-clockwise: the interior is right of both.
  GeomPtr g = Wkt("POLYGON((0 0, 0 10, 10 10, 10 0, 0 0), (4 4, 6 4, 6 6, 4 6, 4 4))");
  const ZoneShape z = Zone(g.get());
  EXPECT_EQ(z.EdgeAreaSign(0), -1);
  EXPECT_EQ(z.EdgeAreaSign(3), -1);
  EXPECT_EQ(z.EdgeAreaSign(5), -1);
  GeomPtr ccw = Wkt("POLYGON((0 0, 10 0, 10 10, 0 10, 0 0), (4 4, 4 6, 6 6, 6 4, 4 4))");
  const ZoneShape y = Zone(ccw.get());
  EXPECT_EQ(y.EdgeAreaSign(0), 1);
  EXPECT_EQ(y.EdgeAreaSign(6), 1);
}

}  // namespace
}  // namespace redline
