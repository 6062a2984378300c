// Tests of spatial/coords/crs.h: CRS names, descriptions and transformations.
//
// Reference values come from PROJ's own `cs2cs` command-line tool, run from
// the test (it is installed with PROJ), and from the definition of the
// Gauss-Kruger grids (false easting 500000 m on the central meridian; the
// EPSG:4513-4533 grids prefix the zone number to the easting).
#include "spatial/coords/crs.h"

#include <proj.h>

#include <cmath>
#include <cstdio>
#include <limits>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace redline {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;

std::string Msg(const absl::Status& st) { return std::string(st.message()); }

TEST(NormalizeCrsNameTest, EpsgSpellings) {
  EXPECT_EQ(NormalizeCrsName("4490"), "EPSG:4490");
  EXPECT_EQ(NormalizeCrsName("epsg:4490"), "EPSG:4490");
  EXPECT_EQ(NormalizeCrsName("EPSG:4490"), "EPSG:4490");
  EXPECT_EQ(NormalizeCrsName(" EPSG:4549 "), "EPSG:4549");
  EXPECT_EQ(NormalizeCrsName("Epsg:4326"), "EPSG:4326");
  // Leading zeros and signs are read as the number they spell.
  EXPECT_EQ(NormalizeCrsName("EPSG:04490"), "EPSG:4490");
  EXPECT_EQ(NormalizeCrsName("EPSG:+4490"), "EPSG:4490");
  EXPECT_EQ(NormalizeCrsName("EPSG:4490 "), "EPSG:4490");
  EXPECT_EQ(NormalizeCrsName("EPSG:4490x"), "EPSG:4490x");
  EXPECT_EQ(NormalizeCrsName("EPSG:"), "EPSG:");
  EXPECT_EQ(NormalizeCrsName("EPSG:123456789"), "EPSG:123456789");
  EXPECT_EQ(NormalizeCrsName("EPSG:9999999999"), "EPSG:9999999999");  // not an int
}

TEST(NormalizeCrsNameTest, EmptyMeansLonLat) {
  EXPECT_EQ(NormalizeCrsName(""), kLonLatCrs);
  EXPECT_EQ(NormalizeCrsName("   "), kLonLatCrs);
  EXPECT_STREQ(kLonLatCrs, "EPSG:4490");
}

TEST(NormalizeCrsNameTest, OtherStringsPassThroughTrimmed) {
  EXPECT_EQ(NormalizeCrsName("  +proj=longlat +ellps=GRS80  "), "+proj=longlat +ellps=GRS80");
  EXPECT_EQ(NormalizeCrsName("urn:ogc:def:crs:EPSG::4490"), "urn:ogc:def:crs:EPSG::4490");
}

TEST(DescribeCrsTest, ProjectedGaussKruger) {
  absl::StatusOr<CrsInfo> info = DescribeCrs("4549");
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_EQ(info->name, "EPSG:4549");
  EXPECT_FALSE(info->geographic);
  EXPECT_THAT(info->description, HasSubstr("CGCS2000"));
  EXPECT_THAT(info->description, HasSubstr("120E"));
  // The 3-degree zone around 120E: 118.5E..121.5E.
  ASSERT_FALSE(info->area_of_use.empty());
  EXPECT_NEAR(info->area_of_use.min_x, 118.5, 0.01);
  EXPECT_NEAR(info->area_of_use.max_x, 121.5, 0.01);
}

TEST(DescribeCrsTest, Geographic) {
  for (const char* name : {"EPSG:4490", "epsg:4326", "4490"}) {
    absl::StatusOr<CrsInfo> info = DescribeCrs(name);
    ASSERT_TRUE(info.ok()) << name << ": " << info.status();
    EXPECT_TRUE(info->geographic) << name;
  }
  absl::StatusOr<CrsInfo> cgcs = DescribeCrs("EPSG:4490");
  ASSERT_TRUE(cgcs.ok());
  EXPECT_THAT(cgcs->description, HasSubstr("China Geodetic Coordinate System 2000"));
  // China, Zhejiang included.
  EXPECT_TRUE(cgcs->area_of_use.Contains({120.2, 30.3}));
}

