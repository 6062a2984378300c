// Tests of the core's public face, Snapshot (spatial/snapshot.h), on the
// sample data: the known points, relations and overlap measures of request
// geometries, option checks and every kind of bad input.
//
// Expected hits come from data/sample/known_points.csv (chosen and checked
// by the generator with OGR). Expected overlap areas and lengths are computed
// here independently with GDAL/OGR: the zone is read from its source file,
// intersected with the site by OGR, projected to a Lambert azimuthal
// equal-area projection on the GRS80 ellipsoid centred on the site and
// measured in the plane.
#include "spatial/snapshot.h"

#include <gdal_priv.h>
#include <ogr_geometry.h>
#include <ogr_spatialref.h>
#include <ogrsf_frmts.h>

#include <cmath>
#include <fstream>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "spatial/coords/crs.h"
#include "spatial/coords/geodesic.h"
#include "spatial/geom/geos_util.h"

namespace redline {
namespace {

using ::testing::AllOf;
using ::testing::AnyOf;
using ::testing::HasSubstr;

std::string Msg(const absl::Status& st) { return std::string(st.message()); }
std::string SampleDir() { return std::string(REDLINE_SOURCE_DIR) + "/data/sample"; }

// --- independent references (OGR) -------------------------------------------

Point2 OgrTransform(const char* from, const char* to, Point2 p) {
  OGRSpatialReference a, b;
  a.SetFromUserInput(from);
  b.SetFromUserInput(to);
  a.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
  b.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
  std::unique_ptr<OGRCoordinateTransformation> ct(OGRCreateCoordinateTransformation(&a, &b));
  EXPECT_TRUE(ct && ct->Transform(1, &p.x, &p.y));
  return p;
}

std::unique_ptr<OGRGeometry> FromWkt(const std::string& wkt) {
  OGRGeometry* g = nullptr;
  EXPECT_EQ(OGRGeometryFactory::createFromWkt(wkt.c_str(), nullptr, &g), OGRERR_NONE) << wkt;
  return std::unique_ptr<OGRGeometry>(g);
}

// Area and length of `g` (in `crs`), in an equal-area projection centred at
// lon0/lat0; densified first so straight edges in `crs` stay close to what
// they were.
std::pair<double, double> LaeaAreaLength(const OGRGeometry& g, const char* crs, double densify,
                                         Point2 centre) {
  OGRSpatialReference src, laea;
  src.SetFromUserInput(crs);
  src.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
  laea.importFromProj4(
      absl::StrFormat("+proj=laea +lat_0=%.10f +lon_0=%.10f +ellps=GRS80 +units=m +no_defs",
                      centre.y, centre.x)
          .c_str());
  laea.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
  std::unique_ptr<OGRCoordinateTransformation> ct(OGRCreateCoordinateTransformation(&src, &laea));
  std::unique_ptr<OGRGeometry> copy(g.clone());
  copy->segmentize(densify);
  EXPECT_EQ(copy->transform(ct.get()), OGRERR_NONE);
  double area = 0, length = 0;
  switch (wkbFlatten(copy->getGeometryType())) {
    case wkbPolygon:
      area = copy->toPolygon()->get_Area();
      break;
    case wkbMultiPolygon:
      area = copy->toMultiPolygon()->get_Area();
      break;
    case wkbLineString:
      length = copy->toLineString()->get_Length();
      break;
    case wkbMultiLineString:
      length = copy->toMultiLineString()->get_Length();
      break;
    default:
      ADD_FAILURE() << "unexpected type " << copy->getGeometryName();
  }
  return {area, length};
}

// The zone `id` as its source file holds it (in the file's own CRS).
std::unique_ptr<OGRGeometry> ZoneFromSource(const std::string& file, const char* id_field,
                                            const std::string& id) {
  GDALAllRegister();
  GDALDatasetUniquePtr ds(GDALDataset::Open(file.c_str(), GDAL_OF_VECTOR));
  EXPECT_TRUE(ds) << file;
  OGRLayer* l = ds->GetLayer(0);
  l->SetAttributeFilter(absl::StrFormat("%s = '%s'", id_field, id).c_str());
  std::unique_ptr<OGRFeature> f(l->GetNextFeature());
  EXPECT_TRUE(f) << id;
  return std::unique_ptr<OGRGeometry>(f->GetGeometryRef()->clone());
}

std::string PolygonWkt(const std::vector<Point2>& ring) {
  std::string s = "POLYGON ((";
  for (size_t i = 0; i < ring.size(); ++i) {
    absl::StrAppendFormat(&s, "%s%.17g %.17g", i ? ", " : "", ring[i].x, ring[i].y);
  }
  return s + "))";
}

std::vector<Point2> Square(Point2 c, double half) {
  return {{c.x - half, c.y - half},
          {c.x + half, c.y - half},
          {c.x + half, c.y + half},
          {c.x - half, c.y + half},
          {c.x - half, c.y - half}};
}

// --- the shared sample snapshot ---------------------------------------------

class SnapshotTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    absl::StatusOr<Config> config = Config::LoadFile(SampleDir() + "/redline.yaml");
    ASSERT_TRUE(config.ok()) << config.status();
    absl::StatusOr<std::shared_ptr<const Snapshot>> snap = Snapshot::Load(*config);
    ASSERT_TRUE(snap.ok()) << snap.status();
    snap_ = new std::shared_ptr<const Snapshot>(*snap);
  }
  static void TearDownTestSuite() {
    delete snap_;
    snap_ = nullptr;
  }
  void SetUp() override { ASSERT_NE(snap_, nullptr) << "the sample did not load"; }

