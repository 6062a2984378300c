#include "spatial/rules/zone_kind.h"

#include "absl/strings/str_cat.h"

namespace redline {

absl::string_view ZoneKindName(ZoneKind kind) {
  switch (kind) {
    case ZoneKind::kEcologicalRedLine:
      return "ecological_red_line";
    case ZoneKind::kWaterSourceProtection:
      return "water_source_protection";
    case ZoneKind::kZeroDischargeZone:
      return "zero_discharge_zone";
    case ZoneKind::kOther:
      return "other";
    case ZoneKind::kContext:
      return "context";
  }
  return "other";
}

absl::StatusOr<ZoneKind> ParseZoneKind(absl::string_view name) {
  for (ZoneKind kind : kAllZoneKinds) {
    if (ZoneKindName(kind) == name) return kind;
  }
  return absl::InvalidArgumentError(
      absl::StrCat("unknown zone kind '", std::string(name),
                   "': expected one of ecological_red_line, water_source_protection, "
                   "zero_discharge_zone, other"));
}

absl::StatusOr<ZoneKind> ParseLayerKind(absl::string_view name) {
  if (name == ZoneKindName(ZoneKind::kContext)) return ZoneKind::kContext;
  absl::StatusOr<ZoneKind> kind = ParseZoneKind(name);
  if (!kind.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(
        kind.status().message(), ", or context (drawn under the zones, never checked)"));
  }
  return kind;
}

}  // namespace redline
