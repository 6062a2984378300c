// The rules engine: what the law allows where, as data.
//
// Rules live in YAML files (data/rules/*.yaml; the schema is described in
// data/rules/README.md), not in code, so that a local bureau can add to them
// or tighten them without a release. A Rule says: for a site of these purposes
// that touches (or lies within a setback of) a zone of these kinds and levels,
// this verdict applies, on this legal basis.
//
// The types mirror the wire contract (proto/redline/v1/redline.proto) and use
// the same numeric values, but the core has no protobuf dependency.
#ifndef REDLINE_SPATIAL_RULES_RULES_H_
#define REDLINE_SPATIAL_RULES_RULES_H_

#include <array>
#include <iterator>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "spatial/rules/zone_kind.h"

namespace redline {

// What is being sited (Siting.Purpose on the wire).
enum class Purpose {
  kUnspecified = 0,
  kOutfall = 1,                    // 排污口
  kDischargingProject = 2,         // 排放污染物的建设项目
  kNonDischargingProject = 3,      // 不排放污染物的建设项目
  kSeriouslyPollutingProject = 4,  // 对水体污染严重的建设项目
  kWaterSupplyFacility = 5,        // 供水设施和保护水源有关的建设项目
  kLinearInfrastructure = 6,       // roads, pipelines, power lines
  kOther = 7,
};

// Siting.OutfallType; only meaningful for Purpose::kOutfall.
enum class OutfallType {
  kUnspecified = 0,
  kRiver = 1,      // 入河排污口
  kSea = 2,        // 入海排污口
  kRainwater = 3,  // 雨水排放口
};

// Siting.Action. kUnspecified is treated as kNew when matching, as the wire
// contract says.
enum class ProjectAction {
  kUnspecified = 0,
  kNew = 1,       // 新建
  kExpanded = 2,  // 扩建
  kRebuilt = 3,   // 改建
};

// The verdict of a rule or of a whole check. See Stricter for the order.
enum class Verdict {
  // No rule could decide: no rules are in force (an explicitly empty rule
  // list). Never CLEAR then: the service cannot know. Not for rule files.
  kUnspecified = 0,
  kClear = 1,         // no rule restricts this siting
  kConditional = 2,   // allowed with the stated conditions
  kRestricted = 3,    // only with a formal study or approval
  kProhibited = 4,    // 禁止
  kNeedsPurpose = 5,  // zones were hit but no purpose was given
};

inline constexpr std::array<Purpose, 7> kAllPurposes = {Purpose::kOutfall,
                                                        Purpose::kDischargingProject,
                                                        Purpose::kNonDischargingProject,
                                                        Purpose::kSeriouslyPollutingProject,
                                                        Purpose::kWaterSupplyFacility,
                                                        Purpose::kLinearInfrastructure,
                                                        Purpose::kOther};

struct Siting {
  Purpose purpose = Purpose::kUnspecified;
  OutfallType outfall_type = OutfallType::kUnspecified;
  ProjectAction action = ProjectAction::kUnspecified;
};

struct LegalBasis {
  std::string law;      // e.g. 中华人民共和国水污染防治法（2017年修正）
  std::string article;  // e.g. 第六十四条; may be empty for a plan without
                        // numbered articles
  std::string text;     // the quoted provision (or a marked paraphrase)
};

struct Rule {
  std::string id;               // unique across all loaded files
  std::vector<ZoneKind> kinds;  // non-empty
  // Canonical levels (as NormalizeLevel / ParseRuleLevel give them); empty
  // means any level. A rule with levels names exactly one kind.
  std::vector<std::string> levels;
  std::vector<Purpose> purposes;  // non-empty, never kUnspecified
  // Empty means any. Only on rules whose sole purpose is kOutfall; never
  // kUnspecified.
  std::vector<OutfallType> outfall_types;
  std::vector<ProjectAction> actions;  // empty means any; never kUnspecified
  // Applies to sites that touch the zone: any relation, the boundary included.
  bool inside = true;
  // When > 0, also applies to sites outside the zone within this many metres
  // (of the zone boundary). A pure setback rule has inside = false.
  double setback_m = 0;
  Verdict verdict = Verdict::kClear;  // never kNeedsPurpose
  std::string message_zh;             // required
  std::string message_en;             // may be empty in a local file: fall
                                      // back to message_zh
  LegalBasis basis;
  std::string file;  // the rule file that defined it, as passed to LoadFiles
  int line = 0;      // 1-based line of the rule in that file
};

// Parsing helpers shared by the rule loader, the CLI and the server. They are
// case-insensitive, ignore surrounding white space and read '-' or ' ' as '_':
// "outfall", "OUTFALL", "discharging-project" all parse. "UNSPECIFIED" and the
// wire name (e.g. "PURPOSE_UNSPECIFIED") parse to kUnspecified. The error
// lists the accepted names.
absl::StatusOr<Purpose> ParsePurpose(absl::string_view name);
absl::StatusOr<OutfallType> ParseOutfallType(absl::string_view name);
absl::StatusOr<ProjectAction> ParseProjectAction(absl::string_view name);
// Accepts CLEAR, CONDITIONAL, RESTRICTED, PROHIBITED, NEEDS_PURPOSE (not
// VERDICT_UNSPECIFIED: no rule may give it).
absl::StatusOr<Verdict> ParseVerdict(absl::string_view name);

// The wire names: "OUTFALL", "DISCHARGING_PROJECT", ..., "PURPOSE_UNSPECIFIED";
// "RIVER", ..., "OUTFALL_TYPE_UNSPECIFIED"; "NEW", ..., "ACTION_UNSPECIFIED";
// "CLEAR", ..., "PROHIBITED", "NEEDS_PURPOSE", "VERDICT_UNSPECIFIED".
absl::string_view PurposeName(Purpose purpose);
absl::string_view OutfallTypeName(OutfallType type);
absl::string_view ProjectActionName(ProjectAction action);
absl::string_view VerdictName(Verdict verdict);

// The stricter of two verdicts:
//   PROHIBITED > RESTRICTED > CONDITIONAL > NEEDS_PURPOSE > UNSPECIFIED > CLEAR.
// NEEDS_PURPOSE ranks just above CLEAR: it says "cannot tell yet", while any
// verdict a rule actually gave says more about the site.
Verdict Stricter(Verdict a, Verdict b);

// The default rule files (data/rules/*.yaml), compiled in at build time, in
// name order: {"builtin:ecological_red_line.yaml", text}, ...
struct BuiltinRuleFile {
  absl::string_view path;  // "builtin:<file name>"
  absl::string_view text;  // the YAML
};
const std::vector<BuiltinRuleFile>& BuiltinRuleFiles();
inline constexpr absl::string_view kBuiltinRulePrefix = "builtin:";

// A loaded, validated set of rules.
//
// Immutable after LoadFiles: every method is const and touches no shared
// mutable state, so one RuleSet may be shared by any number of threads. The
// Rule pointers Match returns stay valid as long as the RuleSet lives (moving
// the RuleSet keeps them valid too).
class RuleSet {
 public:
  // An empty rule set: every match is empty.
  RuleSet() = default;

