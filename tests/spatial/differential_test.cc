// Differential test of the point locator against GEOS on the real sample
// data (data/sample/redline.yaml, about 490 zones and 615,000 vertices).
//
// For every zone, millions of points in total: uniform in the zone's bbox,
// exactly on vertices, on edges (a + t (b - a) in doubles: GEOS decides
// whether that point is on the edge, and we must agree exactly), 1e-9 m to
// either side of edges, 0.5 mm and 2 mm to either side, and just outside the
// bbox. Checked, zone by zone:
//  - exact path: LocateExact(p) != exterior  <=>  GEOS intersects, and
//    LocateExact(p) == interior  <=>  GEOS contains (prepared predicates; a
//    sample also through the unprepared GEOSIntersects_r);
//  - tolerance path (the config's 1 mm): Locate(p) != exterior  <=>  GEOS
//    intersects or distance(p, zone) <= tolerance; and for points GEOS puts
//    in the interior, Locate(p) == boundary  <=>  distance(p, boundary) <=
//    tolerance.
// No disagreement is allowed; each one is reported with the point (%.17g)
// and the zone id.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_format.h"
#include "gtest/gtest.h"
#include "spatial/data/config.h"
#include "spatial/geom/geos_util.h"
#include "spatial/geom/zone_shape.h"
#include "spatial/snapshot.h"
#include "tests/spatial/sample_snapshot.h"

namespace redline {
namespace {

const char* Name(Location l) {
  return l == Location::kInterior ? "INSIDE" : l == Location::kBoundary ? "BOUNDARY" : "none";
}

struct PreparedDeleter {
  GEOSContextHandle_t ctx;
  void operator()(const GEOSPreparedGeometry* p) const { GEOSPreparedGeom_destroy_r(ctx, p); }
};
using PreparedPtr = std::unique_ptr<const GEOSPreparedGeometry, PreparedDeleter>;

class DifferentialTest : public SampleSnapshotTest {
 protected:
  void SetUp() override {
    SampleSnapshotTest::SetUp();
    ASSERT_GT(snap().zones().size(), 300u);
  }
  static const Snapshot& snap() { return sample(); }
  static double Tolerance() { return snap().config().boundary_tolerance_m; }

  // GEOS's view of one zone, built from the zone's own vertices.
  struct Oracle {
    GEOSContextHandle_t ctx;
    GeomPtr zone;
    GeomPtr boundary;
    PreparedPtr prepared;
    PreparedPtr prepared_boundary;
    Oracle(GEOSContextHandle_t c, const ZoneShape& shape)
        : ctx(c),
          zone(shape.ToGeos(c)),
          boundary(Own(c, GEOSBoundary_r(c, zone.get()))),
          prepared(GEOSPrepare_r(c, zone.get()), PreparedDeleter{c}),
          prepared_boundary(GEOSPrepare_r(c, boundary.get()), PreparedDeleter{c}) {}
  };

  // Compares one point against one zone; returns false (and records why) on
  // any disagreement.
  struct Checker {
    const Snapshot& snap;
    std::vector<std::string> failures;
    int64_t checked = 0, failed = 0, geos_errors = 0;
    int64_t boundary = 0, interior = 0, exterior = 0, tol_boundary = 0;

    void Fail(const Zone& z, Point2 p, const std::string& what) {
      ++failed;
      if (failures.size() < 25) {
        failures.push_back(absl::StrFormat("zone %s (%s): point (%.17g, %.17g): %s", z.id, z.name,
                                           p.x, p.y, what));
      }
    }

