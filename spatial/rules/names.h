// The display names of zone kinds and protection levels, in Chinese and
// English: the one table that the printable record (report/), the CLI's
// tables (clients/cli/output.cc) and the staff page (clients/web/i18n.js,
// through names.js, generated from this table at build time by
// clients/web/names_js.cc) all take their wording from.
//
// The wording is the domain's own: the kinds as the law and Zhejiang's plans
// name them (生态保护红线, 饮用水水源保护区, 污水零直排区), the water-source
// levels as 水污染防治法 第六十三条 names them (一级保护区, 二级保护区, 准保护区).
// Layers of kind `other` hold whatever else was loaded (administrative
// boundaries, control units): "other layers".
//
// Constant data; thread-safe.
#ifndef REDLINE_SPATIAL_RULES_NAMES_H_
#define REDLINE_SPATIAL_RULES_NAMES_H_

#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "spatial/rules/zone_kind.h"

namespace redline {

struct DisplayName {
  absl::string_view zh;
  absl::string_view en;
};

// One zone kind. `api_name` is the kind's name in the API (the proto enum
// redline.v1.ZoneKind, as JSON and the page spell it): the core knows no
// protobuf, so the clients look names up by it.
struct ZoneKindNames {
  ZoneKind kind;
  absl::string_view api_name;
  DisplayName name;
};

// Every kind, in kAllZoneKinds order, then the context layers' row
// (ZoneKind::kContext: drawn, never checked).
absl::Span<const ZoneKindNames> AllZoneKindNames();

// The names of a kind the API leaves unspecified (ZONE_KIND_UNSPECIFIED) or
// that this build does not know.
inline constexpr absl::string_view kUnspecifiedZoneKindApiName = "ZONE_KIND_UNSPECIFIED";
inline constexpr DisplayName kUnknownZoneKindName = {"未知类型", "Unknown kind"};

DisplayName ZoneKindDisplayName(ZoneKind kind);
// By API name; an unknown name (or ZONE_KIND_UNSPECIFIED) gets
// kUnknownZoneKindName.
DisplayName ZoneKindDisplayName(absl::string_view api_name);

// One canonical water-source level (spatial/rules/levels.h: 一级, 二级,
// 准保护区) and its names. The levels of the other kinds (水源涵养, 工业园区
// ...) are names already and are shown as the data spells them.
struct LevelNames {
  absl::string_view level;
  DisplayName name;
};

// The water-source levels, strictest first.
absl::Span<const LevelNames> AllLevelNames();

// The names of a canonical level, or null for any other value.
const DisplayName* LevelDisplayName(absl::string_view level);

}  // namespace redline

#endif  // REDLINE_SPATIAL_RULES_NAMES_H_
