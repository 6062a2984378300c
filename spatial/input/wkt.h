// A fast reader for the WKT that sites arrive in: 2-D Point, LineString,
// Polygon and their Multi- forms. GEOS 3.11's WKTReader tokenises into
// std::strings and parses each number with strtod; on 1,000-vertex sites it
// was a quarter of CheckGeometry (bench/core_bench.cc, BM_CheckGeometry1000).
// This reader builds the same GEOS geometry from the text directly, with
// std::from_chars, which rounds exactly as strtod does.
//
// It handles only what it is sure of and declines the rest: EMPTY, Z and M
// coordinates, SRID prefixes, GEOMETRYCOLLECTION, a leading '+', numbers out
// of range, unclosed or short rings, one-point lines and anything malformed.
// The caller then reads the text with GEOS, which gives the answer, or the
// error message, it always gave (tests/spatial/wkt_test.cc compares the two
// readers on generated text).
#ifndef REDLINE_SPATIAL_INPUT_WKT_H_
#define REDLINE_SPATIAL_INPUT_WKT_H_

#include <cstdint>
#include <limits>

#include "absl/strings/string_view.h"
#include "spatial/geom/geos_util.h"

namespace redline {

// The geometry `wkt` describes, or null when this reader declines it. It
// also declines more than `max_vertices` coordinates, as soon as it reads
// one too many: a 64 MB MULTIPOINT would otherwise become millions of GEOS
// points before the caller could count them. (spatial/input/geometry_scan.h then
// refuses the text before GEOS's reader sees it.)
GeomPtr ReadSimpleWkt(GEOSContextHandle_t ctx, absl::string_view wkt,
                      int64_t max_vertices = std::numeric_limits<int64_t>::max());

}  // namespace redline

#endif  // REDLINE_SPATIAL_INPUT_WKT_H_