    void Check(const Zone& z, Oracle& o, Point2 p, bool unprepared_too = false) {
      ++checked;
      GEOSContextHandle_t ctx = o.ctx;
      const double tol = snap.config().boundary_tolerance_m;
      GeomPtr pt = Own(ctx, GEOSGeom_createPointFromXY_r(ctx, p.x, p.y));
      const char inter = GEOSPreparedIntersects_r(ctx, o.prepared.get(), pt.get());
      if (inter == 2) {
        ++geos_errors;
        return Fail(z, p, "GEOSPreparedIntersects_r failed");
      }
      Location geos = Location::kExterior;
      if (inter == 1) {
        const char contains = GEOSPreparedContains_r(ctx, o.prepared.get(), pt.get());
        if (contains == 2) {
          ++geos_errors;
          return Fail(z, p, "GEOSPreparedContains_r failed");
        }
        geos = contains ? Location::kInterior : Location::kBoundary;
      }
      if (unprepared_too) {
        const char plain = GEOSIntersects_r(ctx, pt.get(), o.zone.get());
        if (plain != inter) {
          Fail(z, p, absl::StrFormat("GEOSIntersects_r says %d, prepared says %d", plain, inter));
        }
      }
      const Location exact = z.shape.LocateExact(p);
      if (exact != geos) {
        Fail(z, p, absl::StrFormat("LocateExact %s, GEOS %s", Name(exact), Name(geos)));
      }
      (geos == Location::kBoundary   ? boundary
       : geos == Location::kInterior ? interior
                                     : exterior)++;

      const Location loc = z.shape.Locate(p);
      bool want_touch;
      bool want_boundary;
      switch (geos) {
        case Location::kBoundary:
          want_touch = want_boundary = true;
          break;
        default: {
          // Interior or exterior: the distance to the zone's boundary (for an
          // exterior point, that is its distance to the zone). Outside the
          // bbox widened by the tolerance it surely exceeds the tolerance.
          // GEOSPreparedDistance_r uses GEOS's indexed facet distance;
          // GEOSPreparedDistanceWithin_r is not indexed in 3.11 (~100x slower).
          bool near = false;
          if (z.shape.bbox().Expanded(tol).Contains(p)) {
            double d = -1;
            if (GEOSPreparedDistance_r(ctx, o.prepared_boundary.get(), pt.get(), &d) != 1) {
              ++geos_errors;
              return Fail(z, p, "GEOSPreparedDistance_r failed");
            }
            near = d <= tol;
          }
          want_boundary = near;
          want_touch = near || geos == Location::kInterior;
        }
      }
      if (want_boundary) ++tol_boundary;
      const Location want = want_boundary ? Location::kBoundary
                            : want_touch  ? Location::kInterior
                                          : Location::kExterior;
      if (loc != want) {
        double d = -1;
        GEOSDistance_r(ctx, pt.get(), geos == Location::kInterior ? o.boundary.get() : o.zone.get(),
                       &d);
        Fail(z, p,
             absl::StrFormat("Locate %s, want %s (GEOS exact %s, GEOS distance %.17g, tol %g)",
                             Name(loc), Name(want), Name(geos), d, tol));
      }
    }

    void Report(const char* what) {
      std::string all;
      for (const std::string& f : failures) all += "\n  " + f;
      EXPECT_EQ(failed, 0) << what << ": " << failed << " disagreements of " << checked
                           << " checks; first ones:" << all;
      EXPECT_EQ(geos_errors, 0);
      std::printf(
          "[ %s ] %lld checks: GEOS exterior %lld, interior %lld, boundary %lld; "
          "within tolerance %lld\n",
          what, static_cast<long long>(checked), static_cast<long long>(exterior),
          static_cast<long long>(interior), static_cast<long long>(boundary),
          static_cast<long long>(tol_boundary));
    }
  };

  // Runs fn(zone, oracle, checker) for every zone.
  template <typename Fn>
  static void ForEachZone(const char* what, Fn&& fn) {
    GEOSContextHandle_t ctx = ThreadGeos().get();
    Checker checker{snap()};
    for (const Zone& z : snap().zones()) {
      Oracle oracle(ctx, z.shape);
      ASSERT_TRUE(oracle.zone && oracle.boundary && oracle.prepared && oracle.prepared_boundary)
          << z.id;
      fn(z, oracle, checker);
    }
    checker.Report(what);
  }

