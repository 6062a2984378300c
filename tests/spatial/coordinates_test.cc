// Tests of spatial/coords/coordinates.h: reading request coordinates as they
// arrive — explicit EPSG codes, Gauss-Kruger with the zone detected, swapped
// axes corrected, GCJ-02/BD-09 offsets removed — and the errors for what
// cannot be read.
//
// Gauss-Kruger reference pairs come from PROJ's `cs2cs` (run when the test
// was written, e.g. `echo "30.2 120.5" | cs2cs -d 4 EPSG:4490 EPSG:4528`),
// or from PROJ through TransformPoints where the test generates its input.
#include "spatial/coords/coordinates.h"

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "spatial/coords/crs.h"
#include "spatial/coords/geodesic.h"

namespace redline {
namespace {

using ::testing::AllOf;
using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

std::string Msg(const absl::Status& st) { return std::string(st.message()); }

std::string AllNotes(const CoordinateInterpretation& in) {
  std::string s;
  for (const std::string& n : in.notes) s += n + "\n";
  return s;
}

// Longitude/latitude -> the given CRS, through PROJ.
std::vector<Point2> Project(const char* crs, std::vector<Point2> lonlat) {
  EXPECT_TRUE(TransformPoints(kLonLatCrs, crs, lonlat).ok());
  return lonlat;
}

std::vector<Point2> SwapAll(std::vector<Point2> p) {
  for (Point2& q : p) std::swap(q.x, q.y);
  return p;
}

void ExpectLonLat(const std::vector<Point2>& got, const std::vector<Point2>& want,
                  double tol = 1e-8) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) {
    EXPECT_NEAR(got[i].x, want[i].x, tol) << i;
    EXPECT_NEAR(got[i].y, want[i].y, tol) << i;
  }
}

// --- explicit CRSs: what ToLonLatChecked used to do --------------------------

TEST(ReadCoordinatesTest, PlainLonLatPassesUnchangedWithoutNotes) {
  const std::vector<Point2> in = {{120.15, 30.28}, {121.07, 29.97}};
  absl::StatusOr<CoordinateReading> r = ReadCoordinates("EPSG:4490", in);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->lonlat[0], in[0]);
  EXPECT_EQ(r->lonlat[1], in[1]);
  EXPECT_EQ(r->interpretation.requested_crs, "EPSG:4490");
  EXPECT_EQ(r->interpretation.crs, "EPSG:4490");
  EXPECT_FALSE(r->interpretation.zone_detected);
  EXPECT_FALSE(r->interpretation.axes_swapped);
  EXPECT_EQ(r->interpretation.converted_from, "");
  EXPECT_THAT(r->interpretation.notes, IsEmpty());
}

TEST(ReadCoordinatesTest, EmptyCrsAndAliases) {
  const std::vector<Point2> in = {{120.15, 30.28}};
  for (const char* crs : {"", "  ", "4490", " epsg:4490 ", "CGCS2000", "cgcs2000"}) {
    absl::StatusOr<CoordinateReading> r = ReadCoordinates(crs, in);
    ASSERT_TRUE(r.ok()) << crs << ": " << r.status();
    EXPECT_EQ(r->interpretation.crs, "EPSG:4490") << crs;
  }
  absl::StatusOr<CoordinateReading> empty = ReadCoordinates("", in);
  EXPECT_EQ(empty->interpretation.requested_crs, "EPSG:4490");
  for (const char* crs : {"WGS84", "wgs 84", "EPSG:4326"}) {
    absl::StatusOr<CoordinateReading> r = ReadCoordinates(crs, in);
    ASSERT_TRUE(r.ok()) << crs << ": " << r.status();
    EXPECT_EQ(r->interpretation.crs, "EPSG:4326") << crs;
  }
  absl::StatusOr<CoordinateReading> spelled = ReadCoordinates(" Wgs84 ", in);
  EXPECT_EQ(spelled->interpretation.requested_crs, "Wgs84");
}

