// Bounds on a request geometry, checked by one cheap pass over its bytes
// before any recursive reader sees them.
//
// GEOS's WKT, WKB and GeoJSON readers (and the JSON library under the
// last) descend one C++ call per level of nesting: a GEOMETRYCOLLECTION
// nested 20,000 deep (180 kB of WKB) overflowed the stack and killed the
// server. Sites are Points, LineStrings, Polygons and their Multi- forms,
// which nest three levels at most, so a low limit costs nothing real.
//
// Each scan is a single linear pass with a fixed-size stack (no allocation)
// and refuses:
//  - nesting deeper than `max_nesting`: INVALID_ARGUMENT;
//  - more vertices than `max_vertices`, or more parts (points, lines,
//    rings, members) than `max_parts`, by a count that never exceeds the
//    real one: RESOURCE_EXHAUSTED.
// What a scan passes may still be malformed: the reader then says so. The
// WKB walk checks every count against the bytes left (so no reader is asked
// to allocate for a count the input cannot hold) and refuses truncated WKB
// itself.
#ifndef REDLINE_SPATIAL_INPUT_GEOMETRY_SCAN_H_
#define REDLINE_SPATIAL_INPUT_GEOMETRY_SCAN_H_

#include <cstdint>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace redline {

// Levels of nesting a request geometry may have: brackets in WKT and JSON,
// geometries inside geometries in WKB. A MultiPolygon needs 3 (WKT), 5
// (GeoJSON) or 2 (WKB); a GeoJSON Feature a few more.
inline constexpr int kMaxGeometryNesting = 32;

struct GeometryBounds {
  int64_t max_vertices = 0;
  int64_t max_parts = 0;
  int max_nesting = kMaxGeometryNesting;  // at most kMaxGeometryNesting
};

absl::Status ScanWkt(absl::string_view text, const GeometryBounds& bounds);
absl::Status ScanWkb(absl::string_view bytes, const GeometryBounds& bounds);
absl::Status ScanGeoJson(absl::string_view text, const GeometryBounds& bounds);

}  // namespace redline

#endif  // REDLINE_SPATIAL_INPUT_GEOMETRY_SCAN_H_
