#include "spatial/rules/levels.h"

#include <string>

#include "absl/strings/string_view.h"
#include "gtest/gtest.h"
#include "spatial/rules/zone_kind.h"

namespace redline {
namespace {

struct Spelling {
  absl::string_view raw;
  absl::string_view level;
};

constexpr Spelling kRecognized[] = {
    // 一级
    {"一级", "一级"},
    {"一级保护区", "一级"},
    {"一级水域", "一级"},
    {"一级陆域", "一级"},
    {"一级区", "一级"},
    {"一级保护区（水域）", "一级"},
    {"一级保护区(陆域)", "一级"},
    {"一级水域保护区", "一级"},
    {"饮用水水源一级保护区", "一级"},
    {"地表水饮用水源一级保护区", "一级"},
    {"一", "一级"},
    {"壹级", "一级"},
    {"Ⅰ级", "一级"},  // U+2160 ROMAN NUMERAL ONE
    {"ⅰ级", "一级"},  // U+2170 SMALL ROMAN NUMERAL ONE
    {"I级", "一级"},
    {"i级", "一级"},
    {"Ｉ级", "一级"},  // full-width Latin I
    {"1", "一级"},
    {"1级", "一级"},
    {"１", "一级"},  // full-width digit
    {"１级保护区", "一级"},
    {" 一级 ", "一级"},
    {"\u3000一级\u3000", "一级"},  // ideographic spaces
    {"一 级", "一级"},
    {"第一级", "一级"},
    {"Level 1", "一级"},
    {"level1", "一级"},
    {"LEVEL I", "一级"},
    {"Grade I", "一级"},
    {"Class 1", "一级"},
    {"first", "一级"},
    {"First-class protection zone", "一级"},
    {"1st", "一级"},
    {"Primary", "一级"},
    {"Ｌｅｖｅｌ　１", "一级"},  // full-width everything
    // 二级
    {"二级", "二级"},
    {"二级保护区", "二级"},
    {"二级水域", "二级"},
    {"二级陆域", "二级"},
    {"二级区", "二级"},
    {"二级保护区（陆域）", "二级"},
    {"二", "二级"},
    {"贰级", "二级"},
    {"Ⅱ级", "二级"},  // U+2161
    {"II级", "二级"},
    {"ii", "二级"},
    {"Ｉ Ｉ级", "二级"},
    {"2", "二级"},
    {"2级", "二级"},
    {"２", "二级"},
    {"Level 2", "二级"},
    {"Level II", "二级"},
    {"second", "二级"},
    {"Secondary", "二级"},
    {"2nd", "二级"},
    // 准保护区
    {"准保护区", "准保护区"},
    {"准", "准保护区"},
    {"准级", "准保护区"},
    {"准保护区水域", "准保护区"},
    {"准保护区（陆域）", "准保护区"},
    {"饮用水水源准保护区", "准保护区"},
    {" 准保护区 ", "准保护区"},
    {"quasi", "准保护区"},
    {"Quasi-protection zone", "准保护区"},
    {"QUASI", "准保护区"},
};

TEST(NormalizeLevelTest, RecognizesEverySpellingOfTheWaterLevels) {
  for (const Spelling& s : kRecognized) {
    const NormalizedLevel got = NormalizeLevel(ZoneKind::kWaterSourceProtection, s.raw);
    EXPECT_TRUE(got.recognized) << "raw: '" << s.raw << "'";
    EXPECT_EQ(got.level, s.level) << "raw: '" << s.raw << "'";
  }
}

TEST(NormalizeLevelTest, IsIdempotentOnCanonicalLevels) {
  for (absl::string_view level : KnownLevels(ZoneKind::kWaterSourceProtection)) {
    const NormalizedLevel got = NormalizeLevel(ZoneKind::kWaterSourceProtection, level);
    EXPECT_TRUE(got.recognized);
    EXPECT_EQ(got.level, level);
  }
}

// 三级 is not 准保护区; unknown and ambiguous values fall back to the strictest
// level, flagged, because the conservative reading protects the source.
TEST(NormalizeLevelTest, UnknownWaterLevelsAreFirstLevelAndFlagged) {
  constexpr absl::string_view kUnknown[] = {"三级",
                                            "三级保护区",
                                            "Ⅲ级",
                                            "III",
                                            "3",
                                            "Level 3",
                                            "third",
                                            "",
                                            "   ",
                                            "一级、二级",
                                            "一级水域二级陆域",
                                            "保护区",
                                            "核心区",
                                            "unknown",
                                            "一二",
                                            "1 2",
                                            "准一级",
                                            "\xff\xfe"};
  for (absl::string_view raw : kUnknown) {
    const NormalizedLevel got = NormalizeLevel(ZoneKind::kWaterSourceProtection, raw);
    EXPECT_FALSE(got.recognized) << "raw: '" << raw << "'";
    EXPECT_EQ(got.level, "一级") << "raw: '" << raw << "'";
  }
}

TEST(NormalizeLevelTest, OtherKindsPassThroughTrimmed) {
  struct Case {
    ZoneKind kind;
    absl::string_view raw;
    absl::string_view level;
  };
  const Case kCases[] = {
      {ZoneKind::kZeroDischargeZone, "工业园区", "工业园区"},
      {ZoneKind::kZeroDischargeZone, "  生活小区\t", "生活小区"},
      {ZoneKind::kZeroDischargeZone, "\u3000镇街\u3000", "镇街"},
      {ZoneKind::kEcologicalRedLine, "水源涵养", "水源涵养"},
      {ZoneKind::kEcologicalRedLine, " 生物多样性维护 ", "生物多样性维护"},
      // Not a water-source zone: "一级" means nothing special and stays as is.
      {ZoneKind::kEcologicalRedLine, "一级管控区", "一级管控区"},
      {ZoneKind::kOther, " 优先保护单元 ", "优先保护单元"},
      {ZoneKind::kOther, "三级", "三级"},
      {ZoneKind::kOther, "", ""},
  };
  for (const Case& c : kCases) {
    const NormalizedLevel got = NormalizeLevel(c.kind, c.raw);
    EXPECT_TRUE(got.recognized) << "raw: '" << c.raw << "'";
    EXPECT_EQ(got.level, c.level) << "raw: '" << c.raw << "'";
  }
}

TEST(KnownLevelsTest, ListsTheVocabularyOfEachKind) {
  EXPECT_EQ(KnownLevels(ZoneKind::kWaterSourceProtection).size(), 3u);
  EXPECT_EQ(KnownLevels(ZoneKind::kWaterSourceProtection)[0], "一级");
  EXPECT_EQ(KnownLevels(ZoneKind::kEcologicalRedLine).size(), 6u);
  EXPECT_EQ(KnownLevels(ZoneKind::kZeroDischargeZone).size(), 4u);
  EXPECT_TRUE(KnownLevels(ZoneKind::kOther).empty());
}

TEST(ParseRuleLevelTest, AcceptsRecognizedAndKnownLevels) {
  EXPECT_EQ(*ParseRuleLevel(ZoneKind::kWaterSourceProtection, "一级保护区"), "一级");
  EXPECT_EQ(*ParseRuleLevel(ZoneKind::kWaterSourceProtection, "Ⅱ级"), "二级");
  EXPECT_EQ(*ParseRuleLevel(ZoneKind::kWaterSourceProtection, "准"), "准保护区");
  EXPECT_EQ(*ParseRuleLevel(ZoneKind::kZeroDischargeZone, " 工业园区 "), "工业园区");
  EXPECT_EQ(*ParseRuleLevel(ZoneKind::kEcologicalRedLine, "防风固沙"), "防风固沙");
  EXPECT_EQ(*ParseRuleLevel(ZoneKind::kOther, "重点管控单元"), "重点管控单元");
}

TEST(ParseRuleLevelTest, RefusesUnknownLevels) {
  const absl::StatusOr<std::string> third =
      ParseRuleLevel(ZoneKind::kWaterSourceProtection, "三级");
  ASSERT_FALSE(third.ok());
  EXPECT_EQ(third.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(std::string(third.status().message()).find("三级"), std::string::npos);
  EXPECT_FALSE(ParseRuleLevel(ZoneKind::kWaterSourceProtection, "").ok());
  // A typo must not silently match nothing.
  const absl::StatusOr<std::string> typo = ParseRuleLevel(ZoneKind::kEcologicalRedLine, "水源含养");
  ASSERT_FALSE(typo.ok());
  EXPECT_NE(std::string(typo.status().message()).find("水源涵养"), std::string::npos)
      << "the error lists the accepted types";
  EXPECT_FALSE(ParseRuleLevel(ZoneKind::kZeroDischargeZone, "商业区").ok());
  EXPECT_FALSE(ParseRuleLevel(ZoneKind::kOther, "  ").ok());
}

}  // namespace
}  // namespace redline