TEST(ReadCoordinatesTest, GaussKrugerAgreesWithCs2cs) {
  // cs2cs EPSG:4490 EPSG:4549: 30N 120E -> 3320113.3978 N, 500000 E.
  absl::StatusOr<CoordinateReading> r = ReadCoordinates("EPSG:4549", {{{500000.0, 3320113.3978}}});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_NEAR(r->lonlat[0].x, 120.0, 1e-9);
  EXPECT_NEAR(r->lonlat[0].y, 30.0, 1e-9);
  // cs2cs EPSG:4490 EPSG:4528: 30.2N 120.5E -> 3342389.8992 N, 40548146.4135 E.
  r = ReadCoordinates("EPSG:4528", {{{40548146.4135, 3342389.8992}}});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_NEAR(r->lonlat[0].x, 120.5, 1e-8);
  EXPECT_NEAR(r->lonlat[0].y, 30.2, 1e-8);
  EXPECT_THAT(r->interpretation.notes, IsEmpty());
}

TEST(ReadCoordinatesTest, SurveyorsMayGoALittlePastTheZone) {
  // 122.0E lies 0.5 degrees east of the EPSG:4549 zone's edge: still usable.
  absl::StatusOr<CoordinateReading> r =
      ReadCoordinates("EPSG:4549", Project("EPSG:4549", {{122.0, 30.0}}));
  ASSERT_TRUE(r.ok()) << r.status();
  ExpectLonLat(r->lonlat, {{122.0, 30.0}});
  EXPECT_FALSE(r->interpretation.axes_swapped);
}

TEST(ReadCoordinatesTest, NonFiniteIsRefused) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  for (const Point2& bad :
       {Point2{nan, 30}, Point2{120, nan}, Point2{inf, 30}, Point2{120, -inf}}) {
    for (const char* crs : {"EPSG:4490", "EPSG:4549", "GK", "GCJ-02"}) {
      absl::StatusOr<CoordinateReading> r = ReadCoordinates(crs, {{{120, 30}, bad}});
      ASSERT_FALSE(r.ok()) << crs;
      EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
      EXPECT_THAT(Msg(r.status()), HasSubstr("not a finite number"));
    }
  }
}

TEST(ReadCoordinatesTest, FarOutsideIsRefusedAndNotCalledSwapped) {
  // Lon/lat in the Atlantic: valid numbers, wrong place for CGCS2000.
  absl::StatusOr<CoordinateReading> r = ReadCoordinates("EPSG:4490", {{{-30.0, 10.0}}});
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(Msg(r.status()),
              AllOf(HasSubstr("area of use"), HasSubstr("(-30, 10)"), Not(HasSubstr("swapped"))));
}

TEST(ReadCoordinatesTest, LonLatGivenAsGaussKrugerIsRefused) {
  absl::StatusOr<CoordinateReading> r = ReadCoordinates("EPSG:4549", {{{120.15, 30.28}}});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(Msg(r.status()), HasSubstr("EPSG:4549"));
}

TEST(ReadCoordinatesTest, UnknownCrsIsNamed) {
  absl::StatusOr<CoordinateReading> r = ReadCoordinates("EPSG:99999", {{{120, 30}}});
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(Msg(r.status()), HasSubstr("EPSG:99999"));
}

// --- swapped axes ------------------------------------------------------------

TEST(ReadCoordinatesTest, LatitudeFirstIsCorrectedAndReported) {
  absl::StatusOr<CoordinateReading> r = ReadCoordinates("EPSG:4490", {{{30.25, 120.16}}});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->lonlat[0], (Point2{120.16, 30.25}));
  EXPECT_TRUE(r->interpretation.axes_swapped);
  EXPECT_THAT(AllNotes(r->interpretation), HasSubstr("latitude first"));
}

