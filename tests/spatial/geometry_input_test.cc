// Tests of spatial/input/geometry_input.h: turning a request's WKT, WKB or GeoJSON
// in some CRS into a checked site in the working CRS, with geodesic measures.
//
// Coordinates in the working CRS are checked against OGR's own
// transformation, and areas/lengths against OGR in a Lambert azimuthal
// equal-area projection on GRS80 centred on the site (see geodesic_test.cc
// for why that is an independent, exact-area reference).
#include "spatial/input/geometry_input.h"

#include <gdal_priv.h>
#include <ogr_geometry.h>
#include <ogr_spatialref.h>

#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_format.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "spatial/coords/crs.h"

namespace redline {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;

constexpr char kWorking[] = "EPSG:4549";

std::string Msg(const absl::Status& st) { return std::string(st.message()); }

std::unique_ptr<OGRGeometry> FromWkt(const std::string& wkt) {
  OGRGeometry* g = nullptr;
  EXPECT_EQ(OGRGeometryFactory::createFromWkt(wkt.c_str(), nullptr, &g), OGRERR_NONE) << wkt;
  return std::unique_ptr<OGRGeometry>(g);
}

std::unique_ptr<OGRCoordinateTransformation> OgrTransformer(const char* from, const char* to) {
  OGRSpatialReference a, b;
  a.SetFromUserInput(from);
  b.SetFromUserInput(to);
  a.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
  b.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
  return std::unique_ptr<OGRCoordinateTransformation>(OGRCreateCoordinateTransformation(&a, &b));
}

struct Reference {
  double area_m2 = 0;
  double length_m = 0;
};

// OGR's measure of `wkt` (in `crs`) in an equal-area projection at `centre`.
Reference LaeaReference(const std::string& wkt, const char* crs, double densify, Point2 centre) {
  OGRSpatialReference src, laea;
  src.SetFromUserInput(crs);
  src.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
  laea.importFromProj4(
      absl::StrFormat("+proj=laea +lat_0=%.10f +lon_0=%.10f +ellps=GRS80 +units=m +no_defs",
                      centre.y, centre.x)
          .c_str());
  laea.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
  std::unique_ptr<OGRCoordinateTransformation> ct(OGRCreateCoordinateTransformation(&src, &laea));
  std::unique_ptr<OGRGeometry> g = FromWkt(wkt);
  g->segmentize(densify);
  EXPECT_EQ(g->transform(ct.get()), OGRERR_NONE);
  Reference r;
  switch (wkbFlatten(g->getGeometryType())) {
    case wkbPolygon: {
      r.area_m2 = g->toPolygon()->get_Area();
      std::unique_ptr<OGRGeometry> b(g->Boundary());
      r.length_m = wkbFlatten(b->getGeometryType()) == wkbLineString
                       ? b->toLineString()->get_Length()
                       : b->toMultiLineString()->get_Length();
      break;
    }
    case wkbLineString:
      r.length_m = g->toLineString()->get_Length();
      break;
    default:
      ADD_FAILURE() << "unexpected type";
  }
  return r;
}

// A ~300 m x 200 m lot near 余姚 with a hole, in lon/lat.
constexpr char kLotWkt[] =
    "POLYGON ((121.150 30.030, 121.153 30.030, 121.153 30.032, 121.150 30.032, 121.150 30.030), "
    "(121.151 30.0305, 121.151 30.031, 121.152 30.031, 121.152 30.0305, 121.151 30.0305))";
constexpr char kLotGeoJson[] =
    R"({"type": "Polygon", "coordinates": [[[121.150, 30.030], [121.153, 30.030],
     [121.153, 30.032], [121.150, 30.032], [121.150, 30.030]],
     [[121.151, 30.0305], [121.151, 30.031], [121.152, 30.031], [121.152, 30.0305],
     [121.151, 30.0305]]]})";
const Point2 kLotCentre{121.1515, 30.031};

std::string WkbOf(const std::string& wkt) {
  std::unique_ptr<OGRGeometry> g = FromWkt(wkt);
  std::string wkb(g->WkbSize(), '\0');
  g->exportToWkb(wkbNDR, reinterpret_cast<unsigned char*>(wkb.data()));
  return wkb;
}

