#include "spatial/rules/rules.h"

#include <cmath>
#include <fstream>
#include <iterator>
#include <limits>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/string_view.h"
#include "gtest/gtest.h"
#include "spatial/rules/levels.h"
#include "spatial/rules/zone_kind.h"

#ifndef REDLINE_SOURCE_DIR
#error "REDLINE_SOURCE_DIR must be defined as the repository root"
#endif

namespace redline {
namespace {

std::string SourcePath(absl::string_view relative) {
  return std::string(REDLINE_SOURCE_DIR) + "/" + std::string(relative);
}

std::vector<std::string> DefaultRuleFiles() {
  return {SourcePath("data/rules/water_pollution_law.yaml"),
          SourcePath("data/rules/ecological_red_line.yaml"),
          SourcePath("data/rules/zero_discharge.yaml")};
}

std::string TestRuleFile(absl::string_view name) {
  return SourcePath(std::string("tests/data/rules/") + std::string(name));
}

RuleSet LoadDefaults() {
  absl::StatusOr<RuleSet> rules = RuleSet::LoadFiles(DefaultRuleFiles());
  EXPECT_TRUE(rules.ok()) << rules.status().message();
  return rules.ok() ? *std::move(rules) : RuleSet();
}

// The verdict a caller would report for one zone: the strictest matched rule,
// CLEAR when none matched.
Verdict VerdictOf(const std::vector<const Rule*>& matched) {
  Verdict verdict = Verdict::kClear;
  for (const Rule* rule : matched) verdict = Stricter(verdict, rule->verdict);
  return verdict;
}

constexpr double kTouching = 0;

// ------------------------------------------------------------ default files

TEST(DefaultRulesTest, Load) {
  const RuleSet rules = LoadDefaults();
  EXPECT_EQ(rules.files(), DefaultRuleFiles());
  EXPECT_GE(rules.rules().size(), 15u);
  EXPECT_DOUBLE_EQ(rules.max_setback_m(), 500);
  std::set<std::string> ids;
  for (const Rule& rule : rules.rules()) {
    EXPECT_TRUE(ids.insert(rule.id).second) << "duplicate id " << rule.id;
    EXPECT_FALSE(rule.kinds.empty()) << rule.id;
    EXPECT_FALSE(rule.purposes.empty()) << rule.id;
    EXPECT_FALSE(rule.message_zh.empty()) << rule.id;
    EXPECT_FALSE(rule.message_en.empty()) << rule.id << ": defaults are bilingual";
    EXPECT_FALSE(rule.basis.law.empty()) << rule.id;
    EXPECT_FALSE(rule.basis.text.empty()) << rule.id;
    EXPECT_GT(rule.line, 0) << rule.id;
    EXPECT_NE(rule.file.find("data/rules/"), std::string::npos) << rule.id;
    // No default rule for layers of kind `other`.
    for (ZoneKind kind : rule.kinds) EXPECT_NE(kind, ZoneKind::kOther) << rule.id;
  }
}

TEST(DefaultRulesTest, RecordsWhereEachRuleIsDefined) {
  const RuleSet rules = LoadDefaults();
  const Rule* rule = rules.Find("wppl-64-outfall");
  ASSERT_NE(rule, nullptr);
  EXPECT_EQ(rule->file, DefaultRuleFiles()[0]);
  EXPECT_EQ(rule->line, 20);  // the "- id:" line in water_pollution_law.yaml
  EXPECT_EQ(rule->basis.law, "中华人民共和国水污染防治法（2017年修正）");
  EXPECT_EQ(rule->basis.article, "第六十四条");
  EXPECT_EQ(rule->basis.text, "在饮用水水源保护区内，禁止设置排污口。");
  EXPECT_EQ(rule->levels, (std::vector<std::string>{"一级", "二级"}));
  // A rule's own `law` overrides the file's default.
  const Rule* sewer = rules.Find("zd-project-sewer-connection");
  ASSERT_NE(sewer, nullptr);
  EXPECT_EQ(sewer->basis.law, "城镇排水与污水处理条例（国务院令第641号）");
  // Multi-paragraph texts keep their paragraph break.
  const Rule* first = rules.Find("wppl-65-first-level-project");
  ASSERT_NE(first, nullptr);
  EXPECT_NE(first->basis.text.find("关闭。\n禁止"), std::string::npos);
}

struct Scenario {
  absl::string_view name;
  Purpose purpose;
  OutfallType outfall_type;
  ProjectAction action;
  ZoneKind kind;
  absl::string_view level;  // canonical, or as the data spells it
  bool touches;
  double distance_m;
  Verdict verdict;            // the strictest verdict
  absl::string_view rule_id;  // the rule that grounds it; empty when CLEAR
  absl::string_view article;
};

using P = Purpose;
using O = OutfallType;
using A = ProjectAction;
using K = ZoneKind;
using V = Verdict;

const Scenario kScenarios[] = {
    // 第六十四条: no outfall of any type at any level.
    {"river outfall in 一级", P::kOutfall, O::kRiver, A::kUnspecified, K::kWaterSourceProtection,
     "一级", true, kTouching, V::kProhibited, "wppl-64-outfall", "第六十四条"},
    {"sea outfall in 二级 as spelt in data", P::kOutfall, O::kSea, A::kUnspecified,
     K::kWaterSourceProtection, "二级保护区", true, kTouching, V::kProhibited, "wppl-64-outfall",
     "第六十四条"},
    {"rain-water outlet in 二级", P::kOutfall, O::kRainwater, A::kNew, K::kWaterSourceProtection,
     "二级", true, kTouching, V::kProhibited, "wppl-64-outfall", "第六十四条"},
    {"outfall of unknown type in 准保护区", P::kOutfall, O::kUnspecified, A::kUnspecified,
     K::kWaterSourceProtection, "准保护区", true, kTouching, V::kProhibited,
     "wppl-64-outfall-quasi", "第六十四条"},
    {"outfall at an unreadable level reads as 一级", P::kOutfall, O::kRiver, A::kUnspecified,
     K::kWaterSourceProtection, "三级", true, kTouching, V::kProhibited, "wppl-64-outfall",
     "第六十四条"},
    // Setback review around every level.
    {"river outfall 300 m from 一级", P::kOutfall, O::kRiver, A::kNew, K::kWaterSourceProtection,
     "一级", false, 300, V::kRestricted, "wppl-outfall-setback-review", "第十九条第二款"},
    {"sea outfall exactly 500 m from 准保护区", P::kOutfall, O::kSea, A::kNew,
     K::kWaterSourceProtection, "准保护区", false, 500, V::kRestricted,
     "wppl-outfall-setback-review", "第十九条第二款"},
    {"outfall 500.1 m away", P::kOutfall, O::kRiver, A::kNew, K::kWaterSourceProtection, "二级",
     false, 500.1, V::kClear, "", ""},
    {"discharging project 100 m from 一级", P::kDischargingProject, O::kUnspecified, A::kNew,
     K::kWaterSourceProtection, "一级", false, 100, V::kClear, "", ""},
    // 第六十五条: 一级.
    {"discharging project in 一级", P::kDischargingProject, O::kUnspecified, A::kNew,
     K::kWaterSourceProtection, "一级", true, kTouching, V::kProhibited,
     "wppl-65-first-level-project", "第六十五条"},
    {"non-discharging project in 一级", P::kNonDischargingProject, O::kUnspecified, A::kUnspecified,
     K::kWaterSourceProtection, "Ⅰ级", true, kTouching, V::kProhibited,
     "wppl-65-first-level-project", "第六十五条"},
    {"road in 一级", P::kLinearInfrastructure, O::kUnspecified, A::kNew, K::kWaterSourceProtection,
     "一级", true, kTouching, V::kProhibited, "wppl-65-first-level-project", "第六十五条"},
    {"other in 一级", P::kOther, O::kUnspecified, A::kExpanded, K::kWaterSourceProtection,
     "一级陆域", true, kTouching, V::kProhibited, "wppl-65-first-level-project", "第六十五条"},
    {"rebuilt polluting project in 一级", P::kSeriouslyPollutingProject, O::kUnspecified,
     A::kRebuilt, K::kWaterSourceProtection, "一级", true, kTouching, V::kProhibited,
     "wppl-65-first-level-project", "第六十五条"},
    {"water works in 一级", P::kWaterSupplyFacility, O::kUnspecified, A::kNew,
     K::kWaterSourceProtection, "一级", true, kTouching, V::kConditional,
     "wppl-65-first-level-water-supply", "第六十五条"},
    // 第六十六条: 二级.
    {"discharging project in 二级", P::kDischargingProject, O::kUnspecified, A::kNew,
     K::kWaterSourceProtection, "二级", true, kTouching, V::kProhibited,
     "wppl-66-second-level-discharging", "第六十六条"},
    {"expanded polluting project in 二级", P::kSeriouslyPollutingProject, O::kUnspecified,
     A::kExpanded, K::kWaterSourceProtection, "II级", true, kTouching, V::kProhibited,
     "wppl-66-second-level-discharging", "第六十六条"},
    {"non-discharging project in 二级", P::kNonDischargingProject, O::kUnspecified, A::kNew,
     K::kWaterSourceProtection, "二级", true, kTouching, V::kConditional,
     "wppl-66-second-level-non-discharging", "第六十六条"},
    {"pipeline in 二级", P::kLinearInfrastructure, O::kUnspecified, A::kNew,
     K::kWaterSourceProtection, "二级水域", true, kTouching, V::kConditional,
     "wppl-66-second-level-non-discharging", "第六十六条"},
    {"water works in 二级", P::kWaterSupplyFacility, O::kUnspecified, A::kNew,
     K::kWaterSourceProtection, "2", true, kTouching, V::kConditional,
     "wppl-66-second-level-non-discharging", "第六十六条"},
    // 第六十七条: 准保护区.
    {"new polluting project in 准", P::kSeriouslyPollutingProject, O::kUnspecified, A::kNew,
     K::kWaterSourceProtection, "准保护区", true, kTouching, V::kProhibited,
     "wppl-67-quasi-serious-new", "第六十七条"},
    {"expanded polluting project in 准", P::kSeriouslyPollutingProject, O::kUnspecified,
     A::kExpanded, K::kWaterSourceProtection, "准", true, kTouching, V::kProhibited,
     "wppl-67-quasi-serious-new", "第六十七条"},
    {"polluting project, action not given, in 准", P::kSeriouslyPollutingProject, O::kUnspecified,
     A::kUnspecified, K::kWaterSourceProtection, "准保护区", true, kTouching, V::kProhibited,
     "wppl-67-quasi-serious-new", "第六十七条"},
    {"rebuilt polluting project in 准", P::kSeriouslyPollutingProject, O::kUnspecified, A::kRebuilt,
     K::kWaterSourceProtection, "准保护区", true, kTouching, V::kConditional,
     "wppl-67-quasi-serious-rebuilt", "第六十七条"},
    {"discharging project in 准", P::kDischargingProject, O::kUnspecified, A::kNew,
     K::kWaterSourceProtection, "准保护区", true, kTouching, V::kConditional,
     "wppl-67-quasi-discharging", "第六十七条"},
    {"rebuilt discharging project in 准", P::kDischargingProject, O::kUnspecified, A::kRebuilt,
     K::kWaterSourceProtection, "准保护区", true, kTouching, V::kConditional,
     "wppl-67-quasi-discharging", "第六十七条"},
    {"non-discharging project in 准", P::kNonDischargingProject, O::kUnspecified, A::kNew,
     K::kWaterSourceProtection, "准保护区", true, kTouching, V::kClear, "", ""},
    {"water works in 准", P::kWaterSupplyFacility, O::kUnspecified, A::kNew,
     K::kWaterSourceProtection, "准保护区", true, kTouching, V::kClear, "", ""},
    // Ecological red line.
    {"discharging project in a red line", P::kDischargingProject, O::kUnspecified, A::kNew,
     K::kEcologicalRedLine, "水源涵养", true, kTouching, V::kProhibited, "erl-no-development",
     "一、（一）"},
    {"non-discharging project in a red line", P::kNonDischargingProject, O::kUnspecified, A::kNew,
     K::kEcologicalRedLine, "生物多样性维护", true, kTouching, V::kProhibited, "erl-no-development",
     "一、（一）"},
    {"polluting project in a red line", P::kSeriouslyPollutingProject, O::kUnspecified, A::kRebuilt,
     K::kEcologicalRedLine, "水土保持", true, kTouching, V::kProhibited, "erl-no-development",
     "一、（一）"},
    {"outfall in a red line", P::kOutfall, O::kRainwater, A::kNew, K::kEcologicalRedLine,
     "海岸生态稳定", true, kTouching, V::kProhibited, "erl-no-development", "一、（一）"},
    {"other in a red line", P::kOther, O::kUnspecified, A::kNew, K::kEcologicalRedLine, "", true,
     kTouching, V::kProhibited, "erl-no-development", "一、（一）"},
    {"road in a red line", P::kLinearInfrastructure, O::kUnspecified, A::kNew,
     K::kEcologicalRedLine, "防风固沙", true, kTouching, V::kRestricted,
     "erl-linear-infrastructure", "一、（一）6"},
    {"water works in a red line", P::kWaterSupplyFacility, O::kUnspecified, A::kNew,
     K::kEcologicalRedLine, "水源涵养", true, kTouching, V::kRestricted, "erl-water-supply",
     "一、（一）6"},
    {"project 10 m from a red line", P::kSeriouslyPollutingProject, O::kUnspecified, A::kNew,
     K::kEcologicalRedLine, "水源涵养", false, 10, V::kClear, "", ""},
    // Zero-direct-discharge zone.
    {"rain-water outlet in a zero-discharge zone", P::kOutfall, O::kRainwater, A::kNew,
     K::kZeroDischargeZone, "工业园区", true, kTouching, V::kConditional, "zd-rainwater-outlet",
     ""},
    {"river outfall in a zero-discharge zone", P::kOutfall, O::kRiver, A::kNew,
     K::kZeroDischargeZone, "生活小区", true, kTouching, V::kProhibited, "zd-sewage-outfall", ""},
    {"sea outfall in a zero-discharge zone", P::kOutfall, O::kSea, A::kNew, K::kZeroDischargeZone,
     "镇街", true, kTouching, V::kProhibited, "zd-sewage-outfall", ""},
    {"outfall of unknown type in a zero-discharge zone", P::kOutfall, O::kUnspecified, A::kNew,
     K::kZeroDischargeZone, "其他", true, kTouching, V::kProhibited, "zd-sewage-outfall", ""},
    {"discharging project in a zero-discharge zone", P::kDischargingProject, O::kUnspecified,
     A::kNew, K::kZeroDischargeZone, "工业园区", true, kTouching, V::kConditional,
     "zd-project-sewer-connection", "第二十条"},
    {"road in a zero-discharge zone", P::kLinearInfrastructure, O::kUnspecified, A::kNew,
     K::kZeroDischargeZone, "镇街", true, kTouching, V::kConditional, "zd-project-sewer-connection",
     "第二十条"},
    {"outfall 50 m from a zero-discharge zone", P::kOutfall, O::kRiver, A::kNew,
     K::kZeroDischargeZone, "工业园区", false, 50, V::kClear, "", ""},
    // Layers of kind `other`: no default rules.
    {"polluting project in an `other` layer", P::kSeriouslyPollutingProject, O::kUnspecified,
     A::kNew, K::kOther, "优先保护单元", true, kTouching, V::kClear, "", ""},
};

TEST(DefaultRulesTest, Scenarios) {
  const RuleSet rules = LoadDefaults();
  for (const Scenario& s : kScenarios) {
    SCOPED_TRACE(std::string(s.name));
    const Siting siting{s.purpose, s.outfall_type, s.action};
    const std::vector<const Rule*> matched =
        rules.Match(s.kind, s.level, siting, s.touches, s.distance_m);
    EXPECT_EQ(VerdictName(VerdictOf(matched)), VerdictName(s.verdict));
    if (s.rule_id.empty()) {
      EXPECT_TRUE(matched.empty());
      continue;
    }
    ASSERT_FALSE(matched.empty());
    // Strictest first: front() grounds the verdict.
    EXPECT_EQ(matched.front()->verdict, VerdictOf(matched));
    EXPECT_EQ(matched.front()->id, s.rule_id);
    EXPECT_EQ(matched.front()->basis.article, s.article);
  }
}

TEST(DefaultRulesTest, ScenariosCoverEveryRule) {
  const RuleSet rules = LoadDefaults();
  std::set<std::string> matched_ids;
  for (const Scenario& s : kScenarios) {
    for (const Rule* rule : rules.Match(s.kind, s.level, {s.purpose, s.outfall_type, s.action},
                                        s.touches, s.distance_m)) {
      matched_ids.insert(rule->id);
    }
  }
  for (const Rule& rule : rules.rules()) {
    EXPECT_TRUE(matched_ids.count(rule.id)) << "no scenario exercises " << rule.id;
  }
}

TEST(DefaultRulesTest, OutfallOfUnknownTypeMeetsEveryOutfallRule) {
  const RuleSet rules = LoadDefaults();
  const std::vector<const Rule*> matched =
      rules.Match(ZoneKind::kZeroDischargeZone, "工业园区",
                  {Purpose::kOutfall, OutfallType::kUnspecified, ProjectAction::kNew}, true, 0);
  ASSERT_EQ(matched.size(), 2u);
  EXPECT_EQ(matched[0]->id, "zd-sewage-outfall");  // strictest first
  EXPECT_EQ(matched[1]->id, "zd-rainwater-outlet");
}

TEST(DefaultRulesTest, NoPurposeMatchesNothing) {
  const RuleSet rules = LoadDefaults();
  for (ZoneKind kind : kAllZoneKinds) {
    EXPECT_TRUE(rules.Match(kind, "一级", Siting{}, true, 0).empty());
    EXPECT_TRUE(rules.Match(kind, "一级", Siting{}, false, 10).empty());
  }
}

TEST(DefaultRulesTest, SetbackNeedsAFiniteDistance) {
  const RuleSet rules = LoadDefaults();
  const Siting outfall{Purpose::kOutfall, OutfallType::kRiver, ProjectAction::kNew};
  EXPECT_TRUE(rules
                  .Match(ZoneKind::kWaterSourceProtection, "一级", outfall, false,
                         std::numeric_limits<double>::quiet_NaN())
                  .empty());
  EXPECT_TRUE(rules
                  .Match(ZoneKind::kWaterSourceProtection, "一级", outfall, false,
                         std::numeric_limits<double>::infinity())
                  .empty());
}

TEST(DefaultRulesTest, SharedAcrossThreads) {
  const RuleSet rules = LoadDefaults();
  const Siting siting{Purpose::kDischargingProject, OutfallType::kUnspecified, ProjectAction::kNew};
  const std::vector<const Rule*> expected =
      rules.Match(ZoneKind::kWaterSourceProtection, "二级", siting, true, 0);
  std::vector<std::thread> threads;
  std::vector<int> mismatches(8, 0);
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 2000; ++i) {
        if (rules.Match(ZoneKind::kWaterSourceProtection, "二级保护区", siting, true, 0) !=
            expected) {
          ++mismatches[t];
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (int count : mismatches) EXPECT_EQ(count, 0);
}

// ------------------------------------------------------------ verdicts, names

TEST(StricterTest, Order) {
  // Weakest to strictest.
  const Verdict kOrder[] = {Verdict::kClear,       Verdict::kUnspecified, Verdict::kNeedsPurpose,
                            Verdict::kConditional, Verdict::kRestricted,  Verdict::kProhibited};
  for (size_t i = 0; i < std::size(kOrder); ++i) {
    for (size_t j = 0; j < std::size(kOrder); ++j) {
      const Verdict want = kOrder[std::max(i, j)];
      EXPECT_EQ(Stricter(kOrder[i], kOrder[j]), want)
          << VerdictName(kOrder[i]) << " vs " << VerdictName(kOrder[j]);
    }
  }
  EXPECT_EQ(Stricter(Verdict::kProhibited, Verdict::kClear), Verdict::kProhibited);
  EXPECT_EQ(Stricter(Verdict::kConditional, Verdict::kRestricted), Verdict::kRestricted);
}

TEST(NamesTest, RoundTrip) {
  for (Purpose p : kAllPurposes) EXPECT_EQ(*ParsePurpose(PurposeName(p)), p);
  EXPECT_EQ(*ParsePurpose(PurposeName(Purpose::kUnspecified)), Purpose::kUnspecified);
  for (OutfallType o : {OutfallType::kUnspecified, OutfallType::kRiver, OutfallType::kSea,
                        OutfallType::kRainwater}) {
    EXPECT_EQ(*ParseOutfallType(OutfallTypeName(o)), o);
  }
  for (ProjectAction a : {ProjectAction::kUnspecified, ProjectAction::kNew,
                          ProjectAction::kExpanded, ProjectAction::kRebuilt}) {
    EXPECT_EQ(*ParseProjectAction(ProjectActionName(a)), a);
  }
  for (Verdict v : {Verdict::kClear, Verdict::kConditional, Verdict::kRestricted,
                    Verdict::kProhibited, Verdict::kNeedsPurpose}) {
    EXPECT_EQ(*ParseVerdict(VerdictName(v)), v);
  }
  EXPECT_EQ(PurposeName(Purpose::kOutfall), "OUTFALL");
  EXPECT_EQ(VerdictName(Verdict::kProhibited), "PROHIBITED");
}

TEST(NamesTest, ParsingIsForgiving) {
  EXPECT_EQ(*ParsePurpose("outfall"), Purpose::kOutfall);
  EXPECT_EQ(*ParsePurpose("OUTFALL"), Purpose::kOutfall);
  EXPECT_EQ(*ParsePurpose(" discharging_project "), Purpose::kDischargingProject);
  EXPECT_EQ(*ParsePurpose("Discharging-Project"), Purpose::kDischargingProject);
  EXPECT_EQ(*ParsePurpose("linear infrastructure"), Purpose::kLinearInfrastructure);
  EXPECT_EQ(*ParsePurpose("unspecified"), Purpose::kUnspecified);
  EXPECT_EQ(*ParseOutfallType("rainwater"), OutfallType::kRainwater);
  EXPECT_EQ(*ParseProjectAction("Rebuilt"), ProjectAction::kRebuilt);
  EXPECT_EQ(*ParseVerdict("needs-purpose"), Verdict::kNeedsPurpose);
}

TEST(NamesTest, UnknownNamesListTheAcceptedOnes) {
  const absl::StatusOr<Purpose> purpose = ParsePurpose("sewage_plant");
  ASSERT_FALSE(purpose.ok());
  EXPECT_EQ(purpose.status().code(), absl::StatusCode::kInvalidArgument);
  const std::string message(purpose.status().message());
  EXPECT_NE(message.find("sewage_plant"), std::string::npos);
  EXPECT_NE(message.find("WATER_SUPPLY_FACILITY"), std::string::npos);
  EXPECT_FALSE(ParseOutfallType("storm").ok());
  EXPECT_FALSE(ParseProjectAction("demolished").ok());
  EXPECT_FALSE(ParseVerdict("forbidden").ok());
  EXPECT_FALSE(ParsePurpose("").ok());
}

// ------------------------------------------------------------ bad rule files

struct BadFile {
  absl::string_view file;
  int line;                  // where the error must point
  absl::string_view reason;  // a piece of the message
};

const BadFile kBadFiles[] = {
    {"unknown_kind.yaml", 13, "unknown zone kind 'wetland_reserve'"},
    {"unknown_level.yaml", 6, "unknown water_source_protection level '三级'"},
    {"unknown_purpose.yaml", 7, "unknown purpose 'SEWAGE_PLANT'"},
    {"bad_verdict.yaml", 9, "unknown verdict 'FORBIDDEN'"},
    {"missing_basis.yaml", 11, "missing legal basis: 'law'"},
    {"missing_basis.yaml", 11, "missing legal basis: 'text'"},
    // yaml-cpp notices the unclosed '[' at line 6; the error points at 5.
    {"syntax_error.yaml", 5, "YAML syntax error: '[' is not closed"},
    {"syntax_error_mapping.yaml", 8, "YAML syntax error: illegal map value"},
    {"levels_two_kinds.yaml", 8, "'levels' name the levels of one zone kind"},
    {"needs_purpose_verdict.yaml", 7, "verdict NEEDS_PURPOSE is reported by the check"},
    {"duplicate_id.yaml", 16, "duplicate rule id 'twice' (first defined at line 4)"},
    {"unknown_key.yaml", 6, "unknown key 'purpose' in a rule (did you mean 'purposes'?)"},
    {"unknown_key.yaml", 4, "missing 'purposes'"},
    {"negative_setback.yaml", 8, "negative setback_m -50"},
    {"no_scope.yaml", 4, "applies neither inside the zone"},
    {"missing_message.yaml", 4, "missing 'message_zh'"},
    {"bad_outfall_type.yaml", 7, "unknown outfall type 'STORM_DRAIN'"},
    {"bad_outfall_type.yaml", 14, "'outfall_types' only applies"},
    {"bad_action.yaml", 8, "unknown action 'DEMOLISHED'"},
    {"disable_unknown.yaml", 3, "cannot disable rule 'wppl-64-outfal'"},
    {"not_utf8.yaml", 8, "'message_zh' is not valid UTF-8: save the rules file as UTF-8"},
};

TEST(BadRuleFilesTest, RefusedWithFileAndLine) {
  for (const BadFile& bad : kBadFiles) {
    SCOPED_TRACE(std::string(bad.file));
    // After the defaults, as a local file would be loaded.
    std::vector<std::string> paths = DefaultRuleFiles();
    paths.push_back(TestRuleFile(bad.file));
    const absl::StatusOr<RuleSet> rules = RuleSet::LoadFiles(paths);
    ASSERT_FALSE(rules.ok());
    EXPECT_EQ(rules.status().code(), absl::StatusCode::kInvalidArgument);
    const std::string message(rules.status().message());
    const std::string where = TestRuleFile(bad.file) + ":" + std::to_string(bad.line) + ": ";
    // The line that names this error.
    bool found = false;
    size_t start = 0;
    while (start <= message.size()) {
      size_t end = message.find('\n', start);
      if (end == std::string::npos) end = message.size();
      const absl::string_view line(message.data() + start, end - start);
      if (line.rfind(where, 0) == 0 && line.find(bad.reason) != absl::string_view::npos) {
        found = true;
      }
      start = end + 1;
    }
    EXPECT_TRUE(found) << "want '" << where << "..." << bad.reason << "' in:\n" << message;
  }
}

TEST(BadRuleFilesTest, EachErrorIsReportedOnce) {
  // A bad setback is not also reported as "applies nowhere".
  const absl::StatusOr<RuleSet> rules = RuleSet::LoadFiles({TestRuleFile("negative_setback.yaml")});
  ASSERT_FALSE(rules.ok());
  EXPECT_EQ(std::string(rules.status().message()).find('\n'), std::string::npos)
      << rules.status().message();
}

TEST(BadRuleFilesTest, MissingFileIsNotFound) {
  const std::string path = TestRuleFile("no_such_file.yaml");
  const absl::StatusOr<RuleSet> rules = RuleSet::LoadFiles({path});
  ASSERT_FALSE(rules.ok());
  EXPECT_EQ(rules.status().code(), absl::StatusCode::kNotFound);
  EXPECT_NE(std::string(rules.status().message()).find(path), std::string::npos);
}

TEST(BadRuleFilesTest, DisablingNeedsAnEarlierFile) {
  const absl::StatusOr<RuleSet> rules = RuleSet::LoadFiles({TestRuleFile("disable_unknown.yaml")});
  ASSERT_FALSE(rules.ok());
  EXPECT_NE(std::string(rules.status().message()).find("disable_unknown.yaml:3:"),
            std::string::npos);
}

TEST(RuleSetTest, EmptyRuleSetMatchesNothing) {
  const absl::StatusOr<RuleSet> rules = RuleSet::LoadFiles({});
  ASSERT_TRUE(rules.ok());
  EXPECT_TRUE(rules->rules().empty());
  EXPECT_DOUBLE_EQ(rules->max_setback_m(), 0);
  EXPECT_TRUE(rules
                  ->Match(ZoneKind::kWaterSourceProtection, "一级",
                          {Purpose::kOutfall, OutfallType::kRiver, ProjectAction::kNew}, true, 0)
                  .empty());
}

// ------------------------------------------------------------ built-in files

// The rule files compiled into the binary are data/rules/*.yaml byte for
// byte: the build regenerates them when a file changes.
TEST(BuiltinRulesTest, AreTheFilesInDataRules) {
  const std::vector<BuiltinRuleFile>& builtin = BuiltinRuleFiles();
  ASSERT_EQ(builtin.size(), 3u);
  for (const BuiltinRuleFile& file : builtin) {
    ASSERT_TRUE(absl::StartsWith(file.path, kBuiltinRulePrefix)) << file.path;
    const std::string name(file.path.substr(kBuiltinRulePrefix.size()));
    std::ifstream in(SourcePath("data/rules/" + name), std::ios::binary);
    ASSERT_TRUE(in) << name;
    const std::string on_disk((std::istreambuf_iterator<char>(in)),
                              std::istreambuf_iterator<char>());
    EXPECT_EQ(file.text, on_disk) << name;
  }
}

TEST(BuiltinRulesTest, LoadAsTheFilesDo) {
  std::vector<std::string> builtin;
  for (const BuiltinRuleFile& file : BuiltinRuleFiles()) builtin.emplace_back(file.path);
  absl::StatusOr<RuleSet> from_binary = RuleSet::LoadFiles(builtin);
  ASSERT_TRUE(from_binary.ok()) << from_binary.status();
  EXPECT_EQ(from_binary->files(), builtin);
  const RuleSet from_disk = LoadDefaults();
  ASSERT_EQ(from_binary->rules().size(), from_disk.rules().size());
  for (const Rule& rule : from_disk.rules()) {
    const Rule* same = from_binary->Find(rule.id);
    ASSERT_NE(same, nullptr) << rule.id;
    EXPECT_EQ(same->verdict, rule.verdict) << rule.id;
    EXPECT_EQ(same->levels, rule.levels) << rule.id;
    EXPECT_EQ(same->basis.text, rule.basis.text) << rule.id;
    EXPECT_EQ(same->file.rfind("builtin:", 0), 0u) << same->file;
  }
}

TEST(BuiltinRulesTest, AnUnknownOneIsNotFoundNamingTheOthers) {
  absl::StatusOr<RuleSet> rules = RuleSet::LoadFiles({"builtin:nope.yaml"});
  ASSERT_FALSE(rules.ok());
  EXPECT_EQ(rules.status().code(), absl::StatusCode::kNotFound);
  EXPECT_NE(std::string(rules.status().message()).find("builtin:water_pollution_law.yaml"),
            std::string::npos);
}

TEST(BuiltinRulesTest, NoRuleMayGiveUnspecified) {
  // VERDICT_UNSPECIFIED is the check's own "no rules in force", not a
  // verdict a rule file can give.
  EXPECT_FALSE(ParseVerdict("VERDICT_UNSPECIFIED").ok());
  EXPECT_FALSE(ParseVerdict("UNSPECIFIED").ok());
  EXPECT_EQ(VerdictName(Verdict::kUnspecified), "VERDICT_UNSPECIFIED");
}

// ------------------------------------------------------------ local overrides

TEST(LocalOverrideTest, ReplacesDisablesAndAdds) {
  const RuleSet defaults = LoadDefaults();
  std::vector<std::string> paths = DefaultRuleFiles();
  paths.push_back(TestRuleFile("local_override.yaml"));
  const absl::StatusOr<RuleSet> loaded = RuleSet::LoadFiles(paths);
  ASSERT_TRUE(loaded.ok()) << loaded.status().message();
  const RuleSet& rules = *loaded;
  EXPECT_EQ(rules.files(), paths);
  // One disabled, one added.
  EXPECT_EQ(rules.rules().size(), defaults.rules().size());

  // Replaced by id: the local definition, in the default's place.
  const Rule* replaced = rules.Find("wppl-67-quasi-discharging");
  ASSERT_NE(replaced, nullptr);
  EXPECT_EQ(replaced->verdict, Verdict::kProhibited);
  EXPECT_EQ(replaced->file, TestRuleFile("local_override.yaml"));
  EXPECT_EQ(replaced->line, 9);
  EXPECT_EQ(replaced->basis.law, "某县饮用水水源保护管理办法（测试）");
  EXPECT_EQ(replaced->basis.article, "第十条");
  EXPECT_TRUE(replaced->message_en.empty());
  const Rule* default_rule = defaults.Find("wppl-67-quasi-discharging");
  ASSERT_NE(default_rule, nullptr);
  // ... in the default's place: after the same rule as before.
  const ptrdiff_t index = replaced - rules.rules().data();
  const ptrdiff_t default_index = default_rule - defaults.rules().data();
  ASSERT_GT(index, 0);
  ASSERT_GT(default_index, 0);
  EXPECT_EQ(rules.rules()[index - 1].id, defaults.rules()[default_index - 1].id);
  const Siting discharging{Purpose::kDischargingProject, OutfallType::kUnspecified,
                           ProjectAction::kNew};
  std::vector<const Rule*> matched =
      rules.Match(ZoneKind::kWaterSourceProtection, "准保护区", discharging, true, 0);
  ASSERT_EQ(matched.size(), 1u);
  EXPECT_EQ(matched[0], replaced);

  // Disabled: an outfall in a 准保护区 no longer meets a default rule.
  EXPECT_EQ(rules.Find("wppl-64-outfall-quasi"), nullptr);
  const Siting outfall{Purpose::kOutfall, OutfallType::kRiver, ProjectAction::kNew};
  EXPECT_TRUE(rules.Match(ZoneKind::kWaterSourceProtection, "准保护区", outfall, true, 0).empty());
  EXPECT_FALSE(
      defaults.Match(ZoneKind::kWaterSourceProtection, "准保护区", outfall, true, 0).empty());

  // The widened setback.
  EXPECT_DOUBLE_EQ(rules.max_setback_m(), 1000);
  matched = rules.Match(ZoneKind::kWaterSourceProtection, "一级", outfall, false, 800);
  ASSERT_EQ(matched.size(), 1u);
  EXPECT_EQ(matched[0]->id, "wppl-outfall-setback-review");
  EXPECT_EQ(matched[0]->setback_m, 1000);

  // Added: a rule for a layer of kind `other`, with its own level vocabulary.
  const Siting polluting{Purpose::kSeriouslyPollutingProject, OutfallType::kUnspecified,
                         ProjectAction::kNew};
  matched = rules.Match(ZoneKind::kOther, "优先保护单元", polluting, true, 0);
  ASSERT_EQ(matched.size(), 1u);
  EXPECT_EQ(matched[0]->id, "local-priority-unit");
  EXPECT_EQ(matched[0]->verdict, Verdict::kRestricted);
  EXPECT_TRUE(rules.Match(ZoneKind::kOther, "重点管控单元", polluting, true, 0).empty());
}

TEST(LocalOverrideTest, DefaultsAloneAreUnchanged) {
  // Loading the override does not touch an earlier RuleSet.
  const RuleSet defaults = LoadDefaults();
  std::vector<std::string> paths = DefaultRuleFiles();
  paths.push_back(TestRuleFile("local_override.yaml"));
  ASSERT_TRUE(RuleSet::LoadFiles(paths).ok());
  ASSERT_NE(defaults.Find("wppl-64-outfall-quasi"), nullptr);
  EXPECT_EQ(defaults.Find("wppl-67-quasi-discharging")->verdict, Verdict::kConditional);
}

}  // namespace
}  // namespace redline
