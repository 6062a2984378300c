// Tests of spatial/input/coordinate_table.h: survey coordinate tables as text —
// separators, headers, point numbers, DMS notations, rings, holes, lines,
// and errors that name the line.
#include "spatial/input/coordinate_table.h"

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_format.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace redline {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;

std::string Msg(const absl::Status& st) { return std::string(st.message()); }

using Kind = CoordinateTable::Kind;

TEST(CoordinateTableTest, OnePointIsAPoint) {
  for (const char* text : {"3349012.3 40512345.6", "J1,3349012.3,40512345.6",
                           "J1\t3349012.3\t40512345.6\n", "1，3349012.3，40512345.6",
                           "K12-3\xe3\x80\x80"
                           "3349012.3\xe3\x80\x80"
                           "40512345.6",
                           "  J1 ,  3349012.3 , 40512345.6 , \r\n"}) {
    absl::StatusOr<CoordinateTable> t = ParseCoordinateTable(text);
    ASSERT_TRUE(t.ok()) << text << ": " << t.status();
    EXPECT_EQ(t->kind, Kind::kPoint) << text;
    ASSERT_EQ(t->points.size(), 1u);
    EXPECT_EQ(t->points[0], (Point2{3349012.3, 40512345.6})) << text;
    EXPECT_EQ(t->ToWkt(), "POINT (3349012.3 40512345.6)");
  }
}

TEST(CoordinateTableTest, SignedDecimals) {
  absl::StatusOr<CoordinateTable> t = ParseCoordinateTable("-12.5 +7");
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->points[0], (Point2{-12.5, 7}));
}

TEST(CoordinateTableTest, HeaderLinesAreSkipped) {
  for (const char* header : {"点号,X,Y", "序号 东坐标 北坐标", "No.\tX(m)\tY(m)"}) {
    absl::StatusOr<CoordinateTable> t =
        ParseCoordinateTable(std::string(header) + "\nJ1,1,2\nJ2,3,4\n");
    ASSERT_TRUE(t.ok()) << header << ": " << t.status();
    EXPECT_EQ(t->kind, Kind::kLineString);
    EXPECT_EQ(t->points.size(), 2u);
  }
}

TEST(CoordinateTableTest, RepeatedFirstPointClosesARing) {
  absl::StatusOr<CoordinateTable> t =
      ParseCoordinateTable("J1 0 0\nJ2 10 0\nJ3 10 10\nJ4 0 10\nJ1 0 0\n");
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->kind, Kind::kPolygon);
  EXPECT_EQ(t->ToWkt(), "POLYGON ((0 0, 10 0, 10 10, 0 10, 0 0))");
}

TEST(CoordinateTableTest, BlankLineClosesRingsAndInnerRingIsAHole) {
  absl::StatusOr<CoordinateTable> t = ParseCoordinateTable(
      "J1,0,0\nJ2,10,0\nJ3,10,10\nJ4,0,10\n\nK1,2,2\nK2,4,2\nK3,4,4\nK4,2,4\n");
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->kind, Kind::kPolygon);
  EXPECT_EQ(t->ToWkt(), "POLYGON ((0 0, 10 0, 10 10, 0 10, 0 0), (2 2, 4 2, 4 4, 2 4, 2 2))");
  // Each coordinate's source line, closing points included.
  EXPECT_EQ(t->lines, (std::vector<int>{1, 2, 3, 4, 1, 6, 7, 8, 9, 6}));
}

TEST(CoordinateTableTest, LinesFollowTheWktOrderWhenAHoleComesLate) {
  // Outer A, separate B, then a hole of A: the hole is written with A.
  absl::StatusOr<CoordinateTable> t = ParseCoordinateTable(
      "0 0\n10 0\n10 10\n0 0\n\n20 0\n30 0\n30 10\n20 0\n\n5 1\n6 1\n6 2\n5 1\n");
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->kind, Kind::kMultiPolygon);
  EXPECT_EQ(t->ToWkt(),
            "MULTIPOLYGON (((0 0, 10 0, 10 10, 0 0), (5 1, 6 1, 6 2, 5 1)), "
            "((20 0, 30 0, 30 10, 20 0)))");
  EXPECT_EQ(t->lines, (std::vector<int>{1, 2, 3, 4, 11, 12, 13, 14, 6, 7, 8, 9}));
}

TEST(CoordinateTableTest, SeparateRingsAreAMultiPolygon) {
  absl::StatusOr<CoordinateTable> t =
      ParseCoordinateTable("0 0\n10 0\n10 10\n0 0\n20 0\n30 0\n30 10\n20 0\n");
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->kind, Kind::kMultiPolygon);
  EXPECT_EQ(t->ToWkt(), "MULTIPOLYGON (((0 0, 10 0, 10 10, 0 0)), ((20 0, 30 0, 30 10, 20 0)))");
}