  // Loads rule files in order. A path "builtin:NAME" is the bundled default
  // rule file data/rules/NAME, compiled into the binary (BuiltinRuleFiles),
  // so the defaults are found in a fresh clone and after installation alike. The first files are
  // normally the defaults (data/rules/*.yaml); a later file (a local bureau's) adds rules over them
  // and may
  //   - replace an earlier rule by reusing its id: the new definition replaces
  //     the old one as a whole (no field-by-field merge, so the replacement
  //     reads complete on its own) and keeps its place in the order;
  //   - disable an earlier rule with `{id: ..., disabled: true}`.
  // Reusing an id within one file is an error, and so is disabling an id that
  // no earlier file defines (it is almost certainly a typo).
  //
  // Every error names the file and the 1-based line: YAML syntax errors,
  // unknown keys, unknown kind/level/purpose/outfall type/action/verdict,
  // missing id/kinds/purposes/verdict/message_zh, missing legal basis (law and
  // text), duplicate ids or keys, a negative setback, a rule that applies
  // neither inside nor within a setback. All errors of the first bad file are
  // reported, one per line ("file:line: message"). A missing or unreadable
  // file is NotFound; everything else InvalidArgument.
  static absl::StatusOr<RuleSet> LoadFiles(const std::vector<std::string>& paths);

  // The rules that apply to a site with `siting`:
  //  - touches = true: the site touches a zone of `kind` at `level` (any
  //    relation, the boundary included); rules with `inside` apply.
  //  - touches = false: the site lies outside such a zone at `distance_m`
  //    metres; rules with setback_m > 0 and distance_m <= setback_m apply.
  // `level` is the normalized level (NormalizedLevel::level); a raw spelling
  // of a water-source level is normalized again here, so passing the source
  // value is safe too.
  //
  // Returns nothing when the purpose is kUnspecified (the caller reports
  // NEEDS_PURPOSE). An unspecified action matches as NEW (wire contract). An
  // unspecified outfall type could be any type, so rules of every outfall type
  // apply and the strictest wins: the conservative reading.
  //
  // Ordered strictest verdict first, then in load order: front() grounds the
  // verdict.
  std::vector<const Rule*> Match(ZoneKind kind, absl::string_view level, const Siting& siting,
                                 bool touches, double distance_m) const;

  // The largest setback of any rule (0 if none): the server widens its search
  // radius to this so that no setback rule is missed.
  double max_setback_m() const { return max_setback_m_; }

  // The active rules (disabled ones removed), in load order.
  const std::vector<Rule>& rules() const { return rules_; }

  // The files loaded, in order, as passed to LoadFiles.
  const std::vector<std::string>& files() const { return files_; }

  // The rule with this id, or nullptr.
  const Rule* Find(absl::string_view id) const;

 private:
  std::vector<Rule> rules_;
  std::vector<std::string> files_;
  // Indices into rules_ per ZoneKind (by its enum value), so Match only looks
  // at the rules of one kind.
  std::array<std::vector<size_t>, std::size(kAllZoneKinds)> by_kind_;
  double max_setback_m_ = 0;
};

}  // namespace redline

#endif  // REDLINE_SPATIAL_RULES_RULES_H_