TEST(ReadCoordinatesTest, NorthingFirstIsCorrectedAndReported) {
  absl::StatusOr<CoordinateReading> r = ReadCoordinates("EPSG:4549", {{{3320113.3978, 500000.0}}});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_NEAR(r->lonlat[0].x, 120.0, 1e-9);
  EXPECT_NEAR(r->lonlat[0].y, 30.0, 1e-9);
  EXPECT_TRUE(r->interpretation.axes_swapped);
  EXPECT_EQ(r->interpretation.crs, "EPSG:4549");
  EXPECT_THAT(AllNotes(r->interpretation), HasSubstr("northing first"));
}

TEST(ReadCoordinatesTest, ImpossibleEitherWayStaysAnError) {
  absl::StatusOr<CoordinateReading> r = ReadCoordinates("EPSG:4490", {{{200.0, 100.0}}});
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(Msg(r.status()), AllOf(HasSubstr("(200, 100)"), HasSubstr("longitude first")));
}

TEST(ReadCoordinatesTest, MixedRowsNameTheMinority) {
  // Mostly latitude first: the one longitude-first point is the odd one.
  const std::vector<Point2> in = {{30.2, 120.1}, {120.2, 30.2}, {30.3, 120.2}, {30.2, 120.1}};
  absl::StatusOr<CoordinateReading> r = ReadCoordinates("EPSG:4490", in);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(Msg(r.status()),
              AllOf(HasSubstr("point 2 (120.2, 30.2) reads only as given"), HasSubstr("point 1")));
}

TEST(ReadCoordinatesTest, MixedRowsNameTheFirstOddOne) {
  const std::vector<Point2> in = {{120.1, 30.2}, {120.2, 30.2}, {30.3, 120.2}, {120.1, 30.2}};
  absl::StatusOr<CoordinateReading> r = ReadCoordinates("EPSG:4490", in);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(Msg(r.status()), AllOf(HasSubstr("point 3"), HasSubstr("(30.3, 120.2)"),
                                     HasSubstr("swapped"), HasSubstr("same order")));
}

// --- explicit Gauss-Kruger codes that disagree with the numbers ---------------

TEST(ReadCoordinatesTest, PrefixedEastingWithUnprefixedCode) {
  absl::StatusOr<CoordinateReading> r = ReadCoordinates("EPSG:4549", {{{40512345.6, 3349012.3}}});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(Msg(r.status()),
            "easting 40512345.6 carries zone prefix 40: use EPSG:4528 or remove the prefix");
  // Northing first as well: the same diagnosis.
  r = ReadCoordinates("EPSG:4549", {{{3349012.3, 40512345.6}}});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(Msg(r.status()),
            "easting 40512345.6 carries zone prefix 40: use EPSG:4528 or remove the prefix");
}

TEST(ReadCoordinatesTest, UnprefixedEastingWithPrefixedCode) {
  absl::StatusOr<CoordinateReading> r = ReadCoordinates("EPSG:4528", {{{512345.6, 3349012.3}}});
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(Msg(r.status()),
              AllOf(HasSubstr("512345.6 has no zone prefix"), HasSubstr("use EPSG:4549")));
}

TEST(ReadCoordinatesTest, PrefixDisagreesWithCode) {
  absl::StatusOr<CoordinateReading> r =
      ReadCoordinates("EPSG:4528", {{{41432458.7574, 3320319.6973}}});
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(Msg(r.status()), AllOf(HasSubstr("zone prefix 41"), HasSubstr("EPSG:4528"),
                                     HasSubstr("zone 40"), HasSubstr("EPSG:4529")));
}

// --- Gauss-Kruger, zone detected ----------------------------------------------

