// Fuzzes GeoJSON site input: PrepareSite(kGeoJson) — GEOS's GeoJSON reader
// (a JSON parser and the geometry types), then validity, coordinate reading,
// reprojection and measuring. Asserts the site invariants of site_check.h,
// and that an accepted site written back as GeoJSON (LonLatEncoded, as the
// HTTP API returns it) is read again.
#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"
#include "fuzz/fuzz_check.h"
#include "fuzz/site_check.h"
#include "spatial/input/geometry_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using redline::GeometryEncoding;
  const absl::string_view text(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<redline::Site> site =
      redline::PrepareSite(GeometryEncoding::kGeoJson, text, "", redline::fuzz::WorkingCrs(),
                           redline::fuzz::kMaxVertices);
  redline::fuzz::CheckSite(site);
  if (!site.ok()) return 0;
  absl::StatusOr<std::string> written =
      redline::LonLatEncoded(redline::ThreadGeos().get(), site->working.get(),
                             redline::fuzz::WorkingCrs(), redline::GeometryFormat::kGeoJson);
  FUZZ_CHECK(written.ok(), "cannot write an accepted site as GeoJSON: %s",
             written.status().ToString().c_str());
  // Rounded to 1e-7 degrees, a polygon may touch itself and be refused as
  // invalid; it must still parse and never crash.
  absl::StatusOr<redline::Site> again =
      redline::PrepareSite(GeometryEncoding::kGeoJson, *written, "", redline::fuzz::WorkingCrs(),
                           redline::fuzz::kMaxVertices);
  redline::fuzz::CheckSite(again);
  FUZZ_CHECK(again.ok() || again.status().message().find("malformed") == absl::string_view::npos,
             "the GeoJSON LonLatEncoded wrote is malformed: %s", written->c_str());
  return 0;
}
