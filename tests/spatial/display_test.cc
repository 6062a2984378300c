// Tests of Snapshot::ZonesForDisplay (zone outlines for maps) and
// ReadSiteFile (a site uploaded as a file), on the sample data.
#include <gdal_priv.h>
#include <ogr_geometry.h>

#include <memory>
#include <string>
#include <tuple>
#include <utility>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "spatial/input/site_file.h"
#include "spatial/snapshot.h"
#include "tests/spatial/sample_snapshot.h"

namespace redline {
namespace {

using ::testing::HasSubstr;

class ZonesForDisplayTest : public SampleSnapshotTest {};

DisplayQuery Query(double resolution_m) {
  DisplayQuery q;
  q.bbox_lonlat = Box{120.5, 29.5, 121.5, 30.3};
  q.resolution_m = resolution_m;
  return q;
}

std::unique_ptr<OGRGeometry> FromWkb(const std::string& wkb) {
  OGRGeometry* g = nullptr;
  OGRGeometryFactory::createFromWkb(wkb.data(), nullptr, &g, wkb.size());
  return std::unique_ptr<OGRGeometry>(g);
}

TEST_F(ZonesForDisplayTest, EveryZoneMeetingTheBoxAndNoOther) {
  const Snapshot& s = sample();
  absl::StatusOr<DisplayZones> out = s.ZonesForDisplay(Query(0));
  ASSERT_TRUE(out.ok()) << out.status();
  ASSERT_FALSE(out->zones.empty());
  EXPECT_FALSE(out->truncated);
  // Brute force over all zones: those whose lon/lat outline meets the box.
  OGRPolygon box;
  OGRLinearRing ring;
  for (auto [x, y] :
       {std::pair{120.5, 29.5}, {121.5, 29.5}, {121.5, 30.3}, {120.5, 30.3}, {120.5, 29.5}}) {
    ring.addPoint(x, y);
  }
  box.addRing(&ring);
  size_t i = 0;
  for (const DisplayZone& z : out->zones) {
    std::unique_ptr<OGRGeometry> g = FromWkb(z.geometry);
    ASSERT_NE(g, nullptr) << s.zones()[z.zone].id;
    EXPECT_TRUE(g->Intersects(&box)) << s.zones()[z.zone].id;
    if (i > 0) {
      EXPECT_LT(out->zones[i - 1].zone, z.zone);  // zone order
    }
    ++i;
  }
}

TEST_F(ZonesForDisplayTest, SimplifiedForTheScaleButNothingLost) {
  const Snapshot& s = sample();
  absl::StatusOr<DisplayZones> full = s.ZonesForDisplay(Query(0));
  absl::StatusOr<DisplayZones> coarse = s.ZonesForDisplay(Query(300));
  ASSERT_TRUE(full.ok() && coarse.ok());
  ASSERT_EQ(full->zones.size(), coarse->zones.size());
  // WKB size grows with the vertex count: 16 bytes a vertex.
  size_t full_bytes = 0, coarse_bytes = 0;
  for (size_t i = 0; i < full->zones.size(); ++i) {
    EXPECT_EQ(full->zones[i].zone, coarse->zones[i].zone);
    full_bytes += full->zones[i].geometry.size();
    coarse_bytes += coarse->zones[i].geometry.size();
  }
  EXPECT_LT(coarse_bytes * 5, full_bytes);
}

TEST_F(ZonesForDisplayTest, GeoJsonAndLimits) {
  const Snapshot& s = sample();
  DisplayQuery q = Query(100);
  q.format = GeometryFormat::kGeoJson;
  q.max_zones = 3;
  absl::StatusOr<DisplayZones> out = s.ZonesForDisplay(q);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_TRUE(out->truncated);
  ASSERT_EQ(out->zones.size(), 3u);
  EXPECT_THAT(out->zones[0].geometry, HasSubstr("\"type\":\"Polygon\""));
  std::unique_ptr<OGRGeometry> g(
      OGRGeometryFactory::createFromGeoJson(out->zones[0].geometry.c_str()));
  ASSERT_NE(g, nullptr);
  OGREnvelope env;
  g->getEnvelope(&env);
  EXPECT_GT(env.MinX, 118);
  EXPECT_LT(env.MaxY, 32);
}

TEST_F(ZonesForDisplayTest, OutsideTheDataIsEmptyNotAnError) {
  DisplayQuery q;
  q.bbox_lonlat = Box{-10, -10, 10, 10};
  absl::StatusOr<DisplayZones> out = sample().ZonesForDisplay(q);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_TRUE(out->zones.empty());
}

TEST_F(ZonesForDisplayTest, BadQueriesAreNamed) {
  DisplayQuery q = Query(0);
  q.bbox_lonlat = Box{121, 30, 120, 31};
  EXPECT_THAT(std::string(sample().ZonesForDisplay(q).status().message()), HasSubstr("not a box"));
  q = Query(-5);
  EXPECT_THAT(std::string(sample().ZonesForDisplay(q).status().message()),
              HasSubstr("resolution_m"));
  q = Query(0);
  q.layers = {"nope"};
  EXPECT_THAT(std::string(sample().ZonesForDisplay(q).status().message()),
              HasSubstr("unknown layer 'nope'"));
}

TEST(ReadSiteFileTest, GeoJsonFeatureCollectionGathered) {
  const std::string json = R"({"type":"FeatureCollection","features":[
    {"type":"Feature","properties":{"名称":"甲"},"geometry":{"type":"Polygon","coordinates":[[[120,30],[120.01,30],[120.01,30.01],[120,30]]]}},
    {"type":"Feature","properties":{"名称":"乙"},"geometry":{"type":"Polygon","coordinates":[[[121,30],[121.01,30],[121.01,30.01],[121,30]]]}},
    {"type":"Feature","properties":{"名称":"丙"},"geometry":null}]})";
  absl::StatusOr<SiteFile> f = ReadSiteFile("sites.geojson", json, 1000);
  ASSERT_TRUE(f.ok()) << f.status();
  EXPECT_EQ(f->crs, "EPSG:4490");
  EXPECT_EQ(f->source_crs, "EPSG:4326");
  EXPECT_EQ(f->feature_count, 3);
  EXPECT_EQ(f->vertices, 8);
  EXPECT_THAT(f->geojson, HasSubstr("MultiPolygon"));
  EXPECT_THAT(f->feature_labels[1], HasSubstr("名称=乙"));
  EXPECT_THAT(absl::StrCat(f->notes[0], f->notes[1]), HasSubstr("without geometry"));
}

