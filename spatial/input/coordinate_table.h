// The text of a survey coordinate table (界址点表), as the proto field
// Geometry.coordinate_table carries it, turned into a geometry.
//
// One point per line: "X Y" or "number X Y" (point numbers like J1, 1,
// K12-3), separated by commas (ASCII or full-width), tabs or spaces (ASCII
// or full-width). A leading header line of words ("点号,X,Y") is skipped.
// Values are decimal numbers, or degrees-minutes-seconds for geographic
// input: 120°30′15.2″E, 120°30'15.2"E, 120d30m15.2s, 120:30:15.2,
// 120°30.25′, 东经120°30′15″, "120 30 15.2 E" (space-separated only with
// a hemisphere). A value marked N/S (北纬/南纬) is the latitude wherever it
// stands, so such a row is put longitude first.
//
// One point is a Point; a blank line or a repeated first point closes a
// ring (a Polygon; a ring inside an earlier one is its hole, otherwise it
// starts another polygon: a MultiPolygon), which needs 3 distinct points:
// fewer is an error, never a line. A single open run of two or more points
// is a LineString. The numbers are kept as given: which CRS they are
// in, and whether X is the northing, is for spatial/coords/coordinates.h to decide.
#ifndef REDLINE_SPATIAL_INPUT_COORDINATE_TABLE_H_
#define REDLINE_SPATIAL_INPUT_COORDINATE_TABLE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "spatial/geom/orientation.h"

namespace redline {

// Default bounds of ParseCoordinateTable (PrepareSite passes max_vertices).
inline constexpr int64_t kMaxTablePoints = 200000;
// Telling holes from shells compares each ring with the shells before it;
// a survey table has a few rings, and ten thousand is far beyond any.
inline constexpr int64_t kMaxTableRings = 10000;

struct CoordinateTable {
  enum class Kind { kPoint, kLineString, kPolygon, kMultiPolygon };
  Kind kind = Kind::kPoint;
  // kPoint: one point; kLineString: its vertices.
  std::vector<Point2> points;
  // kPolygon / kMultiPolygon: per polygon its rings, shell first, each
  // closed (last point == first).
  std::vector<std::vector<std::vector<Point2>>> polygons;
  // The source line of every coordinate, in the order ToWkt writes them (a
  // ring's closing point, if the table left it out, has its first point's
  // line): errors found later can name the line.
  std::vector<int> lines;

  // WKT with enough digits to keep millimetres of an 8-digit easting.
  std::string ToWkt() const;
};

// Errors are INVALID_ARGUMENT naming the line ("line 4: 'J4 3378123.4' has
// one number; expected point number, X, Y"), quoting at most an excerpt of
// it; more than `max_points` points or `max_rings` rings is
// RESOURCE_EXHAUSTED (telling holes from shells compares rings pairwise).
absl::StatusOr<CoordinateTable> ParseCoordinateTable(absl::string_view text,
                                                     int64_t max_points = kMaxTablePoints,
                                                     int64_t max_rings = kMaxTableRings);

// One coordinate as a person types it (the CLI's --lon/--lat): a decimal
// number or an angle in any notation a table row takes (120°30′15.2″E,
// 120d30m15.2s, 120:30:15.2, 北纬30°15′). `axis` is 'N' for a value marked
// as a latitude (N, S, 北纬, 南纬), 'E' for one marked as a longitude, 0 for
// an unmarked one. INVALID_ARGUMENT saying what is wrong with it otherwise.
struct TypedCoordinate {
  double value = 0;
  char axis = 0;
};
absl::StatusOr<TypedCoordinate> ParseTypedCoordinate(absl::string_view text);

}  // namespace redline

#endif  // REDLINE_SPATIAL_INPUT_COORDINATE_TABLE_H_