  static const Snapshot& S() { return **snap_; }
  static std::string LayerOf(const ZoneHitResult& h) {
    return S().layers()[S().zones()[h.zone].layer].config.name;
  }
  static const Zone& ZoneOf(const ZoneHitResult& h) { return S().zones()[h.zone]; }
  static int ZoneIndex(const std::string& id) {
    for (size_t i = 0; i < S().zones().size(); ++i) {
      if (S().zones()[i].id == id) return static_cast<int>(i);
    }
    return -1;
  }
  static const ZoneHitResult* HitOn(const CheckResult& r, const std::string& id) {
    for (const ZoneHitResult& h : r.hits) {
      if (ZoneOf(h).id == id) return &h;
    }
    return nullptr;
  }
  static std::set<std::pair<std::string, std::string>> HitSet(const CheckResult& r) {
    std::set<std::pair<std::string, std::string>> out;
    for (const ZoneHitResult& h : r.hits) out.insert({LayerOf(h), ZoneOf(h).id});
    return out;
  }

  static std::shared_ptr<const Snapshot>* snap_;
};
std::shared_ptr<const Snapshot>* SnapshotTest::snap_ = nullptr;

TEST_F(SnapshotTest, LoadsEveryLayer) {
  ASSERT_EQ(S().layers().size(), 4u);
  size_t zones = 0;
  for (const LayerState& l : S().layers()) {
    EXPECT_EQ(l.report.features_read, l.report.zones_loaded + l.report.skipped) << l.config.name;
    zones += l.report.zones_loaded;
  }
  EXPECT_EQ(S().zones().size(), zones);
  EXPECT_FALSE(S().rules().rules().empty());
  EXPECT_THAT(S().version(), HasSubstr(S().content_hash().substr(0, 12)));
}

struct KnownPoint {
  Point2 lonlat;
  std::set<std::pair<std::string, std::string>> expected;  // (layer, zone id)
};

std::vector<KnownPoint> ReadKnownPoints() {
  std::ifstream in(SampleDir() + "/known_points.csv");
  std::string line;
  std::getline(in, line);
  EXPECT_EQ(line, "lon,lat,expect_layer,expect_zone_id");
  std::map<std::pair<std::string, std::string>, KnownPoint> by_point;
  std::vector<std::pair<std::string, std::string>> order;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    std::vector<std::string> f = absl::StrSplit(line, ',');
    EXPECT_EQ(f.size(), 4u) << line;
    if (f.size() != 4) continue;
    const auto key = std::make_pair(f[0], f[1]);
    if (!by_point.contains(key)) {
      order.push_back(key);
      by_point[key].lonlat = {std::stod(f[0]), std::stod(f[1])};
    }
    if (!f[2].empty()) by_point[key].expected.insert({f[2], f[3]});
  }
  std::vector<KnownPoint> out;
  for (const auto& key : order) out.push_back(by_point[key]);
  return out;
}

TEST_F(SnapshotTest, KnownPointsHitExactlyTheExpectedZones) {
  const std::vector<KnownPoint> points = ReadKnownPoints();
  ASSERT_EQ(points.size(), 12u);  // twelve places, see data/README.md
  int empty = 0;
  for (const KnownPoint& p : points) {
    absl::StatusOr<CheckResult> r = S().CheckPoint(p.lonlat, "EPSG:4490", {});
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_EQ(HitSet(*r), p.expected) << p.lonlat.x << "," << p.lonlat.y;
    // Every known point is at least 50 m from any boundary.
    for (const ZoneHitResult& h : r->hits) EXPECT_EQ(h.relation, Relation::kInside);
    if (p.expected.empty()) ++empty;
  }
  EXPECT_EQ(empty, 2);
}

TEST_F(SnapshotTest, KnownPointsGiveTheSameHitsInGaussKruger) {
  for (const KnownPoint& p : ReadKnownPoints()) {
    if (p.lonlat.x > 122.5) continue;  // the sea point lies beyond the 4549 zone
    const Point2 gk = OgrTransform("EPSG:4490", "EPSG:4549", p.lonlat);
    absl::StatusOr<CheckResult> r = S().CheckPoint(gk, "EPSG:4549", {});
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_EQ(HitSet(*r), p.expected) << p.lonlat.x << "," << p.lonlat.y;
    EXPECT_EQ(r->site.input_crs, "EPSG:4549");
    EXPECT_NEAR(r->site.representative_lonlat.x, p.lonlat.x, 1e-8);
    EXPECT_NEAR(r->site.representative_lonlat.y, p.lonlat.y, 1e-8);
  }
}

TEST_F(SnapshotTest, SeaPointHitsNothing) {
  absl::StatusOr<CheckResult> r = S().CheckPoint({123.5, 27.5}, "EPSG:4490", {});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(r->hits.empty());
}

