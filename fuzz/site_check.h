// The invariants every site PrepareSite accepts must hold, shared by the
// WKT, WKB, GeoJSON and coordinate-table harnesses.
#ifndef REDLINE_FUZZ_SITE_CHECK_H_
#define REDLINE_FUZZ_SITE_CHECK_H_

#include <cmath>
#include <cstdint>

#include "absl/status/statusor.h"
#include "fuzz/fuzz_check.h"
#include "spatial/input/geometry_input.h"

namespace redline::fuzz {

// The working CRS of the sample data (Config's default).
inline const std::string& WorkingCrs() {
  static const std::string* crs = new std::string("EPSG:4549");
  return *crs;
}

// Small enough that one input stays fast, large enough for real sites.
inline constexpr int64_t kMaxVertices = 20000;

// An accepted site is a non-empty geometry of a known dimension within the
// vertex limit, measured with finite, non-negative figures; a refusal is an
// ordinary error, never a crash or an unknown status.
inline void CheckSite(const absl::StatusOr<Site>& site) {
  if (!site.ok()) {
    const absl::StatusCode code = site.status().code();
    FUZZ_CHECK(code == absl::StatusCode::kInvalidArgument ||
                   code == absl::StatusCode::kResourceExhausted ||
                   code == absl::StatusCode::kOutOfRange,
               "unexpected status %s", site.status().ToString().c_str());
    return;
  }
  FUZZ_CHECK(site->working != nullptr, "accepted site without a geometry");
  FUZZ_CHECK(site->vertices > 0 && site->vertices <= kMaxVertices, "%lld vertices (limit %lld)",
             static_cast<long long>(site->vertices), static_cast<long long>(kMaxVertices));
  FUZZ_CHECK(site->dimension >= 0 && site->dimension <= 2, "dimension %d", site->dimension);
  FUZZ_CHECK(std::isfinite(site->area_m2) && site->area_m2 >= 0, "area %g", site->area_m2);
  FUZZ_CHECK(std::isfinite(site->length_m) && site->length_m >= 0, "length %g", site->length_m);
  FUZZ_CHECK(site->dimension == 2 || site->area_m2 == 0, "a %s with area %g", site->type.c_str(),
             site->area_m2);
}

}  // namespace redline::fuzz

#endif  // REDLINE_FUZZ_SITE_CHECK_H_