TEST(CoordinateTableTest, OpenRunIsALineString) {
  absl::StatusOr<CoordinateTable> t = ParseCoordinateTable("1 2\n3 4\n5 6\n\n");
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->kind, Kind::kLineString);
  EXPECT_EQ(t->ToWkt(), "LINESTRING (1 2, 3 4, 5 6)");
}

TEST(CoordinateTableTest, KeepsMillimetresOfPrefixedEastings) {
  absl::StatusOr<CoordinateTable> t = ParseCoordinateTable("3349012.345 40512345.678");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->ToWkt(), "POINT (3349012.345 40512345.678)");
}

TEST(CoordinateTableTest, DmsVariants) {
  const double lon = 120 + 30.0 / 60 + 15.2 / 3600;
  const double lat = 30 + 5.0 / 60 + 10.0 / 3600;
  for (const char* text : {
           "120°30′15.2″E 30°05′10″N",
           "120°30'15.2\"E, 30°05'10\"N",
           "120d30m15.2s 30d05m10s",
           "120:30:15.2 30:05:10",
           "J1 120 30 15.2 E 30 05 10 N",
           "120 30 15.2 E 30 5 10 N",
           "东经120°30′15.2″ 北纬30°05′10″",
           "J7, 东经120度30分15.2秒, 北纬30度05分10秒",
           "E120°30′15.2″, N30°05′10″",
           "30°05′10″N, 120°30′15.2″E",  // latitude first, marked: put second
           "30°05′10″N 120°30′15.2″E",
           "120° 30′ 15.2″ 30° 05′ 10″",
       }) {
    absl::StatusOr<CoordinateTable> t = ParseCoordinateTable(text);
    ASSERT_TRUE(t.ok()) << text << ": " << t.status();
    ASSERT_EQ(t->points.size(), 1u) << text;
    EXPECT_NEAR(t->points[0].x, lon, 1e-12) << text;
    EXPECT_NEAR(t->points[0].y, lat, 1e-12) << text;
  }
}

TEST(CoordinateTableTest, DecimalMinutesAndSouthWest) {
  absl::StatusOr<CoordinateTable> t = ParseCoordinateTable("120°30.25′E 30°05.5′N");
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_NEAR(t->points[0].x, 120 + 30.25 / 60, 1e-12);
  EXPECT_NEAR(t->points[0].y, 30 + 5.5 / 60, 1e-12);
  t = ParseCoordinateTable("70°30′W, 33°27′S");
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_NEAR(t->points[0].x, -70.5, 1e-12);
  EXPECT_NEAR(t->points[0].y, -33.45, 1e-12);
}

TEST(CoordinateTableTest, ErrorsNameTheLine) {
  struct Case {
    const char* text;
    const char* message;
  } cases[] = {
      {"J1 3378000.1 40512345.6\nJ2 3378100.1 40512345.6\nJ3 3378100.1 40512445.6\n"
       "J4 3378123.4\n",
       "line 4: 'J4 3378123.4' has one number; expected point number, X, Y"},
      {"J1, 1, 2\nJ2, abc, 4\n", "line 2: 'abc' is not a number or an angle"},
      {"J1, 1, 2, 3, 4\n", "line 1: 'J1, 1, 2, 3, 4' has 5 values"},
      {"1 2\n3 4\nfoo bar\n", "line 3: 'foo bar' has no numbers"},
      {"120°75′E 30°N", "minutes or seconds of 60 or more"},
      {"30°N 31°N", "line 1: '30°N 31°N' has two latitudes"},
      {"1 120 30 E 30 5 10 20 N", "line 1"},
      {"0 0\n1 0\n\n5 5\n6 5\n6 6\n", "line 1: the ring of lines 1-2 has 2 distinct points"},
      {"", "no points"},
      {"点号,X,Y\n", "no points"},
  };
  for (const Case& c : cases) {
    absl::StatusOr<CoordinateTable> t = ParseCoordinateTable(c.text);
    ASSERT_FALSE(t.ok()) << c.text;
    EXPECT_EQ(t.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(Msg(t.status()), HasSubstr(c.message)) << c.text;
  }
}

// Two points and the first repeated were read as a LineString: the
// repeated point closes a ring, and a ring of two points is an error that
// names it.
TEST(CoordinateTableTest, ShortClosedRingIsAnErrorNotALine) {
  for (const char* text :
       {"J1 0 0\nJ2 10 0\nJ1 0 0\n", "J1 0 0\nJ1 0 0\n", "J1 0 0\nJ2 10 0\nJ2 10 0\nJ1 0 0\n"}) {
    absl::StatusOr<CoordinateTable> t = ParseCoordinateTable(text);
    ASSERT_FALSE(t.ok()) << text << " read as " << t->ToWkt();
    EXPECT_EQ(t.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(Msg(t.status()),
                AllOf(HasSubstr("the ring of lines 1-"), HasSubstr("a ring needs at least 3")))
        << text;
  }
  // An open run of two points is still a line.
  absl::StatusOr<CoordinateTable> line = ParseCoordinateTable("J1 0 0\nJ2 10 0\n");
  ASSERT_TRUE(line.ok()) << line.status();
  EXPECT_EQ(line->kind, Kind::kLineString);
}

// A hole may touch its shell at one point (OGC): it is still the shell's
// hole, not a second polygon overlapping the first.
TEST(CoordinateTableTest, HoleTouchingItsShellIsAHole) {
  absl::StatusOr<CoordinateTable> t = ParseCoordinateTable(
      "0 0\n10 0\n10 10\n0 10\n0 0\n"  // shell
      "0 0\n3 6\n6 3\n0 0\n"           // hole sharing the shell's corner
      "5 0\n7 2\n3 2\n5 0\n");         // hole with a vertex on the shell's edge
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->kind, Kind::kPolygon);
  ASSERT_EQ(t->polygons.size(), 1u);
  EXPECT_EQ(t->polygons[0].size(), 3u);
  // A ring outside that touches the shell at a corner is another polygon.
  t = ParseCoordinateTable("0 0\n10 0\n10 10\n0 10\n0 0\n10 10\n20 10\n20 20\n10 10\n");
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->kind, Kind::kMultiPolygon);
}

