// Fuzzes WKB site input: PrepareSite(kWkb) — GEOS's WKB reader (either byte
// order, ISO and EWKB type codes, SRIDs, Z/M), then validity, coordinate
// reading, reprojection and measuring. Asserts the site invariants of
// site_check.h (vertex limit, dimension, finite measures, only the expected
// error codes). Nested GEOMETRYCOLLECTIONs deeper than the stack are in
// fuzz/regressions/wkb/.
#include <cstddef>
#include <cstdint>

#include "absl/strings/string_view.h"
#include "fuzz/site_check.h"
#include "spatial/input/geometry_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view bytes(reinterpret_cast<const char*>(data), size);
  redline::fuzz::CheckSite(redline::PrepareSite(redline::GeometryEncoding::kWkb, bytes, "",
                                                redline::fuzz::WorkingCrs(),
                                                redline::fuzz::kMaxVertices));
  return 0;
}