TEST_F(SnapshotTest, PointAsWktGivesTheSameHitsAsCheckPoint) {
  absl::StatusOr<CheckResult> r =
      S().CheckGeometry(GeometryEncoding::kWkt, "POINT (119.048924 29.624276)", "4490", {});
  ASSERT_TRUE(r.ok()) << r.status();
  const std::set<std::pair<std::string, std::string>> expected = {
      {"water_source", "WS-330127-001-1"},
      {"water_source", "WS-330127-001-2"},
      {"water_source", "WS-330127-001-Z"}};
  EXPECT_EQ(HitSet(*r), expected);
}

TEST_F(SnapshotTest, LayerFilterRestrictsHits) {
  // 四明湖 一级水域: also inside control unit ZH33028110001.
  const Point2 p{121.069788, 29.970780};
  CheckOptions only_ws;
  only_ws.layers = {"water_source"};
  absl::StatusOr<CheckResult> r = S().CheckPoint(p, "EPSG:4490", only_ws);
  ASSERT_TRUE(r.ok()) << r.status();
  const std::set<std::pair<std::string, std::string>> ws = {{"water_source", "WS-330281-001-1W"}};
  EXPECT_EQ(HitSet(*r), ws);
  for (const NearZoneResult& n : r->nearest) {
    EXPECT_EQ(S().layers()[S().zones()[n.zone].layer].config.name, "water_source");
  }
  CheckOptions only_cu;
  only_cu.layers = {"control_units"};
  r = S().CheckPoint(p, "EPSG:4490", only_cu);
  ASSERT_TRUE(r.ok()) << r.status();
  const std::set<std::pair<std::string, std::string>> cu = {{"control_units", "ZH33028110001"}};
  EXPECT_EQ(HitSet(*r), cu);
  // The same filter applies to geometries.
  r = S().CheckGeometry(GeometryEncoding::kWkt, PolygonWkt(Square(p, 0.0005)), "EPSG:4490",
                        only_cu);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(HitSet(*r), cu);
}

// Nearby distances are measured on the ellipsoid from the point to the
// zone's nearest boundary point: here that point comes from GEOS (nearest
// points in the working CRS), goes back to longitude/latitude through PROJ,
// and GeographicLib measures the geodesic. The snapshot takes most of them
// from its ground-scale table instead; both must agree to a millimetre.
TEST_F(SnapshotTest, NearbyDistancesAreGeodesicToTheNearestBoundaryPoint) {
  GEOSContextHandle_t ctx = ThreadGeos().get();
  std::mt19937_64 rng(3);
  CheckOptions options;
  int compared = 0, beyond_table = 0;
  for (int i = 0; i < 600; ++i) {
    // Every third point with a 20 km radius: zones beyond the 5 km the
    // ground-scale table serves take PROJ and GeographicLib.
    const double margin = i % 3 == 0 ? 12000 : 3000;
    options.search_radius_m = i % 3 == 0 ? 20000 : 4000;
    const Zone& z = S().zones()[rng() % S().zones().size()];
    std::vector<Point2> p{{0, 0}};
    const Box& b = z.shape.bbox();
    std::uniform_real_distribution<double> ux(b.min_x - margin, b.max_x + margin);
    std::uniform_real_distribution<double> uy(b.min_y - margin, b.max_y + margin);
    p[0] = {ux(rng), uy(rng)};
    std::vector<Point2> lonlat = p;
    ASSERT_TRUE(TransformPoints(S().config().working_crs, "EPSG:4490", lonlat).ok());
    absl::StatusOr<CheckResult> r = S().CheckPoint(lonlat[0], "EPSG:4490", options);
    ASSERT_TRUE(r.ok()) << r.status();
    GeomPtr pt = Own(ctx, GEOSGeom_createPointFromXY_r(ctx, p[0].x, p[0].y));
    for (const NearZoneResult& n : r->nearest) {
      GeomPtr zone = S().zones()[n.zone].shape.ToGeos(ctx);
      GeomPtr boundary = Own(ctx, GEOSBoundary_r(ctx, zone.get()));
      GEOSCoordSequence* seq = GEOSNearestPoints_r(ctx, pt.get(), boundary.get());
      ASSERT_NE(seq, nullptr);
      std::vector<Point2> q(1);
      GEOSCoordSeq_getXY_r(ctx, seq, 1, &q[0].x, &q[0].y);
      GEOSCoordSeq_destroy_r(ctx, seq);
      ASSERT_TRUE(TransformPoints(S().config().working_crs, "EPSG:4490", q).ok());
      const double want = GeodesicDistanceM(r->site.representative_lonlat, q[0]);
      EXPECT_NEAR(n.distance_m, want, 1e-3) << S().zones()[n.zone].id;
      ++compared;
      beyond_table += want > 5100;
    }
  }
  EXPECT_GT(compared, 200);
  EXPECT_GT(beyond_table, 20);
}

