// RAII around the GEOS C API, with one context per thread.
//
// GEOS objects are created and destroyed with the reentrant `_r` functions of
// the calling thread's context. Nothing here is shared between threads: the
// published zone data (spatial/geom/zone_shape.h) is plain C++ and GEOS geometries
// are built per call from it, which sidesteps the lazily-built, non-thread-safe
// internals of GEOS 3.11 (envelopes, prepared-geometry indexes).
#ifndef REDLINE_SPATIAL_GEOM_GEOS_UTIL_H_
#define REDLINE_SPATIAL_GEOM_GEOS_UTIL_H_

#include <geos_c.h>

#include <memory>
#include <string>
#include <vector>

#include "spatial/geom/geos_fwd.h"
#include "spatial/geom/orientation.h"

namespace redline {

// Owns a GEOS context and keeps the last error message GEOS reported on it.
class GeosContext {
 public:
  GeosContext();
  ~GeosContext();
  GeosContext(const GeosContext&) = delete;
  GeosContext& operator=(const GeosContext&) = delete;

  GEOSContextHandle_t get() const { return handle_; }
  // The last error message GEOS reported, or `fallback` if none; clears it.
  std::string TakeError(const char* fallback = "unknown GEOS error");

 private:
  static void OnError(const char* message, void* userdata);
  GEOSContextHandle_t handle_;
  std::string last_error_;
};

// The calling thread's context, created on first use.
GeosContext& ThreadGeos();

// GeomDeleter and GeomPtr: spatial/geom/geos_fwd.h.
inline GeomPtr Own(GEOSContextHandle_t ctx, GEOSGeometry* g) {
  return GeomPtr(g, GeomDeleter{ctx});
}

struct CoordSeqDeleter {
  GEOSContextHandle_t ctx = nullptr;
  void operator()(GEOSCoordSequence* s) const {
    if (s != nullptr) GEOSCoordSeq_destroy_r(ctx, s);
  }
};
using CoordSeqPtr = std::unique_ptr<GEOSCoordSequence, CoordSeqDeleter>;

struct PreparedDeleter {
  GEOSContextHandle_t ctx = nullptr;
  void operator()(const GEOSPreparedGeometry* p) const {
    if (p != nullptr) GEOSPreparedGeom_destroy_r(ctx, p);
  }
};
// Owned by one call on one thread: GEOS 3.11 prepared geometries build their
// indexes lazily and must never be shared between threads.
using PreparedPtr = std::unique_ptr<const GEOSPreparedGeometry, PreparedDeleter>;

// Frees buffers GEOS allocated (WKT strings, WKB, isValidDetail reasons).
struct GeosFree {
  GEOSContextHandle_t ctx = nullptr;
  void operator()(void* p) const {
    if (p != nullptr) GEOSFree_r(ctx, p);
  }
};
using GeosString = std::unique_ptr<char, GeosFree>;

// Appends the coordinates of a LineString, LinearRing or Point to `out` in
// one copy; false (out unchanged) when GEOS cannot read them.
bool AppendCoordinates(GEOSContextHandle_t ctx, const GEOSGeometry* linear,
                       std::vector<Point2>& out);

// The polygonal part of `g` (Polygon or MultiPolygon; empty MultiPolygon when
// there is none). Make-valid may return a GeometryCollection with collapsed
// lines and points, which would make every later predicate slow and wrong.
GeomPtr PolygonalPart(GEOSContextHandle_t ctx, const GEOSGeometry* g);

// `g` made valid the one way Redline repairs polygons, zones (the loader) and
// request sites alike: GEOS's "structure" method (the area the shells enclose
// minus the holes), collapsed parts not kept, then PolygonalPart. Null when
// make-valid failed (the reason is on the context: GeosContext::TakeError);
// an empty MultiPolygon when nothing polygonal remains.
GeomPtr MakeValidPolygonal(GEOSContextHandle_t ctx, const GEOSGeometry* g);

// Total number of coordinates in `g`.
int NumCoordinates(GEOSContextHandle_t ctx, const GEOSGeometry* g);

// Short WKT of a geometry for messages (at most `max_chars`).
std::string ShortWkt(GEOSContextHandle_t ctx, const GEOSGeometry* g, size_t max_chars = 80);

}  // namespace redline

#endif  // REDLINE_SPATIAL_GEOM_GEOS_UTIL_H_
