// ReachGrid: a point it calls out of reach lies in none of the boxes, on
// their edges included; and the point checks' open-country shortcut gives
// the same answers as the whole way.
#include "spatial/geom/reach_grid.h"

#include <cmath>
#include <random>
#include <vector>

#include "gtest/gtest.h"
#include "spatial/coords/crs.h"
#include "spatial/snapshot.h"
#include "tests/spatial/sample_snapshot.h"

namespace redline {
namespace {

TEST(ReachGridTest, OutOfReachOnlyOutsideEveryBox) {
  std::mt19937_64 rng(3);
  std::uniform_real_distribution<double> lon(118.0, 123.0), lat(27.0, 31.5), size(0, 0.05);
  std::vector<Box> boxes;
  for (int i = 0; i < 400; ++i) {
    const double x = lon(rng), y = lat(rng);
    boxes.push_back({x, y, x + size(rng), y + size(rng)});
  }
  const ReachGrid grid(boxes, 0.005, 1 << 22);
  ASSERT_FALSE(grid.empty());
  auto in_a_box = [&](Point2 p) {
    for (const Box& b : boxes) {
      if (b.Contains(p)) return true;
    }
    return false;
  };
  int out = 0;
  // Random points, and every box's corners and edge midpoints exactly and
  // one ulp either side: a cell border is where rounding could misplace one.
  std::vector<Point2> points;
  for (int i = 0; i < 200000; ++i) points.push_back({lon(rng), lat(rng)});
  for (const Box& b : boxes) {
    for (double x : {b.min_x, 0.5 * (b.min_x + b.max_x), b.max_x}) {
      for (double y : {b.min_y, 0.5 * (b.min_y + b.max_y), b.max_y}) {
        for (double dx : {-1.0, 0.0, 1.0}) {
          for (double dy : {-1.0, 0.0, 1.0}) {
            points.push_back({std::nextafter(x, x + dx), std::nextafter(y, y + dy)});
          }
        }
      }
    }
  }
  for (const Point2& p : points) {
    if (grid.OutOfReach(p)) {
      ++out;
      ASSERT_FALSE(in_a_box(p)) << p.x << " " << p.y;
    }
  }
  EXPECT_GT(out, 100000);  // most of the area is clear
  // Outside the boxes' extent the grid does not judge.
  EXPECT_FALSE(grid.OutOfReach({100.0, 30.0}));
  EXPECT_FALSE(grid.OutOfReach({NAN, 30.0}));
  EXPECT_FALSE(ReachGrid().OutOfReach({120.0, 30.0}));
}

class OpenCountryTest : public SampleSnapshotTest {};

// Open country against the whole way: a request for zone outlines never
// takes the shortcut, so with outlines asked for, CheckPoint is the
// reference. Points over the whole extent, and just inside and outside the
// reach of zones (their vertices moved out by about the search radius).
TEST_F(OpenCountryTest, ShortcutGivesTheWholeWaysAnswers) {
  const Snapshot& snap = sample();
  std::mt19937_64 rng(11);
  Box extent;
  for (const Zone& z : snap.zones()) extent.Include(z.shape.bbox());
  extent = extent.Expanded(20000);
  std::uniform_real_distribution<double> ux(extent.min_x, extent.max_x);
  std::uniform_real_distribution<double> uy(extent.min_y, extent.max_y);
  std::uniform_real_distribution<double> angle(0, 2 * M_PI), around(900, 1100);
  std::vector<Point2> working;
  for (int i = 0; i < 6000; ++i) working.push_back({ux(rng), uy(rng)});
  for (const Zone& z : snap.zones()) {
    const auto& v = z.shape.vertices();
    for (size_t i = 0; i < v.size(); i += std::max<size_t>(1, v.size() / 8)) {
      const double a = angle(rng), d = around(rng);
      working.push_back({v[i].x + d * std::cos(a), v[i].y + d * std::sin(a)});
    }
  }
  std::vector<Point2> lonlat = working;
  ASSERT_TRUE(TransformPoints(snap.config().working_crs, kLonLatCrs, lonlat).ok());

  int open = 0, near_and_open_neighbours = 0;
  for (const Purpose purpose : {Purpose::kOutfall, Purpose::kUnspecified}) {
    CheckOptions fast;
    fast.siting.purpose = purpose;
    CheckOptions whole = fast;
    whole.include_zone_geometry = true;
    PointBatch batch;
    snap.CheckPoints(lonlat, kLonLatCrs, fast, &batch);
    ASSERT_TRUE(batch.errors.empty());
    uint32_t hits = 0, nears = 0;
    for (size_t i = 0; i < lonlat.size(); ++i) {
      SCOPED_TRACE(testing::Message() << "point " << lonlat[i].x << " " << lonlat[i].y);
      absl::StatusOr<CheckResult> a = snap.CheckPoint(lonlat[i], kLonLatCrs, fast);
      absl::StatusOr<CheckResult> b = snap.CheckPoint(lonlat[i], kLonLatCrs, whole);
      ASSERT_TRUE(a.ok() && b.ok());
      if (snap.InOpenCountry(lonlat[i])) {
        ++open;
        ASSERT_TRUE(b->hits.empty());
        ASSERT_TRUE(b->nearest.empty());
      } else {
        near_and_open_neighbours += !b->nearest.empty();
      }
      EXPECT_EQ(a->verdict, b->verdict);
      EXPECT_EQ(a->verdict_reason, b->verdict_reason);
      ASSERT_EQ(a->hits.size(), b->hits.size());
      for (size_t h = 0; h < a->hits.size(); ++h) EXPECT_EQ(a->hits[h].zone, b->hits[h].zone);
      ASSERT_EQ(a->nearest.size(), b->nearest.size());
      for (size_t n = 0; n < a->nearest.size(); ++n) {
        EXPECT_EQ(a->nearest[n].zone, b->nearest[n].zone);
        EXPECT_EQ(a->nearest[n].distance_m, b->nearest[n].distance_m);
      }
      // The batch, which takes the shortcut too, agrees.
      const PointBatch::PointAnswer& p = batch.points[i];
      EXPECT_EQ(p.verdict, b->verdict);
      EXPECT_EQ(batch.reasons[p.reason], b->verdict_reason);
      EXPECT_EQ(p.hits_end - hits, b->hits.size());
      EXPECT_EQ(p.nears_end - nears, b->nearest.size());
      hits = p.hits_end;
      nears = p.nears_end;
    }
  }
  EXPECT_GT(open, 4000);                      // the shortcut was taken...
  EXPECT_GT(near_and_open_neighbours, 1000);  // ...and not where zones are near
}

}  // namespace
}  // namespace redline