// The sample's county boundaries (kind: context) are loaded and kept apart
// from the zones: a point inside a county and inside zones hits the zones
// only, the county is never a nearby zone, and checks cannot select it.
TEST_F(SnapshotTest, ContextLayersNeverTakePartInChecks) {
  ASSERT_EQ(S().context().layers().size(), 1u);
  const LayerState& counties = S().context().layers()[0];
  EXPECT_EQ(counties.config.name, "counties");
  EXPECT_EQ(counties.config.kind, ZoneKind::kContext);
  EXPECT_EQ(S().context().zones().size(), 90u);
  for (const LayerState& l : S().layers()) EXPECT_NE(l.config.kind, ZoneKind::kContext);

  CheckOptions wide;
  wide.search_radius_m = 50000;
  for (const KnownPoint& p : ReadKnownPoints()) {
    bool in_county = false;
    for (const Zone& county : S().context().zones()) {
      const Point2 w = OgrTransform("EPSG:4490", S().config().working_crs, p.lonlat);
      in_county = in_county || county.shape.Locate(w) != Location::kExterior;
    }
    if (p.lonlat.x < 123) EXPECT_TRUE(in_county) << p.lonlat.x << "," << p.lonlat.y;
    absl::StatusOr<CheckResult> r = S().CheckPoint(p.lonlat, "EPSG:4490", wide);
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_EQ(HitSet(*r), p.expected) << p.lonlat.x << "," << p.lonlat.y;
    for (const NearZoneResult& n : r->nearest) {
      EXPECT_NE(S().layers()[S().zones()[n.zone].layer].config.name, "counties");
    }
  }
  CheckOptions only_counties;
  only_counties.layers = {"counties"};
  absl::StatusOr<CheckResult> r = S().CheckPoint({121.07, 29.97}, "EPSG:4490", only_counties);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);

  // Drawn like zones, with their names, from their own index.
  DisplayQuery query;
  query.bbox_lonlat = {118, 27, 123, 31.3};
  absl::StatusOr<DisplayZones> drawn = ZonesForDisplay(S().context(), query);
  ASSERT_TRUE(drawn.ok()) << drawn.status();
  EXPECT_EQ(drawn->zones.size(), 90u);
  EXPECT_EQ(S().context().zones()[drawn->zones[0].zone].name.rfind("示例县", 0), 0u);
}

TEST_F(SnapshotTest, UnknownLayerIsNamed) {
  CheckOptions options;
  options.layers = {"water_source", "red_line"};
  absl::StatusOr<CheckResult> r = S().CheckPoint({121.07, 29.97}, "EPSG:4490", options);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(Msg(r.status()), AllOf(HasSubstr("'red_line'"), HasSubstr("red_lines")));
  r = S().CheckGeometry(GeometryEncoding::kWkt, "POINT (121.07 29.97)", "", options);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(Msg(r.status()), HasSubstr("'red_line'"));
}

TEST_F(SnapshotTest, SearchRadiusOutOfRange) {
  const double max = S().config().max_search_radius_m;
  for (double radius : {-1.0, max + 1, 1e12}) {
    CheckOptions options;
    options.search_radius_m = radius;
    absl::StatusOr<CheckResult> r = S().CheckPoint({121.07, 29.97}, "EPSG:4490", options);
    ASSERT_FALSE(r.ok()) << radius;
    EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(Msg(r.status()), HasSubstr("search_radius_m"));
    r = S().CheckGeometry(GeometryEncoding::kWkt, "POINT (121.07 29.97)", "EPSG:4490", options);
    ASSERT_FALSE(r.ok()) << radius;
    EXPECT_THAT(Msg(r.status()), HasSubstr("search_radius_m"));
  }
  CheckOptions at_max;
  at_max.search_radius_m = max;
  absl::StatusOr<CheckResult> r = S().CheckPoint({121.07, 29.97}, "EPSG:4490", at_max);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->search_radius_m, max);
}

// --- relations and overlap measures ------------------------------------------

TEST_F(SnapshotTest, SquareInsideAFirstLevelZoneIsWithin) {
  // A ~200 m square around the 千岛湖 known point, 3.7 km from any boundary:
  // inside 一级, and so inside the nested 二级 and 准 as well.
  const Point2 c{119.048924, 29.624276};
  const std::vector<Point2> ring = Square(c, 0.001);
  absl::StatusOr<CheckResult> r =
      S().CheckGeometry(GeometryEncoding::kWkt, PolygonWkt(ring), "EPSG:4490", {});
  ASSERT_TRUE(r.ok()) << r.status();
  const double site_area = LaeaAreaLength(*FromWkt(PolygonWkt(ring)), "EPSG:4490", 1e-5, c).first;
  EXPECT_EQ(r->site.geometry_type, "Polygon");
  EXPECT_EQ(r->site.vertices, 5);
  EXPECT_NEAR(r->site.area_m2, site_area, site_area * 1e-4);
  ASSERT_EQ(r->hits.size(), 3u);
  for (const char* id : {"WS-330127-001-1", "WS-330127-001-2", "WS-330127-001-Z"}) {
    const ZoneHitResult* h = HitOn(*r, id);
    ASSERT_NE(h, nullptr) << id;
    EXPECT_EQ(h->relation, Relation::kWithin) << id;
    EXPECT_NEAR(h->overlap_area_m2, site_area, site_area * 1e-4) << id;
    EXPECT_EQ(h->overlap_area_m2, r->site.area_m2) << id;
    EXPECT_EQ(h->overlap_ratio, 1) << id;
  }
}