TEST(ReadSiteFileTest, VertexLimit) {
  const std::string json =
      R"({"type":"Polygon","coordinates":[[[120,30],[120.01,30],[120.01,30.01],[120,30]]]})";
  absl::StatusOr<SiteFile> f = ReadSiteFile("site.json", json, 3);
  EXPECT_EQ(f.status().code(), absl::StatusCode::kResourceExhausted);
}

TEST(ReadSiteFileTest, ErrorsNameTheFile) {
  for (const auto& [name, content, text] : {std::tuple{"a.shp", "xxxx", "zip the .shp"},
                                            {"b.geojson", "{", "cannot read 'b.geojson'"},
                                            {"c.zip", "not a zip", "not a readable zip"},
                                            {"d.kml", "", "'d.kml' is empty"}}) {
    absl::StatusOr<SiteFile> f = ReadSiteFile(name, content, 1000);
    ASSERT_FALSE(f.ok()) << name;
    EXPECT_THAT(std::string(f.status().message()), HasSubstr(text)) << name;
  }
}

TEST(ReadSiteFileTest, PathsInTheNameAreIgnored) {
  const std::string json = R"({"type":"Point","coordinates":[120.1,30.2]})";
  absl::StatusOr<SiteFile> f = ReadSiteFile("../../etc/site.geojson", json, 10);
  ASSERT_TRUE(f.ok()) << f.status();
  EXPECT_THAT(f->geojson, HasSubstr("120.1"));
}

}  // namespace
}  // namespace redline
