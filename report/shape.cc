#include "report/shape.h"

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "spatial/geom/geos_util.h"
#include "spatial/input/geometry_scan.h"

namespace redline::report {
namespace {

// The geometries drawn were accepted by the server, which bounds their size;
// only their nesting needs bounding here, before a recursive reader sees them.
constexpr GeometryBounds kBounds = {int64_t{1} << 40, int64_t{1} << 40, kMaxGeometryNesting};

// A GEOS reader of the calling thread's context, destroyed with it.
template <typename Reader, void (*Destroy)(GEOSContextHandle_t, Reader*)>
class ReaderPtr {
 public:
  ReaderPtr(GEOSContextHandle_t ctx, Reader* reader) : ctx_(ctx), reader_(reader) {}
  ~ReaderPtr() {
    if (reader_ != nullptr) Destroy(ctx_, reader_);
  }
  ReaderPtr(const ReaderPtr&) = delete;
  ReaderPtr& operator=(const ReaderPtr&) = delete;
  Reader* get() const { return reader_; }

 private:
  GEOSContextHandle_t ctx_;
  Reader* reader_;
};
using WktReader = ReaderPtr<GEOSWKTReader, GEOSWKTReader_destroy_r>;
using WkbReader = ReaderPtr<GEOSWKBReader, GEOSWKBReader_destroy_r>;
using GeoJsonReader = ReaderPtr<GEOSGeoJSONReader, GEOSGeoJSONReader_destroy_r>;

std::vector<XY> Coordinates(GEOSContextHandle_t ctx, const GEOSGeometry* linear) {
  std::vector<Point2> points;
  AppendCoordinates(ctx, linear, points);
  std::vector<XY> out;
  out.reserve(points.size());
  for (const Point2& p : points) out.push_back({p.x, p.y});
  return out;
}

// Appends the parts of `g`, collections flattened. The nesting was bounded
// by the scan before GEOS read it.
void AddParts(GEOSContextHandle_t ctx, const GEOSGeometry* g, Shape* out) {
  if (GEOSisEmpty_r(ctx, g) == 1) return;
  switch (GEOSGeomTypeId_r(ctx, g)) {
    case GEOS_POINT:
      out->parts.push_back({Shape::Dim::kPoint, {Coordinates(ctx, g)}});
      return;
    case GEOS_LINESTRING:
    case GEOS_LINEARRING:
      out->parts.push_back({Shape::Dim::kLine, {Coordinates(ctx, g)}});
      return;
    case GEOS_POLYGON: {
      Shape::Part part{Shape::Dim::kPolygon, {Coordinates(ctx, GEOSGetExteriorRing_r(ctx, g))}};
      const int holes = GEOSGetNumInteriorRings_r(ctx, g);
      for (int i = 0; i < holes; ++i) {
        part.rings.push_back(Coordinates(ctx, GEOSGetInteriorRingN_r(ctx, g, i)));
      }
      out->parts.push_back(std::move(part));
      return;
    }
    default: {
      const int n = GEOSGetNumGeometries_r(ctx, g);
      for (int i = 0; i < n; ++i) AddParts(ctx, GEOSGetGeometryN_r(ctx, g, i), out);
    }
  }
}

absl::StatusOr<Shape> ToShape(GeosContext& geos, GEOSGeometry* read, absl::string_view what) {
  GEOSContextHandle_t ctx = geos.get();
  GeomPtr g = Own(ctx, read);
  if (g == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat(what, ": ", geos.TakeError("cannot parse")));
  }
  Shape shape;
  AddParts(ctx, g.get(), &shape);
  return shape;
}

// EWKT's "SRID=4490;" prefix, which GEOS 3.11's WKT reader does not know.
absl::string_view StripSrid(absl::string_view wkt) {
  const absl::string_view text = absl::StripLeadingAsciiWhitespace(wkt);
  if (!absl::StartsWithIgnoreCase(text, "SRID=")) return wkt;
  const size_t semi = text.find(';');
  return semi == absl::string_view::npos ? wkt : text.substr(semi + 1);
}

}  // namespace

absl::StatusOr<Shape> ParseWkt(absl::string_view wkt) {
  wkt = StripSrid(wkt);
  if (absl::Status st = ScanWkt(wkt, kBounds); !st.ok()) return st;
  GeosContext& geos = ThreadGeos();
  WktReader reader(geos.get(), GEOSWKTReader_create_r(geos.get()));
  const std::string text(wkt);  // GEOS wants it NUL-terminated
  return ToShape(geos, GEOSWKTReader_read_r(geos.get(), reader.get(), text.c_str()), "WKT");
}

absl::StatusOr<Shape> ParseGeoJson(absl::string_view json) {
  if (absl::Status st = ScanGeoJson(json, kBounds); !st.ok()) return st;
  GeosContext& geos = ThreadGeos();
  GeoJsonReader reader(geos.get(), GEOSGeoJSONReader_create_r(geos.get()));
  const std::string text(json);
  return ToShape(geos, GEOSGeoJSONReader_readGeometry_r(geos.get(), reader.get(), text.c_str()),
                 "GeoJSON");
}

absl::StatusOr<Shape> ParseWkb(absl::string_view wkb) {
  if (absl::Status st = ScanWkb(wkb, kBounds); !st.ok()) return st;
  GeosContext& geos = ThreadGeos();
  WkbReader reader(geos.get(), GEOSWKBReader_create_r(geos.get()));
  return ToShape(
      geos,
      GEOSWKBReader_read_r(geos.get(), reader.get(),
                           reinterpret_cast<const unsigned char*>(wkb.data()), wkb.size()),
      "WKB");
}

}  // namespace redline::report
