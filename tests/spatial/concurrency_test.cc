// Concurrency: one Snapshot queried from 8 threads at once must give, for
// every query, exactly the answer a single thread gives. Also compiled in the
// ThreadSanitizer build (build-tsan), where it must run clean.
//
// The queries mix CheckPoint (inside zones, on boundaries, outside; CRSs
// EPSG:4490, EPSG:4326 and the working CRS EPSG:4549), CheckGeometry (small
// polygons and lines in WKT that lie inside, cross or miss zones) and bad
// inputs that must fail. Each result is reduced to a canonical string (zone
// ids, relations, overlap measures and distances rounded to 1e-6, verdict).
#include <algorithm>
#include <atomic>
#include <cmath>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "gtest/gtest.h"
#include "spatial/data/config.h"
#include "spatial/snapshot.h"
#include "tests/spatial/sample_snapshot.h"

#if defined(__SANITIZE_THREAD__)
#define REDLINE_UNDER_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define REDLINE_UNDER_TSAN 1
#endif
#endif

namespace redline {
namespace {

#ifdef REDLINE_UNDER_TSAN
constexpr int kRounds = 2;  // TSan is ~10x slower; two rounds still interleave
#else
constexpr int kRounds = 12;
#endif
constexpr int kThreads = 8;

struct Query {
  std::string label;
  bool geometry = false;  // CheckGeometry (WKT) or CheckPoint
  Point2 point;
  std::string wkt;
  std::string crs;
  CheckOptions options;
  bool must_fail = false;
};

std::string Canonical(const Snapshot& snap, const absl::StatusOr<CheckResult>& r) {
  if (!r.ok()) {
    return absl::StrCat("ERROR ", absl::StatusCodeToString(r.status().code()), ": ",
                        r.status().message());
  }
  std::vector<std::string> hits, near;
  for (const ZoneHitResult& h : r->hits) {
    std::string rules;
    for (const Rule* rule : h.rules) absl::StrAppend(&rules, rule->id, ",");
    hits.push_back(absl::StrFormat("%s|%s|area=%.6f|ratio=%.6f|len=%.6f|rules=%s",
                                   snap.zones()[h.zone].id, RelationName(h.relation),
                                   h.overlap_area_m2, h.overlap_ratio, h.overlap_length_m, rules));
  }
  for (const NearZoneResult& n : r->nearest) {
    std::string rules;
    for (const Rule* rule : n.rules) absl::StrAppend(&rules, rule->id, ",");
    near.push_back(
        absl::StrFormat("%s|d=%.6f|rules=%s", snap.zones()[n.zone].id, n.distance_m, rules));
  }
  // Hit order is not part of the contract; nearest order (by distance) is.
  std::sort(hits.begin(), hits.end());
  std::string out = absl::StrFormat(
      "site %s %s v=%d area=%.6f len=%.6f rep=(%.9f,%.9f) radius=%.3f\n", r->site.geometry_type,
      r->site.input_crs, r->site.vertices, r->site.area_m2, r->site.length_m,
      r->site.representative_lonlat.x, r->site.representative_lonlat.y, r->search_radius_m);
  for (const std::string& h : hits) absl::StrAppend(&out, "hit ", h, "\n");
  for (const std::string& n : near) absl::StrAppend(&out, "near ", n, "\n");
  absl::StrAppend(&out, "verdict ", std::string(VerdictName(r->verdict)), ": ", r->verdict_reason);
  return out;
}

absl::StatusOr<CheckResult> RunQuery(const Snapshot& snap, const Query& q) {
  if (q.geometry) return snap.CheckGeometry(GeometryEncoding::kWkt, q.wkt, q.crs, q.options);
  return snap.CheckPoint(q.point, q.crs, q.options);
}

std::string SquareWkt(Point2 c, double half) {
  return absl::StrFormat("POLYGON((%.6f %.6f, %.6f %.6f, %.6f %.6f, %.6f %.6f, %.6f %.6f))",
                         c.x - half, c.y - half, c.x + half, c.y - half, c.x + half, c.y + half,
                         c.x - half, c.y + half, c.x - half, c.y - half);
}

class ConcurrencyTest : public SampleSnapshotTest {
 protected:
  // The query mix; see the file comment.
  static std::vector<Query> MakeQueries(const Snapshot& snap) {
    std::vector<Query> qs;
    CheckOptions outfall;
    outfall.siting.purpose = Purpose::kOutfall;
    outfall.siting.outfall_type = OutfallType::kRiver;
    CheckOptions project;
    project.siting.purpose = Purpose::kDischargingProject;
    CheckOptions none;  // no purpose: NEEDS_PURPOSE where zones are hit
    CheckOptions water_only;
    water_only.layers = {"water_source"};
    water_only.search_radius_m = 3000;

    // Known points of data/sample/known_points.csv (lon, lat).
    const Point2 known[] = {
        {121.069788, 29.970780}, {121.069828, 29.977304}, {121.067952, 29.982712},
        {121.075847, 29.944205}, {119.048924, 29.624276}, {121.075185, 30.599582},
        {121.138323, 30.027120}, {121.050069, 29.785853}, {118.771810, 28.415723},
        {121.148960, 29.977696}, {123.500000, 27.500000}, {119.673323, 29.082757}};
    int i = 0;
    for (const Point2& p : known) {
      const CheckOptions& opt = i % 3 == 0 ? outfall : i % 3 == 1 ? project : none;
      qs.push_back({absl::StrCat("known ", i, " 4490"), false, p, "", "EPSG:4490", opt});
      qs.push_back({absl::StrCat("known ", i, " 4326"), false, p, "", "EPSG:4326", water_only});
      // Small site polygons (about 60 m) and a 2 km line through the point.
      qs.push_back({absl::StrCat("square ", i),
                    true,
                    {},
                    SquareWkt(p, 0.0003),
                    "EPSG:4490",
                    i % 2 ? project : outfall});
      qs.push_back({absl::StrCat("line ", i),
                    true,
                    {},
                    absl::StrFormat("LINESTRING(%.6f %.6f, %.6f %.6f)", p.x - 0.01, p.y - 0.002,
                                    p.x + 0.01, p.y + 0.002),
                    "EPSG:4490",
                    project});
      ++i;
    }
    // Boundary cases in the working CRS: vertices of a few zones of each
    // layer, points 0.5 mm off them, and squares straddling a vertex.
    std::vector<int> per_layer(snap.layers().size(), 0);
    for (const Zone& z : snap.zones()) {
      if (per_layer[z.layer]++ >= 3) continue;
      const auto& v = z.shape.vertices();
      const Point2 a = v[v.size() / 3];
      const Point2 b = v[v.size() / 2];
      qs.push_back({"vertex " + z.id, false, a, "", "EPSG:4549", outfall});
      qs.push_back({"near vertex " + z.id, false, {a.x + 0.0005, a.y}, "", "EPSG:4549", none});
      qs.push_back({"edge mid " + z.id,
                    false,
                    {(a.x + b.x) / 2, (a.y + b.y) / 2},
                    "",
                    "EPSG:4549",
                    project});
      qs.push_back({"straddle " + z.id, true, {}, SquareWkt(a, 25), "EPSG:4549", project});
      qs.push_back({"line across " + z.id,
                    true,
                    {},
                    absl::StrFormat("LINESTRING(%.3f %.3f, %.3f %.3f)", a.x - 40, a.y - 30,
                                    a.x + 40, a.y + 30),
                    "EPSG:4549",
                    outfall});
    }
    // Bad inputs: each must fail, the same way every time.
    CheckOptions bad_layer;
    bad_layer.layers = {"no_such_layer"};
    CheckOptions bad_radius;
    bad_radius.search_radius_m = -5;
    qs.push_back({"bad crs", false, {120, 30}, "", "EPSG:999999", none, true});
    qs.push_back({"bad lat", false, {120, 95}, "", "EPSG:4490", none, true});
    qs.push_back({"nan", false, {std::nan(""), 30}, "", "EPSG:4490", none, true});
    qs.push_back({"bad layer", false, {120, 30}, "", "EPSG:4490", bad_layer, true});
    qs.push_back({"bad radius", false, {120, 30}, "", "EPSG:4490", bad_radius, true});
    qs.push_back({"bad wkt", true, {}, "POLYGON((120 30, 120.1 30", "EPSG:4490", none, true});
    qs.push_back({"empty wkt", true, {}, "", "EPSG:4490", none, true});
    return qs;
  }
};

TEST_F(ConcurrencyTest, ParallelQueriesMatchSingleThreaded) {
  const Snapshot& snap = sample();
  const std::vector<Query> queries = MakeQueries(snap);
  ASSERT_GT(queries.size(), 60u);

  // Single-threaded baseline, computed twice: the answers must not depend on
  // per-thread caches being cold or warm.
  std::vector<std::string> baseline;
  int failures = 0, hits = 0, boundary = 0;
  for (const Query& q : queries) {
    const absl::StatusOr<CheckResult> r = RunQuery(snap, q);
    EXPECT_EQ(!r.ok(), q.must_fail) << q.label << ": " << Canonical(snap, r);
    if (!r.ok()) ++failures;
    if (r.ok()) {
      hits += r->hits.size();
      for (const ZoneHitResult& h : r->hits) boundary += h.relation == Relation::kBoundary;
    }
    baseline.push_back(Canonical(snap, r));
  }
  for (size_t i = 0; i < queries.size(); ++i) {
    ASSERT_EQ(Canonical(snap, RunQuery(snap, queries[i])), baseline[i]) << queries[i].label;
  }
  // The mix really covers what it claims.
  EXPECT_EQ(failures, 7);
  EXPECT_GT(hits, 40);
  EXPECT_GT(boundary, 5);

  std::atomic<int> mismatches{0};
  std::vector<std::string> first_mismatch(kThreads);
  std::vector<std::thread> threads;
  std::atomic<bool> go{false};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      std::vector<size_t> order(queries.size());
      for (size_t i = 0; i < order.size(); ++i) order[i] = i;
      std::mt19937 rng(1000 + t);
      while (!go.load()) std::this_thread::yield();
      for (int round = 0; round < kRounds; ++round) {
        std::shuffle(order.begin(), order.end(), rng);
        for (size_t i : order) {
          const std::string got = Canonical(snap, RunQuery(snap, queries[i]));
          if (got != baseline[i]) {
            if (mismatches.fetch_add(1) == 0 || first_mismatch[t].empty()) {
              first_mismatch[t] =
                  absl::StrCat(queries[i].label, "\n--- want:\n", baseline[i], "\n--- got:\n", got);
            }
          }
        }
      }
    });
  }
  go = true;
  for (std::thread& th : threads) th.join();
  std::string detail;
  for (const std::string& m : first_mismatch) {
    if (!m.empty()) absl::StrAppend(&detail, "\n", m);
  }
  EXPECT_EQ(mismatches.load(), 0) << detail;
}

