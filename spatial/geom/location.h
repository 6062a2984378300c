// Location: where a point lies relative to an area, as GEOS names it
// (geom/Location.h). Boundary means within the boundary tolerance.
#ifndef REDLINE_SPATIAL_GEOM_LOCATION_H_
#define REDLINE_SPATIAL_GEOM_LOCATION_H_

#include <cstdint>

namespace redline {

enum class Location : uint8_t { kExterior = 0, kInterior = 1, kBoundary = 2 };

}  // namespace redline

#endif  // REDLINE_SPATIAL_GEOM_LOCATION_H_
