// Regression tests of answers that were wrong (issue 18, finding 9), on the
// sample data:
//  - a valid polygon whose hole touches its shell was INTERNAL: a vertex
//    exactly on the shell's edge landed a hair outside it once reprojected,
//    and GEOS relate threw on the now invalid site;
//  - GCJ-02 / BD-09 points far outside China came back CLEAR;
//  - a NaN search radius became the default radius;
//  - a coordinate-table ring of two points came back as a LineString.
#include <algorithm>
#include <cmath>
#include <limits>
#include <set>
#include <span>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "sample_snapshot.h"
#include "spatial/coords/crs.h"
#include "spatial/data/config.h"
#include "spatial/geom/geos_util.h"
#include "spatial/snapshot.h"

namespace redline {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;

std::string Msg(const absl::Status& st) { return std::string(st.message()); }

std::string Ring(const std::vector<Point2>& pts) {
  std::string s = "(";
  for (size_t i = 0; i < pts.size(); ++i) {
    absl::StrAppendFormat(&s, "%s%.7f %.7f", i ? ", " : "", pts[i].x, pts[i].y);
  }
  return s + ")";
}

// A square of half-width d around c, and a triangular hole with one vertex
// on the square's lower edge (`on_edge`) or at its lower-left corner.
std::string SquareWithTouchingHole(Point2 c, double d, bool on_edge) {
  const std::vector<Point2> shell = {{c.x - d, c.y - d},
                                     {c.x + d, c.y - d},
                                     {c.x + d, c.y + d},
                                     {c.x - d, c.y + d},
                                     {c.x - d, c.y - d}};
  const std::vector<Point2> hole = on_edge ? std::vector<Point2>{{c.x, c.y - d},
                                                                 {c.x + d / 2, c.y},
                                                                 {c.x - d / 2, c.y},
                                                                 {c.x, c.y - d}}
                                           : std::vector<Point2>{{c.x - d, c.y - d},
                                                                 {c.x - d / 2, c.y + d / 2},
                                                                 {c.x + d / 2, c.y - d / 2},
                                                                 {c.x - d, c.y - d}};
  return "POLYGON (" + Ring(shell) + ", " + Ring(hole) + ")";
}

GeomPtr ReadWkt(GEOSContextHandle_t ctx, const std::string& wkt) {
  GEOSWKTReader* r = GEOSWKTReader_create_r(ctx);
  GeomPtr g = Own(ctx, GEOSWKTReader_read_r(ctx, r, wkt.c_str()));
  GEOSWKTReader_destroy_r(ctx, r);
  return g;
}

// `g` (in the working CRS) in longitude/latitude, vertex by vertex.
GeomPtr ToLonLat(GEOSContextHandle_t ctx, const GEOSGeometry* g, const std::string& working) {
  return Own(ctx, GEOSGeom_transformXY_r(
                      ctx, g,
                      [](double* x, double* y, void* data) -> int {
                        Point2 p{*x, *y};
                        const auto* crs = static_cast<const std::string*>(data);
                        if (!TransformPoints(*crs, kLonLatCrs, std::span<Point2>(&p, 1)).ok()) {
                          return 0;
                        }
                        *x = p.x;
                        *y = p.y;
                        return 1;
                      },
                      const_cast<std::string*>(&working)));
}

class WrongAnswersTest : public SampleSnapshotTest {};

// Checked normally, and the hits and overlap ratios are those plain GEOS
// finds for the site as given (longitude/latitude) against each zone
// brought into longitude/latitude.
TEST_F(WrongAnswersTest, HoleTouchingTheShellIsCheckedNormally) {
  GEOSContextHandle_t ctx = ThreadGeos().get();
  const std::string& working = sample().config().working_crs;
  struct Case {
    Point2 centre;
    double d;
  } cases[] = {{{121.2058386, 30.0384109}, 0.02},
               {{121.0556165, 30.0598716}, 0.005},
               {{121.1677542, 29.9608389}, 0.02}};
  const int32_t today = TodayInChina();
  for (const Case& c : cases) {
    for (bool on_edge : {true, false}) {
      const std::string wkt = SquareWithTouchingHole(c.centre, c.d, on_edge);
      absl::StatusOr<CheckResult> r =
          sample().CheckGeometry(GeometryEncoding::kWkt, wkt, "EPSG:4490", {});
      ASSERT_TRUE(r.ok()) << wkt << ": " << r.status();
      EXPECT_EQ(r->site.geometry_type, "Polygon");

      GeomPtr site = ReadWkt(ctx, wkt);
      ASSERT_EQ(GEOSisValid_r(ctx, site.get()), 1) << wkt;
      double site_area = 0;
      ASSERT_EQ(GEOSArea_r(ctx, site.get(), &site_area), 1);
      std::vector<Point2> corners = {{c.centre.x - 2 * c.d, c.centre.y - 2 * c.d},
                                     {c.centre.x + 2 * c.d, c.centre.y + 2 * c.d}};
      ASSERT_TRUE(TransformPoints(kLonLatCrs, working, corners).ok());
      const Box near{corners[0].x, corners[0].y, corners[1].x, corners[1].y};
      std::set<std::string> expected;
      int checked = 0;
      for (const Zone& z : sample().zones()) {
        if (!z.InForce(today) || !z.shape.bbox().Intersects(near)) continue;
        GeomPtr zone = ToLonLat(ctx, z.shape.ToGeos(ctx).get(), working);
        ASSERT_TRUE(zone) << z.id;
        GeomPtr inter = Own(ctx, GEOSIntersection_r(ctx, site.get(), zone.get()));
        ASSERT_TRUE(inter) << z.id;
        double a = 0;
        GEOSArea_r(ctx, inter.get(), &a);
        if (a == 0) continue;  // apart or touching: not compared
        expected.insert(z.id);
        ++checked;
        const auto hit = std::find_if(r->hits.begin(), r->hits.end(), [&](const ZoneHitResult& h) {
          return sample().zones()[h.zone].id == z.id;
        });
        ASSERT_NE(hit, r->hits.end()) << z.id << " in " << wkt;
        EXPECT_NEAR(hit->overlap_ratio, a / site_area, 2e-4) << z.id << " in " << wkt;
      }
      EXPECT_GT(checked, 0) << "the case should overlap a zone: " << wkt;
      for (const ZoneHitResult& h : r->hits) {
        if (h.relation == Relation::kWithin || h.relation == Relation::kIntersects) {
          EXPECT_TRUE(expected.count(sample().zones()[h.zone].id)) << sample().zones()[h.zone].id;
        }
      }
    }
  }
}

TEST_F(WrongAnswersTest, WebMapPointsOutsideChinaAreRefused) {
  for (const char* crs : {"GCJ-02", "BD-09"}) {
    for (Point2 p : {Point2{0, 0}, Point2{-74, 40.7}}) {
      absl::StatusOr<CheckResult> r = sample().CheckPoint(p, crs, {});
      ASSERT_FALSE(r.ok()) << crs << " (" << p.x << ", " << p.y << ") was answered "
                           << VerdictName(r->verdict);
      EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
      EXPECT_THAT(Msg(r.status()), HasSubstr("outside China"));
      r = sample().CheckGeometry(GeometryEncoding::kWkt, absl::StrFormat("POINT (%g %g)", p.x, p.y),
                                 crs, {});
      EXPECT_FALSE(r.ok()) << crs;
    }
    // The batch path gives each such point its error and answers the others.
    const std::vector<Point2> points = {{121.138323, 30.027120}, {0, 0}, {-74, 40.7}};
    PointBatch batch;
    sample().CheckPoints(points, crs, {}, &batch);
    ASSERT_EQ(batch.points.size(), 3u);
    EXPECT_LT(batch.points[0].error, 0) << crs;
    for (int i : {1, 2}) {
      ASSERT_GE(batch.points[i].error, 0) << crs << " point " << i;
      EXPECT_THAT(Msg(batch.errors[batch.points[i].error].second), HasSubstr("outside China"));
    }
  }
}

TEST_F(WrongAnswersTest, NonFiniteOrNegativeRadiusIsRefused) {
  for (double radius : {std::nan(""), std::numeric_limits<double>::infinity(), -1.0}) {
    CheckOptions options;
    options.search_radius_m = radius;
    absl::StatusOr<CheckResult> r = sample().CheckPoint({121.07, 29.97}, "EPSG:4490", options);
    ASSERT_FALSE(r.ok()) << radius << " became " << r->search_radius_m;
    EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(Msg(r.status()), HasSubstr("search_radius_m"));
    PointBatch batch;
    sample().CheckPoints(std::vector<Point2>{{121.07, 29.97}}, "EPSG:4490", options, &batch);
    EXPECT_GE(batch.points[0].error, 0) << radius;
  }
}

TEST_F(WrongAnswersTest, TableRingOfTwoPointsIsAnError) {
  absl::StatusOr<CheckResult> r = sample().CheckGeometry(
      GeometryEncoding::kCoordinateTable,
      "J1 121.138323 30.027120\nJ2 121.139323 30.027120\nJ1 121.138323 30.027120\n", "EPSG:4490",
      {});
  ASSERT_FALSE(r.ok()) << "read as a " << r->site.geometry_type;
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(Msg(r.status()), AllOf(HasSubstr("ring of lines 1-3"), HasSubstr("at least 3")));
}

// The same class of bug in the config: YAML's .nan passed every range check
// (a NaN default radius then reached every answer).
TEST(ConfigNanTest, NanSettingsAreRefused) {
  constexpr char kLayer[] =
      "layers:\n  - name: a\n    kind: other\n    source: a.gpkg\n    id_field: id\n"
      "    name_field: name\n";
  for (const char* key : {"default_search_radius_m", "max_search_radius_m", "boundary_tolerance_m",
                          "watch_interval_s"}) {
    for (const char* value : {".nan", ".inf", "-1"}) {
      if (std::string(value) == ".inf" && (std::string(key) == "watch_interval_s" ||
                                           std::string(key) == "default_search_radius_m")) {
        continue;  // infinite: refused by a comparison with another key, or harmless
      }
      const std::string yaml = absl::StrCat(key, ": ", value, "\n", kLayer);
      absl::StatusOr<Config> c = Config::Parse(yaml, "/tmp", "test.yaml");
      EXPECT_FALSE(c.ok()) << key << ": " << value;
      if (!c.ok()) {
        EXPECT_THAT(Msg(c.status()),
                    HasSubstr(key == std::string("max_search_radius_m") ? "search_radius_m" : key));
      }
    }
  }
}

}  // namespace
}  // namespace redline