  // Calls fn(a, b) for every edge of the zone (consecutive vertices of a ring).
  template <typename Fn>
  static void ForEachEdge(const ZoneShape& s, Fn&& fn) {
    for (size_t r = 0; r < s.ring_count(); ++r) {
      for (uint32_t i = s.ring_begin(r); i + 1 < s.ring_end(r); ++i) {
        fn(i, s.vertices()[i], s.vertices()[i + 1]);
      }
    }
  }
};

TEST_F(DifferentialTest, UniformInBbox) {
  std::mt19937_64 rng(12345);
  ForEachZone("uniform in bbox", [&](const Zone& z, Oracle& o, Checker& c) {
    const Box& b = z.shape.bbox();
    std::uniform_real_distribution<double> ux(b.min_x, b.max_x), uy(b.min_y, b.max_y);
    for (int i = 0; i < 3000; ++i) c.Check(z, o, {ux(rng), uy(rng)}, i % 1000 == 0);
  });
}

TEST_F(DifferentialTest, OnVertices) {
  ForEachZone("vertices", [&](const Zone& z, Oracle& o, Checker& c) {
    const auto& v = z.shape.vertices();
    for (size_t i = 0; i < v.size(); ++i) {
      c.Check(z, o, v[i], i % 2000 == 0);
      // A vertex is on the boundary, whatever GEOS computes.
      if (z.shape.LocateExact(v[i]) != Location::kBoundary) {
        c.Fail(z, v[i], "a vertex is not on the boundary");
      }
    }
  });
}

// a + t (b - a) for random t: usually a rounding away from the edge, sometimes
// exactly on it; GEOS decides and LocateExact must agree.
TEST_F(DifferentialTest, OnEdges) {
  std::mt19937_64 rng(777);
  std::uniform_real_distribution<double> ut(0, 1);
  ForEachZone("on edges", [&](const Zone& z, Oracle& o, Checker& c) {
    ForEachEdge(z.shape, [&](uint32_t i, Point2 a, Point2 b) {
      const double t = (i % 4 == 0) ? 0.5 : ut(rng);
      c.Check(z, o, {a.x + t * (b.x - a.x), a.y + t * (b.y - a.y)}, i % 2000 == 0);
    });
  });
}

// Offsets along the edge's normal: 1e-9 m (a couple of ulps at these
// magnitudes), and 0.5 mm / 2 mm, both sides. The 1 mm tolerance itself is
// avoided: there the two distance formulas may round differently.
TEST_F(DifferentialTest, NearEdges) {
  std::mt19937_64 rng(4242);
  std::uniform_real_distribution<double> ut(0.05, 0.95);
  ForEachZone("near edges", [&](const Zone& z, Oracle& o, Checker& c) {
    ForEachEdge(z.shape, [&](uint32_t i, Point2 a, Point2 b) {
      const double len = std::hypot(b.x - a.x, b.y - a.y);
      if (len == 0) return;
      const Point2 n{-(b.y - a.y) / len, (b.x - a.x) / len};
      const double t = ut(rng);
      const Point2 m{a.x + t * (b.x - a.x), a.y + t * (b.y - a.y)};
      for (double d : {1e-9, -1e-9}) {
        c.Check(z, o, {m.x + d * n.x, m.y + d * n.y}, i % 4000 == 0);
      }
      if (i % 4 == 0) {
        for (double d : {5e-4, -5e-4, 2e-3, -2e-3}) c.Check(z, o, {m.x + d * n.x, m.y + d * n.y});
      }
      if (i % 16 == 0) {
        // Around the vertex a: the tolerance disc's corner regions.
        for (double d : {7e-4, 1.2e-3}) {
          c.Check(z, o, {a.x + d * n.x - d * n.y, a.y + d * n.y + d * n.x});
          c.Check(z, o, {a.x - d * n.x - d * n.y, a.y - d * n.y + d * n.x});
        }
      }
    });
  });
}

// Just outside the bbox (one ulp, 0.5 mm, 2 mm) on all four sides, at every
// vertex that lies on the bbox and at random positions along the sides.
TEST_F(DifferentialTest, JustOutsideBbox) {
  std::mt19937_64 rng(99);
  ForEachZone("outside bbox", [&](const Zone& z, Oracle& o, Checker& c) {
    const Box& b = z.shape.bbox();
    std::uniform_real_distribution<double> ux(b.min_x, b.max_x), uy(b.min_y, b.max_y);
    auto around = [&](Point2 p) {
      const double lo_x = std::nextafter(b.min_x, -INFINITY),
                   hi_x = std::nextafter(b.max_x, INFINITY);
      const double lo_y = std::nextafter(b.min_y, -INFINITY),
                   hi_y = std::nextafter(b.max_y, INFINITY);
      if (p.x == b.min_x) c.Check(z, o, {lo_x, p.y});
      if (p.x == b.max_x) c.Check(z, o, {hi_x, p.y});
      if (p.y == b.min_y) c.Check(z, o, {p.x, lo_y});
      if (p.y == b.max_y) c.Check(z, o, {p.x, hi_y});
      for (double d : {5e-4, 2e-3}) {
        if (p.x == b.min_x) c.Check(z, o, {p.x - d, p.y});
        if (p.x == b.max_x) c.Check(z, o, {p.x + d, p.y});
        if (p.y == b.min_y) c.Check(z, o, {p.x, p.y - d});
        if (p.y == b.max_y) c.Check(z, o, {p.x, p.y + d});
      }
    };
    for (const Point2& v : z.shape.vertices()) {
      if (v.x == b.min_x || v.x == b.max_x || v.y == b.min_y || v.y == b.max_y) around(v);
    }
    for (int i = 0; i < 20; ++i) {
      const double x = ux(rng), y = uy(rng);
      for (double d : {0.0, 5e-4, 2e-3}) {
        c.Check(z, o, {x, std::nextafter(b.min_y - d, -INFINITY)});
        c.Check(z, o, {x, std::nextafter(b.max_y + d, INFINITY)});
        c.Check(z, o, {std::nextafter(b.min_x - d, -INFINITY), y});
        c.Check(z, o, {std::nextafter(b.max_x + d, INFINITY), y});
      }
    }
    // The bbox corners themselves.
    for (Point2 p : {Point2{b.min_x, b.min_y}, Point2{b.max_x, b.max_y}, Point2{b.min_x, b.max_y},
                     Point2{b.max_x, b.min_y}}) {
      c.Check(z, o, p);
    }
  });
}

// BoundaryDistance against GEOS's distance to the boundary, to 1e-6 m, and
// the nearest point it returns lies on the boundary at that distance.
TEST_F(DifferentialTest, BoundaryDistanceMatchesGeos) {
  std::mt19937_64 rng(2024);
  GEOSContextHandle_t ctx = ThreadGeos().get();
  int64_t checked = 0, failed = 0;
  std::vector<std::string> failures;
  auto fail = [&](const Zone& z, Point2 p, const std::string& what) {
    ++failed;
    if (failures.size() < 20) {
      failures.push_back(
          absl::StrFormat("zone %s: point (%.17g, %.17g): %s", z.id, p.x, p.y, what));
    }
  };
  for (const Zone& z : snap().zones()) {
    GeomPtr zone = z.shape.ToGeos(ctx);
    GeomPtr boundary = Own(ctx, GEOSBoundary_r(ctx, zone.get()));
    ASSERT_TRUE(boundary);
    const Box& b = z.shape.bbox();
    const double margin = 0.2 * std::max(b.width(), b.height()) + 10;
    std::uniform_real_distribution<double> ux(b.min_x - margin, b.max_x + margin),
        uy(b.min_y - margin, b.max_y + margin);
    std::uniform_int_distribution<size_t> uv(0, z.shape.vertex_count() - 2);
    for (int i = 0; i < 24; ++i) {
      Point2 p{ux(rng), uy(rng)};
      if (i % 3 == 0) {  // close to an edge
        const Point2 a = z.shape.vertices()[uv(rng)];
        p = {a.x + (i % 2 ? 0.3 : -0.7), a.y + (i % 2 ? -0.2 : 0.4)};
      }
      GeomPtr pt = Own(ctx, GEOSGeom_createPointFromXY_r(ctx, p.x, p.y));
      double want = -1;
      ASSERT_EQ(GEOSDistance_r(ctx, pt.get(), boundary.get(), &want), 1);
      ++checked;
      Point2 q{NAN, NAN};
      const double got = z.shape.BoundaryDistance(p, 1e7, &q);
      if (!(std::abs(got - want) <= 1e-6)) {
        fail(z, p, absl::StrFormat("BoundaryDistance %.17g, GEOS %.17g", got, want));
        continue;
      }
      if (!(std::abs(std::hypot(q.x - p.x, q.y - p.y) - got) <= 1e-6)) {
        fail(z, p, "the nearest point is not at the returned distance");
      }
      GeomPtr qp = Own(ctx, GEOSGeom_createPointFromXY_r(ctx, q.x, q.y));
      double dq = -1;
      GEOSDistance_r(ctx, qp.get(), boundary.get(), &dq);
      if (!(dq <= 1e-6))
        fail(z, p, absl::StrFormat("the nearest point is %.3g from the boundary", dq));
      // A cut-off below the distance finds nothing; above it finds it.
      if (want > 1e-3) {
        if (z.shape.BoundaryDistance(p, want * 0.999, nullptr) !=
            std::numeric_limits<double>::infinity()) {
          fail(z, p, "found a boundary point beyond max_distance");
        }
        if (!(std::abs(z.shape.BoundaryDistance(p, want * 1.001 + 1e-6, nullptr) - want) <= 1e-6)) {
          fail(z, p, "missed the boundary within max_distance");
        }
      }
    }
  }
  std::string all;
  for (const std::string& f : failures) all += "\n  " + f;
  EXPECT_EQ(failed, 0) << failed << " of " << checked << " disagree:" << all;
  EXPECT_GT(checked, 10000);
}

// The snapshot's point path (grid filter + Locate) finds exactly the zones a
// brute-force scan of all zones finds.
TEST_F(DifferentialTest, LocateWorkingFindsEveryZone) {
  std::mt19937_64 rng(31337);
  const auto& zones = snap().zones();
  int64_t hits = 0, failed = 0;
  std::string first;
  auto check = [&](Point2 p) {
    std::vector<std::pair<uint32_t, Location>> got, want;
    snap().LocateWorking(p, [&](uint32_t z, Location l) { got.emplace_back(z, l); });
    for (uint32_t z = 0; z < zones.size(); ++z) {
      const Location l = zones[z].shape.Locate(p);
      if (l != Location::kExterior) want.emplace_back(z, l);
    }
    std::sort(got.begin(), got.end());
    hits += want.size();
    if (got != want) {
      if (failed++ == 0) {
        first =
            absl::StrFormat("point (%.17g, %.17g): LocateWorking found %d zones, brute force %d",
                            p.x, p.y, got.size(), want.size());
      }
    }
  };
  for (const Zone& z : zones) {
    const Box& b = z.shape.bbox();
    std::uniform_real_distribution<double> ux(b.min_x - 5, b.max_x + 5),
        uy(b.min_y - 5, b.max_y + 5);
    for (int i = 0; i < 100; ++i) check({ux(rng), uy(rng)});
    // Vertices and points within the tolerance of them, where a point filter
    // that forgets the tolerance would miss the zone.
    const auto& v = z.shape.vertices();
    for (size_t i = 0; i < v.size(); i += 97) {
      check(v[i]);
      check({v[i].x + 9e-4, v[i].y});
      check({v[i].x, v[i].y - 9e-4});
    }
    check({b.min_x - 9e-4, b.min_y});
    check({b.max_x + 9e-4, b.max_y});
  }
  EXPECT_EQ(failed, 0) << first;
  EXPECT_GT(hits, 10000);
}

// The same over a million points across the province and half a million in
// zones' boxes: the point grid leaves a zone out of the cells it holds none
// of and answers "interior" without asking the zone in the cells it holds
// whole, and either shortcut, wrong for any cell, would show here.
TEST_F(DifferentialTest, LocateWorkingOverTheProvinceMatchesBruteForce) {
  const auto& zones = snap().zones();
  const double tol = Tolerance();
  Box extent;
  std::vector<Box> near_boxes;
  for (const Zone& z : zones) {
    extent.Include(z.shape.bbox());
    near_boxes.push_back(z.shape.bbox().Expanded(2 * tol));
  }
  std::mt19937_64 rng(2718);
  std::uniform_real_distribution<double> ux(extent.min_x, extent.max_x),
      uy(extent.min_y, extent.max_y), u(0, 1);
  std::uniform_int_distribution<size_t> pick(0, zones.size() - 1);
  int64_t failed = 0, interior = 0, boundary = 0;
  std::string first;
  std::vector<std::pair<uint32_t, Location>> got, want;
  for (int i = 0; i < 1500000; ++i) {
    Point2 p{ux(rng), uy(rng)};
    if (i % 3 == 0) {
      const Box& b = zones[pick(rng)].shape.bbox();
      p = {b.min_x + u(rng) * b.width(), b.min_y + u(rng) * b.height()};
    }
    got.clear();
    want.clear();
    snap().LocateWorking(p, [&](uint32_t z, Location l) { got.emplace_back(z, l); });
    for (uint32_t z = 0; z < zones.size(); ++z) {
      if (!near_boxes[z].Contains(p)) continue;
      const Location l = zones[z].shape.Locate(p);
      if (l != Location::kExterior) want.emplace_back(z, l);
    }
    std::sort(got.begin(), got.end());
    for (const auto& [z, l] : want) (l == Location::kInterior ? interior : boundary) += 1;
    if (got != want && failed++ == 0) {
      first = absl::StrFormat("point (%.17g, %.17g): LocateWorking found %d zones, brute force %d",
                              p.x, p.y, got.size(), want.size());
    }
  }
  EXPECT_EQ(failed, 0) << first;
  EXPECT_GT(interior, 300000);
}

}  // namespace
}  // namespace redline