void ExpectLot(const Site& site) {
  EXPECT_EQ(site.type, "Polygon");
  EXPECT_EQ(site.dimension, 2);
  EXPECT_EQ(site.vertices, 10);
  EXPECT_EQ(site.input_crs, "EPSG:4490");
  EXPECT_NEAR(site.extent_lonlat.min_x, 121.150, 1e-12);
  EXPECT_NEAR(site.extent_lonlat.max_x, 121.153, 1e-12);
  EXPECT_NEAR(site.extent_lonlat.min_y, 30.030, 1e-12);
  EXPECT_NEAR(site.extent_lonlat.max_y, 30.032, 1e-12);
  // The representative point lies on the lot, not in its hole.
  const Point2 rep = site.representative_lonlat;
  EXPECT_TRUE(site.extent_lonlat.Contains(rep));
  EXPECT_FALSE(rep.x > 121.151 && rep.x < 121.152 && rep.y > 30.0305 && rep.y < 30.031);

  const Reference ref = LaeaReference(kLotWkt, "EPSG:4490", 1e-5, kLotCentre);
  EXPECT_NEAR(site.area_m2, ref.area_m2, ref.area_m2 * 1e-4);
  EXPECT_NEAR(site.length_m, ref.length_m, ref.length_m * 1e-4);

  // Coordinates in the working CRS: OGR's transformation of the input.
  GEOSContextHandle_t ctx = ThreadGeos().get();
  std::vector<Point2> working = Coordinates(ctx, site.working.get());
  std::unique_ptr<OGRGeometry> lot = FromWkt(kLotWkt);
  auto ct = OgrTransformer("EPSG:4490", kWorking);
  ASSERT_EQ(lot->transform(ct.get()), OGRERR_NONE);
  const OGRPolygon* p = lot->toPolygon();
  std::vector<Point2> expected;
  for (const OGRLinearRing* ring : *p) {
    for (const OGRPoint& q : *ring) expected.push_back({q.getX(), q.getY()});
  }
  ASSERT_EQ(working.size(), expected.size());
  for (size_t i = 0; i < working.size(); ++i) {
    EXPECT_NEAR(working[i].x, expected[i].x, 1e-6) << i;
    EXPECT_NEAR(working[i].y, expected[i].y, 1e-6) << i;
  }
}

TEST(PrepareSiteTest, WktPolygonWithAHole) {
  absl::StatusOr<Site> site =
      PrepareSite(GeometryEncoding::kWkt, kLotWkt, "EPSG:4490", kWorking, 1000);
  ASSERT_TRUE(site.ok()) << site.status();
  ExpectLot(*site);
  // The hole is subtracted: the lot is 6 grid cells of 0.001 x 0.001 degrees
  // minus one of 0.001 x 0.0005, i.e. 5.5 cells.
  const Reference cell = LaeaReference(
      "POLYGON ((121.150 30.030, 121.151 30.030, 121.151 30.031, 121.150 30.031, 121.150 30.030))",
      "EPSG:4490", 1e-5, kLotCentre);
  EXPECT_NEAR(site->area_m2, 5.5 * cell.area_m2, cell.area_m2 * 1e-3);
}

TEST(PrepareSiteTest, WkbAndGeoJsonGiveTheSameSite) {
  absl::StatusOr<Site> wkb =
      PrepareSite(GeometryEncoding::kWkb, WkbOf(kLotWkt), "EPSG:4490", kWorking, 1000);
  ASSERT_TRUE(wkb.ok()) << wkb.status();
  ExpectLot(*wkb);
  absl::StatusOr<Site> json =
      PrepareSite(GeometryEncoding::kGeoJson, kLotGeoJson, "EPSG:4490", kWorking, 1000);
  ASSERT_TRUE(json.ok()) << json.status();
  ExpectLot(*json);
}

