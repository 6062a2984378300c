// Fuzzes survey coordinate tables and the coordinate reading behind them:
// ParseCoordinateTable (separators, point numbers, header lines, decimal and
// degrees-minutes-seconds values, hemispheres, rings and holes), then
// PrepareSite(kCoordinateTable) in the CRS the first byte picks (Gauss-Kruger
// with zone detection, GCJ-02/BD-09 offsets, plain EPSG codes...), which runs
// ReadCoordinates: axis-swap detection and zone inference.
// Asserts: a parsed table's shape matches its kind (a point has one
// coordinate, a line two or more, every ring is closed with four or more),
// its source lines are counted per coordinate, and the site invariants of
// site_check.h.
#include <cstddef>
#include <cstdint>
#include <iterator>

#include "absl/strings/string_view.h"
#include "fuzz/fuzz_check.h"
#include "fuzz/site_check.h"
#include "spatial/input/coordinate_table.h"
#include "spatial/input/geometry_input.h"

namespace {

constexpr const char* kCrs[] = {
    "",      "EPSG:4490", "EPSG:4549", "EPSG:4528", "GK",        "GK6",        "GCJ-02",
    "BD-09", "WGS84",     "CGCS2000",  "EPSG:4326", "EPSG:3857", "高斯克吕格", "4548",
};

void CheckTable(const redline::CoordinateTable& table) {
  using Kind = redline::CoordinateTable::Kind;
  size_t coordinates = 0;
  switch (table.kind) {
    case Kind::kPoint:
      FUZZ_CHECK(table.points.size() == 1, "a point table with %zu points", table.points.size());
      coordinates = 1;
      break;
    case Kind::kLineString:
      FUZZ_CHECK(table.points.size() >= 2, "a line of %zu points", table.points.size());
      coordinates = table.points.size();
      break;
    case Kind::kPolygon:
    case Kind::kMultiPolygon:
      FUZZ_CHECK(!table.polygons.empty(), "a polygon table without polygons");
      FUZZ_CHECK(table.kind == Kind::kMultiPolygon || table.polygons.size() == 1,
                 "a Polygon table with %zu polygons", table.polygons.size());
      for (const auto& polygon : table.polygons) {
        FUZZ_CHECK(!polygon.empty(), "a polygon without rings");
        for (const auto& ring : polygon) {
          FUZZ_CHECK(ring.size() >= 4, "a ring of %zu points", ring.size());
          FUZZ_CHECK(ring.front().x == ring.back().x && ring.front().y == ring.back().y,
                     "an open ring");
          coordinates += ring.size();
        }
      }
      break;
  }
  FUZZ_CHECK(table.lines.size() == coordinates, "%zu source lines for %zu coordinates",
             table.lines.size(), coordinates);
  for (int line : table.lines) FUZZ_CHECK(line >= 1, "source line %d", line);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const char* crs = kCrs[data[0] % std::size(kCrs)];
  const absl::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  absl::StatusOr<redline::CoordinateTable> table = redline::ParseCoordinateTable(text);
  if (table.ok()) {
    CheckTable(*table);
  } else {
    FUZZ_CHECK(table.status().code() == absl::StatusCode::kInvalidArgument, "status %s",
               table.status().ToString().c_str());
  }
  redline::fuzz::CheckSite(redline::PrepareSite(redline::GeometryEncoding::kCoordinateTable, text,
                                                crs, redline::fuzz::WorkingCrs(),
                                                redline::fuzz::kMaxVertices));
  return 0;
}
