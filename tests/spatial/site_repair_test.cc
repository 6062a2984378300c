// Tests of the repair of invalid request polygons (spatial/input/
// geometry_input.h, InvalidPolygon; CheckOptions::strict_geometry): by
// default a polygon invalid as given is made valid as the loader makes zones
// valid, the site says so and why; strict_geometry refuses it instead.
//
// The expected areas are computed independently: OGR's own make-valid
// (GEOS's structure method, as PostGIS's ST_MakeValid(g, 'method=structure')
// gives it) on the polygon as given, in longitude/latitude, measured in a
// Lambert azimuthal equal-area projection on GRS80 centred on the site. The
// repair under test runs in the working CRS, a different plane: the two
// agree to far better than the tolerance for sites of a few hundred metres.
#include <gdal_priv.h>
#include <ogr_geometry.h>
#include <ogr_spatialref.h>
#include <ogrsf_frmts.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_format.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "spatial/geom/geos_util.h"
#include "spatial/input/geometry_input.h"
#include "spatial/query/check_types.h"
#include "tests/spatial/sample_snapshot.h"

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

// OGR's make-valid with the structure method, polygonal parts only.
std::unique_ptr<OGRGeometry> OgrMakeValidStructure(const OGRGeometry& g) {
  const char* options[] = {"METHOD=STRUCTURE", "KEEP_COLLAPSED=NO", nullptr};
  std::unique_ptr<OGRGeometry> fixed(g.MakeValid(const_cast<char**>(options)));
  EXPECT_TRUE(fixed) << "OGR make-valid failed";
  return fixed;
}

// The area of polygonal `g` (in `crs`) in an equal-area projection centred on
// `centre` (longitude/latitude), densified first so straight edges in `crs`
// stay close to what they were.
double LaeaArea(const OGRGeometry& g, const char* crs, double densify, double lon0, double lat0) {
  OGRSpatialReference src, laea;
  src.SetFromUserInput(crs);
  src.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
  laea.importFromProj4(
      absl::StrFormat("+proj=laea +lat_0=%.10f +lon_0=%.10f +ellps=GRS80 +units=m +no_defs", lat0,
                      lon0)
          .c_str());
  laea.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
  std::unique_ptr<OGRCoordinateTransformation> ct(OGRCreateCoordinateTransformation(&src, &laea));
  std::unique_ptr<OGRGeometry> copy(g.clone());
  copy->segmentize(densify);
  EXPECT_EQ(copy->transform(ct.get()), OGRERR_NONE);
  switch (wkbFlatten(copy->getGeometryType())) {
    case wkbPolygon:
      return copy->toPolygon()->get_Area();
    case wkbMultiPolygon:
      return copy->toMultiPolygon()->get_Area();
    case wkbGeometryCollection:
      return copy->toGeometryCollection()->get_Area();
    default:
      ADD_FAILURE() << "unexpected type " << copy->getGeometryName();
      return 0;
  }
}

struct InvalidCase {
  const char* what;
  std::string wkt;  // EPSG:4490, longitude first
  const char* fault;
  const char* where_x;  // the fault's place as the note and the refusal give it
  const char* where_y;
};

// The three faults real boundaries show, each about 1 km across near 121E 30N.
std::vector<InvalidCase> InvalidCases() {
  return {
      {"bow-tie", "POLYGON ((121 30, 121.01 30.01, 121.01 30, 121 30.01, 121 30))",
       "Self-intersection", "121.005", "30.005"},
      // The ring runs along its bottom edge, out round a small loop below it
      // and back through the same point (121.005 30): a figure-8.
      {"self-touching loop",
       "POLYGON ((121 30, 121.005 30, 121.006 29.999, 121.004 29.999, 121.005 30, 121.01 30, "
       "121.01 30.01, 121 30.01, 121 30))",
       "Ring Self-intersection", "121.005", "30"},
      {"hole crossing its shell",
       "POLYGON ((121 30, 121.01 30, 121.01 30.01, 121 30.01, 121 30), "
       "(121.005 30.004, 121.015 30.004, 121.015 30.006, 121.005 30.006, 121.005 30.004))",
       "Self-intersection", "121.01", "30.00"},
  };
}

TEST(SiteRepairTest, InvalidPolygonsAreMadeValidAndSaySo) {
  for (const InvalidCase& c : InvalidCases()) {
    SCOPED_TRACE(c.what);
    absl::StatusOr<Site> site =
        PrepareSite(GeometryEncoding::kWkt, c.wkt, "EPSG:4490", kWorking, 1000);
    ASSERT_TRUE(site.ok()) << site.status();
    EXPECT_TRUE(site->geometry_repaired);
    EXPECT_EQ(site->dimension, 2);
    GEOSContextHandle_t ctx = ThreadGeos().get();
    EXPECT_EQ(GEOSisValid_r(ctx, site->working.get()), 1);
    const int type = GEOSGeomTypeId_r(ctx, site->working.get());
    EXPECT_TRUE(type == GEOS_POLYGON || type == GEOS_MULTIPOLYGON) << site->type;

    const std::unique_ptr<OGRGeometry> given = FromWkt(c.wkt);
    const std::unique_ptr<OGRGeometry> expected = OgrMakeValidStructure(*given);
    const double want = LaeaArea(*expected, "EPSG:4490", 1e-5, 121.005, 30.005);
    ASSERT_GT(want, 0);
    EXPECT_NEAR(site->area_m2, want, want * 1e-4);

    ASSERT_FALSE(site->interpretation.notes.empty());
    EXPECT_THAT(
        site->interpretation.notes.back(),
        AllOf(HasSubstr("the polygon was invalid ("), HasSubstr(c.fault), HasSubstr(c.where_x),
              HasSubstr(c.where_y), HasSubstr("made valid (structure method)")));
  }
}