TEST(PrepareSiteTest, EmptyCrsMeansLonLat) {
  absl::StatusOr<Site> site = PrepareSite(GeometryEncoding::kWkt, kLotWkt, "", kWorking, 1000);
  ASSERT_TRUE(site.ok()) << site.status();
  ExpectLot(*site);
}

TEST(PrepareSiteTest, WorkingCrsInputIsKept) {
  const std::string wkt =
      "POLYGON ((514000 3350000, 515000 3350000, 515000 3351000, 514000 3351000, 514000 3350000))";
  absl::StatusOr<Site> site = PrepareSite(GeometryEncoding::kWkt, wkt, "4549", kWorking, 1000);
  ASSERT_TRUE(site.ok()) << site.status();
  EXPECT_EQ(site->input_crs, "EPSG:4549");
  const std::vector<Point2> working = Coordinates(ThreadGeos().get(), site->working.get());
  ASSERT_EQ(working.size(), 5u);
  EXPECT_NEAR(working[1].x, 515000, 1e-6);
  EXPECT_NEAR(working[1].y, 3350000, 1e-6);
  auto ct = OgrTransformer("EPSG:4549", "EPSG:4490");
  Point2 centre{514500, 3350500};
  ASSERT_TRUE(ct->Transform(1, &centre.x, &centre.y));
  const Reference ref = LaeaReference(wkt, "EPSG:4549", 10, centre);
  EXPECT_NEAR(site->area_m2, ref.area_m2, ref.area_m2 * 1e-4);
  EXPECT_NEAR(site->length_m, ref.length_m, ref.length_m * 1e-4);
}

TEST(PrepareSiteTest, LinesAndPoints) {
  const std::string line = "LINESTRING (121.10 30.00, 121.12 30.01, 121.15 30.01)";
  absl::StatusOr<Site> l = PrepareSite(GeometryEncoding::kWkt, line, "EPSG:4490", kWorking, 1000);
  ASSERT_TRUE(l.ok()) << l.status();
  EXPECT_EQ(l->type, "LineString");
  EXPECT_EQ(l->dimension, 1);
  EXPECT_EQ(l->vertices, 3);
  EXPECT_EQ(l->area_m2, 0);
  const Reference ref = LaeaReference(line, "EPSG:4490", 1e-5, {121.125, 30.005});
  EXPECT_NEAR(l->length_m, ref.length_m, ref.length_m * 1e-4);

  absl::StatusOr<Site> p = PrepareSite(
      GeometryEncoding::kWkt, "MULTIPOINT ((121.1 30), (121.2 30.1))", "EPSG:4490", kWorking, 1000);
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->type, "MultiPoint");
  EXPECT_EQ(p->dimension, 0);
  EXPECT_EQ(p->area_m2, 0);
  EXPECT_EQ(p->length_m, 0);
}