TEST(ReadCoordinatesTest, ZoneFromPrefix) {
  struct Case {
    Point2 gk;  // easting, northing: cs2cs from `lonlat`
    Point2 lonlat;
    const char* crs;
  } cases[] = {
      {{39626676.3828, 3209966.1192}, {118.3, 29.0}, "EPSG:4527"},
      {{40548146.4135, 3342389.8992}, {120.5, 30.2}, "EPSG:4528"},
      {{41432458.7574, 3320319.6973}, {122.3, 30.0}, "EPSG:4529"},
  };
  for (const Case& c : cases) {
    for (const char* spelling : {"GK", "gk3", "Gauss-Kruger", "高斯克吕格"}) {
      absl::StatusOr<CoordinateReading> r = ReadCoordinates(spelling, {{c.gk}});
      ASSERT_TRUE(r.ok()) << spelling << ": " << r.status();
      EXPECT_EQ(r->interpretation.crs, c.crs);
      EXPECT_EQ(r->interpretation.requested_crs, spelling);
      EXPECT_TRUE(r->interpretation.zone_detected);
      EXPECT_FALSE(r->interpretation.axes_swapped);
      EXPECT_NEAR(r->lonlat[0].x, c.lonlat.x, 1e-8);
      EXPECT_NEAR(r->lonlat[0].y, c.lonlat.y, 1e-8);
      EXPECT_THAT(AllNotes(r->interpretation), AllOf(HasSubstr("zone prefix"), HasSubstr(c.crs)));
    }
  }
}

TEST(ReadCoordinatesTest, ZonePrefixAndNorthingFirstTogether) {
  // X = northing, Y = easting with the zone prefixed: how survey tables are
  // often written. cs2cs EPSG:4528 EPSG:4490 gives 30.26062902N 120.12828837E.
  absl::StatusOr<CoordinateReading> r = ReadCoordinates("GK", {{{3349012.3, 40512345.6}}});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->interpretation.crs, "EPSG:4528");
  EXPECT_TRUE(r->interpretation.zone_detected);
  EXPECT_TRUE(r->interpretation.axes_swapped);
  EXPECT_NEAR(r->lonlat[0].x, 120.12828837, 1e-8);
  EXPECT_NEAR(r->lonlat[0].y, 30.26062902, 1e-8);
  ASSERT_EQ(r->interpretation.notes.size(), 2u);
  EXPECT_EQ(r->interpretation.notes[0],
            "easting carries zone prefix 40: read as EPSG:4528 (CGCS2000 / 3-degree "
            "Gauss-Kruger zone 40)");
  EXPECT_THAT(r->interpretation.notes[1], HasSubstr("northing first"));
}

TEST(ReadCoordinatesTest, DifferentPrefixesAreAnError) {
  absl::StatusOr<CoordinateReading> r =
      ReadCoordinates("GK", {{{40548146.4135, 3342389.8992}, {41432458.7574, 3320319.6973}}});
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(Msg(r.status()), AllOf(HasSubstr("prefix 40"), HasSubstr("carries 41")));
}

TEST(ReadCoordinatesTest, PrefixOfNoZoneIsAnError) {
  absl::StatusOr<CoordinateReading> r = ReadCoordinates("GK", {{{50512345.6, 3349012.3}}});
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(Msg(r.status()), HasSubstr("prefix 50, which is no CGCS2000 Gauss-Kruger zone"));
  // A 6-degree prefix given as 3-degree says which to use.
  r = ReadCoordinates("GK3", {{{20512345.6, 3349012.3}}});
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(Msg(r.status()), AllOf(HasSubstr("6-degree"), HasSubstr("GK6")));
}

TEST(ReadCoordinatesTest, SixDegreeZoneFromPrefix) {
  // Zone 21 (CM 123E), prefixed: EPSG:4499.
  const std::vector<Point2> gk = Project("EPSG:4499", {{122.1, 29.9}});
  ASSERT_GT(gk[0].x, 21e6);
  absl::StatusOr<CoordinateReading> r = ReadCoordinates("GK6", gk);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->interpretation.crs, "EPSG:4499");
  ExpectLonLat(r->lonlat, {{122.1, 29.9}});
}

