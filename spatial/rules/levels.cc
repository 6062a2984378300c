#include "spatial/rules/levels.h"

#include <array>
#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"

namespace redline {
namespace {

constexpr std::array<absl::string_view, 3> kWaterLevels = {kLevelFirst, kLevelSecond, kLevelQuasi};
constexpr std::array<absl::string_view, 6> kRedLineTypes = {
    "水源涵养", "生物多样性维护", "水土保持", "海岸生态稳定", "防风固沙", "其他"};
constexpr std::array<absl::string_view, 4> kZeroDischargeCategories = {"工业园区", "生活小区",
                                                                       "镇街", "其他"};

constexpr char32_t kReplacement = 0xFFFD;

void RemoveAll(absl::string_view word, std::string* s) {
  for (size_t pos = s->find(word.data(), 0, word.size()); pos != std::string::npos;
       pos = s->find(word.data(), pos, word.size())) {
    s->erase(pos, word.size());
  }
}

// Decodes one UTF-8 sequence at `s[*i]` and advances `*i`. Malformed input
// yields U+FFFD for one byte, so a stray byte can never match a level.
char32_t NextCodePoint(absl::string_view s, size_t* i) {
  const auto byte = [&](size_t k) { return static_cast<uint8_t>(s[k]); };
  const uint8_t b0 = byte(*i);
  int len = 0;
  char32_t cp = 0;
  if (b0 < 0x80) {
    ++*i;
    return b0;
  } else if ((b0 & 0xE0) == 0xC0) {
    len = 2;
    cp = b0 & 0x1F;
  } else if ((b0 & 0xF0) == 0xE0) {
    len = 3;
    cp = b0 & 0x0F;
  } else if ((b0 & 0xF8) == 0xF0) {
    len = 4;
    cp = b0 & 0x07;
  } else {
    ++*i;
    return kReplacement;
  }
  if (*i + len > s.size()) {
    ++*i;
    return kReplacement;
  }
  for (int k = 1; k < len; ++k) {
    const uint8_t b = byte(*i + k);
    if ((b & 0xC0) != 0x80) {
      ++*i;
      return kReplacement;
    }
    cp = (cp << 6) | (b & 0x3F);
  }
  *i += len;
  return cp;
}

void AppendUtf8(char32_t cp, std::string* out) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

bool IsSpace(char32_t cp) {
  return cp == ' ' || cp == '\t' || cp == '\n' || cp == '\r' || cp == '\f' || cp == '\v' ||
         cp == 0x00A0 || cp == 0x3000 || cp == 0xFEFF;
}

// Punctuation that decorates a level without changing it: brackets, dashes,
// dots, commas, quotes, in ASCII and CJK forms.
bool IsDecorativePunct(char32_t cp) {
  if (cp < 0x80) {
    return !((cp >= '0' && cp <= '9') || (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z'));
  }
  return (cp >= 0x2010 && cp <= 0x2027) ||  // dashes, quotes, bullets
         (cp >= 0x3001 && cp <= 0x303F) ||  // 、。〈〉《》「」【】〔〕 ...
         cp == 0x00B7;                      // middle dot
}

// Roman numeral characters Ⅰ..Ⅻ, Ⅼ, Ⅽ, Ⅾ, Ⅿ (U+2160..) and their small forms.
absl::string_view RomanNumeral(char32_t cp) {
  static constexpr std::array<absl::string_view, 16> kRoman = {
      "i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix", "x", "xi", "xii", "l", "c", "d", "m"};
  if (cp >= 0x2160 && cp <= 0x216F) return kRoman[cp - 0x2160];
  if (cp >= 0x2170 && cp <= 0x217F) return kRoman[cp - 0x2170];
  return {};
}

// Folds full-width forms to ASCII, Roman numeral characters to Latin letters,
// Latin to lower case, and drops white space and decorative punctuation, so
// "Ｌｅｖｅｌ Ⅰ（水域）" becomes "leveli水域".
std::string Fold(absl::string_view raw) {
  std::string out;
  out.reserve(raw.size());
  size_t i = 0;
  while (i < raw.size()) {
    char32_t cp = NextCodePoint(raw, &i);
    if (cp >= 0xFF01 && cp <= 0xFF5E) cp -= 0xFEE0;  // full-width ASCII
    if (IsSpace(cp) || IsDecorativePunct(cp)) continue;
    if (absl::string_view roman = RomanNumeral(cp); !roman.empty()) {
      out.append(roman.data(), roman.size());
      continue;
    }
    if (cp >= 'A' && cp <= 'Z') cp = cp - 'A' + 'a';
    AppendUtf8(cp, &out);
  }
  return out;
}

// Words that say "this is a protection level" without saying which one. A word
// comes before any word it contains (饮用水水源 before 水源, 保护区 before 区)
// so that nothing half-removed is left behind. None of them contains a level
// word (一, 二, 准, first, ...).
constexpr std::array<absl::string_view, 29> kDecorations = {
    "饮用水水源", "饮用水源", "集中式",     "饮用水",    "地表水", "地下水", "水源地", "水源",
    "保护区",     "保护",     "水域",       "陆域",      "范围",   "区域",   "区",     "级",
    "类",         "第",       "protection", "protected", "source", "level",  "grade",  "class",
    "water",      "zone",     "area",       "land",      "tier"};

struct LevelAlias {
  absl::string_view core;
  absl::string_view level;
};
constexpr std::array<LevelAlias, 16> kWaterAliases = {{
    {"一", kLevelFirst},
    {"壹", kLevelFirst},
    {"1", kLevelFirst},
    {"i", kLevelFirst},
    {"first", kLevelFirst},
    {"1st", kLevelFirst},
    {"primary", kLevelFirst},
    {"二", kLevelSecond},
    {"贰", kLevelSecond},
    {"2", kLevelSecond},
    {"ii", kLevelSecond},
    {"second", kLevelSecond},
    {"2nd", kLevelSecond},
    {"secondary", kLevelSecond},
    {"准", kLevelQuasi},
    {"quasi", kLevelQuasi},
}};

NormalizedLevel NormalizeWaterLevel(absl::string_view raw) {
  std::string core = Fold(raw);
  for (absl::string_view word : kDecorations) RemoveAll(word, &core);
  for (const LevelAlias& alias : kWaterAliases) {
    if (core == alias.core) return {std::string(alias.level), true};
  }
  // Unknown, empty or ambiguous ("一级、二级"): the strictest level, flagged.
  return {std::string(kLevelFirst), false};
}

absl::string_view TrimSpace(absl::string_view s) {
  size_t begin = 0;
  while (begin < s.size()) {
    size_t next = begin;
    if (!IsSpace(NextCodePoint(s, &next))) break;
    begin = next;
  }
  size_t end = s.size();
  while (end > begin) {
    // Step back to the start of the last code point.
    size_t start = end - 1;
    while (start > begin && (static_cast<uint8_t>(s[start]) & 0xC0) == 0x80) {
      --start;
    }
    size_t next = start;
    if (!IsSpace(NextCodePoint(s, &next))) break;
    end = start;
  }
  return s.substr(begin, end - begin);
}

}  // namespace

NormalizedLevel NormalizeLevel(ZoneKind kind, absl::string_view raw) {
  if (kind == ZoneKind::kWaterSourceProtection) return NormalizeWaterLevel(raw);
  return {std::string(TrimSpace(raw)), true};
}

absl::Span<const absl::string_view> KnownLevels(ZoneKind kind) {
  switch (kind) {
    case ZoneKind::kWaterSourceProtection:
      return kWaterLevels;
    case ZoneKind::kEcologicalRedLine:
      return kRedLineTypes;
    case ZoneKind::kZeroDischargeZone:
      return kZeroDischargeCategories;
    case ZoneKind::kOther:
    case ZoneKind::kContext:
      break;
  }
  return {};
}

absl::StatusOr<std::string> ParseRuleLevel(ZoneKind kind, absl::string_view raw) {
  const absl::string_view trimmed = TrimSpace(raw);
  switch (kind) {
    case ZoneKind::kWaterSourceProtection: {
      NormalizedLevel normalized = NormalizeWaterLevel(trimmed);
      if (normalized.recognized) return std::move(normalized.level);
      return absl::InvalidArgumentError(
          absl::StrCat("unknown water_source_protection level '", trimmed,
                       "': expected 一级, 二级 or 准保护区 (spellings such as 一级保护区, "
                       "Ⅱ级, 2 or 准 are accepted; 三级 is not a level of the law)"));
    }
    case ZoneKind::kEcologicalRedLine:
    case ZoneKind::kZeroDischargeZone: {
      for (absl::string_view known : KnownLevels(kind)) {
        if (known == trimmed) return std::string(known);
      }
      return absl::InvalidArgumentError(absl::StrCat("unknown ", ZoneKindName(kind), " level '",
                                                     trimmed, "': expected one of ",
                                                     absl::StrJoin(KnownLevels(kind), ", ")));
    }
    case ZoneKind::kOther:
    case ZoneKind::kContext:
      break;
  }
  if (trimmed.empty()) {
    return absl::InvalidArgumentError("empty level");
  }
  return std::string(trimmed);
}

}  // namespace redline
