// Reading a request's coordinates as they arrive: survey tables in CGCS2000
// Gauss-Kruger (with or without the zone number prefixed to the easting,
// northing and easting in either order), points picked on Chinese web maps
// (GCJ-02 on Amap/Tencent, BD-09 on Baidu), or plain longitude/latitude in
// any CRS PROJ knows. Every decision taken on the way is reported, so the
// record says what was assumed.
//
// Thread-safety: every function here may be called from any thread; PROJ
// state is per thread (see spatial/coords/crs.h).
#ifndef REDLINE_SPATIAL_COORDS_COORDINATES_H_
#define REDLINE_SPATIAL_COORDS_COORDINATES_H_

#include <span>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "spatial/base/messages.h"
#include "spatial/geom/box_index.h"
#include "spatial/geom/orientation.h"

namespace redline {

// How a request's coordinates were read.
struct CoordinateInterpretation {
  std::string requested_crs;  // as the request spelled it ("" -> "EPSG:4490")
  // The CRS the numbers were read in, normalized, e.g. "EPSG:4528"; for
  // GCJ-02/BD-09 input "EPSG:4326" (the WGS 84 they were converted to).
  std::string crs;
  bool zone_detected = false;  // the Gauss-Kruger zone was inferred
  bool axes_swapped = false;   // northing/easting (or lat/lon) came swapped; corrected
  std::string converted_from;  // "GCJ-02" or "BD-09" when converted, else ""
  // One English sentence per decision, e.g. "easting carries zone prefix 40:
  // read as EPSG:4528 (CGCS2000 / 3-degree Gauss-Kruger zone 40)". Empty
  // when the coordinates were read exactly as given.
  std::vector<std::string> notes;
  // The same notes as codes with parameters (spatial/base/messages.h).
  std::vector<Message> note_messages;
};

struct CoordinateReading {
  CoordinateInterpretation interpretation;
  std::vector<Point2> lonlat;  // EPSG:4490, longitude first
};

// One point, without the vector: CheckPoint's hot path.
struct PointReading {
  CoordinateInterpretation interpretation;
  Point2 lonlat;  // EPSG:4490, longitude first
};

// Reads `input` (x first, as given) in `crs` and converts it to EPSG:4490
// longitude/latitude. `crs` is, case-insensitively and trimmed: any EPSG code
// or definition PROJ knows ("4490", "EPSG:4549", a PROJ string, WKT); the
// aliases "CGCS2000" and "WGS84"/"WGS 84"; "GK"/"GK3"/"Gauss-Kruger"/
// "高斯克吕格" (CGCS2000 3-degree Gauss-Kruger, zone detected) and "GK6"
// (6-degree); "GCJ-02"/"GCJ02"/"Amap"/"火星坐标" and "BD-09"/"BD09"/"Baidu"
// (web-map offsets, removed). Northing/easting or latitude/longitude given
// the wrong way round are corrected when only the swapped reading fits.
// GCJ-02/BD-09 points outside China (the offset formulas' box, within
// CGCS2000's area of use) are refused: web maps offset only there, so such a
// point cannot be placed with confidence.
// Anything that cannot be read unambiguously is INVALID_ARGUMENT saying what
// was seen and what would fix it; errors name "point N" (1-based), or
// "line L" when `source_lines` gives each point's line in a coordinate table.
absl::StatusOr<CoordinateReading> ReadCoordinates(absl::string_view crs,
                                                  std::span<const Point2> input,
                                                  std::span<const int> source_lines = {});
absl::StatusOr<PointReading> ReadCoordinate(absl::string_view crs, Point2 input);

// A generous longitude/latitude box around Zhejiang, used to choose a
// Gauss-Kruger zone when the easting carries no zone prefix.
Box ZhejiangLonLatBox();

// The web-map offsets, exposed for tests. Longitude first, degrees. Outside
// China (the usual outOfChina box) they return the input unchanged (readers
// refuse such input: ReadCoordinates).
bool OutsideChinaForOffsets(Point2 lonlat);
Point2 Wgs84ToGcj02(Point2 wgs84);
Point2 Gcj02ToWgs84(Point2 gcj02);  // iterative, within 1e-7 degrees
Point2 Gcj02ToBd09(Point2 gcj02);
Point2 Bd09ToGcj02(Point2 bd09);  // iterative, within 1e-7 degrees

}  // namespace redline

#endif  // REDLINE_SPATIAL_COORDS_COORDINATES_H_
