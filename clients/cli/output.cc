#include "clients/cli/output.h"

#include <algorithm>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/string_view.h"
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

// English, then Chinese, from the names table the record and the page use.
std::string KindName(v1::ZoneKind kind) {
  const DisplayName name = ZoneKindDisplayName(v1::ZoneKind_Name(kind));
  return absl::StrCat(name.en, " ", name.zh);
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
    absl::StrAppend(&out, indent, "→ ",
                    Paint(style, VerdictColour(r.verdict()), v1::Verdict_Name(r.verdict())), " ",
                    r.message_zh(), " ", r.message_en(), "\n", indent, "  ", r.basis().law(), " ",
                    r.basis().article(), "：", r.basis().text(), "  [", r.rule_id(), "]\n");
  }
  return out;
}

}  // namespace

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
  std::string out;
  absl::StrAppend(&out,
                  Paint(style, VerdictColour(r.verdict()),
                        absl::StrCat(" ", v1::Verdict_Name(r.verdict()), " ")),
                  "  ", r.verdict_reason(), "\n");
  const v1::SiteInfo& s = r.site();
  absl::StrAppendFormat(&out, "site     %s (%s, %d vertices) at %.6fE %.6fN", s.geometry_type(),
                        s.input_crs(), s.vertices(), s.lon(), s.lat());
  if (s.area_m2() > 0) absl::StrAppendFormat(&out, ", area %.1f m²", s.area_m2());
  if (s.length_m() > 0 && s.area_m2() == 0)
    absl::StrAppendFormat(&out, ", length %.1f m", s.length_m());
  // How the coordinates were read, when anything was decided on the way.
  for (const std::string& note : s.coordinates().notes()) {
    absl::StrAppend(&out, "\nread as  ", note);
  }
  absl::StrAppend(&out, "\npurpose  ", v1::Siting::Purpose_Name(r.siting().purpose()), "\n\n");
  if (r.hits().empty()) {
    absl::StrAppend(&out, "No zone is touched.\n");
  } else {
    absl::StrAppend(&out, "Zones touched (", r.hits_size(), "):\n");
    Table t({"LAYER", "KIND", "ZONE ID", "NAME", "LEVEL", "RELATION", "OVERLAP", "SHARE"});
    for (const v1::ZoneHit& h : r.hits()) {
      std::string overlap =
          h.overlap_area_m2() > 0
              ? absl::StrFormat("%.1f m²", h.overlap_area_m2())
              : (h.overlap_length_m() > 0 ? absl::StrFormat("%.1f m", h.overlap_length_m()) : "-");
      std::string share =
          h.overlap_ratio() > 0 ? absl::StrFormat("%.1f%%", 100 * h.overlap_ratio()) : "-";
      t.Add({h.layer(), KindName(h.kind()), h.zone_id(), h.zone_name(), h.level(),
             v1::ZoneHit::Relation_Name(h.relation()), overlap, share});
    }
    absl::StrAppend(&out, t.Render(style, "  "));
    for (const v1::ZoneHit& h : r.hits()) {
      if (!h.rules().empty()) {
        absl::StrAppend(&out, "  ", h.zone_id(), ":\n", RuleLines(h.rules(), style, "    "));
      }
    }
  }
  if (!r.nearest().empty()) {
    absl::StrAppendFormat(&out, "\nNearby zones (search radius %.0f m):\n", r.search_radius_m());
    Table t({"LAYER", "KIND", "ZONE ID", "NAME", "LEVEL", "DISTANCE"});
    for (const v1::NearZone& n : r.nearest()) {
      t.Add({n.layer(), KindName(n.kind()), n.zone_id(), n.zone_name(), n.level(),
             absl::StrFormat("%.1f m", n.distance_m())});
    }
    absl::StrAppend(&out, t.Render(style, "  "));
    for (const v1::NearZone& n : r.nearest()) {
      if (!n.rules().empty()) {
        absl::StrAppend(&out, "  ", n.zone_id(), ":\n", RuleLines(n.rules(), style, "    "));
      }
    }
  }
  absl::StrAppend(&out, "\ndataset  ", r.dataset_version(), "\n");
  // The audit trail's record of this answer, when the server keeps one.
  if (!r.record_id().empty()) absl::StrAppend(&out, "record   ", r.record_id(), "\n");
  return out;
}

std::string FormatLayers(const v1::ListLayersResponse& r, const Style& style) {
  std::string out;
  absl::StrAppend(&out, "dataset  ", r.dataset_version(), "\n");
  // What --require-version is matched against, on every replica alike.
  if (!r.content_hash().empty()) absl::StrAppend(&out, "content  ", r.content_hash(), "\n");
  absl::StrAppend(&out, "working  ", r.working_crs(),
                  absl::StrFormat(", boundary tolerance %g m\n\n", r.boundary_tolerance_m()));
  Table t({"LAYER", "KIND", "DRIVER", "SOURCE CRS", "ZONES", "VERTICES", "REPAIRED", "SKIPPED",
           "EXTENT (lon/lat)"});
  for (const v1::LayerInfo& l : r.layers()) {
    const v1::Extent& e = l.extent_lonlat();
    t.Add({l.name(), KindName(l.kind()), l.driver(), l.source_crs(), absl::StrCat(l.zone_count()),
           absl::StrCat(l.vertex_count()), absl::StrCat(l.report().repaired()),
           absl::StrCat(l.report().skipped()),
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
    absl::StrAppend(&out, "\nrule files:\n");
    for (const std::string& f : r.rule_files()) absl::StrAppend(&out, "  ", f, "\n");
  }
  return out;
}

}  // namespace redline::cli
