// Tests of LoadLayer (spatial/data/loader.h): every format the sample uses, text
// encodings, CRS handling, configuration mistakes, and the accounting of
// invalid features.
//
// Fixtures are made by the tests in a temporary folder, either as GeoJSON
// text or with GDAL's own writers, so each test shows what it loads. Counts
// of the sample layers are taken from GDAL directly, not hard-coded.
#include "spatial/data/loader.h"

#include <gdal_priv.h>
#include <ogr_geometry.h>
#include <ogr_spatialref.h>
#include <ogrsf_frmts.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "spatial/coords/crs.h"
#include "spatial/coords/geodesic.h"
#include "spatial/data/config.h"

namespace redline {
namespace {

namespace fs = std::filesystem;
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kWorking[] = "EPSG:4549";
constexpr double kTolerance = 0.001;

std::string Msg(const absl::Status& st) { return std::string(st.message()); }
std::string SampleDir() { return std::string(REDLINE_SOURCE_DIR) + "/data/sample"; }

fs::path TempDir(const std::string& name) {
  // Per process: ctest runs each test in a process of its own, in parallel.
  const fs::path dir =
      fs::path(::testing::TempDir()) / ("loader_test-" + std::to_string(getpid())) / name;
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

const Zone* FindZone(const LoadedLayer& l, const std::string& id) {
  for (const Zone& z : l.zones) {
    if (z.id == id) return &z;
  }
  return nullptr;
}

std::string Attribute(const Zone& z, const std::string& key) {
  for (const auto& [k, v] : z.attributes) {
    if (k == key) return v;
  }
  return "<absent>";
}

// Issues whose feature description mentions `id`.
std::vector<LoadIssue> IssuesOf(const LayerReport& r, const std::string& id) {
  std::vector<LoadIssue> out;
  for (const LoadIssue& i : r.issues) {
    if (i.feature.find(id) != std::string::npos) out.push_back(i);
  }
  return out;
}

int64_t CountIssues(const LayerReport& r, LoadIssue::Action action) {
  return std::count_if(r.issues.begin(), r.issues.end(),
                       [&](const LoadIssue& i) { return i.action == action; });
}

// The layers as the sample's own config defines them.
LayerConfig SampleLayer(const std::string& name) {
  absl::StatusOr<Config> c = Config::LoadFile(SampleDir() + "/redline.yaml");
  EXPECT_TRUE(c.ok()) << c.status();
  for (const LayerConfig& l : c->layers) {
    if (l.name == name) return l;
  }
  ADD_FAILURE() << "no sample layer " << name;
  return {};
}

// Independent count of a source's features, straight from GDAL.
int64_t OgrFeatureCount(const std::string& source, const std::string& layer) {
  GDALAllRegister();
  GDALDatasetUniquePtr ds(GDALDataset::Open(source.c_str(), GDAL_OF_VECTOR));
  if (!ds) return -1;
  OGRLayer* l = layer.empty() ? ds->GetLayer(0) : ds->GetLayerByName(layer.c_str());
  return l == nullptr ? -1 : l->GetFeatureCount(TRUE);
}

void ExpectAccounted(const LayerReport& r) {
  EXPECT_EQ(r.features_read, r.zones_loaded + r.skipped) << r.name;
  EXPECT_EQ(CountIssues(r, LoadIssue::Action::kSkipped), r.skipped) << r.name;
  EXPECT_EQ(CountIssues(r, LoadIssue::Action::kRepaired), r.repaired) << r.name;
}

// Zhejiang, as data/README.md bounds every sample vertex.
void ExpectInZhejiang(const Box& b) {
  ASSERT_FALSE(b.empty());
  EXPECT_GE(b.min_x, 118.0);
  EXPECT_LE(b.max_x, 123.0);
  EXPECT_GE(b.min_y, 27.0);
  EXPECT_LE(b.max_y, 31.2);
}

// ---------------------------------------------------------------------------
// The sample layers, one per format.

TEST(LoaderSampleTest, GeoPackageInCgcs2000) {
  const LayerConfig cfg = SampleLayer("water_source");
  absl::StatusOr<LoadedLayer> l = LoadLayer(cfg, kWorking, kTolerance);
  ASSERT_TRUE(l.ok()) << l.status();
  const LayerReport& r = l->report;
  EXPECT_EQ(r.driver, "GPKG");
  EXPECT_EQ(r.source_crs, "EPSG:4490");
  EXPECT_EQ(r.features_read, OgrFeatureCount(cfg.source, cfg.layer));
  EXPECT_EQ(r.skipped, 0);
  ExpectAccounted(r);
  ExpectInZhejiang(r.extent_lonlat);
  EXPECT_EQ(l->zones.size(), static_cast<size_t>(r.zones_loaded));
  // The two deliberately invalid zones are repaired, each named with a reason.
  EXPECT_EQ(r.repaired, 2);
  for (const char* id : {"WS-330281-003-2", "WS-330282-001-1"}) {
    std::vector<LoadIssue> issues = IssuesOf(r, id);
    ASSERT_EQ(issues.size(), 1u) << id;
    EXPECT_EQ(issues[0].action, LoadIssue::Action::kRepaired) << id;
    EXPECT_THAT(issues[0].reason, HasSubstr("Self-intersection")) << id;
    EXPECT_NE(FindZone(*l, id), nullptr) << id;
  }
  // The one unrecognised level is a warning, and the zone still loads.
  std::vector<LoadIssue> odd = IssuesOf(r, "WS-330226-001-X");
  ASSERT_EQ(odd.size(), 1u);
  EXPECT_EQ(odd[0].action, LoadIssue::Action::kWarning);
  EXPECT_THAT(odd[0].reason, HasSubstr("三级(待定)"));
  const Zone* x = FindZone(*l, "WS-330226-001-X");
  ASSERT_NE(x, nullptr);
  EXPECT_EQ(x->level, "三级(待定)");
  // A known zone: name and normalised level (see data/README.md).
  const Zone* w = FindZone(*l, "WS-330281-001-1W");
  ASSERT_NE(w, nullptr);
  EXPECT_EQ(w->name, "余姚四明湖水库饮用水水源保护区");
  EXPECT_EQ(w->level, "一级水域");
  EXPECT_EQ(w->normalized_level, "一级");
  EXPECT_GT(w->area_m2, 0);
}

TEST(LoaderSampleTest, ShapefileWithGbkAndCpg) {
  LayerConfig cfg = SampleLayer("zero_discharge");
  ASSERT_EQ(cfg.encoding, "GBK");
  for (const std::string encoding : {"GBK", ""}) {  // with and without the override
    cfg.encoding = encoding;
    absl::StatusOr<LoadedLayer> l = LoadLayer(cfg, kWorking, kTolerance);
    ASSERT_TRUE(l.ok()) << encoding << ": " << l.status();
    const LayerReport& r = l->report;
    EXPECT_EQ(r.driver, "ESRI Shapefile");
    EXPECT_EQ(r.source_crs, "EPSG:4549");
    EXPECT_EQ(r.features_read, OgrFeatureCount(cfg.source, ""));
    EXPECT_EQ(r.skipped, 0);
    EXPECT_EQ(r.repaired, 0);
    ExpectAccounted(r);
    ExpectInZhejiang(r.extent_lonlat);
    // make_sample.py places this park, by this name, at 乍浦.
    const Zone* z = FindZone(*l, "ZDZ-330482-0001");
    ASSERT_NE(z, nullptr);
    EXPECT_EQ(z->name, "嘉兴港区化工新材料园区");
    EXPECT_EQ(z->level, "工业园区");
    // The id, name and level fields are the zone's id, name and level, not
    // repeated among its attributes; the other fields are there.
    EXPECT_EQ(Attribute(*z, "zdz_id"), "<absent>");
    EXPECT_EQ(Attribute(*z, "name"), "<absent>");
    EXPECT_EQ(Attribute(*z, "category"), "<absent>");
    EXPECT_FALSE(z->attributes.empty());
    for (const auto& [k, v] : z->attributes) EXPECT_FALSE(v.empty()) << k;
  }
}

TEST(LoaderSampleTest, GeoJsonInWgs84SkipsOnlyTheBrokenZone) {
  const LayerConfig cfg = SampleLayer("red_lines");
  absl::StatusOr<LoadedLayer> l = LoadLayer(cfg, kWorking, kTolerance);
  ASSERT_TRUE(l.ok()) << l.status();
  const LayerReport& r = l->report;
  EXPECT_EQ(r.driver, "GeoJSON");
  EXPECT_EQ(r.source_crs, "EPSG:4326");
  EXPECT_EQ(r.features_read, OgrFeatureCount(cfg.source, ""));
  ExpectAccounted(r);
  ExpectInZhejiang(r.extent_lonlat);
  EXPECT_EQ(r.skipped, 1);
  std::vector<LoadIssue> broken = IssuesOf(r, "HX-BROKEN-0001");
  ASSERT_EQ(broken.size(), 1u);
  EXPECT_EQ(broken[0].action, LoadIssue::Action::kSkipped);
  EXPECT_FALSE(broken[0].reason.empty());
  EXPECT_EQ(FindZone(*l, "HX-BROKEN-0001"), nullptr);
  // The three repairable defects of data/README.md are repaired.
  EXPECT_EQ(r.repaired, 3);
  for (const char* id : {"HX-3310-0001", "HX-3308-0001", "HX-3311-0014"}) {
    std::vector<LoadIssue> issues = IssuesOf(r, id);
    ASSERT_EQ(issues.size(), 1u) << id;
    EXPECT_EQ(issues[0].action, LoadIssue::Action::kRepaired) << id;
    EXPECT_NE(FindZone(*l, id), nullptr) << id;
  }
  const Zone* z = FindZone(*l, "HX-3302-0001");
  ASSERT_NE(z, nullptr);
  EXPECT_EQ(z->name, "四明山水源涵养生态保护红线");
}

TEST(LoaderSampleTest, FileGdb) {
  const LayerConfig cfg = SampleLayer("control_units");
  absl::StatusOr<LoadedLayer> l = LoadLayer(cfg, kWorking, kTolerance);
  ASSERT_TRUE(l.ok()) << l.status();
  const LayerReport& r = l->report;
  EXPECT_EQ(r.driver, "OpenFileGDB");
  EXPECT_EQ(r.source_crs, "EPSG:4490");
  EXPECT_EQ(r.features_read, OgrFeatureCount(cfg.source, cfg.layer));
  EXPECT_EQ(r.skipped, 0);
  ExpectAccounted(r);
  ExpectInZhejiang(r.extent_lonlat);
  const Zone* z = FindZone(*l, "ZH33028120002");
  ASSERT_NE(z, nullptr);
  EXPECT_EQ(z->name, "余姚市中心城区重点管控单元");
}

TEST(LoaderSampleTest, ExtentInWorkingCrsMatchesTheLonLatExtent) {
  const LayerConfig cfg = SampleLayer("control_units");
  absl::StatusOr<LoadedLayer> l = LoadLayer(cfg, kWorking, kTolerance);
  ASSERT_TRUE(l.ok()) << l.status();
  std::vector<Point2> corners = {{l->report.extent.min_x, l->report.extent.min_y},
                                 {l->report.extent.max_x, l->report.extent.max_y}};
  ASSERT_TRUE(TransformPoints(kWorking, kLonLatCrs, corners).ok());
  // The grids are small; corner-to-corner and lon/lat extents agree closely.
  EXPECT_NEAR(corners[0].x, l->report.extent_lonlat.min_x, 0.02);
  EXPECT_NEAR(corners[1].y, l->report.extent_lonlat.max_y, 0.02);
}

// ---------------------------------------------------------------------------
// Encodings.

// The sample Shapefile without its .cpg: the DBF's language-driver byte is 0,
// so nothing tells GDAL the text is GBK.
fs::path ShapefileWithoutCpg() {
  const fs::path dir = TempDir("nocpg");
  for (const char* ext : {".shp", ".shx", ".dbf", ".prj"}) {
    fs::copy_file(SampleDir() + "/zero_discharge" + ext, dir / (std::string("zdz") + ext));
  }
  return dir / "zdz.shp";
}

TEST(LoaderEncodingTest, GbkWithoutCpgFailsAndSuggestsTheEncoding) {
  LayerConfig cfg = SampleLayer("zero_discharge");
  cfg.source = ShapefileWithoutCpg().string();
  cfg.encoding.clear();
  absl::StatusOr<LoadedLayer> l = LoadLayer(cfg, kWorking, kTolerance);
  ASSERT_FALSE(l.ok());
  EXPECT_EQ(l.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(Msg(l.status()), AllOf(HasSubstr("zero_discharge"), HasSubstr("field 'name'"),
                                     HasSubstr("UTF-8"), HasSubstr("encoding: GBK")));
}

TEST(LoaderEncodingTest, GbkWithoutCpgLoadsWithTheEncodingSet) {
  LayerConfig cfg = SampleLayer("zero_discharge");
  cfg.source = ShapefileWithoutCpg().string();
  cfg.encoding = "GBK";
  absl::StatusOr<LoadedLayer> l = LoadLayer(cfg, kWorking, kTolerance);
  ASSERT_TRUE(l.ok()) << l.status();
  const Zone* z = FindZone(*l, "ZDZ-330482-0001");
  ASSERT_NE(z, nullptr);
  EXPECT_EQ(z->name, "嘉兴港区化工新材料园区");
  EXPECT_EQ(z->level, "工业园区");
  EXPECT_EQ(l->report.features_read, OgrFeatureCount(cfg.source, ""));
}

// ---------------------------------------------------------------------------
// CRS of the source.

// A Shapefile written by GDAL without any CRS (so no .prj), in EPSG:4549
// coordinates near 杭州.
fs::path ShapefileWithoutCrs(
    const char* wkt =
        "POLYGON ((514000 3350000, 515000 3350000, 515000 3351000, 514000 3351000, "
        "514000 3350000))") {
  GDALAllRegister();
  const fs::path dir = TempDir("nocrs");
  const fs::path path = dir / "nocrs.shp";
  GDALDriver* drv = GetGDALDriverManager()->GetDriverByName("ESRI Shapefile");
  EXPECT_NE(drv, nullptr);
  GDALDatasetUniquePtr ds(drv->Create(path.c_str(), 0, 0, 0, GDT_Unknown, nullptr));
  EXPECT_TRUE(ds);
  OGRLayer* layer = ds->CreateLayer("nocrs", nullptr, wkbPolygon, nullptr);
  OGRFieldDefn id("zid", OFTString), name("zname", OFTString);
  layer->CreateField(&id);
  layer->CreateField(&name);
  OGRFeature f(layer->GetLayerDefn());
  f.SetField("zid", "A-1");
  f.SetField("zname", "block");
  OGRGeometry* g = nullptr;
  OGRGeometryFactory::createFromWkt(wkt, nullptr, &g);
  f.SetGeometryDirectly(g);
  EXPECT_EQ(layer->CreateFeature(&f), OGRERR_NONE);
  ds.reset();
  EXPECT_FALSE(fs::exists(dir / "nocrs.prj"));
  return path;
}

LayerConfig NoCrsLayer(fs::path source = ShapefileWithoutCrs()) {
  LayerConfig cfg;
  cfg.name = "blocks";
  cfg.kind = ZoneKind::kOther;
  cfg.source = source.string();
  cfg.id_field = "zid";
  cfg.name_field = "zname";
  return cfg;
}

TEST(LoaderCrsTest, SourceWithoutCrsNeedsSrs) {
  const LayerConfig cfg = NoCrsLayer();
  absl::StatusOr<LoadedLayer> l = LoadLayer(cfg, kWorking, kTolerance);
  ASSERT_FALSE(l.ok());
  EXPECT_EQ(l.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(Msg(l.status()), AllOf(HasSubstr("'blocks'"), HasSubstr("srs:")));
}

TEST(LoaderCrsTest, SrsOverrideLoads) {
  LayerConfig cfg = NoCrsLayer();
  cfg.srs = "EPSG:4549";
  absl::StatusOr<LoadedLayer> l = LoadLayer(cfg, kWorking, kTolerance);
  ASSERT_TRUE(l.ok()) << l.status();
  EXPECT_EQ(l->report.source_crs, "EPSG:4549");
  ASSERT_EQ(l->zones.size(), 1u);
  const Zone& z = l->zones[0];
  EXPECT_EQ(z.id, "A-1");
  // Same CRS: coordinates are kept as written.
  EXPECT_EQ(z.shape.bbox().min_x, 514000);
  EXPECT_EQ(z.shape.bbox().max_y, 3351000);
  // A 1 km grid square 14 km from the central meridian: ~1 km^2 on the ground.
  EXPECT_NEAR(z.area_m2, 1e6, 100);
  ExpectInZhejiang(l->report.extent_lonlat);
}

TEST(LoaderCrsTest, SrsOverrideInAnotherCrsIsTransformed) {
  // Lon/lat numbers, declared EPSG:4490 by the config.
  LayerConfig cfg = NoCrsLayer(ShapefileWithoutCrs(
      "POLYGON ((120.0 30.0, 120.01 30.0, 120.01 30.01, 120.0 30.01, 120.0 30.0))"));
  cfg.srs = "EPSG:4490";
  absl::StatusOr<LoadedLayer> l = LoadLayer(cfg, kWorking, kTolerance);
  ASSERT_TRUE(l.ok()) << l.status();
  EXPECT_EQ(l->report.source_crs, "EPSG:4490");
  ASSERT_EQ(l->zones.size(), 1u);
  // 120E is the central meridian of EPSG:4549: false easting 500000 m.
  EXPECT_NEAR(l->zones[0].shape.bbox().min_x, 500000, 1e-6);
  EXPECT_NEAR(l->report.extent_lonlat.min_x, 120.0, 1e-9);
  EXPECT_NEAR(l->report.extent_lonlat.max_y, 30.01, 1e-6);
}

TEST(LoaderCrsTest, UnknownSrsIsNamed) {
  LayerConfig cfg = NoCrsLayer();
  cfg.srs = "bogus-crs";
  absl::StatusOr<LoadedLayer> l = LoadLayer(cfg, kWorking, kTolerance);
  ASSERT_FALSE(l.ok());
  EXPECT_THAT(Msg(l.status()), AllOf(HasSubstr("'blocks'"), HasSubstr("bogus-crs")));
}

// ---------------------------------------------------------------------------
// Configuration mistakes.

TEST(LoaderConfigTest, MissingSourceNamesLayerAndPath) {
  LayerConfig cfg = SampleLayer("water_source");
  cfg.source = "/nonexistent/water.gpkg";
  absl::StatusOr<LoadedLayer> l = LoadLayer(cfg, kWorking, kTolerance);
  ASSERT_FALSE(l.ok());
  EXPECT_THAT(Msg(l.status()),
              AllOf(HasSubstr("'water_source'"), HasSubstr("/nonexistent/water.gpkg")));
}

TEST(LoaderConfigTest, NotAGisFile) {
  const fs::path dir = TempDir("notgis");
  std::ofstream(dir / "notes.txt") << "these are not features\n";
  LayerConfig cfg = SampleLayer("water_source");
  cfg.source = (dir / "notes.txt").string();
  absl::StatusOr<LoadedLayer> l = LoadLayer(cfg, kWorking, kTolerance);
  ASSERT_FALSE(l.ok());
  EXPECT_THAT(Msg(l.status()), AllOf(HasSubstr("'water_source'"), HasSubstr("notes.txt")));
}

TEST(LoaderConfigTest, WrongLayerNameListsTheLayers) {
  LayerConfig cfg = SampleLayer("water_source");
  cfg.layer = "water_sources";
  absl::StatusOr<LoadedLayer> l = LoadLayer(cfg, kWorking, kTolerance);
  ASSERT_FALSE(l.ok());
  EXPECT_EQ(l.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(Msg(l.status()),
              AllOf(HasSubstr("'water_sources'"), HasSubstr("layer:"), HasSubstr("water_source")));
}

TEST(LoaderConfigTest, SeveralLayersNeedALayerName) {
  GDALAllRegister();
  const fs::path path = TempDir("twolayers") / "two.gpkg";
  {
    GDALDriver* drv = GetGDALDriverManager()->GetDriverByName("GPKG");
    ASSERT_NE(drv, nullptr);
    GDALDatasetUniquePtr ds(drv->Create(path.c_str(), 0, 0, 0, GDT_Unknown, nullptr));
    ASSERT_TRUE(ds);
    OGRSpatialReference srs;
    srs.importFromEPSG(4490);
    for (const char* name : {"parks", "wells"}) {
      OGRLayer* layer = ds->CreateLayer(name, &srs, wkbPolygon, nullptr);
      ASSERT_NE(layer, nullptr);
      OGRFieldDefn id("id", OFTString);
      layer->CreateField(&id);
    }
  }
  LayerConfig cfg;
  cfg.name = "mixed";
  cfg.source = path.string();
  cfg.id_field = "id";
  cfg.name_field = "id";
  absl::StatusOr<LoadedLayer> l = LoadLayer(cfg, kWorking, kTolerance);
  ASSERT_FALSE(l.ok());
  EXPECT_THAT(Msg(l.status()), AllOf(HasSubstr("'mixed'"), HasSubstr("layer:"), HasSubstr("parks"),
                                     HasSubstr("wells")));
}

TEST(LoaderConfigTest, MissingFieldListsTheFields) {
  for (std::string LayerConfig::*field :
       {&LayerConfig::id_field, &LayerConfig::name_field, &LayerConfig::level_field}) {
    LayerConfig cfg = SampleLayer("water_source");
    cfg.*field = "zone_id";
    absl::StatusOr<LoadedLayer> l = LoadLayer(cfg, kWorking, kTolerance);
    ASSERT_FALSE(l.ok());
    EXPECT_EQ(l.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(Msg(l.status()),
                AllOf(HasSubstr("'water_source'"), HasSubstr("'zone_id'"), HasSubstr("zone_code"),
                      HasSubstr("zone_name"), HasSubstr("level")));
  }
}

TEST(LoaderConfigTest, PostgresPasswordNeverAppearsInErrors) {
  LayerConfig cfg;
  cfg.name = "pg_layer";
  cfg.source = "PG:host=127.0.0.1 port=1 dbname=gis user=redline password=sekrit42";
  cfg.layer = "zones";
  cfg.id_field = "id";
  cfg.name_field = "name";
  absl::StatusOr<LoadedLayer> l = LoadLayer(cfg, kWorking, kTolerance);
  ASSERT_FALSE(l.ok());
  EXPECT_THAT(Msg(l.status()), AllOf(HasSubstr("'pg_layer'"), Not(HasSubstr("sekrit42"))));
}

// ---------------------------------------------------------------------------
// Invalid features: repaired, skipped or warned about, never dropped silently.

// One GeoJSON FeatureCollection (EPSG:4326 by RFC 7946) with one feature per
// case. Points near 120E 30N; "FLAT-1" lies on the meridian 120E, which is
// the central meridian of EPSG:4549, so it stays collinear there too.
constexpr char kDefects[] = R"json({"type": "FeatureCollection", "features": [
 {"type": "Feature", "properties": {"zid": "OK-1", "zname": "valid", "level": "一级"},
  "geometry": {"type": "Polygon", "coordinates": [[[120.10, 30.10], [120.11, 30.10],
    [120.11, 30.11], [120.10, 30.11], [120.10, 30.10]]]}},
 {"type": "Feature", "properties": {"zid": "BOW-1", "zname": "bow-tie", "level": "二级"},
  "geometry": {"type": "Polygon", "coordinates": [[[120.20, 30.10], [120.21, 30.11],
    [120.21, 30.10], [120.20, 30.11], [120.20, 30.10]]]}},
 {"type": "Feature", "properties": {"zid": "FLAT-1", "zname": "collapsed", "level": "一级"},
  "geometry": {"type": "Polygon", "coordinates": [[[120.0, 30.00], [120.0, 30.01],
    [120.0, 30.02], [120.0, 30.00]]]}},
 {"type": "Feature", "properties": {"zid": "LINE-1", "zname": "a river", "level": "一级"},
  "geometry": {"type": "LineString", "coordinates": [[120.3, 30.1], [120.31, 30.11]]}},
 {"type": "Feature", "properties": {"zid": "NULL-1", "zname": "no shape", "level": "一级"},
  "geometry": null},
 {"type": "Feature", "properties": {"zid": "ODD-1", "zname": "pending", "level": "三级(待定)"},
  "geometry": {"type": "Polygon", "coordinates": [[[120.40, 30.10], [120.41, 30.10],
    [120.41, 30.11], [120.40, 30.11], [120.40, 30.10]]]}},
 {"type": "Feature", "properties": {"zid": null, "zname": "no id", "level": "准"},
  "geometry": {"type": "Polygon", "coordinates": [[[120.50, 30.10], [120.51, 30.10],
    [120.51, 30.11], [120.50, 30.11], [120.50, 30.10]]]}},
 {"type": "Feature", "properties": {"zid": "OK-1", "zname": "same id", "level": "二级"},
  "geometry": {"type": "Polygon", "coordinates": [[[120.60, 30.10], [120.61, 30.10],
    [120.61, 30.11], [120.60, 30.11], [120.60, 30.10]]]}}
]})json";

class LoaderDefectsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    const fs::path path = TempDir("defects") / "defects.geojson";
    std::ofstream(path) << kDefects;
    LayerConfig cfg;
    cfg.name = "defects";
    cfg.kind = ZoneKind::kWaterSourceProtection;
    cfg.source = path.string();
    cfg.id_field = "zid";
    cfg.name_field = "zname";
    cfg.level_field = "level";
    absl::StatusOr<LoadedLayer> l = LoadLayer(cfg, kWorking, kTolerance);
    ASSERT_TRUE(l.ok()) << l.status();
    loaded_ = new LoadedLayer(*std::move(l));
  }
  static void TearDownTestSuite() {
    delete loaded_;
    loaded_ = nullptr;
  }
  static const LoadedLayer& L() { return *loaded_; }
  static LoadedLayer* loaded_;
};
LoadedLayer* LoaderDefectsTest::loaded_ = nullptr;

TEST_F(LoaderDefectsTest, EveryFeatureIsAccountedFor) {
  ASSERT_NE(loaded_, nullptr);
  const LayerReport& r = L().report;
  EXPECT_EQ(r.features_read, 8);
  EXPECT_EQ(r.zones_loaded, 5);  // OK-1, BOW-1, ODD-1, the one without id, OK-1 again
  EXPECT_EQ(r.skipped, 3);       // FLAT-1, LINE-1, NULL-1
  EXPECT_EQ(r.repaired, 1);      // BOW-1
  ExpectAccounted(r);
  EXPECT_EQ(L().zones.size(), 5u);
}

TEST_F(LoaderDefectsTest, BowTieIsRepairedIntoItsTwoLobes) {
  ASSERT_NE(loaded_, nullptr);
  std::vector<LoadIssue> issues = IssuesOf(L().report, "BOW-1");
  ASSERT_EQ(issues.size(), 1u);
  EXPECT_EQ(issues[0].action, LoadIssue::Action::kRepaired);
  EXPECT_THAT(issues[0].feature, HasSubstr("fid"));
  EXPECT_THAT(issues[0].reason, HasSubstr("Self-intersection"));
  const Zone* bow = FindZone(L(), "BOW-1");
  const Zone* ok = FindZone(L(), "OK-1");
  ASSERT_NE(bow, nullptr);
  ASSERT_NE(ok, nullptr);
  // The lobes are two triangles, each a quarter of the 0.01-degree square
  // whose diagonals they lie on.
  const std::vector<Point2> square = {
      {120.20, 30.10}, {120.21, 30.10}, {120.21, 30.11}, {120.20, 30.11}, {120.20, 30.10}};
  EXPECT_NEAR(bow->area_m2, GeodesicRingAreaM2(square) / 2, GeodesicRingAreaM2(square) * 1e-3);
  EXPECT_EQ(bow->shape.polygon_rings().size(), 2u);
}

TEST_F(LoaderDefectsTest, CollapsedRingIsSkippedWithAReason) {
  ASSERT_NE(loaded_, nullptr);
  std::vector<LoadIssue> issues = IssuesOf(L().report, "FLAT-1");
  ASSERT_EQ(issues.size(), 1u);
  EXPECT_EQ(issues[0].action, LoadIssue::Action::kSkipped);
  EXPECT_THAT(issues[0].reason, HasSubstr("nothing polygonal"));
  EXPECT_EQ(FindZone(L(), "FLAT-1"), nullptr);
}

TEST_F(LoaderDefectsTest, LineStringIsSkippedAsNotAPolygon) {
  ASSERT_NE(loaded_, nullptr);
  std::vector<LoadIssue> issues = IssuesOf(L().report, "LINE-1");
  ASSERT_EQ(issues.size(), 1u);
  EXPECT_EQ(issues[0].action, LoadIssue::Action::kSkipped);
  EXPECT_THAT(issues[0].reason, AllOf(HasSubstr("not a polygon"), HasSubstr("Line String")));
  EXPECT_EQ(FindZone(L(), "LINE-1"), nullptr);
}

TEST_F(LoaderDefectsTest, NullGeometryIsSkipped) {
  ASSERT_NE(loaded_, nullptr);
  std::vector<LoadIssue> issues = IssuesOf(L().report, "NULL-1");
  ASSERT_EQ(issues.size(), 1u);
  EXPECT_EQ(issues[0].action, LoadIssue::Action::kSkipped);
  EXPECT_THAT(issues[0].reason, HasSubstr("no geometry"));
}

TEST_F(LoaderDefectsTest, UnrecognisedLevelIsAWarning) {
  ASSERT_NE(loaded_, nullptr);
  std::vector<LoadIssue> issues = IssuesOf(L().report, "ODD-1");
  ASSERT_EQ(issues.size(), 1u);
  EXPECT_EQ(issues[0].action, LoadIssue::Action::kWarning);
  EXPECT_THAT(issues[0].reason, AllOf(HasSubstr("三级(待定)"), HasSubstr("not recognised")));
  const Zone* z = FindZone(L(), "ODD-1");
  ASSERT_NE(z, nullptr);
  EXPECT_EQ(z->level, "三级(待定)");
  // Treated as the strictest level of its kind, as the warning says.
  EXPECT_EQ(z->normalized_level, "一级");
  EXPECT_EQ(FindZone(L(), "OK-1")->normalized_level, "一级");
}

TEST_F(LoaderDefectsTest, MissingAndDuplicateIdsAreWarnings) {
  ASSERT_NE(loaded_, nullptr);
  int no_id = 0, duplicate = 0;
  for (const LoadIssue& i : L().report.issues) {
    if (i.action != LoadIssue::Action::kWarning) continue;
    if (i.reason.find("no value in id field 'zid'") != std::string::npos) ++no_id;
    if (i.reason.find("'OK-1' is used by an earlier feature") != std::string::npos) ++duplicate;
  }
  EXPECT_EQ(no_id, 1);
  EXPECT_EQ(duplicate, 1);
  int named_by_fid = 0;
  for (const Zone& z : L().zones) {
    if (z.id.rfind("fid ", 0) == 0) ++named_by_fid;
  }
  EXPECT_EQ(named_by_fid, 1);
}

TEST(LoaderDefectsOnlyTest, ALayerWithNoUsableZoneIsAnError) {
  const fs::path path = TempDir("allbad") / "allbad.geojson";
  std::ofstream(path) << R"({"type": "FeatureCollection", "features": [
 {"type": "Feature", "properties": {"zid": "L1", "zname": "x"},
  "geometry": {"type": "LineString", "coordinates": [[120.3, 30.1], [120.31, 30.11]]}}]})";
  LayerConfig cfg;
  cfg.name = "allbad";
  cfg.source = path.string();
  cfg.id_field = "zid";
  cfg.name_field = "zname";
  absl::StatusOr<LoadedLayer> l = LoadLayer(cfg, kWorking, kTolerance);
  ASSERT_FALSE(l.ok());
  EXPECT_THAT(Msg(l.status()), AllOf(HasSubstr("'allbad'"), HasSubstr("no usable zones")));
}

}  // namespace
}  // namespace redline