// A vertex of the shell of zero-discharge zone ZDZ-330482-0001, as loaded
// (the Shapefile is in EPSG:4549, the working CRS, so nothing is reprojected).
Point2 ShellVertex(const Zone& z, size_t i) { return z.shape.vertices()[i]; }

TEST_F(SnapshotTest, SquareAcrossAZoneEdgeIntersectsWithTheRightOverlap) {
  const int zi = ZoneIndex("ZDZ-330482-0001");
  ASSERT_GE(zi, 0);
  const Zone& zone = S().zones()[zi];
  const std::unique_ptr<OGRGeometry> source =
      ZoneFromSource(SampleDir() + "/zero_discharge.shp", "zdz_id", zone.id);
  for (size_t vertex : {size_t{0}, size_t{7}, size_t{20}}) {
    const Point2 v = ShellVertex(zone, vertex);
    const std::vector<Point2> ring = Square(v, 25);  // 50 m square centred on the vertex
    const std::string wkt = PolygonWkt(ring);
    absl::StatusOr<CheckResult> r = S().CheckGeometry(GeometryEncoding::kWkt, wkt, "EPSG:4549", {});
    ASSERT_TRUE(r.ok()) << r.status();
    const ZoneHitResult* h = HitOn(*r, zone.id);
    ASSERT_NE(h, nullptr) << vertex;
    EXPECT_EQ(h->relation, Relation::kIntersects) << vertex;
    EXPECT_GT(h->overlap_ratio, 0) << vertex;
    EXPECT_LT(h->overlap_ratio, 1) << vertex;

    const Point2 centre = OgrTransform("EPSG:4549", "EPSG:4490", v);
    const std::unique_ptr<OGRGeometry> site = FromWkt(wkt);
    const std::unique_ptr<OGRGeometry> inter(site->Intersection(source.get()));
    ASSERT_TRUE(inter);
    const double ref_overlap = LaeaAreaLength(*inter, "EPSG:4549", 1.0, centre).first;
    const double ref_site = LaeaAreaLength(*site, "EPSG:4549", 1.0, centre).first;
    EXPECT_NEAR(h->overlap_area_m2, ref_overlap, ref_overlap * 1e-3) << vertex;
    EXPECT_NEAR(r->site.area_m2, ref_site, ref_site * 1e-4) << vertex;
    EXPECT_NEAR(h->overlap_ratio, ref_overlap / ref_site, 1e-3) << vertex;
  }
}

TEST_F(SnapshotTest, LineCrossingAZoneHasTheRightOverlapLength) {
  // From inside the 嘉兴港区 park (known point) 3 km to the east-north-east.
  const Point2 start = OgrTransform("EPSG:4490", "EPSG:4549", {121.075185, 30.599582});
  const Point2 end{start.x + 2800, start.y + 1000};
  const std::string wkt =
      absl::StrFormat("LINESTRING (%.17g %.17g, %.17g %.17g)", start.x, start.y, end.x, end.y);
  absl::StatusOr<CheckResult> r = S().CheckGeometry(GeometryEncoding::kWkt, wkt, "EPSG:4549", {});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->site.geometry_type, "LineString");
  const ZoneHitResult* h = HitOn(*r, "ZDZ-330482-0001");
  ASSERT_NE(h, nullptr);
  EXPECT_EQ(h->relation, Relation::kIntersects);
  EXPECT_EQ(h->overlap_area_m2, 0);

  const std::unique_ptr<OGRGeometry> source =
      ZoneFromSource(SampleDir() + "/zero_discharge.shp", "zdz_id", "ZDZ-330482-0001");
  const std::unique_ptr<OGRGeometry> line = FromWkt(wkt);
  const std::unique_ptr<OGRGeometry> inter(line->Intersection(source.get()));
  const Point2 centre = OgrTransform("EPSG:4549", "EPSG:4490", start);
  const double ref_overlap = LaeaAreaLength(*inter, "EPSG:4549", 1.0, centre).second;
  const double ref_length = LaeaAreaLength(*line, "EPSG:4549", 1.0, centre).second;
  ASSERT_GT(ref_overlap, 0);
  ASSERT_LT(ref_overlap, ref_length);
  EXPECT_NEAR(h->overlap_length_m, ref_overlap, ref_overlap * 1e-3);
  EXPECT_NEAR(r->site.length_m, ref_length, ref_length * 1e-4);
  EXPECT_NEAR(h->overlap_ratio, ref_overlap / ref_length, 1e-3);
}