// Exact answer of one point: verdict, reason, hits with relations and rules,
// nearby zones with distances to the last bit.
std::string PointAnswer(const absl::StatusOr<CheckResult>& r) {
  if (!r.ok()) return absl::StrCat("error ", r.status().message());
  std::string out = absl::StrCat(static_cast<int>(r->verdict), " ", r->verdict_reason);
  auto rules = [](const std::vector<const Rule*>& rs) {
    std::string ids;
    for (const Rule* x : rs) absl::StrAppend(&ids, x->id, ",");
    return ids;
  };
  for (const ZoneHitResult& h : r->hits) {
    absl::StrAppend(&out, " | hit ", h.zone, " ", static_cast<int>(h.relation), " ",
                    rules(h.rules));
  }
  for (const NearZoneResult& n : r->nearest) {
    absl::StrAppend(&out, " | near ", n.zone, " ", absl::StrFormat("%.17g", n.distance_m), " ",
                    rules(n.rules));
  }
  return out;
}

std::vector<std::string> BatchAnswers(const PointBatch& b) {
  std::vector<std::string> out;
  uint32_t h = 0, n = 0, hr = 0, nr = 0;
  for (const PointBatch::PointAnswer& p : b.points) {
    if (p.error >= 0) {
      out.push_back(absl::StrCat("error ", b.errors[p.error].second.message()));
      continue;
    }
    std::string s = absl::StrCat(static_cast<int>(p.verdict), " ", b.reasons[p.reason]);
    for (; h < p.hits_end; ++h) {
      absl::StrAppend(&s, " | hit ", b.hits[h].zone, " ", static_cast<int>(b.hits[h].relation),
                      " ");
      for (; hr < b.hits[h].rules_end; ++hr) absl::StrAppend(&s, b.hit_rules[hr]->id, ",");
    }
    for (; n < p.nears_end; ++n) {
      absl::StrAppend(&s, " | near ", b.nears[n].zone, " ",
                      absl::StrFormat("%.17g", b.nears[n].distance_m), " ");
      for (; nr < b.nears[n].rules_end; ++nr) absl::StrAppend(&s, b.near_rules[nr]->id, ",");
    }
    out.push_back(s);
  }
  return out;
}