TEST(CoordinateTableTest, PointAndRingLimits) {
  std::string text;
  for (int i = 0; i < 101; ++i) text += std::to_string(i) + " " + std::to_string(i) + "\n";
  absl::StatusOr<CoordinateTable> t = ParseCoordinateTable(text, /*max_points=*/100);
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(Msg(t.status()), AllOf(HasSubstr("line 101"), HasSubstr("100 points")));
  EXPECT_TRUE(ParseCoordinateTable(text, /*max_points=*/101).ok());

  std::string rings;
  for (int i = 0; i < 11; ++i) {
    const int x = 10 * i;
    rings += absl::StrFormat("%d 0\n%d 0\n%d 1\n\n", x, x + 1, x);
  }
  t = ParseCoordinateTable(rings, kMaxTablePoints, /*max_rings=*/10);
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(Msg(t.status()), HasSubstr("more than 10 rings"));
  EXPECT_TRUE(ParseCoordinateTable(rings, kMaxTablePoints, /*max_rings=*/11).ok());
}

// An error quotes an excerpt of a long line, not the line.
TEST(CoordinateTableTest, ErrorsQuoteAnExcerpt) {
  const std::string text = "J1 1 " + std::string(100000, 'a');
  absl::StatusOr<CoordinateTable> t = ParseCoordinateTable(text);
  ASSERT_FALSE(t.ok());
  EXPECT_LT(t.status().message().size(), 300u) << t.status();
  EXPECT_THAT(Msg(t.status()), HasSubstr("bytes)"));
}

// One typed coordinate (the CLI's --lon/--lat): the notations of a table
// row, its axis when a hemisphere marks it, and why it is refused.
TEST(CoordinateTableTest, TypedCoordinate) {
  struct Case {
    const char* text;
    double value;
    char axis;
  };
  const Case cases[] = {
      {"121.069788", 121.069788, 0},
      {"-12.5", -12.5, 0},
      {"121°4'11.2368\"E", 121.069788, 'E'},
      {"121d4m11.2368s", 121.069788, 0},
      {"29:58:14.808", 29.97078, 0},
      {"北纬29°58′14.808″", 29.97078, 'N'},
      {"30°15'S", -30.25, 'N'},
      {"120°30.5′W", -120.508333333, 'E'},
  };
  for (const Case& c : cases) {
    absl::StatusOr<TypedCoordinate> t = ParseTypedCoordinate(c.text);
    ASSERT_TRUE(t.ok()) << c.text << ": " << t.status();
    EXPECT_NEAR(t->value, c.value, 1e-8) << c.text;
    EXPECT_EQ(t->axis, c.axis) << c.text;
  }
  EXPECT_THAT(Msg(ParseTypedCoordinate("121°61'E").status()), HasSubstr("60 or more"));
  EXPECT_THAT(Msg(ParseTypedCoordinate("east").status()), HasSubstr("degrees-minutes-seconds"));
  EXPECT_FALSE(ParseTypedCoordinate("").ok());
}

}  // namespace
}  // namespace redline
