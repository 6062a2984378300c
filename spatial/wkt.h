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
#ifndef REDLINE_SPATIAL_WKT_H_
#define REDLINE_SPATIAL_WKT_H_

#include "absl/strings/string_view.h"
#include "spatial/geos_util.h"

namespace redline {

// The geometry `wkt` describes, or null when this reader declines it.
GeomPtr ReadSimpleWkt(GEOSContextHandle_t ctx, absl::string_view wkt);

}  // namespace redline

#endif  // REDLINE_SPATIAL_WKT_H_
