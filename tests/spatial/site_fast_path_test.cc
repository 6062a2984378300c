// Snapshot::CheckGeometry against a plain GEOS computation on many random
// sites, on the sample data.
//
// CheckGeometry settles most zones from their grids (ZoneShape::Classify) and
// hands GEOS only the zone clipped to a box around the site. The reference
// here does none of that: every zone in force, whole (ToGeos, no clipping),
// GEOSRelate for the relation, GEOSIntersection + MeasureGeodesic for the
// overlap, GEOSDistance for the gap. Sites are polygons and lines, inside
// zones, across their boundaries, and built from the zones' own vertices so
// that they touch or run along boundaries. Relations must agree exactly;
// areas, lengths and distances within 1e-6 relative.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <tuple>
#include <vector>

#include "absl/strings/str_format.h"
#include "gtest/gtest.h"
#include "spatial/coords/crs.h"
#include "spatial/coords/geodesic.h"
#include "spatial/data/config.h"
#include "spatial/geom/geos_util.h"
#include "spatial/input/geometry_input.h"
#include "spatial/snapshot.h"
#include "tests/spatial/sample_snapshot.h"

namespace redline {
namespace {

class SiteFastPathTest : public SampleSnapshotTest {
 protected:
};

struct RefHit {
  Relation relation;
  double area_m2 = 0;
  double length_m = 0;
};

std::optional<Relation> RefRelation(const char* im) {
  const bool ii = im[0] != 'F', ib = im[1] != 'F', ie = im[2] != 'F';
  const bool bi = im[3] != 'F', bb = im[4] != 'F', be = im[5] != 'F';
  if (!(ii || ib || bi || bb)) return std::nullopt;
  if (!ie && !be) return Relation::kWithin;
  if (!ii) return Relation::kTouches;
  return Relation::kIntersects;
}

std::string Wkt(const std::vector<Point2>& pts, bool polygon) {
  std::string wkt = polygon ? "POLYGON ((" : "LINESTRING (";
  for (size_t i = 0; i < pts.size(); ++i) {
    absl::StrAppendFormat(&wkt, "%s%.17g %.17g", i ? ", " : "", pts[i].x, pts[i].y);
  }
  return wkt + (polygon ? "))" : ")");
}

// How many hits of each relation, and near zones, the comparisons covered.
std::map<std::string, int>& Seen() {
  static std::map<std::string, int> seen;
  return seen;
}

// Checks one site (WKT in the working CRS) against the reference.
void Compare(const Snapshot& snap, const std::string& wkt, const std::string& label) {
  SCOPED_TRACE(label + ": " + wkt.substr(0, 200));
  const std::string& working = snap.config().working_crs;
  absl::StatusOr<CheckResult> got =
      snap.CheckGeometry(GeometryEncoding::kWkt, wkt, working, CheckOptions{});
  // The site exactly as CheckGeometry sees it (reprojected through lon/lat).
  absl::StatusOr<Site> site = PrepareSite(GeometryEncoding::kWkt, wkt, working, working, 1 << 20);
  ASSERT_EQ(got.ok(), site.ok()) << got.status() << " / " << site.status();
  if (!got.ok()) return;  // an invalid random polygon: both refuse it
  GEOSContextHandle_t ctx = ThreadGeos().get();
  const int32_t day = got->as_of_day;
  const double tol = snap.config().boundary_tolerance_m;

  std::map<uint32_t, RefHit> ref;
  std::map<uint32_t, double> ref_planar_d;
  for (uint32_t z = 0; z < snap.zones().size(); ++z) {
    const Zone& zone = snap.zones()[z];
    if (!zone.InForce(day)) continue;
    const Box& zb = zone.shape.bbox();
    if (zb.max_x < site->extent.min_x - 3000 || zb.min_x > site->extent.max_x + 3000 ||
        zb.max_y < site->extent.min_y - 3000 || zb.min_y > site->extent.max_y + 3000) {
      continue;  // farther than any search radius or setback of the sample
    }
    GeomPtr zg = zone.shape.ToGeos(ctx);
    GeosString im(GEOSRelate_r(ctx, site->working.get(), zg.get()), GeosFree{ctx});
    ASSERT_TRUE(im);
    std::optional<Relation> rel = RefRelation(im.get());
    double d = 0;
    if (!rel) {
      ASSERT_EQ(GEOSDistance_r(ctx, site->working.get(), zg.get(), &d), 1);
      if (tol > 0 && d <= tol) rel = Relation::kTouches;
    }
    if (!rel) {
      ref_planar_d[z] = d;
      continue;
    }
    RefHit hit{*rel};
    if (*rel == Relation::kWithin) {
      hit.area_m2 = site->area_m2;
      hit.length_m = site->dimension == 1 ? site->length_m : 0;
    } else if (*rel == Relation::kIntersects) {
      GeomPtr inter = Own(ctx, GEOSIntersection_r(ctx, site->working.get(), zg.get()));
      ASSERT_TRUE(inter);
      absl::StatusOr<GeodesicMeasure> m = MeasureGeodesic(ctx, inter.get(), working);
      ASSERT_TRUE(m.ok());
      if (site->dimension == 2) hit.area_m2 = m->area_m2;
      if (site->dimension == 1) hit.length_m = m->length_m;
    }
    ref[z] = hit;
    ++Seen()[std::string(RelationName(*rel))];
  }
  Seen()["near"] += static_cast<int>(got->nearest.size());

  std::map<uint32_t, const ZoneHitResult*> hits;
  for (const ZoneHitResult& h : got->hits) hits[h.zone] = &h;
  EXPECT_EQ(hits.size(), ref.size());
  for (const auto& [z, r] : ref) {
    const Zone& zone = snap.zones()[z];
    auto it = hits.find(z);
    if (it == hits.end()) {
      ADD_FAILURE() << "zone " << zone.id << " missed; GEOS says " << RelationName(r.relation);
      continue;
    }
    const ZoneHitResult& h = *it->second;
    EXPECT_EQ(h.relation, r.relation) << zone.id;
    EXPECT_NEAR(h.overlap_area_m2, r.area_m2, 1e-6 * std::max(r.area_m2, 1e-3)) << zone.id;
    EXPECT_NEAR(h.overlap_length_m, r.length_m, 1e-6 * std::max(r.length_m, 1e-3)) << zone.id;
  }
  for (const auto& [z, h] : hits) {
    if (!ref.count(z)) ADD_FAILURE() << "zone " << snap.zones()[z].id << " hit; GEOS says no";
  }
  // Every nearby zone reported: its distance is GEOS's planar distance times
  // the local scale factor at the centre of the site's extent.
  const Box& e = site->extent;
  Point2 ends[2] = {{0.5 * (e.min_x + e.max_x), 0.5 * (e.min_y + e.max_y)}, {}};
  ends[1] = {ends[0].x + 1, ends[0].y};
  ASSERT_TRUE(TransformPoints(working, kLonLatCrs, ends).ok());
  const double scale = GeodesicDistanceM(ends[0], ends[1]);
  for (const NearZoneResult& n : got->nearest) {
    auto it = ref_planar_d.find(n.zone);
    if (it == ref_planar_d.end()) {
      ADD_FAILURE() << "near zone " << snap.zones()[n.zone].id << " not near for GEOS";
      continue;
    }
    EXPECT_NEAR(n.distance_m, it->second * scale, it->second * scale * 1e-6 + 1e-9)
        << snap.zones()[n.zone].id;
  }
  // And none missing: the nearest zone of each kind within the search
  // radius, by GEOS, is reported (or one of its kind as near: zones sharing
  // an edge tie).
  std::map<ZoneKind, double> nearest_of_kind;
  for (const auto& [z, d] : ref_planar_d) {
    if (d * scale > got->search_radius_m) continue;
    const ZoneKind kind = snap.layers()[snap.zones()[z].layer].config.kind;
    auto [it, fresh] = nearest_of_kind.try_emplace(kind, d * scale);
    it->second = std::min(it->second, d * scale);
  }
  for (const auto& [kind, best] : nearest_of_kind) {
    bool found = false;
    for (const NearZoneResult& n : got->nearest) {
      found |= snap.layers()[snap.zones()[n.zone].layer].config.kind == kind &&
               std::fabs(n.distance_m - best) <= best * 1e-6 + 1e-9;
    }
    EXPECT_TRUE(found) << "no zone of kind " << static_cast<int>(kind) << " at " << best << " m";
    ++Seen()["nearest of a kind"];
  }
}

// A circle-like polygon of n vertices around c, radius r (working CRS), with
// jitter so edges fall at every angle.
std::vector<Point2> Blob(Point2 c, double r, int n, std::mt19937_64& rng) {
  std::uniform_real_distribution<double> jitter(0.85, 1.0);
  std::vector<Point2> pts;
  for (int i = 0; i < n; ++i) {
    const double a = 2 * M_PI * i / n;
    const double rr = r * jitter(rng);
    pts.push_back({c.x + rr * std::cos(a), c.y + rr * std::sin(a)});
  }
  pts.push_back(pts.front());
  return pts;
}

struct LabelledSite {
  std::string label;
  std::string wkt;  // in the working CRS
};

// Random sites around the sample's zones: polygons and lines inside zones,
// across their boundaries, along them and near them (0.5 mm .. 2 km), then
// multipoints, which have no linework.
std::vector<LabelledSite> RandomSites(const Snapshot& snap) {
  const auto& zones = snap.zones();
  std::mt19937_64 rng(2026);
  std::uniform_real_distribution<double> u(0, 1);
  std::uniform_int_distribution<size_t> pick_zone(0, zones.size() - 1);
  std::vector<LabelledSite> sites;
  for (int k = 0; k < 240; ++k) {
    const Zone& zone = zones[pick_zone(rng)];
    const auto& v = zone.shape.vertices();
    const Box& b = zone.shape.bbox();
    std::uniform_int_distribution<size_t> pick_vertex(0, zone.shape.ring_end(0) - 2);
    const size_t i = pick_vertex(rng);
    std::string wkt;
    std::string label;
    switch (k % 6) {
      case 0: {  // anywhere in the zone's bbox: inside, outside or across
        const Point2 c{b.min_x + u(rng) * b.width(), b.min_y + u(rng) * b.height()};
        wkt = Wkt(Blob(c, 20 + u(rng) * 1500, 12 + k % 50, rng), true);
        label = "blob in bbox";
        break;
      }
      case 1: {  // centred on a boundary vertex: across the boundary
        wkt = Wkt(Blob(v[i], 5 + u(rng) * 400, 8 + k % 40, rng), true);
        label = "blob on boundary";
        break;
      }
      case 2: {  // a triangle on a boundary edge, to one side or the other
        const Point2 a = v[i], c = v[i + 1];
        const double side = u(rng) < 0.5 ? -1 : 1;
        const Point2 m{0.5 * (a.x + c.x) - side * (c.y - a.y),
                       0.5 * (a.y + c.y) + side * (c.x - a.x)};
        wkt = Wkt({a, c, m, a}, true);
        label = "triangle on an edge";
        break;
      }
      case 3: {  // a line along a run of the boundary
        const size_t end = std::min<size_t>(i + 2 + k % 20, zone.shape.ring_end(0));
        wkt = Wkt(std::vector<Point2>(v.begin() + i, v.begin() + end), false);
        label = "line along the boundary";
        break;
      }
      case 4: {  // a line across the bbox
        const Point2 p{b.min_x + u(rng) * b.width(), b.min_y + u(rng) * b.height()};
        const Point2 q{b.min_x + u(rng) * b.width(), b.min_y + u(rng) * b.height()};
        wkt = Wkt({p, {0.5 * (p.x + q.x) + 30, 0.5 * (p.y + q.y)}, q}, false);
        label = "line across";
        break;
      }
      default: {  // a small blob near the boundary, 0.5 mm .. 2 km away
        const Point2 a = v[i], c = v[i + 1];
        const double len = std::hypot(c.x - a.x, c.y - a.y);
        if (len == 0) continue;
        const double off = std::pow(10, -3.3 + 6.6 * u(rng));
        const double side = u(rng) < 0.5 ? -1 : 1;
        const Point2 m{0.5 * (a.x + c.x) - side * off * (c.y - a.y) / len,
                       0.5 * (a.y + c.y) + side * off * (c.x - a.x) / len};
        wkt = Wkt(Blob(m, std::max(off * 0.5, 1e-4), 6, rng), true);
        label = "blob near the boundary";
      }
    }
    sites.push_back({absl::StrFormat("%s (zone %s, vertex %d)", label, zone.id, i), wkt});
  }
  for (int k = 0; k < 30; ++k) {
    const Zone& zone = zones[pick_zone(rng)];
    const auto& v = zone.shape.vertices();
    std::uniform_int_distribution<size_t> pick_vertex(0, zone.shape.ring_end(0) - 2);
    const size_t i = pick_vertex(rng);
    sites.push_back(
        {absl::StrFormat("multipoint (zone %s, vertex %d)", zone.id, i),
         absl::StrFormat("MULTIPOINT ((%.17g %.17g), (%.17g %.17g))", v[i].x, v[i].y,
                         v[i].x + 1000 * (u(rng) - 0.5), v[i].y + 1000 * (u(rng) - 0.5))});
  }
  return sites;
}

TEST_F(SiteFastPathTest, RandomSitesAgreeWithPlainGeos) {
  const std::vector<LabelledSite> sites = RandomSites(sample());
  for (const LabelledSite& site : sites) {
    Compare(sample(), site.wkt, site.label);
    if (HasFatalFailure()) return;
  }
  EXPECT_GE(sites.size(), 230u);
  for (const auto& [what, n] : Seen()) std::printf("%s: %d\n", what.c_str(), n);
  // Every relation is exercised.
  for (const char* what : {"WITHIN", "INTERSECTS", "TOUCHES", "near"})
    EXPECT_GT(Seen()[what], 5) << what;
}

// CheckOptions::hits_only (a batched Overlay's features as a spatial join)
// skips the nearby zones and the rules, and searches only as far as the
// boundary tolerance; the hits, relations, overlaps and intersections must
// still be the whole check's, in layer order.
TEST_F(SiteFastPathTest, HitsOnlyGivesTheWholeChecksHits) {
  const Snapshot& snap = sample();
  const std::string& working = snap.config().working_crs;
  std::vector<LabelledSite> sites = RandomSites(snap);
  // A point goes CheckPoint's way.
  const Point2 v = snap.zones()[0].shape.vertices()[0];
  sites.push_back({"point on a vertex", absl::StrFormat("POINT (%.17g %.17g)", v.x, v.y)});
  std::map<Relation, int> seen;
  int with_near = 0;
  for (size_t k = 0; k < sites.size(); ++k) {
    SCOPED_TRACE(sites[k].label + ": " + sites[k].wkt.substr(0, 200));
    CheckOptions options;
    options.siting.purpose = Purpose::kDischargingProject;
    options.include_intersection = k % 2 == 1;
    absl::StatusOr<CheckResult> full =
        snap.CheckGeometry(GeometryEncoding::kWkt, sites[k].wkt, working, options);
    options.hits_only = true;
    absl::StatusOr<CheckResult> join =
        snap.CheckGeometry(GeometryEncoding::kWkt, sites[k].wkt, working, options);
    ASSERT_EQ(full.ok(), join.ok()) << full.status() << " / " << join.status();
    if (!full.ok()) continue;  // an invalid random polygon: both refuse it
    EXPECT_FALSE(full->hits_only);
    EXPECT_TRUE(join->hits_only);
    EXPECT_TRUE(join->nearest.empty());
    EXPECT_EQ(join->verdict_reason, "");
    with_near += !full->nearest.empty();

    std::vector<const ZoneHitResult*> want;
    for (const ZoneHitResult& h : full->hits) want.push_back(&h);
    std::sort(want.begin(), want.end(), [&](const auto* a, const auto* b) {
      const Zone& za = snap.zones()[a->zone];
      const Zone& zb = snap.zones()[b->zone];
      return std::tie(za.layer, za.id) < std::tie(zb.layer, zb.id);
    });
    ASSERT_EQ(join->hits.size(), want.size());
    for (size_t h = 0; h < want.size(); ++h) {
      const ZoneHitResult& got = join->hits[h];
      EXPECT_EQ(got.zone, want[h]->zone) << "hit " << h;
      EXPECT_EQ(got.relation, want[h]->relation) << snap.zones()[got.zone].id;
      EXPECT_EQ(got.overlap_area_m2, want[h]->overlap_area_m2) << snap.zones()[got.zone].id;
      EXPECT_EQ(got.overlap_length_m, want[h]->overlap_length_m) << snap.zones()[got.zone].id;
      EXPECT_EQ(got.overlap_ratio, want[h]->overlap_ratio) << snap.zones()[got.zone].id;
      EXPECT_EQ(got.intersection_wkb, want[h]->intersection_wkb) << snap.zones()[got.zone].id;
      EXPECT_TRUE(got.rules.empty());
      ++seen[got.relation];
    }
  }
  for (Relation r :
       {Relation::kWithin, Relation::kIntersects, Relation::kTouches, Relation::kBoundary}) {
    EXPECT_GT(seen[r], 0) << RelationName(r);
  }
  EXPECT_GT(with_near, 20);  // the whole check found nearby zones the join skipped
}

TEST_F(SiteFastPathTest, ClassifyAgreesWithLocate) {
  // A box the grid settles is settled for every point in it.
  const auto& zones = sample().zones();
  std::mt19937_64 rng(5);
  std::uniform_real_distribution<double> u(0, 1);
  int settled = 0;
  for (int k = 0; k < 4000; ++k) {
    const Zone& zone = zones[k % zones.size()];
    const Box& b = zone.shape.bbox();
    const Point2 c{b.min_x + u(rng) * b.width(), b.min_y + u(rng) * b.height()};
    const double half = std::pow(10, -1 + 4 * u(rng));
    const Box box{c.x - half, c.y - half, c.x + half, c.y + half};
    const Location where = zone.shape.Classify(box);
    if (where == Location::kBoundary) continue;
    ++settled;
    for (int j = 0; j < 50; ++j) {
      const Point2 p{box.min_x + u(rng) * box.width(), box.min_y + u(rng) * box.height()};
      ASSERT_EQ(zone.shape.Locate(p), where) << zone.id << " " << p.x << " " << p.y;
    }
  }
  EXPECT_GT(settled, 1000);
}

}  // namespace
}  // namespace redline