TEST(ReadCoordinatesTest, NoPrefixUnambiguousCm120) {
  // cs2cs EPSG:4490 EPSG:4549: 30N 120.6E -> 3320264.9630 N, 557892.3012 E;
  // read at CM 117E or 123E it would lie outside Zhejiang.
  absl::StatusOr<CoordinateReading> r = ReadCoordinates("GK", {{{557892.3012, 3320264.9630}}});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->interpretation.crs, "EPSG:4549");
  EXPECT_TRUE(r->interpretation.zone_detected);
  EXPECT_NEAR(r->lonlat[0].x, 120.6, 1e-8);
  EXPECT_NEAR(r->lonlat[0].y, 30.0, 1e-8);
  ASSERT_EQ(r->interpretation.notes.size(), 1u);
  EXPECT_THAT(r->interpretation.notes[0], AllOf(HasSubstr("no zone prefix"), HasSubstr("EPSG:4549"),
                                                Not(HasSubstr("also fits"))));
}

TEST(ReadCoordinatesTest, NoPrefixOnlyCm123Fits) {
  // cs2cs EPSG:4490 EPSG:4550: 29N 120.8E -> 3211265.4585 N, 285606.2818 E;
  // at CM 120E that easting would be west of Zhejiang.
  absl::StatusOr<CoordinateReading> r = ReadCoordinates("GK", {{{285606.2818, 3211265.4585}}});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->interpretation.crs, "EPSG:4550");
  EXPECT_NEAR(r->lonlat[0].x, 120.8, 1e-8);
  EXPECT_NEAR(r->lonlat[0].y, 29.0, 1e-8);
}

TEST(ReadCoordinatesTest, NoPrefixAmbiguousPrefersCm120AndSaysSo) {
  // Near Zhoushan in the CM 123E grid: read at CM 120E the same numbers
  // land inside Zhejiang too, so 120E is chosen and 123E reported.
  const std::vector<Point2> gk = Project("EPSG:4550", {{122.6, 30.0}, {122.7, 30.05}});
  absl::StatusOr<CoordinateReading> r = ReadCoordinates("GK", gk);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->interpretation.crs, "EPSG:4549");
  EXPECT_THAT(AllNotes(r->interpretation),
              HasSubstr("also fits CM 123E: give EPSG:4550 if that was meant"));
  // Near CM 117E the same: 120E chosen, 117E named.
  const std::vector<Point2> west = Project("EPSG:4548", {{118.3, 29.0}});
  r = ReadCoordinates("GK", west);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->interpretation.crs, "EPSG:4549");
  EXPECT_THAT(AllNotes(r->interpretation), HasSubstr("also fits CM 117E: give EPSG:4548"));
}

TEST(ReadCoordinatesTest, NoPrefixNorthingFirst) {
  const std::vector<Point2> lonlat = {{120.6, 30.0}, {120.61, 30.0}, {120.61, 30.01}};
  absl::StatusOr<CoordinateReading> r =
      ReadCoordinates("GK", SwapAll(Project("EPSG:4549", lonlat)));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->interpretation.crs, "EPSG:4549");
  EXPECT_TRUE(r->interpretation.axes_swapped);
  ExpectLonLat(r->lonlat, lonlat);
}

TEST(ReadCoordinatesTest, GaussKrugerMixedOrderNamesTheOddPoint) {
  absl::StatusOr<CoordinateReading> r = ReadCoordinates(
      "GK", {{{40512345.6, 3349012.3}, {40512445.6, 3349012.3}, {3349112.3, 40512445.6}}});
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(Msg(r.status()),
              AllOf(HasSubstr("point 3"), HasSubstr("northing first"), HasSubstr("same order")));
}

TEST(ReadCoordinatesTest, DegreesGivenAsGaussKrugerAreRefused) {
  absl::StatusOr<CoordinateReading> r = ReadCoordinates("GK", {{{120.1, 30.2}}});
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(Msg(r.status()), AllOf(HasSubstr("Zhejiang"), HasSubstr("lands at")));
}