TEST(PrepareSiteTest, VertexLimitCountsEveryCoordinate) {
  // The lot has 10 coordinates, closing points included.
  absl::StatusOr<Site> ok = PrepareSite(GeometryEncoding::kWkt, kLotWkt, "EPSG:4490", kWorking, 10);
  EXPECT_TRUE(ok.ok()) << ok.status();
  absl::StatusOr<Site> over =
      PrepareSite(GeometryEncoding::kWkt, kLotWkt, "EPSG:4490", kWorking, 9);
  ASSERT_FALSE(over.ok());
  EXPECT_EQ(over.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(Msg(over.status()), AllOf(HasSubstr("10 vertices"), HasSubstr("limit is 9")));
}

// Refused when asked to (by default it is repaired: site_repair_test.cc).
TEST(PrepareSiteTest, InvalidPolygonNamesTheReasonAndPlace) {
  absl::StatusOr<Site> site = PrepareSite(
      GeometryEncoding::kWkt, "POLYGON ((121 30, 121.01 30.01, 121.01 30, 121 30.01, 121 30))",
      "EPSG:4490", kWorking, 1000, InvalidPolygon::kRefuse);
  ASSERT_FALSE(site.ok());
  EXPECT_EQ(site.status().code(), absl::StatusCode::kInvalidArgument);
  // The crossing of the two diagonals is the square's centre.
  EXPECT_THAT(Msg(site.status()),
              AllOf(HasSubstr("Self-intersection"), HasSubstr("121.005"), HasSubstr("30.005")));
}

TEST(PrepareSiteTest, SwappedCoordinatesInAPolygonAreCorrected) {
  // Latitude first throughout: read the other way round, and reported.
  absl::StatusOr<Site> site =
      PrepareSite(GeometryEncoding::kWkt,
                  "POLYGON ((30.03 121.15, 30.03 121.153, 30.032 121.153, 30.03 121.15))",
                  "EPSG:4490", kWorking, 1000);
  ASSERT_TRUE(site.ok()) << site.status();
  EXPECT_TRUE(site->interpretation.axes_swapped);
  EXPECT_NEAR(site->extent_lonlat.min_x, 121.15, 1e-9);
  EXPECT_NEAR(site->extent_lonlat.min_y, 30.03, 1e-9);
  EXPECT_GT(site->area_m2, 0);
}

TEST(PrepareSiteTest, PartlySwappedPolygonIsRefused) {
  absl::StatusOr<Site> site =
      PrepareSite(GeometryEncoding::kWkt,
                  "POLYGON ((121.15 30.03, 30.03 121.153, 121.153 30.032, 121.15 30.03))",
                  "EPSG:4490", kWorking, 1000);
  ASSERT_FALSE(site.ok());
  EXPECT_THAT(Msg(site.status()), AllOf(HasSubstr("swapped"), HasSubstr("point 2")));
}

TEST(PrepareSiteTest, CoordinateTableInGaussKrugerWithPrefixNorthingFirst) {
  // A survey table as handed over: X = northing, Y = easting with zone 40
  // prefixed, crs "GK".
  const char* table =
      "点号,X,Y\n"
      "J1, 3349012.3, 40512345.6\n"
      "J2, 3349012.3, 40512445.6\n"
      "J3, 3349112.3, 40512445.6\n"
      "J4, 3349112.3, 40512345.6\n"
      "J1, 3349012.3, 40512345.6\n";
  absl::StatusOr<Site> site =
      PrepareSite(GeometryEncoding::kCoordinateTable, table, "GK", kWorking, 1000);
  ASSERT_TRUE(site.ok()) << site.status();
  EXPECT_EQ(site->type, "Polygon");
  EXPECT_EQ(site->input_crs, "EPSG:4528");
  EXPECT_EQ(site->interpretation.crs, "EPSG:4528");
  EXPECT_TRUE(site->interpretation.zone_detected);
  EXPECT_TRUE(site->interpretation.axes_swapped);
  EXPECT_EQ(site->interpretation.notes.size(), 2u);
  EXPECT_NEAR(site->area_m2, 10000.0, 10.0);  // 100 m x 100 m, grid scale aside
  // J1 per cs2cs EPSG:4528 EPSG:4490; the other corners differ by grid
  // convergence, hence the looser bound on the extent.
  EXPECT_NEAR(site->extent_lonlat.min_x, 120.12828837, 1e-5);
  EXPECT_NEAR(site->extent_lonlat.min_y, 30.26062902, 1e-5);
}

TEST(PrepareSiteTest, CoordinateTableErrorsNameTheLine) {
  absl::StatusOr<Site> site =
      PrepareSite(GeometryEncoding::kCoordinateTable, "J1 3349012.3 40512345.6\nJ2 3349012.3\n",
                  "GK", kWorking, 1000);
  ASSERT_FALSE(site.ok());
  EXPECT_THAT(Msg(site.status()), HasSubstr("line 2"));
  // Found when the coordinates are read, after parsing: still by line.
  site = PrepareSite(GeometryEncoding::kCoordinateTable,
                     "点号,X,Y\nJ1, 40512345.6, 3349012.3\nJ2, 40512445.6, 3349012.3\n"
                     "J3, 3349112.3, 40512445.6\n",
                     "GK", kWorking, 1000);
  ASSERT_FALSE(site.ok());
  EXPECT_THAT(Msg(site.status()), AllOf(HasSubstr("line 4 (3349112.3, 40512445.6) gives the "
                                                  "northing first, while line 2")));
}

TEST(PrepareSiteTest, NonFiniteCoordinates) {
  for (const char* wkt : {"POINT (nan 30)", "POINT (121 inf)", "LINESTRING (121 30, -inf 30)"}) {
    absl::StatusOr<Site> site =
        PrepareSite(GeometryEncoding::kWkt, wkt, "EPSG:4490", kWorking, 1000);
    ASSERT_FALSE(site.ok()) << wkt;
    EXPECT_EQ(site.status().code(), absl::StatusCode::kInvalidArgument) << wkt;
    EXPECT_THAT(Msg(site.status()), HasSubstr("not a finite number")) << wkt;
  }
}

TEST(PreparePointTest, ConvertsToLonLatAndWorking) {
  absl::StatusOr<PointSite> p = PreparePoint({121.075185, 30.599582}, "EPSG:4490", kWorking);
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->input_crs, "EPSG:4490");
  EXPECT_EQ(p->lonlat, (Point2{121.075185, 30.599582}));
  Point2 expected{121.075185, 30.599582};
  ASSERT_TRUE(OgrTransformer("EPSG:4490", kWorking)->Transform(1, &expected.x, &expected.y));
  EXPECT_NEAR(p->working.x, expected.x, 1e-6);
  EXPECT_NEAR(p->working.y, expected.y, 1e-6);

  absl::StatusOr<PointSite> back = PreparePoint(p->working, "EPSG:4549", kWorking);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_NEAR(back->lonlat.x, 121.075185, 1e-10);
  EXPECT_NEAR(back->lonlat.y, 30.599582, 1e-10);
  EXPECT_NEAR(back->working.x, p->working.x, 1e-6);
}

