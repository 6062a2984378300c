// Fuzzes the overlay fast path's GeoPackage blob reader
// (clients/cli/gpkg_blob.h) against GDAL's WKB reader: where both find a
// point it is the same (same bits, or NaN for NaN); where GDAL reads a point
// after a well-formed header, so does the reader; no point without a
// well-formed header.
#include <ogr_geometry.h>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>

#include "clients/cli/gpkg_blob.h"
#include "fuzz/fuzz_check.h"

namespace {

bool Same(double a, double b) {
  return (std::isnan(a) && std::isnan(b)) || std::memcmp(&a, &b, sizeof a) == 0;
}

// The header size a well-formed blob has, or -1.
int HeaderSize(const uint8_t* b, size_t n) {
  if (n < 8 || b[0] != 'G' || b[1] != 'P') return -1;
  static constexpr int kEnvelope[] = {0, 32, 48, 48, 64, -1, -1, -1};
  const int envelope = kEnvelope[(b[3] >> 1) & 7];
  return envelope < 0 ? -1 : 8 + envelope;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > (1 << 16)) return 0;
  double x = 0, y = 0;
  const bool found = redline::cli::GpkgBlobPoint(data, static_cast<int>(size), &x, &y);
  const int h = HeaderSize(data, size);
  FUZZ_CHECK(!found || h >= 0, "a point in a blob without a well-formed header");
  if (h < 0 || static_cast<size_t>(h) >= size) return 0;
  OGRGeometry* raw = nullptr;
  const OGRErr err =
      OGRGeometryFactory::createFromWkb(data + h, nullptr, &raw, size - h, wkbVariantIso);
  std::unique_ptr<OGRGeometry> gdal(raw);
  const bool gdal_point =
      err == OGRERR_NONE && gdal && wkbFlatten(gdal->getGeometryType()) == wkbPoint;
  if (found && gdal_point) {
    const OGRPoint* p = gdal->toPoint();
    const double gx = p->IsEmpty() ? NAN : p->getX(), gy = p->IsEmpty() ? NAN : p->getY();
    FUZZ_CHECK(Same(x, gx) && Same(y, gy), "(%.17g, %.17g) but GDAL reads (%.17g, %.17g)", x, y, gx,
               gy);
  }
  FUZZ_CHECK(!gdal_point || found, "GDAL reads a point the reader misses");
  return 0;
}
