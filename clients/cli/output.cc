#include "clients/cli/output.h"

#include <algorithm>
#include <cstdlib>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/string_view.h"
#include "report/vocabulary.h"
#include "spatial/rules/names.h"

namespace redline::cli {
namespace {

bool IsWide(char32_t c) {
  return (c >= 0x1100 && c <= 0x115F) || (c >= 0x2E80 && c <= 0xA4CF) ||
         (c >= 0xAC00 && c <= 0xD7A3) || (c >= 0xF900 && c <= 0xFAFF) ||
         (c >= 0xFE30 && c <= 0xFE4F) || (c >= 0xFF00 && c <= 0xFF60) ||
         (c >= 0xFFE0 && c <= 0xFFE6);
}

std::string Paint(const Style& style, const char* code, absl::string_view text) {
  if (!style.color) return std::string(text);
  return absl::StrCat("\033[", code, "m", text, "\033[0m");
}

const char* VerdictColour(v1::Verdict v) {
  switch (v) {
    case v1::PROHIBITED:
      return "1;97;41";
    case v1::RESTRICTED:
      return "1;30;43";
    case v1::CONDITIONAL:
      return "1;30;46";
    case v1::CLEAR:
      return "1;30;42";
    default:
      return "1;30;45";
  }
}

// In the output's language, from the names table the record and the page use.
std::string KindName(v1::ZoneKind kind, Lang lang) {
  const DisplayName name = ZoneKindDisplayName(v1::ZoneKind_Name(kind));
  return std::string(lang == Lang::kZh ? name.zh : name.en);
}

// A plain text table whose columns line up with CJK text in them.
class Table {
 public:
  explicit Table(std::vector<std::string> header) { rows_.push_back(std::move(header)); }
  void Add(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
  std::string Render(const Style& style, const std::string& indent) const {
    std::vector<int> widths;
    for (const auto& row : rows_) {
      widths.resize(std::max(widths.size(), row.size()), 0);
      for (size_t i = 0; i < row.size(); ++i) {
        widths[i] = std::max(widths[i], DisplayWidth(row[i]));
      }
    }
    std::string out;
    for (size_t r = 0; r < rows_.size(); ++r) {
      std::string line = indent;
      for (size_t i = 0; i < rows_[r].size(); ++i) {
        line += rows_[r][i];
        if (i + 1 < rows_[r].size()) {
          line += std::string(widths[i] - DisplayWidth(rows_[r][i]) + 2, ' ');
        }
      }
      out += r == 0 ? Paint(style, "1", line) : line;
      out += "\n";
    }
    return out;
  }

 private:
  std::vector<std::vector<std::string>> rows_;
};

std::string RuleLines(const google::protobuf::RepeatedPtrField<v1::RuleApplication>& rules,
                      const Style& style, const std::string& indent) {
  std::string out;
  for (const v1::RuleApplication& r : rules) {
    // The law is quoted as enacted, in Chinese, in either language.
    const std::string& message =
        style.lang == Lang::kZh || r.message_en().empty() ? r.message_zh() : r.message_en();
    absl::StrAppend(&out, indent, "→ ",
                    Paint(style, VerdictColour(r.verdict()),
                          VerdictWord(v1::Verdict_Name(r.verdict()), style.lang)),
                    " ", message, "\n", indent, "  ", r.basis().law(), " ", r.basis().article(),
                    "：", r.basis().text(), "  [", r.rule_id(), "]\n");
  }
  return out;
}

// A text the server sent for people, in the output's language.
std::string Said(const v1::Message& m, const Style& style) {
  const std::string& text = style.lang == Lang::kZh ? m.text_zh() : m.text_en();
  return text.empty() ? m.text_en() : text;
}

std::string Fixed1(double v) { return absl::StrFormat("%.1f", v); }

std::string RelationName(v1::ZoneHit::Relation r, Lang lang) {
  return lang == Lang::kZh ? std::string(report::RelationNames(r).zh)
                           : v1::ZoneHit::Relation_Name(r);
}

void AppendHits(const v1::CheckResponse& r, const Style& style, std::string& out) {
  const bool zh = style.lang == Lang::kZh;
  if (r.hits().empty()) {
    absl::StrAppend(&out, zh ? "未触及任何区域。\n" : "No zone is touched.\n");
    return;
  }
  absl::StrAppend(&out, zh ? "涉及的区域（" : "Zones touched (", r.hits_size(),
                  zh ? "）：\n" : "):\n");
  Table t(
      zh ? std::vector<std::string>{"图层", "类别", "编号", "名称", "级别", "关系", "重叠", "占比"}
         : std::vector<std::string>{"LAYER", "KIND", "ZONE ID", "NAME", "LEVEL", "RELATION",
                                    "OVERLAP", "SHARE"});
  for (const v1::ZoneHit& h : r.hits()) {
    std::string overlap =
        h.overlap_area_m2() > 0
            ? absl::StrFormat("%.1f m²", h.overlap_area_m2())
            : (h.overlap_length_m() > 0 ? absl::StrFormat("%.1f m", h.overlap_length_m()) : "-");
    std::string share =
        h.overlap_ratio() > 0 ? absl::StrFormat("%.1f%%", 100 * h.overlap_ratio()) : "-";
    t.Add({h.layer(), KindName(h.kind(), style.lang), h.zone_id(), h.zone_name(), h.level(),
           RelationName(h.relation(), style.lang), overlap, share});
  }
  absl::StrAppend(&out, t.Render(style, "  "));
  for (const v1::ZoneHit& h : r.hits()) {
    if (!h.rules().empty()) {
      absl::StrAppend(&out, "  ", h.zone_id(), zh ? "：\n" : ":\n",
                      RuleLines(h.rules(), style, "    "));
    }
  }
}

void AppendNearest(const v1::CheckResponse& r, const Style& style, std::string& out) {
  if (r.nearest().empty()) return;
  const bool zh = style.lang == Lang::kZh;
  absl::StrAppend(
      &out, zh ? absl::StrFormat("\n邻近区域（搜索半径 %.0f 米）：\n", r.search_radius_m())
               : absl::StrFormat("\nNearby zones (search radius %.0f m):\n", r.search_radius_m()));
  Table t(zh ? std::vector<std::string>{"图层", "类别", "编号", "名称", "级别", "距离"}
             : std::vector<std::string>{"LAYER", "KIND", "ZONE ID", "NAME", "LEVEL", "DISTANCE"});
  for (const v1::NearZone& n : r.nearest()) {
    t.Add({n.layer(), KindName(n.kind(), style.lang), n.zone_id(), n.zone_name(), n.level(),
           absl::StrFormat("%.1f m", n.distance_m())});
  }
  absl::StrAppend(&out, t.Render(style, "  "));
  for (const v1::NearZone& n : r.nearest()) {
    if (!n.rules().empty()) {
      absl::StrAppend(&out, "  ", n.zone_id(), zh ? "：\n" : ":\n",
                      RuleLines(n.rules(), style, "    "));
    }
  }
}

}  // namespace

Lang OutputLang(const std::optional<std::string>& flag) {
  if (flag) return *flag == "zh" ? Lang::kZh : Lang::kEn;
  // POSIX: LC_ALL overrides LC_MESSAGES, which overrides LANG; an empty
  // variable counts as unset.
  for (const char* name : {"LC_ALL", "LC_MESSAGES", "LANG"}) {
    const char* value = std::getenv(name);
    if (value == nullptr || *value == '\0') continue;
    return absl::StartsWithIgnoreCase(value, "zh") ? Lang::kZh : Lang::kEn;
  }
  return Lang::kEn;
}

int DisplayWidth(absl::string_view s) {
  int width = 0;
  for (size_t i = 0; i < s.size();) {
    const unsigned char c = s[i];
    char32_t cp = c;
    int len = 1;
    if (c >= 0xF0) {
      len = 4;
      cp = c & 0x07;
    } else if (c >= 0xE0) {
      len = 3;
      cp = c & 0x0F;
    } else if (c >= 0xC0) {
      len = 2;
      cp = c & 0x1F;
    }
    for (int k = 1; k < len && i + k < s.size(); ++k) cp = (cp << 6) | (s[i + k] & 0x3F);
    if (c == 0x1B) {  // skip ANSI escapes
      while (i < s.size() && s[i] != 'm') ++i;
      ++i;
      continue;
    }
    width += IsWide(cp) ? 2 : 1;
    i += len;
  }
  return width;
}

std::string FormatCheck(const v1::CheckResponse& r, const Style& style) {
  const bool zh = style.lang == Lang::kZh;
  auto say = [zh](absl::string_view z, absl::string_view e) { return std::string(zh ? z : e); };
  std::string out;
  const std::string verdict = v1::Verdict_Name(r.verdict());
  absl::StrAppend(
      &out,
      Paint(style, VerdictColour(r.verdict()),
            absl::StrCat(" ", VerdictWord(verdict, style.lang), " ")),
      "  ", r.has_verdict_message() ? Said(r.verdict_message(), style) : r.verdict_reason(), "\n");
  const v1::SiteInfo& s = r.site();
  absl::StrAppend(
      &out, zh ? absl::StrFormat("选址     %s（%s，%d 个顶点）位于 %.6fE %.6fN", s.geometry_type(),
                                 s.input_crs(), s.vertices(), s.lon(), s.lat())
               : absl::StrFormat("site     %s (%s, %d vertices) at %.6fE %.6fN", s.geometry_type(),
                                 s.input_crs(), s.vertices(), s.lon(), s.lat()));
  if (s.area_m2() > 0) absl::StrAppend(&out, say("，面积 ", ", area "), Fixed1(s.area_m2()), " m²");
  if (s.length_m() > 0 && s.area_m2() == 0) {
    absl::StrAppend(&out, say("，长度 ", ", length "), Fixed1(s.length_m()), " m");
  }
  // How the coordinates were read, when anything was decided on the way.
  const v1::CoordinateInterpretation& c = s.coordinates();
  for (int i = 0; i < c.notes_size(); ++i) {
    absl::StrAppend(&out, say("\n坐标解读 ", "\nread as  "),
                    i < c.note_messages_size() ? Said(c.note_messages(i), style) : c.notes(i));
  }
  const v1::Siting::Purpose purpose = r.siting().purpose();
  absl::StrAppend(
      &out, say("\n用途     ", "\npurpose  "),
      zh ? std::string(report::PurposeNames(purpose).zh) : v1::Siting::Purpose_Name(purpose),
      "\n\n");
  AppendHits(r, style, out);
  AppendNearest(r, style, out);
  absl::StrAppend(&out, say("\n数据版本 ", "\ndataset  "), r.dataset_version(), "\n");
  // The audit trail's record of this answer, when the server keeps one.
  if (!r.record_id().empty())
    absl::StrAppend(&out, say("留痕编号 ", "record   "), r.record_id(), "\n");
  return out;
}

std::string FormatLayers(const v1::ListLayersResponse& r, const Style& style) {
  const bool zh = style.lang == Lang::kZh;
  std::string out;
  absl::StrAppend(&out, zh ? "数据版本 " : "dataset  ", r.dataset_version(), "\n");
  // What --require-version is matched against, on every replica alike.
  if (!r.content_hash().empty()) {
    absl::StrAppend(&out, zh ? "数据内容 " : "content  ", r.content_hash(), "\n");
  }
  absl::StrAppend(&out, zh ? "工作坐标系 " : "working  ", r.working_crs(),
                  zh ? "，边界容差 " : ", boundary tolerance ",
                  absl::StrFormat("%g", r.boundary_tolerance_m()), " m\n\n");
  Table t(zh ? std::vector<std::string>{"图层", "类别", "驱动", "源坐标系", "区域数", "顶点数",
                                        "已修复", "已跳过", "范围（经纬度）"}
             : std::vector<std::string>{"LAYER", "KIND", "DRIVER", "SOURCE CRS", "ZONES",
                                        "VERTICES", "REPAIRED", "SKIPPED", "EXTENT (lon/lat)"});
  for (const v1::LayerInfo& l : r.layers()) {
    const v1::Extent& e = l.extent_lonlat();
    t.Add({l.name(), KindName(l.kind(), style.lang), l.driver(), l.source_crs(),
           absl::StrCat(l.zone_count()), absl::StrCat(l.vertex_count()),
           absl::StrCat(l.report().repaired()), absl::StrCat(l.report().skipped()),
           absl::StrFormat("%.3f,%.3f .. %.3f,%.3f", e.min_x(), e.min_y(), e.max_x(), e.max_y())});
  }
  absl::StrAppend(&out, t.Render(style, ""));
  for (const v1::LayerInfo& l : r.layers()) {
    for (const v1::LoadIssue& i : l.report().issues()) {
      absl::StrAppend(&out, "  ", l.name(), ": ", i.feature(), ": ",
                      v1::LoadIssue::Action_Name(i.action()), ": ", i.reason(), "\n");
    }
  }
  if (!r.rule_files().empty()) {
    absl::StrAppend(&out, zh ? "\n规则文件：\n" : "\nrule files:\n");
    for (const std::string& f : r.rule_files()) absl::StrAppend(&out, "  ", f, "\n");
  }
  return out;
}

}  // namespace redline::cli
