// The law's vocabulary by name: purposes, outfall types, project actions and
// verdicts, parsed from what people and rule files write and named as the wire
// contract spells them (rules.h).
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "spatial/rules/rules.h"

namespace redline {
namespace {

template <typename E>
struct NamedValue {
  absl::string_view name;
  E value;
  bool alias;  // accepted, but not listed in error messages
};

constexpr NamedValue<Purpose> kPurposeNames[] = {
    {"OUTFALL", Purpose::kOutfall, false},
    {"DISCHARGING_PROJECT", Purpose::kDischargingProject, false},
    {"NON_DISCHARGING_PROJECT", Purpose::kNonDischargingProject, false},
    {"SERIOUSLY_POLLUTING_PROJECT", Purpose::kSeriouslyPollutingProject, false},
    {"WATER_SUPPLY_FACILITY", Purpose::kWaterSupplyFacility, false},
    {"LINEAR_INFRASTRUCTURE", Purpose::kLinearInfrastructure, false},
    {"OTHER", Purpose::kOther, false},
    {"UNSPECIFIED", Purpose::kUnspecified, false},
    {"PURPOSE_UNSPECIFIED", Purpose::kUnspecified, true},
};

constexpr NamedValue<OutfallType> kOutfallTypeNames[] = {
    {"RIVER", OutfallType::kRiver, false},
    {"SEA", OutfallType::kSea, false},
    {"RAINWATER", OutfallType::kRainwater, false},
    {"UNSPECIFIED", OutfallType::kUnspecified, false},
    {"OUTFALL_TYPE_UNSPECIFIED", OutfallType::kUnspecified, true},
};

constexpr NamedValue<ProjectAction> kActionNames[] = {
    {"NEW", ProjectAction::kNew, false},
    {"EXPANDED", ProjectAction::kExpanded, false},
    {"REBUILT", ProjectAction::kRebuilt, false},
    {"UNSPECIFIED", ProjectAction::kUnspecified, false},
    {"ACTION_UNSPECIFIED", ProjectAction::kUnspecified, true},
};

constexpr NamedValue<Verdict> kVerdictNames[] = {
    {"CLEAR", Verdict::kClear, false},
    {"CONDITIONAL", Verdict::kConditional, false},
    {"RESTRICTED", Verdict::kRestricted, false},
    {"PROHIBITED", Verdict::kProhibited, false},
    {"NEEDS_PURPOSE", Verdict::kNeedsPurpose, false},
};

// "discharging-project " -> "DISCHARGING_PROJECT".
std::string CanonicalName(absl::string_view name) {
  std::string s(absl::StripAsciiWhitespace(name));
  for (char& c : s) {
    c = (c == '-' || c == ' ') ? '_' : absl::ascii_toupper(c);
  }
  return s;
}

template <typename E, size_t N>
absl::StatusOr<E> ParseNamed(absl::string_view what, absl::string_view raw,
                             const NamedValue<E> (&table)[N]) {
  const std::string key = CanonicalName(raw);
  std::vector<absl::string_view> listed;
  for (const NamedValue<E>& entry : table) {
    if (entry.name == key) return entry.value;
    if (!entry.alias) listed.push_back(entry.name);
  }
  return absl::InvalidArgumentError(absl::StrCat("unknown ", what, " '", raw, "': expected one of ",
                                                 absl::StrJoin(listed, ", ")));
}

}  // namespace

absl::StatusOr<Purpose> ParsePurpose(absl::string_view name) {
  return ParseNamed("purpose", name, kPurposeNames);
}
absl::StatusOr<OutfallType> ParseOutfallType(absl::string_view name) {
  return ParseNamed("outfall type", name, kOutfallTypeNames);
}
absl::StatusOr<ProjectAction> ParseProjectAction(absl::string_view name) {
  return ParseNamed("action", name, kActionNames);
}
absl::StatusOr<Verdict> ParseVerdict(absl::string_view name) {
  return ParseNamed("verdict", name, kVerdictNames);
}

absl::string_view PurposeName(Purpose purpose) {
  switch (purpose) {
    case Purpose::kUnspecified:
      return "PURPOSE_UNSPECIFIED";
    case Purpose::kOutfall:
      return "OUTFALL";
    case Purpose::kDischargingProject:
      return "DISCHARGING_PROJECT";
    case Purpose::kNonDischargingProject:
      return "NON_DISCHARGING_PROJECT";
    case Purpose::kSeriouslyPollutingProject:
      return "SERIOUSLY_POLLUTING_PROJECT";
    case Purpose::kWaterSupplyFacility:
      return "WATER_SUPPLY_FACILITY";
    case Purpose::kLinearInfrastructure:
      return "LINEAR_INFRASTRUCTURE";
    case Purpose::kOther:
      return "OTHER";
  }
  return "PURPOSE_UNSPECIFIED";
}

absl::string_view OutfallTypeName(OutfallType type) {
  switch (type) {
    case OutfallType::kUnspecified:
      return "OUTFALL_TYPE_UNSPECIFIED";
    case OutfallType::kRiver:
      return "RIVER";
    case OutfallType::kSea:
      return "SEA";
    case OutfallType::kRainwater:
      return "RAINWATER";
  }
  return "OUTFALL_TYPE_UNSPECIFIED";
}

absl::string_view ProjectActionName(ProjectAction action) {
  switch (action) {
    case ProjectAction::kUnspecified:
      return "ACTION_UNSPECIFIED";
    case ProjectAction::kNew:
      return "NEW";
    case ProjectAction::kExpanded:
      return "EXPANDED";
    case ProjectAction::kRebuilt:
      return "REBUILT";
  }
  return "ACTION_UNSPECIFIED";
}

absl::string_view VerdictName(Verdict verdict) {
  switch (verdict) {
    case Verdict::kClear:
      return "CLEAR";
    case Verdict::kConditional:
      return "CONDITIONAL";
    case Verdict::kRestricted:
      return "RESTRICTED";
    case Verdict::kProhibited:
      return "PROHIBITED";
    case Verdict::kNeedsPurpose:
      return "NEEDS_PURPOSE";
    case Verdict::kUnspecified:
      return "VERDICT_UNSPECIFIED";
  }
  return "VERDICT_UNSPECIFIED";
}

}  // namespace redline