TEST(PreparePointTest, LatitudeFirstIsCorrected) {
  absl::StatusOr<PointSite> p = PreparePoint({30.599582, 121.075185}, "EPSG:4490", kWorking);
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->lonlat, (Point2{121.075185, 30.599582}));
  EXPECT_TRUE(p->interpretation.axes_swapped);
  EXPECT_EQ(p->interpretation.notes.size(), 1u);
}

TEST(PreparePointTest, RefusesBadPoints) {
  EXPECT_THAT(Msg(PreparePoint({200, 121.07}, "EPSG:4490", kWorking).status()),
              HasSubstr("not a valid longitude/latitude"));
  EXPECT_THAT(Msg(PreparePoint({std::nan(""), 30}, "EPSG:4490", kWorking).status()),
              HasSubstr("not a finite number"));
  EXPECT_THAT(Msg(PreparePoint({121, 30}, "EPSG:99999", kWorking).status()),
              HasSubstr("EPSG:99999"));
}

TEST(ForEachLinearTest, VisitsShellsHolesAndLines) {
  GEOSContextHandle_t ctx = ThreadGeos().get();
  GEOSWKTReader* r = GEOSWKTReader_create_r(ctx);
  GeomPtr g = Own(ctx, GEOSWKTReader_read_r(
                           ctx, r,
                           "GEOMETRYCOLLECTION (POLYGON ((0 0, 10 0, 10 10, 0 0), (1 0.5, 2 0.5, "
                           "2 1, 1 0.5)), LINESTRING (20 20, 21 21), POINT (5 5))"));
  GEOSWKTReader_destroy_r(ctx, r);
  ASSERT_TRUE(g);
  int shells = 0, holes = 0, others = 0;
  ForEachLinear(ctx, g.get(), [&](const GEOSGeometry*, bool is_hole, bool is_ring) {
    if (is_ring && !is_hole) ++shells;
    if (is_ring && is_hole) ++holes;
    if (!is_ring) ++others;
  });
  EXPECT_EQ(shells, 1);
  EXPECT_EQ(holes, 1);
  EXPECT_EQ(others, 2);
  EXPECT_EQ(Coordinates(ctx, g.get()).size(), 4u + 4u + 2u + 1u);
}

}  // namespace
}  // namespace redline
