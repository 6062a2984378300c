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

}  // namespace redline