TEST(SiteRepairTest, StrictRefusesNamingTheFaultAndPlace) {
  for (const InvalidCase& c : InvalidCases()) {
    SCOPED_TRACE(c.what);
    absl::StatusOr<Site> site = PrepareSite(GeometryEncoding::kWkt, c.wkt, "EPSG:4490", kWorking,
                                            1000, InvalidPolygon::kRefuse);
    ASSERT_FALSE(site.ok());
    EXPECT_EQ(site.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(Msg(site.status()), AllOf(HasSubstr("the polygon is invalid"), HasSubstr(c.fault),
                                          HasSubstr(c.where_x), HasSubstr(c.where_y)));
  }
}

TEST(SiteRepairTest, ValidPolygonsAreNotFlagged) {
  absl::StatusOr<Site> site = PrepareSite(
      GeometryEncoding::kWkt, "POLYGON ((121 30, 121.01 30, 121.01 30.01, 121 30.01, 121 30))",
      "EPSG:4490", kWorking, 1000);
  ASSERT_TRUE(site.ok()) << site.status();
  EXPECT_FALSE(site->geometry_repaired);
  EXPECT_TRUE(site->interpretation.notes.empty());
}

TEST(SiteRepairTest, NothingPolygonalLeftIsRefusedEitherWay) {
  // All four corners on one line, and on the working CRS's central meridian
  // (120E), which stays straight there: an invalid ring with no area.
  const std::string wkt = "POLYGON ((120 30, 120 30.01, 120 30.02, 120 30.005, 120 30))";
  for (InvalidPolygon invalid : {InvalidPolygon::kRepair, InvalidPolygon::kRefuse}) {
    absl::StatusOr<Site> site =
        PrepareSite(GeometryEncoding::kWkt, wkt, "EPSG:4490", kWorking, 1000, invalid);
    ASSERT_FALSE(site.ok());
    EXPECT_EQ(site.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(Msg(site.status()), HasSubstr("the polygon is invalid"));
  }
}

TEST(SiteRepairTest, StrictJudgesThePolygonAsGiven) {
  // Flat along the 30th parallel: invalid as given, yet a valid sliver once
  // in Gauss-Kruger, where the parallel curves. Strict refuses it all the same.
  const std::string wkt = "POLYGON ((121 30, 121.01 30, 121.02 30, 121.005 30, 121 30))";
  absl::StatusOr<Site> site = PrepareSite(GeometryEncoding::kWkt, wkt, "EPSG:4490", kWorking, 1000,
                                          InvalidPolygon::kRefuse);
  ASSERT_FALSE(site.ok());
  EXPECT_EQ(site.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(Msg(site.status()), HasSubstr("the polygon is invalid"));
}

TEST(SiteRepairTest, TheSharedRepairKeepsOnlyPolygons) {
  GEOSContextHandle_t ctx = ThreadGeos().get();
  GEOSWKTReader* reader = GEOSWKTReader_create_r(ctx);
  GeomPtr bowtie =
      Own(ctx, GEOSWKTReader_read_r(ctx, reader, "POLYGON ((0 0, 2 2, 2 0, 0 2, 0 0))"));
  GEOSWKTReader_destroy_r(ctx, reader);
  ASSERT_TRUE(bowtie);
  GeomPtr fixed = MakeValidPolygonal(ctx, bowtie.get());
  ASSERT_TRUE(fixed);
  EXPECT_EQ(GEOSGeomTypeId_r(ctx, fixed.get()), GEOS_MULTIPOLYGON);
  EXPECT_EQ(GEOSGetNumGeometries_r(ctx, fixed.get()), 2);
  double area = 0;
  ASSERT_EQ(GEOSArea_r(ctx, fixed.get(), &area), 1);
  EXPECT_DOUBLE_EQ(area, 2.0);  // two triangles of 1 each
}

// --- against the sample zones ------------------------------------------------

class SiteRepairCheckTest : public SampleSnapshotTest {
 protected:
  static const Zone* ZoneById(const std::string& id) {
    for (const Zone& z : sample().zones()) {
      if (z.id == id) return &z;
    }
    return nullptr;
  }
  static const ZoneHitResult* HitOn(const CheckResult& r, const std::string& id) {
    for (const ZoneHitResult& h : r.hits) {
      if (sample().zones()[h.zone].id == id) return &h;
    }
    return nullptr;
  }
};

// A bow-tie centred on a vertex of zone ZDZ-330482-0001 (the Shapefile is in
// EPSG:4549, the working CRS): its two lobes lie left and right of the
// vertex, one at least partly inside the zone. The repaired site hits the
// zone exactly where OGR's own make-valid of it meets the zone.
TEST_F(SiteRepairCheckTest, ARepairedBowTieHitsTheZoneItsLobesReach) {
  const Zone* zone = ZoneById("ZDZ-330482-0001");
  ASSERT_NE(zone, nullptr);
  GDALAllRegister();
  GDALDatasetUniquePtr ds(GDALDataset::Open(
      (std::string(REDLINE_SOURCE_DIR) + "/data/sample/zero_discharge.shp").c_str(),
      GDAL_OF_VECTOR));
  ASSERT_TRUE(ds);
  OGRLayer* layer = ds->GetLayer(0);
  layer->SetAttributeFilter("zdz_id = 'ZDZ-330482-0001'");
  std::unique_ptr<OGRFeature> feature(layer->GetNextFeature());
  ASSERT_TRUE(feature);
  const OGRGeometry* source = feature->GetGeometryRef();

  int hit_count = 0;
  for (size_t vertex : {size_t{0}, size_t{7}, size_t{20}}) {
    SCOPED_TRACE(vertex);
    const Point2 v = zone->shape.vertices()[vertex];
    const std::string wkt = absl::StrFormat(
        "POLYGON ((%.17g %.17g, %.17g %.17g, %.17g %.17g, %.17g %.17g, %.17g %.17g))", v.x - 25,
        v.y - 25, v.x + 25, v.y + 25, v.x + 25, v.y - 25, v.x - 25, v.y + 25, v.x - 25, v.y - 25);
    absl::StatusOr<CheckResult> r =
        sample().CheckGeometry(GeometryEncoding::kWkt, wkt, "EPSG:4549", {});
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_TRUE(r->site.geometry_repaired);
    EXPECT_EQ(r->site.geometry_type, "MultiPolygon");
    // The crossing is the vertex itself, named in the request's own
    // coordinates (Gauss-Kruger metres), not in longitude/latitude.
    ASSERT_FALSE(r->site.coordinates.notes.empty());
    EXPECT_THAT(r->site.coordinates.notes.back(),
                AllOf(HasSubstr("Self-intersection"),
                      HasSubstr(absl::StrFormat("%.0f", v.x).substr(0, 5))));

    const std::unique_ptr<OGRGeometry> expected = OgrMakeValidStructure(*FromWkt(wkt));
    const std::unique_ptr<OGRGeometry> inter(expected->Intersection(source));
    ASSERT_TRUE(inter);
    OGRSpatialReference gk, ll;
    gk.SetFromUserInput("EPSG:4549");
    ll.SetFromUserInput("EPSG:4490");
    gk.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
    ll.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
    std::unique_ptr<OGRCoordinateTransformation> ct(OGRCreateCoordinateTransformation(&gk, &ll));
    double lon = v.x, lat = v.y;
    ASSERT_TRUE(ct->Transform(1, &lon, &lat));
    const double site_area = LaeaArea(*expected, "EPSG:4549", 1.0, lon, lat);
    EXPECT_NEAR(r->site.area_m2, site_area, site_area * 1e-4);

    const ZoneHitResult* h = HitOn(*r, zone->id);
    const double ref_overlap = inter->IsEmpty() ? 0 : LaeaArea(*inter, "EPSG:4549", 1.0, lon, lat);
    if (ref_overlap <= 0) {
      EXPECT_TRUE(h == nullptr || h->overlap_area_m2 < 1e-6);
      continue;
    }
    ++hit_count;
    ASSERT_NE(h, nullptr);
    EXPECT_EQ(h->relation,
              ref_overlap < site_area * (1 - 1e-6) ? Relation::kIntersects : Relation::kWithin);
    EXPECT_NEAR(h->overlap_area_m2, ref_overlap, ref_overlap * 1e-3);
    EXPECT_NEAR(h->overlap_ratio, ref_overlap / site_area, 1e-3);
  }
  EXPECT_GT(hit_count, 0) << "no bow-tie reached the zone: the test proves nothing";
}

TEST_F(SiteRepairCheckTest, StrictGeometryRefusesTheBowTie) {
  CheckOptions strict;
  strict.strict_geometry = true;
  absl::StatusOr<CheckResult> r =
      sample().CheckGeometry(GeometryEncoding::kWkt, InvalidCases()[0].wkt, "EPSG:4490", strict);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(Msg(r.status()), AllOf(HasSubstr("Self-intersection"), HasSubstr("121.005")));
  // The same request without strict_geometry is answered.
  absl::StatusOr<CheckResult> repaired =
      sample().CheckGeometry(GeometryEncoding::kWkt, InvalidCases()[0].wkt, "EPSG:4490", {});
  ASSERT_TRUE(repaired.ok()) << repaired.status();
  EXPECT_TRUE(repaired->site.geometry_repaired);
}

}  // namespace
}  // namespace redline
