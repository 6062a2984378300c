#include "spatial/geom/geos_util.h"

#include <vector>

namespace redline {

GeosContext::GeosContext() : handle_(GEOS_init_r()) {
  GEOSContext_setErrorMessageHandler_r(handle_, &GeosContext::OnError, this);
}

GeosContext::~GeosContext() { GEOS_finish_r(handle_); }

void GeosContext::OnError(const char* message, void* userdata) {
  static_cast<GeosContext*>(userdata)->last_error_ = message;
}

std::string GeosContext::TakeError(const char* fallback) {
  std::string out = last_error_.empty() ? fallback : std::move(last_error_);
  last_error_.clear();
  return out;
}

void GeomDeleter::operator()(GEOSGeometry* g) const {
  if (g != nullptr) GEOSGeom_destroy_r(ctx, g);
}

GeosContext& ThreadGeos() {
  thread_local GeosContext context;
  return context;
}

bool AppendCoordinates(GEOSContextHandle_t ctx, const GEOSGeometry* linear,
                       std::vector<Point2>& out) {
  const GEOSCoordSequence* seq = GEOSGeom_getCoordSeq_r(ctx, linear);
  unsigned int size = 0;
  if (seq == nullptr || !GEOSCoordSeq_getSize_r(ctx, seq, &size)) return false;
  if (size == 0) return true;
  const size_t base = out.size();
  out.resize(base + size);
  // Point2 is two doubles, x then y: GEOS writes straight into it.
  static_assert(sizeof(Point2) == 2 * sizeof(double));
  if (!GEOSCoordSeq_copyToBuffer_r(ctx, seq, &out[base].x, 0, 0)) {
    out.resize(base);
    return false;
  }
  return true;
}

namespace {

void CollectPolygons(GEOSContextHandle_t ctx, const GEOSGeometry* g,
                     std::vector<GEOSGeometry*>& out) {
  switch (GEOSGeomTypeId_r(ctx, g)) {
    case GEOS_POLYGON:
      if (!GEOSisEmpty_r(ctx, g)) out.push_back(GEOSGeom_clone_r(ctx, g));
      break;
    case GEOS_MULTIPOLYGON:
    case GEOS_GEOMETRYCOLLECTION: {
      const int n = GEOSGetNumGeometries_r(ctx, g);
      for (int i = 0; i < n; ++i) {
        CollectPolygons(ctx, GEOSGetGeometryN_r(ctx, g, i), out);
      }
      break;
    }
    default:
      break;  // points and lines: collapsed parts, not area
  }
}

}  // namespace

GeomPtr PolygonalPart(GEOSContextHandle_t ctx, const GEOSGeometry* g) {
  std::vector<GEOSGeometry*> parts;
  CollectPolygons(ctx, g, parts);
  if (parts.size() == 1) return Own(ctx, parts[0]);
  return Own(ctx, GEOSGeom_createCollection_r(ctx, GEOS_MULTIPOLYGON, parts.data(), parts.size()));
}

GeomPtr MakeValidPolygonal(GEOSContextHandle_t ctx, const GEOSGeometry* g) {
  GEOSMakeValidParams* params = GEOSMakeValidParams_create_r(ctx);
  GEOSMakeValidParams_setMethod_r(ctx, params, GEOS_MAKE_VALID_STRUCTURE);
  GEOSMakeValidParams_setKeepCollapsed_r(ctx, params, 0);
  GeomPtr fixed = Own(ctx, GEOSMakeValidWithParams_r(ctx, g, params));
  GEOSMakeValidParams_destroy_r(ctx, params);
  if (!fixed) return nullptr;
  // The structure method already returns polygons here; the extraction
  // guards the promise (see pitfalls.md: a GeometryCollection would make
  // every later predicate slow).
  return PolygonalPart(ctx, fixed.get());
}

int NumCoordinates(GEOSContextHandle_t ctx, const GEOSGeometry* g) {
  return GEOSGetNumCoordinates_r(ctx, g);
}

std::string ShortWkt(GEOSContextHandle_t ctx, const GEOSGeometry* g, size_t max_chars) {
  GEOSWKTWriter* writer = GEOSWKTWriter_create_r(ctx);
  GEOSWKTWriter_setRoundingPrecision_r(ctx, writer, 3);
  GeosString wkt(GEOSWKTWriter_write_r(ctx, writer, g), GeosFree{ctx});
  GEOSWKTWriter_destroy_r(ctx, writer);
  std::string s = wkt ? wkt.get() : "";
  if (s.size() > max_chars) s = s.substr(0, max_chars) + "...";
  return s;
}

}  // namespace redline
