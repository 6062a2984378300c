// Inputs the fuzzers (fuzz/) found that crashed or hit undefined behaviour,
// as unit tests of the core. Their raw files are in fuzz/regressions/.
#include <string>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "spatial/coords/coordinates.h"
#include "spatial/input/geometry_input.h"

namespace redline {
namespace {

using ::testing::HasSubstr;

constexpr char kWorkingCrs[] = "EPSG:4549";

// GEOS 3.11's PointOnSurface dereferenced null on a Multi* with an EMPTY
// part: redlined died with SIGSEGV (fuzz/wkb_fuzz.cc).
TEST(FuzzFindingsTest, MultiGeometryWithAnEmptyPartIsRefused) {
  for (const char* wkt : {"MULTILINESTRING ((121.07 29.97, 121.08 29.98), EMPTY)",
                          "MULTIPOLYGON (((121.07 29.97, 121.08 29.97, 121.08 29.98, "
                          "121.07 29.97)), EMPTY)",
                          "MULTIPOINT ((121.07 29.97), EMPTY)"}) {
    absl::StatusOr<Site> site = PrepareSite(GeometryEncoding::kWkt, wkt, "", kWorkingCrs, 1000);
    ASSERT_FALSE(site.ok()) << wkt;
    EXPECT_EQ(site.status().code(), absl::StatusCode::kInvalidArgument) << wkt;
    EXPECT_THAT(site.status().message(), HasSubstr("part 2")) << wkt;
    EXPECT_THAT(site.status().message(), HasSubstr("is empty")) << wkt;
  }
}

TEST(FuzzFindingsTest, MultiLineStringWithAnEmptyPartAsWkbIsRefused) {
  // MULTILINESTRING ((121.07 29.97, 121.08 29.98), LINESTRING EMPTY), NDR.
  std::string wkb("\x01\x05\x00\x00\x00\x02\x00\x00\x00", 9);
  wkb += std::string("\x01\x02\x00\x00\x00\x02\x00\x00\x00", 9);
  for (double v : {121.07, 29.97, 121.08, 29.98}) {
    wkb.append(reinterpret_cast<const char*>(&v), sizeof v);
  }
  wkb += std::string("\x01\x02\x00\x00\x00\x00\x00\x00\x00", 9);
  absl::StatusOr<Site> site = PrepareSite(GeometryEncoding::kWkb, wkb, "", kWorkingCrs, 1000);
  ASSERT_FALSE(site.ok());
  EXPECT_THAT(site.status().message(), HasSubstr("is empty"));
}

// An easting of 1e33 made the zone prefix an out-of-range float-to-int cast
// (UBSan, fuzz/coordinate_table_fuzz.cc): it is an ordinary refusal.
TEST(FuzzFindingsTest, HugeEastingIsAnErrorNotUndefinedBehaviour) {
  const Point2 points[] = {{1.3471e33, 3503000}};
  absl::StatusOr<CoordinateReading> reading = ReadCoordinates("GK", points);
  EXPECT_FALSE(reading.ok());
}

}  // namespace
}  // namespace redline
