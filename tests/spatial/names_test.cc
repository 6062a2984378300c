// The names table of zone kinds and levels (spatial/rules/names.h).
#include "spatial/rules/names.h"

#include <set>
#include <string>

#include "gtest/gtest.h"
#include "spatial/rules/levels.h"

namespace redline {
namespace {

TEST(NamesTest, EveryKindHasBothNamesInKindOrder) {
  // The zone kinds, then the context layers' row.
  ASSERT_EQ(AllZoneKindNames().size(), std::size(kAllZoneKinds) + 1);
  EXPECT_EQ(AllZoneKindNames().back().kind, ZoneKind::kContext);
  EXPECT_EQ(AllZoneKindNames().back().api_name, "CONTEXT_LAYER");
  std::set<std::string> api_names;
  for (size_t i = 0; i < AllZoneKindNames().size(); ++i) {
    const ZoneKindNames& row = AllZoneKindNames()[i];
    if (i < std::size(kAllZoneKinds)) EXPECT_EQ(row.kind, kAllZoneKinds[i]);
    EXPECT_FALSE(row.name.zh.empty());
    EXPECT_FALSE(row.name.en.empty());
    EXPECT_TRUE(api_names.insert(std::string(row.api_name)).second) << row.api_name;
    EXPECT_EQ(ZoneKindDisplayName(row.kind).zh, row.name.zh);
    EXPECT_EQ(ZoneKindDisplayName(row.api_name).en, row.name.en);
  }
}

TEST(NamesTest, TheDomainsOwnTerms) {
  EXPECT_EQ(ZoneKindDisplayName(ZoneKind::kWaterSourceProtection).zh, "饮用水水源保护区");
  EXPECT_EQ(ZoneKindDisplayName(ZoneKind::kEcologicalRedLine).zh, "生态保护红线");
  EXPECT_EQ(ZoneKindDisplayName(ZoneKind::kZeroDischargeZone).zh, "污水零直排区");
  const std::string first(kLevelFirst), second(kLevelSecond), quasi(kLevelQuasi);
  ASSERT_NE(LevelDisplayName(first), nullptr);
  EXPECT_EQ(LevelDisplayName(first)->zh, "一级保护区");
  ASSERT_NE(LevelDisplayName(second), nullptr);
  EXPECT_EQ(LevelDisplayName(second)->zh, "二级保护区");
  ASSERT_NE(LevelDisplayName(quasi), nullptr);
  EXPECT_EQ(LevelDisplayName(quasi)->zh, "准保护区");
}

TEST(NamesTest, UnknownNamesAndLevels) {
  EXPECT_EQ(ZoneKindDisplayName(kUnspecifiedZoneKindApiName).zh, kUnknownZoneKindName.zh);
  EXPECT_EQ(ZoneKindDisplayName("NO_SUCH_KIND").en, kUnknownZoneKindName.en);
  EXPECT_EQ(LevelDisplayName("水源涵养"), nullptr);    // other kinds' levels are names already
  EXPECT_EQ(LevelDisplayName("一级保护区"), nullptr);  // canonical levels only
  ASSERT_EQ(AllLevelNames().size(), 3u);
  EXPECT_EQ(std::string(AllLevelNames()[0].level), std::string(kLevelFirst));
  EXPECT_EQ(std::string(AllLevelNames()[2].level), std::string(kLevelQuasi));
}

}  // namespace
}  // namespace redline