TEST_F(SnapshotTest, PolygonSharingOnlyAnEdgeTouches) {
  const int zi = ZoneIndex("ZDZ-330482-0001");
  ASSERT_GE(zi, 0);
  const Zone& zone = S().zones()[zi];
  // The longest edge of the first ring (the shell of the first polygon).
  const auto& v = zone.shape.vertices();
  const uint32_t end = zone.shape.ring_end(0);
  double shoelace = 0;
  size_t longest = 0;
  double longest_len = 0;
  for (uint32_t i = 0; i + 1 < end; ++i) {
    shoelace += v[i].x * v[i + 1].y - v[i + 1].x * v[i].y;
    const double len = std::hypot(v[i + 1].x - v[i].x, v[i + 1].y - v[i].y);
    if (len > longest_len) {
      longest_len = len;
      longest = i;
    }
  }
  ASSERT_GT(longest_len, 5);  // sides are digitised in short wobbly steps
  const Point2 a = v[longest], b = v[longest + 1];
  // Outward unit normal: right of the edge for a counter-clockwise shell.
  const double sign = shoelace > 0 ? 1 : -1;
  const Point2 n{sign * (b.y - a.y) / longest_len, -sign * (b.x - a.x) / longest_len};
  const double depth = 5;
  const std::vector<Point2> strip = {
      a, {a.x + n.x * depth, a.y + n.y * depth}, {b.x + n.x * depth, b.y + n.y * depth}, b, a};
  absl::StatusOr<CheckResult> r =
      S().CheckGeometry(GeometryEncoding::kWkt, PolygonWkt(strip), "EPSG:4549", {});
  ASSERT_TRUE(r.ok()) << r.status();
  const ZoneHitResult* h = HitOn(*r, zone.id);
  ASSERT_NE(h, nullptr);
  EXPECT_EQ(h->relation, Relation::kTouches)
      << "overlap " << h->overlap_area_m2 << " m2, ratio " << h->overlap_ratio;
  EXPECT_EQ(h->overlap_area_m2, 0);
  // Moved 1 m further out, the strip no longer touches: the zone is then
  // only near, not hit.
  std::vector<Point2> away = strip;
  for (Point2& p : away) p = {p.x + n.x, p.y + n.y};
  r = S().CheckGeometry(GeometryEncoding::kWkt, PolygonWkt(away), "EPSG:4549", {});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(HitOn(*r, zone.id), nullptr);
}

// --- bad input ----------------------------------------------------------------

struct BadInput {
  const char* what;
  GeometryEncoding encoding;
  std::string data;
  const char* crs;
  std::vector<std::string> message;  // substrings, any one of them suffices
};

std::string Wkb(uint8_t type, const std::vector<double>& values) {
  std::string s;
  s.push_back(1);  // little endian
  const uint32_t t = type;
  s.append(reinterpret_cast<const char*>(&t), 4);
  for (double v : values) s.append(reinterpret_cast<const char*>(&v), 8);
  return s;
}

std::string RandomBytes(size_t n) {
  std::mt19937 rng(20240630);
  std::string s;
  for (size_t i = 0; i < n; ++i) s.push_back(static_cast<char>(rng() & 0xff));
  s[0] = 7;  // neither byte order marker, so never accidentally valid
  return s;
}

std::vector<BadInput> BadInputs() {
  const double nan = std::nan("");
  const double inf = HUGE_VAL;
  return {
      {"malformed WKT",
       GeometryEncoding::kWkt,
       "POLYGON ((121 30, 121.1 30, 121.1",
       "EPSG:4490",
       {"malformed WKT"}},
      {"misspelt WKT",
       GeometryEncoding::kWkt,
       "POLYGN ((121 30, 121.1 30, 121.1 30.1, 121 30))",
       "EPSG:4490",
       {"malformed WKT"}},
      {"random WKB", GeometryEncoding::kWkb, RandomBytes(40), "EPSG:4490", {"malformed WKB"}},
      {"truncated WKB", GeometryEncoding::kWkb, Wkb(1, {121.0}), "EPSG:4490", {"malformed WKB"}},
      {"malformed GeoJSON",
       GeometryEncoding::kGeoJson,
       R"({"type": "Polygon", "coordinates": [[[121, 30], [121.1)",
       "EPSG:4490",
       {"malformed GeoJSON"}},
      {"GeoJSON of an unknown type",
       GeometryEncoding::kGeoJson,
       R"({"type": "Polygonal", "coordinates": [[[121, 30], [121.1, 30], [121, 30.1], [121, 30]]]})",
       "EPSG:4490",
       {"malformed GeoJSON", "Polygonal"}},
      {"no geometry", GeometryEncoding::kWkt, "", "EPSG:4490", {"no geometry"}},
      {"POLYGON EMPTY", GeometryEncoding::kWkt, "POLYGON EMPTY", "EPSG:4490", {"empty"}},
      {"POINT EMPTY", GeometryEncoding::kWkt, "POINT EMPTY", "EPSG:4490", {"empty"}},
      {"NaN in WKT",
       GeometryEncoding::kWkt,
       "POINT (nan 30)",
       "EPSG:4490",
       {"finite", "nan", "NaN"}},
      {"NaN in WKB", GeometryEncoding::kWkb, Wkb(1, {nan, 30}), "EPSG:4490", {"finite"}},
      {"inf in WKB", GeometryEncoding::kWkb, Wkb(1, {121, inf}), "EPSG:4490", {"finite"}},
      {"inf in WKT",
       GeometryEncoding::kWkt,
       "LINESTRING (121 30, inf 30)",
       "EPSG:4490",
       {"finite", "inf"}},
      {"GeometryCollection",
       GeometryEncoding::kWkt,
       "GEOMETRYCOLLECTION (POINT (121 30), LINESTRING (121 30, 121.1 30))",
       "EPSG:4490",
       {"GeometryCollection"}},
      {"self-intersecting polygon",
       GeometryEncoding::kWkt,
       "POLYGON ((121 30, 121.01 30.01, 121.01 30, 121 30.01, 121 30))",
       "EPSG:4490",
       {"Self-intersection"}},
      {"hole outside its shell",
       GeometryEncoding::kWkt,
       "POLYGON ((121 30, 121.01 30, 121.01 30.01, 121 30.01, 121 30), "
       "(121.02 30, 121.03 30, 121.03 30.01, 121.02 30))",
       "EPSG:4490",
       {"invalid"}},
      // Wholly swapped input is corrected now (CoordinatesAreReportedTest);
      // a mix of both orders is not.
      {"partly swapped polygon",
       GeometryEncoding::kWkt,
       "POLYGON ((121 30, 30 121.01, 121.01 30.01, 121.01 30, 121 30))",
       "EPSG:4490",
       {"swapped"}},
      {"easting with a zone prefix under an unprefixed code",
       GeometryEncoding::kWkt,
       "POINT (40512345.6 3349012.3)",
       "EPSG:4549",
       {"carries zone prefix 40: use EPSG:4528"}},
      {"unknown CRS", GeometryEncoding::kWkt, "POINT (121 30)", "EPSG:99999", {"EPSG:99999"}},
      {"geocentric CRS", GeometryEncoding::kWkt, "POINT (121 30)", "EPSG:4978", {"EPSG:4978"}},
  };
}

