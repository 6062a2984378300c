// Snapshot::CheckPoints with CheckOptions::hits_only: the spatial-join form
// of the batch, against the whole check of the same points.
#include <algorithm>
#include <random>
#include <string>
#include <tuple>
#include <vector>

#include "gtest/gtest.h"
#include "spatial/coords/crs.h"
#include "spatial/snapshot.h"
#include "tests/spatial/sample_snapshot.h"

namespace redline {
namespace {

class PointBatchTest : public SampleSnapshotTest {};

// Points on and near zone boundaries (vertices, a hair off them, edge
// midpoints), deep in zones, over the whole extent, and a few that cannot be
// checked; in longitude/latitude, as the batched Overlay gets them.
std::vector<Point2> MixedPoints(const Snapshot& snap) {
  std::vector<Point2> working;
  Box extent;
  for (const Zone& z : snap.zones()) {
    extent.Include(z.shape.bbox());
    const auto& v = z.shape.vertices();
    for (size_t i = 0; i + 1 < v.size(); i += std::max<size_t>(1, v.size() / 7)) {
      working.push_back(v[i]);
      working.push_back({v[i].x + 0.0004, v[i].y - 0.0004});
      working.push_back({(v[i].x + v[i + 1].x) / 2, (v[i].y + v[i + 1].y) / 2});
    }
  }
  std::mt19937_64 rng(17);
  std::uniform_real_distribution<double> ux(extent.min_x, extent.max_x);
  std::uniform_real_distribution<double> uy(extent.min_y, extent.max_y);
  for (int i = 0; i < 20000; ++i) working.push_back({ux(rng), uy(rng)});
  std::vector<Point2> lonlat = working;
  EXPECT_TRUE(TransformPoints(snap.config().working_crs, kLonLatCrs, lonlat).ok());
  lonlat.insert(lonlat.begin() + 5, Point2{200, 30});    // no such longitude
  lonlat.insert(lonlat.begin() + 50, Point2{NAN, 30});   // not a number
  lonlat.insert(lonlat.end() - 3, Point2{-74.0, 40.7});  // New York
  return lonlat;
}

using Hits = std::vector<std::tuple<std::string, std::string, Relation>>;  // layer, id

// Point i's hits, as (layer name, zone id, relation), in the batch's order.
std::vector<Hits> HitsPerPoint(const Snapshot& snap, const PointBatch& b) {
  std::vector<Hits> out;
  uint32_t h = 0;
  for (const PointBatch::PointAnswer& p : b.points) {
    Hits hits;
    for (; h < p.hits_end; ++h) {
      const Zone& z = snap.zones()[b.hits[h].zone];
      hits.emplace_back(snap.layers()[z.layer].config.name, z.id, b.hits[h].relation);
    }
    out.push_back(std::move(hits));
  }
  return out;
}

TEST_F(PointBatchTest, HitsOnlyGivesTheWholeChecksHitsAndNothingElse) {
  const Snapshot& snap = sample();
  const std::vector<Point2> points = MixedPoints(snap);
  for (const Purpose purpose : {Purpose::kOutfall, Purpose::kUnspecified}) {
    CheckOptions options;
    options.siting.purpose = purpose;
    options.include_intersection = true;
    PointBatch full, join;
    snap.CheckPoints(points, kLonLatCrs, options, &full);
    options.hits_only = true;
    snap.CheckPoints(points, kLonLatCrs, options, &join);
    EXPECT_FALSE(full.hits_only);
    EXPECT_TRUE(join.hits_only);

    ASSERT_EQ(join.points.size(), points.size());
    EXPECT_TRUE(join.nears.empty());
    EXPECT_TRUE(join.hit_rules.empty());
    EXPECT_TRUE(join.near_rules.empty());
    EXPECT_TRUE(join.reasons.empty());
    // The same points fail, with the same errors.
    ASSERT_EQ(join.errors.size(), full.errors.size());
    EXPECT_EQ(join.errors.size(), 3u);
    for (size_t k = 0; k < join.errors.size(); ++k) {
      EXPECT_EQ(join.errors[k].first, full.errors[k].first);
      EXPECT_EQ(join.errors[k].second, full.errors[k].second);
    }
    // The same hits and relations, in layer order then by zone id.
    const std::vector<Hits> want = HitsPerPoint(snap, full);
    const std::vector<Hits> got = HitsPerPoint(snap, join);
    size_t with_hits = 0, boundary = 0;
    for (size_t i = 0; i < points.size(); ++i) {
      Hits sorted = want[i];
      std::sort(sorted.begin(), sorted.end(), [&](const auto& a, const auto& b) {
        const auto layer = [&](const std::string& name) {
          for (size_t l = 0; l < snap.layers().size(); ++l) {
            if (snap.layers()[l].config.name == name) return l;
          }
          return snap.layers().size();
        };
        return std::make_pair(layer(std::get<0>(a)), std::get<1>(a)) <
               std::make_pair(layer(std::get<0>(b)), std::get<1>(b));
      });
      ASSERT_EQ(got[i], sorted) << "point " << i;
      with_hits += !got[i].empty();
      for (const auto& h : got[i]) boundary += std::get<2>(h) == Relation::kBoundary;
    }
    EXPECT_GT(with_hits, 1000u);
    EXPECT_GT(boundary, 100u);
    // Intersections are still given, one per point with hits.
    EXPECT_EQ(join.intersection_lonlat, full.intersection_lonlat);

    // A batch reused for the whole check is whole again.
    options.hits_only = false;
    snap.CheckPoints(points, kLonLatCrs, options, &join);
    EXPECT_FALSE(join.hits_only);
    EXPECT_EQ(join.nears.size(), full.nears.size());
  }
}

}  // namespace
}  // namespace redline
