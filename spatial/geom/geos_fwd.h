// The GEOS C API's handle types and the owning pointer to a geometry, for
// headers that pass GEOS objects along without calling GEOS.
//
// GEOS is an implementation detail of the core: a header that only names
// GEOSGeometry or GeomPtr (spatial/geom/zone_shape.h) includes this one, so
// geos_c.h stays in the .cc files and in spatial/geom/geos_util.h, and
// spatial/snapshot.h does not pull it in. The typedefs repeat geos_c.h's own,
// which C++ allows: both name the same types.
#ifndef REDLINE_SPATIAL_GEOM_GEOS_FWD_H_
#define REDLINE_SPATIAL_GEOM_GEOS_FWD_H_

#include <memory>

typedef struct GEOSContextHandle_HS* GEOSContextHandle_t;
typedef struct GEOSGeom_t GEOSGeometry;
typedef struct GEOSPrepGeom_t GEOSPreparedGeometry;
typedef struct GEOSCoordSeq_t GEOSCoordSequence;

namespace redline {

// Destroys a geometry with the context that made it (geos_util.cc: only
// there is GEOS declared).
struct GeomDeleter {
  GEOSContextHandle_t ctx = nullptr;
  void operator()(GEOSGeometry* g) const;
};
using GeomPtr = std::unique_ptr<GEOSGeometry, GeomDeleter>;

}  // namespace redline

#endif  // REDLINE_SPATIAL_GEOM_GEOS_FWD_H_