TEST(ReadCoordinatesTest, NoZoneFitsSaysWhereThePointsLanded) {
  // 45N: far north of Zhejiang in every candidate zone.
  const std::vector<Point2> gk = Project("EPSG:4549", {{120.5, 45.0}});
  absl::StatusOr<CoordinateReading> r = ReadCoordinates("GK", gk);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(Msg(r.status()), AllOf(HasSubstr("in Zhejiang"), HasSubstr("EPSG:4549"),
                                     HasSubstr("EPSG:4550"), HasSubstr("EPSG:4548"),
                                     HasSubstr("lands at longitude 120.5000, latitude "
                                               "45.0000")));
}

TEST(ReadCoordinatesTest, SixDegreeNoPrefix) {
  const std::vector<Point2> gk = Project("EPSG:4509", {{118.4, 29.3}});
  absl::StatusOr<CoordinateReading> r = ReadCoordinates("GK6", gk);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->interpretation.crs, "EPSG:4509");
  ExpectLonLat(r->lonlat, {{118.4, 29.3}});
  const std::vector<Point2> east = Project("EPSG:4510", {{121.9, 30.1}});
  r = ReadCoordinates("GK6", east);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->interpretation.crs, "EPSG:4510");
  ExpectLonLat(r->lonlat, {{121.9, 30.1}});
}

TEST(ReadCoordinatesTest, OnePointOverloadMatches) {
  absl::StatusOr<PointReading> p = ReadCoordinate("GK", {3349012.3, 40512345.6});
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->interpretation.crs, "EPSG:4528");
  EXPECT_TRUE(p->interpretation.axes_swapped);
  EXPECT_NEAR(p->lonlat.x, 120.12828837, 1e-8);
}

// --- GCJ-02 and BD-09 ----------------------------------------------------------

TEST(WebMapOffsetTest, ForwardMatchesPublishedPairs) {
  // googollee/eviltransform's test table (go/transform_test.go): WGS 84 ->
  // GCJ-02 for Shanghai, Shenzhen and Beijing.
  struct Pair {
    Point2 wgs, gcj;
  } pairs[] = {
      {{121.5272106, 31.1774276}, {121.531541859215, 31.17530398364597}},
      {{113.912316, 22.543847}, {113.9171764808363, 22.540796131694766}},
      {{116.377817, 39.911954}, {116.38404722455657, 39.91334545536069}},
  };
  for (const Pair& p : pairs) {
    const Point2 g = Wgs84ToGcj02(p.wgs);
    EXPECT_NEAR(g.x, p.gcj.x, 1e-9);
    EXPECT_NEAR(g.y, p.gcj.y, 1e-9);
  }
  // wandergis/coordtransform's README: wgs84togcj02(116.404, 39.915) and
  // gcj02tobd09(116.404, 39.915).
  const Point2 g = Wgs84ToGcj02({116.404, 39.915});
  EXPECT_NEAR(g.x, 116.41024449916938, 1e-9);
  EXPECT_NEAR(g.y, 39.91640428150164, 1e-9);
  const Point2 b = Gcj02ToBd09({116.404, 39.915});
  EXPECT_NEAR(b.x, 116.41036949371029, 1e-9);
  EXPECT_NEAR(b.y, 39.92133699351021, 1e-9);
}

TEST(WebMapOffsetTest, RoundTripsOverZhejiangWithinHalfAMetre) {
  const Box zj = ZhejiangLonLatBox();
  double worst_gcj = 0, worst_bd = 0;
  for (double lon = zj.min_x; lon <= zj.max_x; lon += 0.1) {
    for (double lat = zj.min_y; lat <= zj.max_y; lat += 0.1) {
      const Point2 w{lon, lat};
      worst_gcj = std::max(worst_gcj, GeodesicDistanceM(w, Gcj02ToWgs84(Wgs84ToGcj02(w))));
      worst_bd = std::max(
          worst_bd, GeodesicDistanceM(w, Gcj02ToWgs84(Bd09ToGcj02(Gcj02ToBd09(Wgs84ToGcj02(w))))));
    }
  }
  EXPECT_LT(worst_gcj, 0.5);
  EXPECT_LT(worst_bd, 0.5);
  // Far tighter in fact: the inverses converge to 1e-9 degrees.
  EXPECT_LT(worst_gcj, 0.001);
  EXPECT_LT(worst_bd, 0.001);
}

