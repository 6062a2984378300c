// A geometry reduced to what the record's drawing needs, and reading one
// from the encodings a request or an answer carries it in.
#ifndef REDLINE_REPORT_SHAPE_H_
#define REDLINE_REPORT_SHAPE_H_

#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace redline::report {

// A coordinate pair as given: longitude/latitude in degrees, or
// easting/northing in metres for a projected CRS.
struct XY {
  double x = 0;
  double y = 0;
};

// Parts, each a point, a line or a polygon (outer ring first, then holes).
struct Shape {
  enum class Dim { kPoint, kLine, kPolygon };
  struct Part {
    Dim dim = Dim::kPoint;
    std::vector<std::vector<XY>> rings;  // a point: one ring of one XY
  };
  std::vector<Part> parts;

  bool empty() const { return parts.empty(); }
};

// Read with GEOS's readers, after the core's nesting scan
// (spatial/input/geometry_scan.h: the readers recurse once per level).
// Collections are flattened into parts; Z and M values are dropped; EMPTY
// geometries and empty members give no part. Errors name the encoding.
//   WKT, and EWKT ("SRID=4490;POINT(...)"): any geometry type.
//   GeoJSON: a geometry object, or a Feature / FeatureCollection (their
//   geometries).
//   WKB, EWKB and ISO WKB, either byte order.
absl::StatusOr<Shape> ParseWkt(absl::string_view wkt);
absl::StatusOr<Shape> ParseGeoJson(absl::string_view json);
absl::StatusOr<Shape> ParseWkb(absl::string_view wkb);

}  // namespace redline::report

#endif  // REDLINE_REPORT_SHAPE_H_
