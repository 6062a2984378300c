// Tests of spatial/input/geometry_scan.h and the bounds PrepareSite applies with
// it: deep nesting is refused before any recursive reader sees the bytes
// (it used to overflow the stack), counts beyond max_vertices are refused,
// and ordinary sites pass untouched.
#include "spatial/input/geometry_scan.h"

#include <cstdint>
#include <cstring>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "spatial/base/excerpt.h"
#include "spatial/input/geometry_input.h"
#include "spatial/input/wkt.h"

namespace redline {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;

constexpr GeometryBounds kBounds{.max_vertices = 1000, .max_parts = 1000};
constexpr char kWorking[] = "EPSG:4549";

std::string Msg(const absl::Status& st) { return std::string(st.message()); }

std::string NestedWkt(int depth) {
  std::string s;
  for (int i = 0; i < depth; ++i) s += "GEOMETRYCOLLECTION (";
  s += "POINT (121 30)";
  s.append(depth, ')');
  return s;
}

std::string NestedGeoJson(int depth) {
  std::string s;
  for (int i = 0; i < depth; ++i) s += R"({"type":"GeometryCollection","geometries":[)";
  s += R"({"type":"Point","coordinates":[121,30]})";
  for (int i = 0; i < depth; ++i) s += "]}";
  return s;
}

void AppendU32(std::string& s, uint32_t v) {
  for (int i = 0; i < 4; ++i) s.push_back(static_cast<char>(v >> (8 * i)));
}
void AppendF64(std::string& s, double v) {
  uint64_t bits;
  static_assert(sizeof bits == sizeof v);
  std::memcpy(&bits, &v, sizeof v);
  for (int i = 0; i < 8; ++i) s.push_back(static_cast<char>(bits >> (8 * i)));
}

// Little-endian WKB: `depth` GeometryCollections, each of one member, around
// a point.
std::string NestedWkb(int depth) {
  std::string s;
  for (int i = 0; i < depth; ++i) {
    s.push_back(1);
    AppendU32(s, 7);
    AppendU32(s, 1);
  }
  s.push_back(1);
  AppendU32(s, 1);
  AppendF64(s, 121);
  AppendF64(s, 30);
  return s;
}

std::string SquareWkb() {
  std::string s;
  s.push_back(1);
  AppendU32(s, 3);
  AppendU32(s, 1);
  AppendU32(s, 5);
  const double xy[] = {121, 30, 121.01, 30, 121.01, 30.01, 121, 30.01, 121, 30};
  for (double v : xy) AppendF64(s, v);
  return s;
}

TEST(GeometryScanTest, OrdinarySitesPass) {
  EXPECT_TRUE(
      ScanWkt("MULTIPOLYGON (((0 0, 1 0, 1 1, 0 0)), ((5 5, 6 5, 6 6, 5 5)))", kBounds).ok());
  EXPECT_TRUE(ScanWkt("POINT EMPTY", kBounds).ok());
  EXPECT_TRUE(ScanWkt(NestedWkt(31), kBounds).ok());  // 31 collections + the point: 32
  EXPECT_TRUE(
      ScanGeoJson(R"({"type":"MultiPolygon","coordinates":[[[[0,0],[1,0],[1,1],[0,0]]]]})", kBounds)
          .ok());
  EXPECT_TRUE(ScanGeoJson(R"({"type":"Feature","properties":{"a":"[[[[[[[[["},)"
                          R"("geometry":{"type":"Point","coordinates":[1,2]}})",
                          kBounds)
                  .ok());
  EXPECT_TRUE(ScanGeoJson(NestedGeoJson(15), kBounds).ok());
  EXPECT_TRUE(ScanWkb(SquareWkb(), kBounds).ok());
  EXPECT_TRUE(ScanWkb(NestedWkb(31), kBounds).ok());
}

TEST(GeometryScanTest, DeepNestingIsRefusedNamingTheLimit) {
  for (const absl::Status& st :
       {ScanWkt(NestedWkt(40000), kBounds), ScanGeoJson(NestedGeoJson(40000), kBounds),
        ScanWkb(NestedWkb(20000), kBounds), ScanWkt(NestedWkt(32), kBounds),
        ScanWkb(NestedWkb(32), kBounds), ScanGeoJson(std::string(100000, '['), kBounds)}) {
    EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument) << st;
    EXPECT_THAT(Msg(st),
                AllOf(HasSubstr("deeper than 32 levels"), HasSubstr("nesting limit is 32")));
    EXPECT_LT(st.message().size(), 300u);
  }
}

TEST(GeometryScanTest, BracketsInJsonStringsAreText) {
  const std::string s =
      R"({"type":"Point","coordinates":[1,2],"x":")" + std::string(100, '[') + R"(\"]"})";
  EXPECT_TRUE(ScanGeoJson(s, kBounds).ok());
}

TEST(GeometryScanTest, VertexAndPartCountsAreBounded) {
  std::string wkt = "LINESTRING (";
  for (int i = 0; i < 1001; ++i) absl::StrAppend(&wkt, i ? ", " : "", i, " ", i);
  wkt += ")";
  absl::Status st = ScanWkt(wkt, kBounds);
  EXPECT_EQ(st.code(), absl::StatusCode::kResourceExhausted) << st;
  EXPECT_THAT(Msg(st), HasSubstr("1000 (max_vertices)"));

  std::string json = R"({"type":"MultiPoint","coordinates":[)";
  for (int i = 0; i < 1001; ++i) absl::StrAppend(&json, i ? "," : "", "[", i, ",", i, "]");
  json += "]}";
  st = ScanGeoJson(json, kBounds);
  EXPECT_EQ(st.code(), absl::StatusCode::kResourceExhausted) << st;

  // Empty members cost a reader as much as points: 7,000 empty lines.
  std::string wkb;
  wkb.push_back(1);
  AppendU32(wkb, 5);
  AppendU32(wkb, 7000);
  for (int i = 0; i < 7000; ++i) {
    wkb.push_back(1);
    AppendU32(wkb, 2);
    AppendU32(wkb, 0);
  }
  st = ScanWkb(wkb, kBounds);
  EXPECT_EQ(st.code(), absl::StatusCode::kResourceExhausted) << st;
  EXPECT_THAT(Msg(st), HasSubstr("parts"));
}

// Members at several levels are walked in GEOS's order: the counts add up
// exactly, and GEOS reads what the walk passed.
TEST(GeometryScanTest, WkbCollectionsAreWalkedMemberByMember) {
  std::string wkb;
  auto header = [&](uint32_t type, uint32_t count) {
    wkb.push_back(1);
    AppendU32(wkb, type);
    AppendU32(wkb, count);
  };
  auto point = [&](double x, double y) {
    wkb.push_back(1);
    AppendU32(wkb, 1);
    AppendF64(wkb, x);
    AppendF64(wkb, y);
  };
  header(7, 3);  // GeometryCollection of 3:
  header(4, 2);  //   MultiPoint of 2
  point(1, 2);
  point(3, 4);
  header(7, 1);  //   GeometryCollection of 1
  point(5, 6);
  header(2, 2);  //   LineString of 2
  for (double v : {0.0, 0.0, 1.0, 1.0}) AppendF64(wkb, v);
  EXPECT_TRUE(ScanWkb(wkb, {.max_vertices = 5, .max_parts = 100}).ok());
  EXPECT_EQ(ScanWkb(wkb, {.max_vertices = 4, .max_parts = 100}).code(),
            absl::StatusCode::kResourceExhausted);
  GEOSContextHandle_t ctx = ThreadGeos().get();
  GEOSWKBReader* r = GEOSWKBReader_create_r(ctx);
  GeomPtr g = Own(ctx, GEOSWKBReader_read_r(
                           ctx, r, reinterpret_cast<const unsigned char*>(wkb.data()), wkb.size()));
  GEOSWKBReader_destroy_r(ctx, r);
  ASSERT_TRUE(g);
  EXPECT_EQ(GEOSGetNumCoordinates_r(ctx, g.get()), 5);
  // One member short: the walk finds the end inside the collection.
  EXPECT_FALSE(ScanWkb(wkb.substr(0, wkb.size() - 41), {.max_vertices = 5, .max_parts = 100}).ok());
}

TEST(GeometryScanTest, WkbCountsBeyondTheBytesAreRefused) {
  // A line claiming 4 billion points in 13 bytes: no reader is asked to
  // allocate for them.
  std::string wkb;
  wkb.push_back(1);
  AppendU32(wkb, 2);
  AppendU32(wkb, 0xffffffffu);
  absl::Status st = ScanWkb(wkb, kBounds);
  EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument) << st;
  EXPECT_THAT(Msg(st), HasSubstr("malformed WKB"));
  // Truncated anywhere: refused, never read past the end.
  const std::string square = SquareWkb();
  for (size_t n = 0; n < square.size(); ++n) {
    EXPECT_FALSE(ScanWkb(square.substr(0, n), kBounds).ok()) << n;
  }
  // Big-endian, ISO Z and EWKB SRID forms are walked as GEOS reads them.
  std::string xdr = {0, 0, 0, 0, 1};
  for (int i = 0; i < 16; ++i) xdr.push_back(0);
  EXPECT_TRUE(ScanWkb(xdr, kBounds).ok());
  std::string z;
  z.push_back(1);
  AppendU32(z, 1001);
  for (int i = 0; i < 3; ++i) AppendF64(z, 1);
  EXPECT_TRUE(ScanWkb(z, kBounds).ok());
  EXPECT_FALSE(ScanWkb(z.substr(0, z.size() - 1), kBounds).ok());
  std::string srid;
  srid.push_back(1);
  AppendU32(srid, 0x20000001u);
  AppendU32(srid, 4490);
  AppendF64(srid, 1);
  AppendF64(srid, 2);
  EXPECT_TRUE(ScanWkb(srid, kBounds).ok());
}

// Every request geometry goes through PrepareSite: deep nesting in any
// encoding is refused there, not a crash.
TEST(PrepareSiteLimitsTest, DeepNestingInEveryEncoding) {
  struct Case {
    GeometryEncoding encoding;
    std::string data;
  } cases[] = {{GeometryEncoding::kWkt, NestedWkt(40000)},
               {GeometryEncoding::kGeoJson, NestedGeoJson(40000)},
               {GeometryEncoding::kWkb, NestedWkb(20000)}};
  for (const Case& c : cases) {
    absl::StatusOr<Site> site = PrepareSite(c.encoding, c.data, "EPSG:4490", kWorking, 200000);
    ASSERT_FALSE(site.ok());
    EXPECT_EQ(site.status().code(), absl::StatusCode::kInvalidArgument) << site.status();
    EXPECT_THAT(Msg(site.status()), HasSubstr("deeper than 32 levels"));
  }
}

TEST(PrepareSiteLimitsTest, ParserErrorsQuoteAnExcerpt) {
  const std::string wkt = "POLYGON((" + std::string(100000, 'x');
  absl::StatusOr<Site> site = PrepareSite(GeometryEncoding::kWkt, wkt, "EPSG:4490", kWorking, 1000);
  ASSERT_FALSE(site.ok());
  EXPECT_EQ(site.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_LT(site.status().message().size(), 300u) << site.status();
  const std::string json = R"({"type":"Point","coordinates":[)" + std::string(100000, '1') + "x]}";
  site = PrepareSite(GeometryEncoding::kGeoJson, json, "EPSG:4490", kWorking, 1000);
  ASSERT_FALSE(site.ok());
  EXPECT_LT(site.status().message().size(), 300u) << site.status();
}

TEST(ExcerptTest, CutsOnUtf8BoundariesAndSaysTheLength) {
  EXPECT_EQ(Excerpt("short"), "short");
  const std::string han =
      "界址点界址点界址点界址点界址点界址点界址点界址点界址点界址点界址点";  // 3 bytes each
  const std::string e = Excerpt(han, 10);
  EXPECT_EQ(e, "界址点\xE2\x80\xA6 (" + std::to_string(han.size()) + " bytes)");
  EXPECT_EQ(Utf8Prefix(han, 10), "界址点");
  EXPECT_EQ(Utf8Prefix(han, 9), "界址点");
  EXPECT_EQ(Utf8Prefix(han, 8), "界址");
}

}  // namespace
}  // namespace redline

namespace redline {
namespace {

// The fast WKT reader stops at the vertex limit instead of building a GEOS
// point per coordinate first; the scan then refuses the text.
TEST(PrepareSiteLimitsTest, FastWktReaderStopsAtTheVertexLimit) {
  GEOSContextHandle_t ctx = ThreadGeos().get();
  std::string wkt = "MULTIPOINT (";
  for (int i = 0; i < 1001; ++i) absl::StrAppend(&wkt, i ? ", " : "", "121 30");
  wkt += ")";
  EXPECT_NE(ReadSimpleWkt(ctx, wkt, 1001), nullptr);
  EXPECT_EQ(ReadSimpleWkt(ctx, wkt, 1000), nullptr);
  absl::StatusOr<Site> site = PrepareSite(GeometryEncoding::kWkt, wkt, "EPSG:4490", kWorking, 1000);
  ASSERT_FALSE(site.ok());
  EXPECT_EQ(site.status().code(), absl::StatusCode::kResourceExhausted) << site.status();
  EXPECT_THAT(Msg(site.status()), HasSubstr("max_vertices"));
}

// GEOS 3.11's GeoJSON reader reads two numbers from any array it takes for a
// position, unchecked: the fuzzer crashed it with an empty or one-number
// position (fuzz/regressions/geojson). The scan refuses them first.
TEST(GeometryScanFindingsTest, GeoJsonPositionsNeedTwoNumbers) {
  const GeometryBounds bounds{.max_vertices = 1000, .max_parts = 1000};
  for (const char* bad : {
           R"({"type":"LineString","coordinates":[[121.07,29.97],[]]})",
           R"({"type":"LineString","coordinates":[[],[121.07,29.97]]})",
           R"({"type":"Polygon","coordinates":[[[121,29],[122,29],[ ],[121,29]]]})",
           R"({"type":"LineString","coordinates":[[121.07,29.97],[121.08]]})",
           R"({"type":"Point","coordinates":[121.07]})",
       }) {
    const absl::Status st = ScanGeoJson(bad, bounds);
    EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_THAT(std::string(st.message()), testing::HasSubstr("position")) << bad;
  }
  for (
      const char* good : {
          R"({"type":"LineString","coordinates":[[121.07,29.97],[121.08,29.98]]})",
          R"({"type":"Point","coordinates":[]})",
          R"({"type":"Feature","properties":{"tags":["a"],"n":[]},"geometry":{"type":"Point","coordinates":[121,29,5]}})",
      }) {
    EXPECT_TRUE(ScanGeoJson(good, bounds).ok()) << good << ": " << ScanGeoJson(good, bounds);
  }
}

}  // namespace
}  // namespace redline