namespace redline {
namespace {

// The planar measure with the local scale (MeasureConformal) against the
// vertex-by-vertex geodesic one, on random polygons and lines across
// Zhejiang and beyond, up to 300 km from the central meridian.
TEST(MeasureConformalTest, AgreesWithGeodesicWithin1e6) {
  std::mt19937_64 rng(11);
  std::uniform_real_distribution<double> u(0, 1);
  int fast = 0;
  for (int k = 0; k < 2000; ++k) {
    const Point2 centre{500000 + (u(rng) - 0.5) * 600000, 3000000 + u(rng) * 500000};
    const double r = std::pow(10, 0.5 + 3.3 * u(rng));  // 3 m .. 6 km
    const int n = 3 + static_cast<int>(u(rng) * 400);
    std::vector<Point2> ring;
    for (int i = 0; i < n; ++i) {
      const double a = 2 * M_PI * i / n;
      const double rr = r * (0.3 + 0.7 * u(rng));
      ring.push_back({centre.x + rr * std::cos(a), centre.y + rr * std::sin(a)});
    }
    ring.push_back(ring.front());
    if (k % 2) std::reverse(ring.begin(), ring.end());
    // A hole: the same shape shrunk, for odd k.
    std::vector<Point2> hole;
    if (k % 3 == 1) {
      for (const Point2& p : ring) {
        hole.push_back({centre.x + 0.2 * (p.x - centre.x), centre.y + 0.2 * (p.y - centre.y)});
      }
    }
    const bool line = k % 5 == 4;
    std::vector<PlanarPart> parts{{ring, !line, false}};
    if (!hole.empty() && !line) parts.push_back({hole, true, true});
    std::optional<GeodesicMeasure> got = MeasureConformal(parts, "EPSG:4549", 2e-7);
    if (!got) continue;
    ++fast;
    double area = 0, length = 0;
    for (const PlanarPart& part : parts) {
      std::vector<Point2> ll(part.points.begin(), part.points.end());
      ASSERT_TRUE(TransformPoints("EPSG:4549", kLonLatCrs, ll).ok());
      length += GeodesicPathLengthM(ll);
      if (part.ring) area += (part.hole ? -1 : 1) * GeodesicRingAreaM2(ll);
    }
    // GeographicLib sums large per-edge terms (areas down to the equator),
    // so its own area carries an absolute rounding error of up to ~2e-4 m²
    // (measured here on 3..12 m polygons with hundreds of vertices): below
    // 1,000 m² the reference is the less exact of the two.
    EXPECT_NEAR(got->area_m2, area, std::max(1e-6 * area, 1e-3)) << k << " r=" << r << " n=" << n;
    EXPECT_NEAR(got->length_m, length, 1e-6 * length) << k << " r=" << r << " n=" << n;
  }
  // Sites up to a few km: the fast path is taken for most.
  EXPECT_GT(fast, 800);
}

TEST(MeasureConformalTest, RefusesANonConformalCrs) {
  // EPSG:3035 (Lambert azimuthal equal-area) is not conformal.
  std::vector<Point2> ring{{4e6, 3e6}, {4.001e6, 3e6}, {4.001e6, 3.001e6}, {4e6, 3e6}};
  const PlanarPart part{ring, true, false};
  EXPECT_FALSE(MeasureConformal(std::span<const PlanarPart>(&part, 1), "EPSG:3035", 1e-6));
}

}  // namespace
}  // namespace redline
