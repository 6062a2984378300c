// Which sites of a register (enterprises, outfalls, permitted sites) a change
// of the zones touches: every feature is checked under both versions with the
// same options, and those whose verdict, hit zones or relation to a zone
// changed are listed with the zone changes that caused it. Unchanged
// features are counted.
//
// A zone reported as renamed (compare.h) is the same zone under both ids:
// a site in it has not changed zones.
#ifndef REDLINE_SPATIAL_COMPARE_IMPACT_H_
#define REDLINE_SPATIAL_COMPARE_IMPACT_H_

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "spatial/compare/compare.h"
#include "spatial/index/zone_index.h"
#include "spatial/query/check_types.h"

namespace redline {

// One feature of a register: its id and its geometry as WKB in the
// register's CRS.
struct RegisterFeature {
  std::string id;
  std::string wkb;
};

// A zone a site lies in, and how.
struct SiteHit {
  std::string layer;
  std::string zone_id;
  Relation relation = Relation::kInside;
  friend bool operator==(const SiteHit&, const SiteHit&) = default;
};

struct FeatureImpact {
  size_t feature = 0;  // index into the register
  std::string id;
  // What differs, in this order: "verdict", "zones" (the zones hit),
  // "relation" (same zones, another relation to one of them).
  std::vector<std::string> what;
  Verdict verdict_before = Verdict::kUnspecified;
  Verdict verdict_after = Verdict::kUnspecified;
  std::string reason_before, reason_after;
  std::vector<SiteHit> hits_before;  // ids as the newer version names them
  std::vector<SiteHit> hits_after;
  // Indexes into ZoneComparison::changes: the changed zones the site lies
  // in, or lies near with a setback rule applied, under either version.
  std::vector<size_t> causes;
};

struct RegisterImpact {
  std::vector<FeatureImpact> changed;  // in register order
  int64_t unchanged = 0;
  // Features that could not be checked under one version or both: index
  // into the register and the first error.
  std::vector<std::pair<size_t, std::string>> failed;
};

// Checks `features` (geometries in `crs`) under `from` and `to`.
// `comparison` is CompareZones(from, to). The options are checked against
// both versions first (an unknown layer is an error before any feature).
absl::StatusOr<RegisterImpact> CompareRegister(const ZoneIndex& from, const ZoneIndex& to,
                                               const ZoneComparison& comparison,
                                               std::span<const RegisterFeature> features,
                                               absl::string_view crs, const CheckOptions& options);

}  // namespace redline

#endif  // REDLINE_SPATIAL_COMPARE_IMPACT_H_