TEST(WebMapOffsetTest, OffsetsAreHundredsOfMetres) {
  // The point of converting: left uncorrected, GCJ-02 is off by a few
  // hundred metres in Zhejiang, and BD-09 by about a kilometre.
  const Point2 w{120.16, 30.25};
  EXPECT_GT(GeodesicDistanceM(w, Wgs84ToGcj02(w)), 200);
  EXPECT_GT(GeodesicDistanceM(w, Gcj02ToBd09(Wgs84ToGcj02(w))), 700);
}

TEST(ReadCoordinatesTest, Gcj02IsConverted) {
  const Point2 w{120.16, 30.25};
  for (const char* spelling : {"GCJ-02", "gcj02", "Amap", "火星坐标"}) {
    absl::StatusOr<CoordinateReading> r = ReadCoordinates(spelling, {{Wgs84ToGcj02(w)}});
    ASSERT_TRUE(r.ok()) << spelling << ": " << r.status();
    EXPECT_EQ(r->interpretation.crs, "EPSG:4326");
    EXPECT_EQ(r->interpretation.converted_from, "GCJ-02");
    EXPECT_LT(GeodesicDistanceM(r->lonlat[0], w), 0.01);
    EXPECT_THAT(AllNotes(r->interpretation), AllOf(HasSubstr("GCJ-02"), HasSubstr("CGCS2000")));
  }
}

TEST(ReadCoordinatesTest, Bd09IsConvertedEvenLatitudeFirst) {
  const Point2 w{120.16, 30.25};
  const Point2 bd = Gcj02ToBd09(Wgs84ToGcj02(w));
  for (const char* spelling : {"BD-09", "bd09", "Baidu"}) {
    absl::StatusOr<CoordinateReading> r = ReadCoordinates(spelling, {{bd}});
    ASSERT_TRUE(r.ok()) << spelling << ": " << r.status();
    EXPECT_EQ(r->interpretation.converted_from, "BD-09");
    EXPECT_LT(GeodesicDistanceM(r->lonlat[0], w), 0.01);
  }
  absl::StatusOr<CoordinateReading> r = ReadCoordinates("BD-09", {{Point2{bd.y, bd.x}}});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(r->interpretation.axes_swapped);
  EXPECT_LT(GeodesicDistanceM(r->lonlat[0], w), 0.01);
}

// GCJ-02 and BD-09 are defined only in China: outside, whether a map offset
// a point cannot be known, so neither can its place. Such points used to be
// taken as WGS 84 and could be answered CLEAR; EPSG:4490 refuses them too.
TEST(ReadCoordinatesTest, WebMapOutsideChinaIsRefused) {
  for (const char* crs : {"GCJ-02", "BD-09"}) {
    for (Point2 p : {Point2{2.35, 48.85}, Point2{0, 0}, Point2{-74, 40.7}}) {
      absl::StatusOr<CoordinateReading> r = ReadCoordinates(crs, {{p}});
      ASSERT_FALSE(r.ok()) << crs << " " << p.x << " " << p.y;
      EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
      EXPECT_THAT(std::string(r.status().message()),
                  AllOf(HasSubstr("outside China"), HasSubstr(crs), HasSubstr("cannot be known")));
      EXPECT_FALSE(ReadCoordinate(crs, p).ok());
    }
  }
  // One point of several outside is named.
  const Point2 in = Wgs84ToGcj02({120.16, 30.25});
  absl::StatusOr<CoordinateReading> r = ReadCoordinates("GCJ-02", {{in, {-74, 40.7}, in}});
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(std::string(r.status().message()), HasSubstr("point 2 (-74, 40.7)"));
  // Inside the formulas' box but south of CGCS2000's area of use (which
  // ends at 16.7 degrees N): refused as well.
  EXPECT_FALSE(ReadCoordinates("GCJ-02", {{{100.0, 5.0}}}).ok());
}

}  // namespace
}  // namespace redline