// With strict_geometry, so that the invalid polygons are refused too (by
// default they are repaired: site_repair_test.cc); the other inputs are
// refused either way.
TEST_F(SnapshotTest, BadInputIsInvalidArgumentNamingTheProblem) {
  CheckOptions strict;
  strict.strict_geometry = true;
  for (const BadInput& bad : BadInputs()) {
    absl::StatusOr<CheckResult> r = S().CheckGeometry(bad.encoding, bad.data, bad.crs, strict);
    ASSERT_FALSE(r.ok()) << bad.what;
    EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument)
        << bad.what << ": " << r.status();
    std::vector<::testing::Matcher<std::string>> any;
    for (const std::string& s : bad.message) any.push_back(HasSubstr(s));
    EXPECT_THAT(Msg(r.status()), ::testing::AnyOfArray(any)) << bad.what;
  }
}

TEST_F(SnapshotTest, BadPointsAreInvalidArgument) {
  const double nan = std::nan("");
  struct Case {
    Point2 p;
    const char* crs;
    const char* message;
  } cases[] = {
      {{200, 120.15}, "EPSG:4490", "not a valid longitude/latitude"},
      {{40512345.6, 3349012.3}, "EPSG:4549", "use EPSG:4528"},
      {{nan, 30}, "EPSG:4490", "finite"},
      {{121, HUGE_VAL}, "EPSG:4490", "finite"},
      {{121, 30}, "EPSG:99999", "EPSG:99999"},
  };
  for (const Case& c : cases) {
    absl::StatusOr<CheckResult> r = S().CheckPoint(c.p, c.crs, {});
    ASSERT_FALSE(r.ok()) << c.message;
    EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument) << c.message;
    EXPECT_THAT(Msg(r.status()), HasSubstr(c.message));
  }
}

TEST_F(SnapshotTest, CoordinatesAreReportedForPointsAndGeometries) {
  absl::StatusOr<CheckResult> p = S().CheckPoint({30.28, 120.15}, "EPSG:4490", {});
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_TRUE(p->site.coordinates.axes_swapped);
  EXPECT_EQ(p->site.coordinates.crs, "EPSG:4490");
  EXPECT_NEAR(p->site.representative_lonlat.x, 120.15, 1e-9);

  absl::StatusOr<CheckResult> g = S().CheckGeometry(
      GeometryEncoding::kWkt, "POLYGON ((30 121, 30 121.01, 30.01 121.01, 30.01 121, 30 121))",
      "EPSG:4490", {});
  ASSERT_TRUE(g.ok()) << g.status();
  EXPECT_TRUE(g->site.coordinates.axes_swapped);
  EXPECT_FALSE(g->site.coordinates.notes.empty());

  // One point through CheckGeometry takes the point path: still reported.
  absl::StatusOr<CheckResult> one =
      S().CheckGeometry(GeometryEncoding::kCoordinateTable, "J1, 3349012.3, 40512345.6", "GK", {});
  ASSERT_TRUE(one.ok()) << one.status();
  EXPECT_EQ(one->site.input_crs, "EPSG:4528");
  EXPECT_EQ(one->site.coordinates.crs, "EPSG:4528");
  EXPECT_TRUE(one->site.coordinates.zone_detected);
  EXPECT_TRUE(one->site.coordinates.axes_swapped);
  EXPECT_EQ(one->site.coordinates.requested_crs, "GK");
}

// --- the vertex limit, with a config of its own -------------------------------

