// Fuzzes WKT site input: PrepareSite(kWkt) (the fast reader of spatial/input/wkt.h,
// GEOS's reader for what it declines, validity, coordinate reading,
// reprojection, measuring), and ReadSimpleWkt against GEOS's reader.
// Asserts, beyond no crash: the site invariants of site_check.h, and that
// whatever the fast reader accepts GEOS reads to the same geometry (exact
// coordinates), which is the promise spatial/input/wkt.h makes.
#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"
#include "fuzz/fuzz_check.h"
#include "fuzz/site_check.h"
#include "spatial/geom/geos_util.h"
#include "spatial/input/geometry_input.h"
#include "spatial/input/wkt.h"

namespace {

using redline::GeomPtr;

// The fast reader accepts no GEOMETRYCOLLECTION, so handing GEOS the same
// text here cannot reach GEOS's unbounded recursion on nested collections.
void CompareWithGeos(absl::string_view text) {
  redline::GeosContext& geos = redline::ThreadGeos();
  GEOSContextHandle_t ctx = geos.get();
  GeomPtr fast = redline::ReadSimpleWkt(ctx, text);
  if (!fast) return;
  const std::string nul_terminated(text);
  GEOSWKTReader* reader = GEOSWKTReader_create_r(ctx);
  GeomPtr slow = redline::Own(ctx, GEOSWKTReader_read_r(ctx, reader, nul_terminated.c_str()));
  GEOSWKTReader_destroy_r(ctx, reader);
  FUZZ_CHECK(slow != nullptr, "the fast reader accepted WKT that GEOS refuses: %s",
             geos.TakeError().c_str());
  FUZZ_CHECK(GEOSEqualsExact_r(ctx, fast.get(), slow.get(), 0) == 1,
             "the fast reader and GEOS read different geometries");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view text(reinterpret_cast<const char*>(data), size);
  CompareWithGeos(text);
  redline::fuzz::CheckSite(redline::PrepareSite(redline::GeometryEncoding::kWkt, text, "",
                                                redline::fuzz::WorkingCrs(),
                                                redline::fuzz::kMaxVertices));
  return 0;
}