// Batches of points (Snapshot::CheckPoints) give, point for point, exactly
// CheckPoint's answers, errors included, and do so from many threads at once.
TEST_F(ConcurrencyTest, PointBatchesMatchOnePointCallsInParallel) {
  const Snapshot& snap = sample();
  // Working-CRS points: zone vertices (on the boundary), points just off
  // them, edge midpoints, and a scatter over the zones' extent; one bad one.
  std::vector<Point2> points;
  Box extent;
  std::vector<int> per_layer(snap.layers().size(), 0);
  for (const Zone& z : snap.zones()) {
    extent.Include(z.shape.bbox());
    if (per_layer[z.layer]++ >= 40) continue;
    const auto& v = z.shape.vertices();
    const Point2 a = v[v.size() / 3], b = v[v.size() / 3 + 1];
    points.push_back(a);
    points.push_back({a.x + 0.0005, a.y});
    points.push_back({(a.x + b.x) / 2, (a.y + b.y) / 2});
  }
  std::mt19937_64 rng(3);
  std::uniform_real_distribution<double> ux(extent.min_x, extent.max_x);
  std::uniform_real_distribution<double> uy(extent.min_y, extent.max_y);
  for (int i = 0; i < 300; ++i) points.push_back({ux(rng), uy(rng)});
  points.insert(points.begin() + points.size() / 2, Point2{1e9, 1e9});  // outside the CRS
  CheckOptions options;
  options.siting.purpose = Purpose::kOutfall;
  const std::string crs = snap.config().working_crs;

  std::vector<std::string> want;
  for (const Point2& p : points) want.push_back(PointAnswer(snap.CheckPoint(p, crs, options)));
  PointBatch batch;
  snap.CheckPoints(points, crs, options, &batch);
  const std::vector<std::string> got = BatchAnswers(batch);
  ASSERT_EQ(got.size(), want.size());
  int boundary = 0;
  for (const PointBatch::Hit& h : batch.hits) boundary += h.relation == Relation::kBoundary;
  EXPECT_GT(boundary, 20);
  EXPECT_GT(batch.nears.size(), 100u);
  EXPECT_EQ(batch.errors.size(), 1u);
  for (size_t i = 0; i < want.size(); ++i) ASSERT_EQ(got[i], want[i]) << "point " << i;

  // Many threads, each its own batches of varied sizes over the same points.
  std::atomic<int> mismatches{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      PointBatch mine;
      const size_t step = 17 + 61 * t;
      for (int round = 0; round < kRounds / 2; ++round) {
        for (size_t at = 0; at < points.size(); at += step) {
          const size_t n = std::min(step, points.size() - at);
          snap.CheckPoints(std::span<const Point2>(points).subspan(at, n), crs, options, &mine);
          const std::vector<std::string> answers = BatchAnswers(mine);
          for (size_t k = 0; k < n; ++k) mismatches += answers[k] != want[at + k];
        }
      }
    });
  }
  for (std::thread& th : threads) th.join();
  EXPECT_EQ(mismatches.load(), 0);
}

}  // namespace
}  // namespace redline