TEST(DescribeCrsTest, UnknownCrsIsNamed) {
  for (const char* name : {"EPSG:99999", "not a crs", "EPSG:abc"}) {
    absl::StatusOr<CrsInfo> info = DescribeCrs(name);
    ASSERT_FALSE(info.ok()) << name;
    EXPECT_EQ(info.status().code(), absl::StatusCode::kInvalidArgument) << name;
    EXPECT_THAT(Msg(info.status()), HasSubstr(name));
  }
}

TEST(DescribeCrsTest, GeocentricIsRefused) {
  absl::StatusOr<CrsInfo> info = DescribeCrs("EPSG:4978");  // WGS 84 geocentric
  ASSERT_FALSE(info.ok());
  EXPECT_EQ(info.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(Msg(info.status()), HasSubstr("EPSG:4978"));
}

TEST(DescribeCrsTest, VerticalIsRefused) {
  absl::StatusOr<CrsInfo> info = DescribeCrs("EPSG:5773");  // EGM96 height
  ASSERT_FALSE(info.ok());
  EXPECT_EQ(info.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(TransformPointsTest, CentralMeridianMapsToFalseEasting) {
  // On the central meridian a Gauss-Kruger easting is exactly the false easting.
  std::vector<Point2> p = {{120.0, 30.0}, {120.0, 27.5}};
  ASSERT_TRUE(TransformPoints("EPSG:4490", "EPSG:4549", p).ok());
  EXPECT_NEAR(p[0].x, 500000.0, 1e-6);
  EXPECT_NEAR(p[1].x, 500000.0, 1e-6);
  EXPECT_GT(p[0].y, p[1].y);  // northing grows northwards
  // EPSG:4528 is the same zone (40) with the zone number prefixed.
  std::vector<Point2> q = {{120.0, 30.0}, {121.3, 29.1}};
  std::vector<Point2> r = q;
  ASSERT_TRUE(TransformPoints("EPSG:4490", "EPSG:4528", q).ok());
  ASSERT_TRUE(TransformPoints("EPSG:4490", "EPSG:4549", r).ok());
  for (size_t i = 0; i < q.size(); ++i) {
    EXPECT_NEAR(q[i].x, r[i].x + 40000000.0, 1e-6);
    EXPECT_NEAR(q[i].y, r[i].y, 1e-6);
  }
}

TEST(TransformPointsTest, RoundTripWithinAMicrometre) {
  // Survey points in EPSG:4549 across Zhejiang.
  const std::vector<Point2> original = {{500000.0, 3320113.3978},
                                        {401234.567, 3050000.125},
                                        {612345.678, 3401234.5},
                                        {455000.0, 2990000.0},
                                        {598765.4321, 3230987.6543}};
  std::vector<Point2> p = original;
  ASSERT_TRUE(TransformPoints("EPSG:4549", "EPSG:4490", p).ok());
  for (const Point2& ll : p) {
    EXPECT_GT(ll.x, 118.0);  // longitude first
    EXPECT_LT(ll.x, 123.0);
    EXPECT_GT(ll.y, 27.0);
    EXPECT_LT(ll.y, 31.5);
  }
  ASSERT_TRUE(TransformPoints("EPSG:4490", "EPSG:4549", p).ok());
  for (size_t i = 0; i < p.size(); ++i) {
    EXPECT_NEAR(p[i].x, original[i].x, 1e-6) << i;
    EXPECT_NEAR(p[i].y, original[i].y, 1e-6) << i;
  }
}

TEST(TransformPointsTest, SameCrsIsIdentity) {
  std::vector<Point2> p = {{120.123456789, 30.987654321}};
  ASSERT_TRUE(TransformPoints("4490", "EPSG:4490", p).ok());
  EXPECT_EQ(p[0], (Point2{120.123456789, 30.987654321}));
}

TEST(TransformPointsTest, UnknownCrsIsAnError) {
  std::vector<Point2> p = {{120, 30}};
  absl::Status st = TransformPoints("EPSG:99999", "EPSG:4490", p);
  EXPECT_FALSE(st.ok());
  EXPECT_THAT(Msg(st), HasSubstr("EPSG:99999"));
}

TEST(TransformPointsTest, UntransformablePointIsAnError) {
  // A latitude beyond the pole has no image (cs2cs prints "* *" for it).
  std::vector<Point2> p = {{120, 30}, {120, 100}};
  absl::Status st = TransformPoints("EPSG:4490", "EPSG:4549", p);
  EXPECT_FALSE(st.ok());
  EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument);
}

// What PROJ's own pipeline gives (the transformation proj_create_crs_to_crs
// finds, longitude/easting first), point by point through proj_trans.
std::vector<Point2> ProjPipeline(const char* from, const char* to, std::vector<Point2> pts) {
  PJ_CONTEXT* ctx = proj_context_create();
  PJ* raw = proj_create_crs_to_crs(ctx, from, to, nullptr);
  PJ* pj = proj_normalize_for_visualization(ctx, raw);
  for (Point2& p : pts) {
    const PJ_COORD c = proj_trans(pj, PJ_FWD, proj_coord(p.x, p.y, 0, 0));
    p = {c.xy.x, c.xy.y};
  }
  proj_destroy(pj);
  proj_destroy(raw);
  proj_context_destroy(ctx);
  return pts;
}

// Transformations between longitude/latitude and a projection on the same
// datum skip PROJ's unit-conversion step (crs.cc, FindProjectionStep); the
// coordinates must stay PROJ's to the last bit, both ways, and points PROJ
// cannot place must stay unplaceable. A datum shift keeps the whole pipeline.
TEST(TransformPointsTest, SameBitsAsProjPipeline) {
  struct Case {
    const char* from;
    const char* to;
    Box area;  // where the points are drawn, in `from`
  };
  const Case cases[] = {
      {"EPSG:4490", "EPSG:4549", {117.5, 27, 122.5, 31.5}},
      {"EPSG:4549", "EPSG:4490", {300000, 2990000, 800000, 3480000}},
      {"EPSG:4490", "EPSG:4528", {118.5, 27, 121.5, 31.5}},
      {"EPSG:4528", "EPSG:4490", {40300000, 2990000, 40700000, 3480000}},
      {"EPSG:4326", "EPSG:32651", {119, 27, 125, 35}},
      {"EPSG:32651", "EPSG:4326", {200000, 3000000, 800000, 3900000}},
      {"EPSG:4490", "EPSG:3857", {117, 27, 123, 32}},
      {"EPSG:4214", "EPSG:4490", {117, 27, 123, 32}},  // Beijing 1954: a datum shift
  };
  std::mt19937_64 rng(7);
  for (const Case& c : cases) {
    SCOPED_TRACE(absl::StrFormat("%s -> %s", c.from, c.to));
    std::uniform_real_distribution<double> ux(c.area.min_x, c.area.max_x);
    std::uniform_real_distribution<double> uy(c.area.min_y, c.area.max_y);
    std::vector<Point2> pts(20000);
    for (Point2& p : pts) p = {ux(rng), uy(rng)};
    const std::vector<Point2> want = ProjPipeline(c.from, c.to, pts);
    absl::StatusOr<PointTransformer> t = PointTransformer::Make(c.from, c.to);
    ASSERT_TRUE(t.ok()) << t.status();
    std::vector<Point2> got = pts;
    t->ApplyUnchecked(got);
    size_t differ = 0;
    for (size_t i = 0; i < pts.size(); ++i) {
      if (got[i].x != want[i].x || got[i].y != want[i].y) {
        if (differ++ == 0) {
          ADD_FAILURE() << absl::StrFormat("(%.12f, %.12f): %.17g %.17g, PROJ %.17g %.17g",
                                           pts[i].x, pts[i].y, got[i].x, got[i].y, want[i].x,
                                           want[i].y);
        }
      }
    }
    EXPECT_EQ(differ, 0u);
  }
  // Beyond the pole, or a projected point far outside the ellipsoid's
  // reach: both ways fail the same.
  std::vector<Point2> bad = {{120, 100}};
  EXPECT_FALSE(TransformPoints("EPSG:4490", "EPSG:4549", bad).ok());
  bad = {{1e12, 1e12}};
  EXPECT_FALSE(TransformPoints("EPSG:4549", "EPSG:4490", bad).ok());
  const std::vector<Point2> proj_bad = ProjPipeline("EPSG:4549", "EPSG:4490", {{1e12, 1e12}});
  EXPECT_FALSE(std::isfinite(proj_bad[0].x) && proj_bad[0].x != HUGE_VAL);
}

// A transformer stays valid while its thread looks up other transformations
// (the cache grows, and rehashes, under it).
TEST(TransformPointsTest, TransformerOutlivesCacheGrowth) {
  absl::StatusOr<PointTransformer> t = PointTransformer::Make("EPSG:4490", "EPSG:4549");
  ASSERT_TRUE(t.ok()) << t.status();
  std::vector<Point2> want = {{120.5, 29.5}, {121.9, 30.8}};
  ASSERT_TRUE(TransformPoints("EPSG:4490", "EPSG:4549", want).ok());
  for (int code = 4491; code <= 4554; ++code) {  // CGCS2000 Gauss-Kruger zones
    std::vector<Point2> p = {{120, 30}};
    (void)TransformPoints("EPSG:4490", absl::StrFormat("EPSG:%d", code), p);
    std::vector<Point2> got = {{120.5, 29.5}, {121.9, 30.8}};
    t->ApplyUnchecked(got);
    ASSERT_EQ(got[0].x, want[0].x) << "after EPSG:" << code;
    ASSERT_EQ(got[1].y, want[1].y) << "after EPSG:" << code;
  }
}

// Runs `cs2cs -d 6 <from> <to>` on lines of input through the shell; returns
// its output lines, or nothing if the tool is missing.
std::vector<std::string> RunCs2cs(const std::string& from, const std::string& to,
                                  const std::string& input) {
  const std::string cmd =
      absl::StrFormat("printf '%s' | cs2cs -d 6 %s %s 2>/dev/null", input, from, to);
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(cmd.c_str(), "r"), pclose);
  std::vector<std::string> lines;
  if (!pipe) return lines;
  char buf[512];
  while (fgets(buf, sizeof buf, pipe.get()) != nullptr) lines.emplace_back(buf);
  return lines;
}

TEST(TransformPointsTest, AgreesWithCs2cs) {
  // cs2cs follows the EPSG axis order: EPSG:4490 is latitude, longitude;
  // EPSG:4549 is northing (X), easting (Y).
  const std::vector<Point2> lonlat = {
      {120.0, 30.0}, {121.5, 29.8}, {118.5, 28.2}, {122.2, 30.9}, {119.173, 27.35}};
  std::string input;
  for (const Point2& p : lonlat) input += absl::StrFormat("%.9f %.9f\\n", p.y, p.x);
  const std::vector<std::string> out = RunCs2cs("EPSG:4490", "EPSG:4549", input);
  if (out.empty()) GTEST_SKIP() << "cs2cs is not installed";
  ASSERT_EQ(out.size(), lonlat.size());
  std::vector<Point2> mine = lonlat;
  ASSERT_TRUE(TransformPoints("EPSG:4490", "EPSG:4549", mine).ok());
  for (size_t i = 0; i < lonlat.size(); ++i) {
    std::istringstream line(out[i]);
    double northing = 0, easting = 0;
    ASSERT_TRUE(line >> northing >> easting) << out[i];
    EXPECT_NEAR(mine[i].x, easting, 2e-6) << out[i];
    EXPECT_NEAR(mine[i].y, northing, 2e-6) << out[i];
  }
  // And back.
  std::string back;
  for (const Point2& p : mine) back += absl::StrFormat("%.6f %.6f\\n", p.y, p.x);
  const std::vector<std::string> inv = RunCs2cs("EPSG:4549", "EPSG:4490", back);
  ASSERT_EQ(inv.size(), lonlat.size());
  for (size_t i = 0; i < lonlat.size(); ++i) {
    std::istringstream line(inv[i]);
    double lat = 0, lon = 0;
    ASSERT_TRUE(line >> lat >> lon) << inv[i];
    EXPECT_NEAR(lon, lonlat[i].x, 1e-6) << inv[i];
    EXPECT_NEAR(lat, lonlat[i].y, 1e-6) << inv[i];
  }
}

TEST(TransformPointsTest, AgreesWithCs2csForOtherZones) {
  // 117E zone (EPSG:4548) and 123E zone (EPSG:4550), which Zhejiang touches.
  for (const auto& [crs, point] : {std::pair<const char*, Point2>{"EPSG:4548", {118.3, 28.9}},
                                   std::pair<const char*, Point2>{"EPSG:4550", {122.4, 30.2}}}) {
    const std::vector<std::string> out =
        RunCs2cs("EPSG:4490", crs, absl::StrFormat("%.9f %.9f\\n", point.y, point.x));
    if (out.empty()) GTEST_SKIP() << "cs2cs is not installed";
    std::istringstream line(out[0]);
    double northing = 0, easting = 0;
    ASSERT_TRUE(line >> northing >> easting) << out[0];
    std::vector<Point2> mine = {point};
    ASSERT_TRUE(TransformPoints("EPSG:4490", crs, mine).ok());
    EXPECT_NEAR(mine[0].x, easting, 2e-6) << crs;
    EXPECT_NEAR(mine[0].y, northing, 2e-6) << crs;
  }
}

// Reading request coordinates (swaps, zones, area-of-use checks) is tested
// in coordinates_test.cc.

// The WKT2 of a CRS, from PROJ directly.
std::string ProjWktOf(const char* code) {
  PJ_CONTEXT* ctx = proj_context_create();
  PJ* crs = proj_create(ctx, code);
  const char* wkt = crs ? proj_as_wkt(ctx, crs, PJ_WKT2_2019, nullptr) : nullptr;
  std::string out = wkt ? wkt : "";
  proj_destroy(crs);
  proj_context_destroy(ctx);
  return out;
}

// A CRS string reaches PROJ only as a code, WKT or a PROJ string naming no
// file: a free-text name makes PROJ search its database (the config fuzzer
// found one taking over 10 s: fuzz/regressions/config/), and init= or a path
// would read a file the config never named.
TEST(CrsDefinitionTest, OnlyCodesWktAndPathFreeProjStringsReachProj) {
  for (const char* ok : {"EPSG:4549", "epsg:4490", "urn:ogc:def:crs:EPSG::4490",
                         "+proj=longlat +ellps=GRS80 +no_defs +type=crs",
                         "+proj=tmerc +lat_0=0 +lon_0=120 +k=1 +x_0=500000 +y_0=0 "
                         "+ellps=GRS80 +units=m +no_defs +type=crs"}) {
    EXPECT_TRUE(DescribeCrs(ok).ok()) << ok << ": " << DescribeCrs(ok).status();
  }
  const std::string wkt = ProjWktOf("EPSG:4549");
  ASSERT_FALSE(wkt.empty());
  EXPECT_TRUE(DescribeCrs(wkt).ok()) << DescribeCrs(wkt).status();
  for (const char* bad :
       {"+erc +lat_0=0 +lon_0=120 1+=k +x_0=500000 +lon_0=120 1+=k +x_0=500000 +el - {nam0",
        "CGCS2000 / 3-degree Gauss-Kruger CM 120E", "+init=/etc/passwd:x",
        "+proj=longlat +init=epsg:4326", "+proj=longlat +nadgrids=/etc/passwd +type=crs"}) {
    const absl::Time start = absl::Now();
    const absl::StatusOr<CrsInfo> info = DescribeCrs(bad);
    EXPECT_EQ(info.status().code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_LT(absl::Now() - start, absl::Seconds(1)) << bad;  // no database search
  }
}

}  // namespace
}  // namespace redline
