// Zone kinds: the categories of protected area Redline knows the law for.
#ifndef REDLINE_SPATIAL_RULES_ZONE_KIND_H_
#define REDLINE_SPATIAL_RULES_ZONE_KIND_H_

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace redline {

enum class ZoneKind {
  kEcologicalRedLine,      // 生态保护红线
  kWaterSourceProtection,  // 饮用水水源保护区
  kZeroDischargeZone,      // 污水零直排区
  kOther,                  // any other layer: hits reported, no default rules
  // A context layer (county boundaries, rivers, towns): loaded and drawn
  // under the zones with its names, never checked. Not a zone kind: it is
  // not in kAllZoneKinds, rules cannot name it, and its features are held
  // apart from the zones (Snapshot::context()), so no check, verdict,
  // overlay, nearby search or zone metric can see them.
  kContext,
};

inline constexpr ZoneKind kAllZoneKinds[] = {ZoneKind::kEcologicalRedLine,
                                             ZoneKind::kWaterSourceProtection,
                                             ZoneKind::kZeroDischargeZone, ZoneKind::kOther};

// The config spelling: "ecological_red_line", "water_source_protection",
// "zero_discharge_zone", "other"; kContext: "context".
absl::string_view ZoneKindName(ZoneKind kind);

// Parses the config spelling; the error lists the accepted names.
absl::StatusOr<ZoneKind> ParseZoneKind(absl::string_view name);

// A layer's kind in the config: a zone kind, or "context".
absl::StatusOr<ZoneKind> ParseLayerKind(absl::string_view name);

}  // namespace redline

#endif  // REDLINE_SPATIAL_RULES_ZONE_KIND_H_
