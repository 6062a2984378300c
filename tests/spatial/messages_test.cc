// The catalogue of texts for people (spatial/base/messages.h): every code
// worded in both languages with the same parameters, every code the core
// says is catalogued and every catalogued code is said somewhere, and real
// answers of the sample render without a placeholder left or an English
// sentence in the Chinese.
#include "spatial/base/messages.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "spatial/base/utf8.h"
#include "tests/spatial/sample_snapshot.h"

namespace redline {
namespace {

using testing::HasSubstr;
using testing::Not;

std::set<std::string> Sorted(std::vector<std::string> v) { return {v.begin(), v.end()}; }

TEST(MessagesTest, EveryCodeHasBothLanguagesWithTheSameParameters) {
  std::set<std::string> codes;
  for (const MessageTemplate& t : AllMessageTemplates()) {
    SCOPED_TRACE(std::string(t.code));
    EXPECT_TRUE(codes.insert(std::string(t.code)).second) << "code listed twice";
    EXPECT_FALSE(t.zh.empty());
    EXPECT_FALSE(t.en.empty());
    EXPECT_TRUE(IsValidUtf8(t.zh));
    EXPECT_EQ(Sorted(Placeholders(t.zh)), Sorted(Placeholders(t.en)));
    // The Chinese is Chinese: it holds a CJK character (3-byte UTF-8).
    EXPECT_TRUE(std::any_of(t.zh.begin(), t.zh.end(),
                            [](char c) { return (static_cast<unsigned char>(c) & 0xF0) == 0xE0; }));
    // Codes are dotted lower-case names, stable across releases.
    EXPECT_TRUE(std::regex_match(std::string(t.code), std::regex("[a-z0-9]+\\.[a-z0-9_]+")));
  }
}

// Every literal code in the core's sources is catalogued, and every
// catalogued code is produced somewhere: no text said without wording, no
// wording never said.
TEST(MessagesTest, CodesInTheSourcesAndTheCatalogueAgree) {
  const std::regex literal("\"((verdict|coords|geometry|upload)\\.[a-z0-9_]+)\"");
  std::set<std::string> used;
  for (const auto& entry :
       std::filesystem::recursive_directory_iterator(REDLINE_SOURCE_DIR "/spatial")) {
    if (entry.path().extension() != ".cc" || entry.path().filename() == "messages.cc") continue;
    std::ifstream in(entry.path());
    std::stringstream text;
    text << in.rdbuf();
    const std::string s = text.str();
    for (auto it = std::sregex_iterator(s.begin(), s.end(), literal); it != std::sregex_iterator();
         ++it) {
      used.insert((*it)[1]);
    }
  }
  std::set<std::string> catalogued;
  for (const MessageTemplate& t : AllMessageTemplates()) catalogued.insert(std::string(t.code));
  for (const std::string& code : used) EXPECT_TRUE(catalogued.count(code)) << code;
  for (const std::string& code : catalogued) EXPECT_TRUE(used.count(code)) << code << " unused";
}

TEST(MessagesTest, RendersParametersAndVerdictWords) {
  const Message m{"verdict.rule_setback",
                  {{"verdict", "PROHIBITED"},
                   {"rule", "wppl-64-outfall"},
                   {"law", "中华人民共和国水污染防治法"},
                   {"article", "第六十四条"},
                   {"zone_id", "WS-1"},
                   {"zone_name", "某水库"},
                   {"distance_m", "12.5"}}};
  EXPECT_EQ(RenderMessage(m, Lang::kEn),
            "PROHIBITED by rule wppl-64-outfall (中华人民共和国水污染防治法 第六十四条): zone "
            "WS-1 某水库 at 12.5 m");
  EXPECT_EQ(RenderMessage(m, Lang::kZh),
            "禁止：依规则 wppl-64-outfall（中华人民共和国水污染防治法第六十四条），区域 "
            "WS-1「某水库」相距 12.5 米");
  // An unknown code keeps what it has; a missing parameter stays visible.
  EXPECT_EQ(RenderMessage({"no.such", {{"a", "1"}}}, Lang::kZh), "no.such a=1");
  EXPECT_THAT(RenderMessage({"upload.gathered", {}}, Lang::kEn), HasSubstr("{n}"));
}

// Runs of two or more ASCII words: what an English sentence looks like.
bool HasEnglishRun(const std::string& text) {
  static const std::regex run("[A-Za-z]{2,}[ ,;:]+[A-Za-z]{2,}[ ,;:]+[A-Za-z]{2,}");
  return std::regex_search(text, run);
}

class MessagesSampleTest : public SampleSnapshotTest {};

// Real answers: the reason and every note in Chinese hold no English
// sentence, and the English is what verdict_reason and notes carry.
TEST_F(MessagesSampleTest, RealAnswersRenderInBothLanguages) {
  CheckOptions options;
  options.siting.purpose = Purpose::kOutfall;
  std::vector<Message> seen;
  // A zone hit (the sample's first known point), a clear point, a
  // prefixed Gauss-Kruger point with axes swapped, and GCJ-02.
  struct Input {
    Point2 p;
    const char* crs;
  };
  const Input inputs[] = {{{121.069788, 29.970780}, "EPSG:4490"},
                          {{119.0, 28.0}, "EPSG:4490"},
                          {{3318000, 40500000}, "GK"},
                          {{121.074, 29.968}, "GCJ-02"}};
  for (const Input& in : inputs) {
    for (bool with_purpose : {true, false}) {
      CheckOptions o = options;
      if (!with_purpose) o.siting.purpose = Purpose::kUnspecified;
      absl::StatusOr<CheckResult> r = sample().CheckPoint(in.p, in.crs, o);
      ASSERT_TRUE(r.ok()) << r.status();
      EXPECT_EQ(r->verdict_reason, RenderMessage(r->verdict_message, Lang::kEn));
      seen.push_back(r->verdict_message);
      const CoordinateInterpretation& c = r->site.coordinates;
      ASSERT_EQ(c.notes.size(), c.note_messages.size());
      for (size_t i = 0; i < c.notes.size(); ++i) {
        EXPECT_EQ(c.notes[i], RenderMessage(c.note_messages[i], Lang::kEn));
        seen.push_back(c.note_messages[i]);
      }
    }
  }
  std::set<std::string> codes;
  for (const Message& m : seen) {
    SCOPED_TRACE(m.code);
    codes.insert(m.code);
    ASSERT_NE(FindMessageTemplate(m.code), nullptr);
    const std::string zh = RenderMessage(m, Lang::kZh);
    EXPECT_THAT(zh, Not(HasSubstr("{")));
    EXPECT_FALSE(HasEnglishRun(zh)) << zh;
  }
  EXPECT_TRUE(codes.count("verdict.rule")) << "no rule applied: the inputs no longer hit";
  EXPECT_TRUE(codes.count("coords.gk_prefix"));
  EXPECT_TRUE(codes.count("coords.gcj02_converted"));
}

}  // namespace
}  // namespace redline
