// How a request's geometry arrives and how outlines go back out: the two
// enums the core's public face (spatial/snapshot.h) names, apart from the
// readers and writers in geometry_input.h, which need GEOS.
#ifndef REDLINE_SPATIAL_INPUT_GEOMETRY_ENCODING_H_
#define REDLINE_SPATIAL_INPUT_GEOMETRY_ENCODING_H_

namespace redline {

// kCoordinateTable: a survey coordinate table (see spatial/input/coordinate_table.h).
enum class GeometryEncoding { kWkt, kWkb, kGeoJson, kCoordinateTable };

enum class GeometryFormat {
  kWkb,
  // RFC 7946 geometry object, coordinates rounded to 1e-7 degrees (about
  // 1 cm): for maps, where full doubles only make the payload bigger.
  kGeoJson,
};

}  // namespace redline

#endif  // REDLINE_SPATIAL_INPUT_GEOMETRY_ENCODING_H_
