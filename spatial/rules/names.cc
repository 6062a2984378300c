#include "spatial/rules/names.h"

#include <iterator>

namespace redline {
namespace {

constexpr ZoneKindNames kZoneKindNames[] = {
    {ZoneKind::kEcologicalRedLine, "ECOLOGICAL_RED_LINE", {"生态保护红线", "Ecological red line"}},
    {ZoneKind::kWaterSourceProtection,
     "WATER_SOURCE_PROTECTION",
     {"饮用水水源保护区", "Drinking-water source protection zone"}},
    {ZoneKind::kZeroDischargeZone,
     "ZERO_DISCHARGE_ZONE",
     {"污水零直排区", "Zero-direct-discharge zone"}},
    {ZoneKind::kOther, "OTHER_ZONE", {"其他图层", "Other layer"}},
    {ZoneKind::kContext, "CONTEXT_LAYER", {"参考图层", "Context layer"}},
};
static_assert(std::size(kZoneKindNames) == std::size(kAllZoneKinds) + 1,
              "every zone kind, and the context layers, need their names");

// Keyed by levels.h's canonical spellings (kLevelFirst, kLevelSecond,
// kLevelQuasi; tests/spatial/names_test.cc holds them equal).
constexpr LevelNames kLevelNames[] = {
    {"一级", {"一级保护区", "first-level protection zone"}},
    {"二级", {"二级保护区", "second-level protection zone"}},
    {"准保护区", {"准保护区", "quasi-protection zone"}},
};

}  // namespace

absl::Span<const ZoneKindNames> AllZoneKindNames() { return kZoneKindNames; }

DisplayName ZoneKindDisplayName(ZoneKind kind) {
  for (const ZoneKindNames& row : kZoneKindNames) {
    if (row.kind == kind) return row.name;
  }
  return kUnknownZoneKindName;
}

DisplayName ZoneKindDisplayName(absl::string_view api_name) {
  for (const ZoneKindNames& row : kZoneKindNames) {
    if (row.api_name == api_name) return row.name;
  }
  return kUnknownZoneKindName;
}

absl::Span<const LevelNames> AllLevelNames() { return kLevelNames; }

const DisplayName* LevelDisplayName(absl::string_view level) {
  for (const LevelNames& row : kLevelNames) {
    if (row.level == level) return &row.name;
  }
  return nullptr;
}

}  // namespace redline
