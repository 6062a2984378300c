#include "clients/cli/gpkg_blob.h"

#include <ogr_geometry.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <memory>

namespace redline::cli {
namespace {

// Any other point encoding (EWKB flags, odd type codes) as GDAL's own WKB
// reader takes it: GDAL is what the GDAL path reads GeoPackages with.
bool GdalPoint(const unsigned char* wkb, int n, double* x, double* y) {
  OGRGeometry* raw = nullptr;
  if (OGRGeometryFactory::createFromWkb(wkb, nullptr, &raw, n, wkbVariantIso) != OGRERR_NONE) {
    return false;
  }
  std::unique_ptr<OGRGeometry> g(raw);
  if (!g || wkbFlatten(g->getGeometryType()) != wkbPoint) return false;
  const OGRPoint* p = g->toPoint();
  *x = p->IsEmpty() ? NAN : p->getX();
  *y = p->IsEmpty() ? NAN : p->getY();
  return true;
}

}  // namespace

bool GpkgBlobPoint(const unsigned char* b, int n, double* x, double* y) {
  if (b == nullptr || n < 8 || b[0] != 'G' || b[1] != 'P') return false;
  // Envelope bytes by the flags' envelope code (bits 1-3); 5-7 are invalid.
  static constexpr int kEnvelope[] = {0, 32, 48, 48, 64, -1, -1, -1};
  const int envelope = kEnvelope[(b[3] >> 1) & 7];
  if (envelope < 0) return false;
  const int h = 8 + envelope;
  if (n < h + 21) return n > h && GdalPoint(b + h, n - h, x, y);  // byte order, type, x, y
  const bool little = b[h] == 1;
  uint32_t type = 0;
  std::memcpy(&type, b + h + 1, 4);
  if (!little) type = __builtin_bswap32(type);
  // The plain ISO Point, Point Z, M, ZM (what GDAL writes): read here.
  if ((b[h] != 0 && b[h] != 1) || type % 1000 != 1 || type > 3001) {
    return GdalPoint(b + h, n - h, x, y);
  }
  uint64_t bits[2];
  std::memcpy(bits, b + h + 5, 16);
  if (!little) {
    bits[0] = __builtin_bswap64(bits[0]);
    bits[1] = __builtin_bswap64(bits[1]);
  }
  std::memcpy(x, &bits[0], 8);
  std::memcpy(y, &bits[1], 8);
  return true;
}

}  // namespace redline::cli