TEST(SnapshotLimitsTest, VertexLimitFromTheConfig) {
  const std::string yaml =
      "working_crs: EPSG:4549\n"
      "max_vertices: 100\n"
      "layers:\n"
      "  - name: control_units\n"
      "    kind: other\n"
      "    source: control_units.gdb\n"
      "    layer: control_units\n"
      "    id_field: unit_code\n"
      "    name_field: unit_name\n";
  absl::StatusOr<Config> config = Config::Parse(yaml, SampleDir(), "limits.yaml");
  ASSERT_TRUE(config.ok()) << config.status();
  absl::StatusOr<std::shared_ptr<const Snapshot>> snap = Snapshot::Load(*config);
  ASSERT_TRUE(snap.ok()) << snap.status();

  // A circle of n distinct vertices around 余姚 plus the closing one.
  auto circle = [](int distinct) {
    std::vector<Point2> ring;
    for (int i = 0; i < distinct; ++i) {
      const double t = 2 * M_PI * i / distinct;
      ring.push_back({121.07 + 0.002 * std::cos(t), 29.97 + 0.002 * std::sin(t)});
    }
    ring.push_back(ring.front());
    return PolygonWkt(ring);
  };
  absl::StatusOr<CheckResult> r =
      (*snap)->CheckGeometry(GeometryEncoding::kWkt, circle(100), "EPSG:4490", {});  // 101
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(Msg(r.status()), AllOf(HasSubstr("101"), HasSubstr("100")));
  r = (*snap)->CheckGeometry(GeometryEncoding::kWkt, circle(99), "EPSG:4490", {});  // 100
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->site.vertices, 100);
}

// --- which rules are in force (issue 18, finding 10) --------------------------

// The 一级 water-source zone the README checks an outfall against.
constexpr Point2 kFirstLevelOutfall = {121.069788, 29.970780};

std::shared_ptr<const Snapshot> WaterSourceOnly(const std::string& rules_line) {
  const std::string yaml = rules_line +
                           "layers:\n"
                           "  - name: water_source\n"
                           "    kind: water_source_protection\n"
                           "    source: water_source.gpkg\n"
                           "    layer: water_source\n"
                           "    id_field: zone_code\n"
                           "    name_field: zone_name\n"
                           "    level_field: level\n";
  absl::StatusOr<Config> config = Config::Parse(yaml, SampleDir(), "rules.yaml");
  EXPECT_TRUE(config.ok()) << config.status();
  if (!config.ok()) return nullptr;
  absl::StatusOr<std::shared_ptr<const Snapshot>> snap = Snapshot::Load(*config);
  EXPECT_TRUE(snap.ok()) << snap.status();
  return snap.ok() ? *snap : nullptr;
}

CheckOptions Outfall() {
  CheckOptions options;
  options.siting.purpose = Purpose::kOutfall;
  return options;
}

TEST(SnapshotRulesTest, WithoutRulesKeyTheDefaultsForbidAnOutfallInAFirstLevelZone) {
  std::shared_ptr<const Snapshot> snap = WaterSourceOnly("");
  ASSERT_NE(snap, nullptr);
  EXPECT_EQ(snap->config().rules_from, Config::RulesFrom::kDefault);
  EXPECT_GE(snap->rules().rules().size(), 15u);
  absl::StatusOr<CheckResult> r = snap->CheckPoint(kFirstLevelOutfall, "EPSG:4490", Outfall());
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_FALSE(r->hits.empty());
  EXPECT_EQ(r->verdict, Verdict::kProhibited) << r->verdict_reason;
  EXPECT_THAT(r->verdict_reason, HasSubstr("wppl-64-outfall"));
}

TEST(SnapshotRulesTest, AnEmptyRuleListGivesNoVerdictNeverClear) {
  std::shared_ptr<const Snapshot> snap = WaterSourceOnly("rules: []\n");
  ASSERT_NE(snap, nullptr);
  EXPECT_TRUE(snap->rules().rules().empty());
  // Inside a zone, with and without a purpose; far from any zone (the
  // open-country fast path); a polygon; and a batch of points.
  for (const CheckOptions& options : {Outfall(), CheckOptions()}) {
    for (Point2 p : {kFirstLevelOutfall, Point2{122.9, 28.1}}) {
      absl::StatusOr<CheckResult> r = snap->CheckPoint(p, "EPSG:4490", options);
      ASSERT_TRUE(r.ok()) << r.status();
      EXPECT_EQ(r->verdict, Verdict::kUnspecified) << p.x << " " << r->verdict_reason;
      EXPECT_THAT(r->verdict_reason, HasSubstr("no rules in force"));
    }
  }
  absl::StatusOr<CheckResult> inside = snap->CheckPoint(kFirstLevelOutfall, "EPSG:4490", Outfall());
  ASSERT_TRUE(inside.ok());
  EXPECT_FALSE(inside->hits.empty());  // the hits are still reported
  absl::StatusOr<CheckResult> square =
      snap->CheckGeometry(GeometryEncoding::kWkt, PolygonWkt(Square(kFirstLevelOutfall, 0.0002)),
                          "EPSG:4490", Outfall());
  ASSERT_TRUE(square.ok()) << square.status();
  EXPECT_EQ(square->verdict, Verdict::kUnspecified);
  EXPECT_FALSE(square->hits.empty());
  PointBatch batch;
  const std::vector<Point2> points = {kFirstLevelOutfall, {122.9, 28.1}};
  snap->CheckPoints(points, "EPSG:4490", Outfall(), &batch);
  ASSERT_EQ(batch.points.size(), 2u);
  for (const PointBatch::PointAnswer& a : batch.points) {
    EXPECT_EQ(a.verdict, Verdict::kUnspecified);
    EXPECT_THAT(batch.reasons[a.reason], HasSubstr("no rules in force"));
  }
}

}  // namespace
}  // namespace redline
