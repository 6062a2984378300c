// Zone levels: turning the many spellings of a protection level in real data
// into the few canonical levels the rules are written against.
//
// A water-source protection zone is 一级, 二级 or 准保护区 (水污染防治法
// 第六十三条), but source data spells these "一级保护区", "一级水域", "Ⅰ级",
// "I级", "1", "Level 1", "１级 " (full-width), "准保护区", "quasi" ... For the
// other kinds the "level" is a type or category (生态保护红线: 水源涵养 ...;
// 污水零直排区: 工业园区 ...) that rules rarely distinguish; it passes through
// trimmed.
//
// All functions are pure and thread-safe.
#ifndef REDLINE_SPATIAL_RULES_LEVELS_H_
#define REDLINE_SPATIAL_RULES_LEVELS_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "spatial/rules/zone_kind.h"

namespace redline {

// The canonical water-source levels, strictest first.
inline constexpr absl::string_view kLevelFirst = "一级";
inline constexpr absl::string_view kLevelSecond = "二级";
inline constexpr absl::string_view kLevelQuasi = "准保护区";

struct NormalizedLevel {
  // For water_source_protection: "一级", "二级" or "准保护区".
  // For the other kinds: the raw value with surrounding white space (ASCII,
  // full-width U+3000, no-break U+00A0) removed, e.g. "工业园区", "水源涵养".
  std::string level;
  // False only when a water-source level could not be understood. `level` is
  // then "一级": the strictest reading protects the source, and the loader
  // reports the feature so the data can be fixed.
  bool recognized = true;
};

// Normalizes a level as spelled in source data (valid UTF-8 expected; invalid
// bytes are treated as unknown characters).
//
// Water-source levels accept, in any mix of full- and half-width characters,
// white space, brackets and case:
//   一级: 一级, 一级保护区, 一级水域, 一级陆域, 一级区, 一, 壹级, Ⅰ级, I级, 1,
//   1级,
//         "Level 1", "Grade I", "first", "1st", "primary"
//   二级: 二级, 二级保护区, 二级水域, 二级陆域, 二级区, 二, 贰级, Ⅱ级, II级, 2,
//         "Level 2", "second", "2nd", "secondary"
//   准保护区: 准保护区, 准, 准级, 准保护区水域, "quasi", "quasi-protection
//   zone"
// and with a prefix such as 饮用水水源 / 地表水 / 地下水. Anything else — 三级,
// "Level 3", "一级、二级" (two levels in one value), an empty string — is not
// recognized. 三级 in particular is NOT read as 准保护区: the law knows no
// third level, and guessing the laxer zone would be the unsafe mistake.
NormalizedLevel NormalizeLevel(ZoneKind kind, absl::string_view raw);

// The levels a rule file may name for `kind`, canonical spelling, strictest
// first where there is an order:
//   water_source_protection: 一级, 二级, 准保护区
//   ecological_red_line:     水源涵养, 生物多样性维护, 水土保持, 海岸生态稳定,
//                            防风固沙, 其他
//   zero_discharge_zone:     工业园区, 生活小区, 镇街, 其他
//   other:                   empty — any level is allowed (layers of kind
//                            `other` carry whatever classification they have).
absl::Span<const absl::string_view> KnownLevels(ZoneKind kind);

// Validates a level written in a rule file and returns its canonical form.
// Water-source levels may be spelled any way NormalizeLevel recognizes; for
// ecological_red_line and zero_discharge_zone the trimmed value must be one of
// KnownLevels(kind) (so a typo like 水源含养 cannot silently match nothing);
// for `other` any non-empty value is accepted. The error names the accepted
// values.
absl::StatusOr<std::string> ParseRuleLevel(ZoneKind kind, absl::string_view raw);

}  // namespace redline

#endif  // REDLINE_SPATIAL_RULES_LEVELS_H_
