#include "report/change_report.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <limits>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "report/shape.h"
#include "report/site_map.h"
#include "report/stylesheet.h"
#include "report/text.h"
#include "report/vocabulary.h"

namespace redline::report {
namespace {

constexpr double kMapWidth = 80;   // SVG units (mm when printed)
constexpr double kMapHeight = 56;  // the frame keeps the outlines' aspect inside it

std::string Kind(v1::ZoneChange::Kind k) {
  return absl::AsciiStrToLower(v1::ZoneChange::Kind_Name(k));
}

// One outline of the map: a shape and how to paint it.
struct Layer {
  Shape shape;
  const char* stroke;
  const char* fill;
  double fill_opacity;
  bool dashed;
};

// The before and after outlines of one zone with its gained and lost parts,
// on a local plane (SiteMap's projection), fitted to the frame.
std::string ChangeMap(const v1::ZoneChange& c) {
  const std::pair<const std::string*, Layer> sources[] = {
      {&c.before_wkb(), {{}, "#546e7a", "none", 0, true}},
      {&c.after_wkb(), {{}, "#263238", "none", 0, false}},
      {&c.gained_wkb(), {{}, "#2e7d32", "#2e7d32", 0.45, false}},
      {&c.lost_wkb(), {{}, "#b71c1c", "#b71c1c", 0.45, false}},
  };
  std::vector<Layer> layers;
  double x0 = std::numeric_limits<double>::infinity(), y0 = x0, x1 = -x0, y1 = -x0;
  for (const auto& [wkb, style] : sources) {
    if (wkb->empty()) continue;
    absl::StatusOr<Shape> shape = ParseWkb(*wkb);
    if (!shape.ok() || shape->empty()) continue;
    Layer l = style;
    l.shape = *std::move(shape);
    for (const auto& part : l.shape.parts) {
      for (const auto& ring : part.rings) {
        for (const XY& p : ring) {
          x0 = std::min(x0, p.x), x1 = std::max(x1, p.x);
          y0 = std::min(y0, p.y), y1 = std::max(y1, p.y);
        }
      }
    }
    layers.push_back(std::move(l));
  }
  if (layers.empty()) return "";
  const SiteMap plane = SiteMap::Geographic((x0 + x1) / 2, (y0 + y1) / 2);
  const XY lo = plane.ToMetres({x0, y0}), hi = plane.ToMetres({x1, y1});
  const double s = std::max({(hi.x - lo.x) / (kMapWidth - 4), (hi.y - lo.y) / (kMapHeight - 4),
                             1e-9});  // metres per SVG unit
  const double ox = (kMapWidth - (hi.x - lo.x) / s) / 2, oy = (kMapHeight - (hi.y - lo.y) / s) / 2;
  std::string svg = absl::StrFormat(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %g %g\" width=\"%gmm\" "
      "height=\"%gmm\">\n",
      kMapWidth, kMapHeight, kMapWidth, kMapHeight);
  for (const Layer& l : layers) {
    std::string d;
    for (const auto& part : l.shape.parts) {
      for (const auto& ring : part.rings) {
        for (size_t i = 0; i < ring.size(); ++i) {
          const XY m = plane.ToMetres(ring[i]);
          absl::StrAppendFormat(&d, "%s%.2f %.2f", i == 0 ? "M" : "L", ox + (m.x - lo.x) / s,
                                kMapHeight - oy - (m.y - lo.y) / s);
        }
        d += "Z";
      }
    }
    absl::StrAppendFormat(&svg,
                          "<path d=\"%s\" stroke=\"%s\" fill=\"%s\" fill-opacity=\"%g\" "
                          "fill-rule=\"evenodd\" stroke-width=\"0.35\"%s/>\n",
                          d, l.stroke, l.fill, l.fill_opacity,
                          l.dashed ? " stroke-dasharray=\"1.4 0.8\"" : "");
  }
  absl::StrAppendFormat(&svg,
                        "<text x=\"2\" y=\"%g\" font-size=\"2.6\" fill=\"#333\">%s across</text>\n"
                        "<rect width=\"%g\" height=\"%g\" fill=\"none\" stroke=\"#333\" "
                        "stroke-width=\"0.3\"/>\n</svg>",
                        kMapHeight - 2, absl::StrFormat("%.1f km", s * kMapWidth / 1000), kMapWidth,
                        kMapHeight);
  return svg;
}

std::string Percent(double share) { return absl::StrFormat("%.4f %%", 100 * share); }

// 面积不减少, one line per kind.
void AppendAreaCheck(const v1::CompareVersionsResponse& r, std::string& h) {
  absl::StrAppend(&h,
                  "<h2>面积变化 <span class=\"en\">Area check (面积不减少)</span></h2>\n"
                  "<table>\n<thead><tr><th>类型 Kind</th><th>调整前 m²</th><th>调整后 m²</th>"
                  "<th>净变化 Net m²</th><th>减少比例 Share lost</th><th>结论</th></tr></thead>\n"
                  "<tbody>\n");
  for (const v1::AreaTotals& t : r.totals()) {
    if (t.scope() != "kind") continue;
    const Names kind = KindNames(t.kind());
    const bool shrank = t.net_m2() < 0;
    absl::StrAppend(
        &h, "<tr><td>", HtmlEscape(kind.zh), " <span class=\"en\">", HtmlEscape(kind.en),
        "</span></td><td class=\"num\">", Grouped(t.area_before_m2(), 1), "</td><td class=\"num\">",
        Grouped(t.area_after_m2(), 1), "</td><td class=\"num\">", Grouped(t.net_m2(), 1),
        "</td><td class=\"num\">", Percent(t.share_lost()), "</td><td>",
        shrank ? "<b>面积减少 area shrank</b>" : "未减少 not reduced", "</td></tr>\n");
  }
  absl::StrAppend(&h, "</tbody>\n</table>\n");
}

void AppendTotals(const v1::CompareVersionsResponse& r, std::string& h) {
  absl::StrAppend(&h,
                  "<h2>分层汇总 <span class=\"en\">Totals per layer and level</span></h2>\n"
                  "<table>\n<thead><tr><th>图层 Layer</th><th>级别 Level</th><th>个数</th>"
                  "<th>调整前 m²</th><th>调整后 m²</th><th>增加 Gained m²</th>"
                  "<th>减少 Lost m²</th><th>减少比例</th></tr></thead>\n<tbody>\n");
  for (const v1::AreaTotals& t : r.totals()) {
    if (t.scope() == "kind" || t.scope() == "region") continue;
    absl::StrAppend(&h, "<tr><td>", HtmlEscape(t.layer()), "</td><td>",
                    t.scope() == "layer" ? "<i>全部 all</i>" : HtmlEscape(t.level()),
                    "</td><td class=\"num\">", t.zones_before(), " → ", t.zones_after(),
                    "</td><td class=\"num\">", Grouped(t.area_before_m2(), 1),
                    "</td><td class=\"num\">", Grouped(t.area_after_m2(), 1),
                    "</td><td class=\"num\">", Grouped(t.gained_m2(), 1), "</td><td class=\"num\">",
                    Grouped(t.lost_m2(), 1), "</td><td class=\"num\">", Percent(t.share_lost()),
                    "</td></tr>\n");
  }
  absl::StrAppend(&h, "</tbody>\n</table>\n");
}

// 面积不减少 per region (a county of the context layer) and kind; nothing
// without a context layer.
void AppendRegions(const v1::CompareVersionsResponse& r, std::string& h) {
  bool any = false;
  for (const v1::AreaTotals& t : r.totals()) {
    if (t.scope() != "region") continue;
    if (!any) {
      absl::StrAppend(&h,
                      "<h2>分区汇总 <span class=\"en\">Totals per region</span></h2>\n"
                      "<table>\n<thead><tr><th>区域 Region</th><th>类型 Kind</th><th>个数</th>"
                      "<th>调整前 m²</th><th>调整后 m²</th><th>净变化 Net m²</th>"
                      "<th>减少比例 Share lost</th><th>结论</th></tr></thead>\n<tbody>\n");
      any = true;
    }
    const Names kind = KindNames(t.kind());
    absl::StrAppend(
        &h, "<tr><td>", HtmlEscape(t.region_name()), " <code>", HtmlEscape(t.region()),
        "</code></td><td>", HtmlEscape(kind.zh), "</td><td class=\"num\">", t.zones_before(), " → ",
        t.zones_after(), "</td><td class=\"num\">", Grouped(t.area_before_m2(), 1),
        "</td><td class=\"num\">", Grouped(t.area_after_m2(), 1), "</td><td class=\"num\">",
        Grouped(t.net_m2(), 1), "</td><td class=\"num\">", Percent(t.share_lost()), "</td><td>",
        t.net_m2() < 0 ? "<b>面积减少 area shrank</b>" : "未减少 not reduced", "</td></tr>\n");
  }
  if (any) absl::StrAppend(&h, "</tbody>\n</table>\n");
}

void AppendChange(const v1::ZoneChange& c, std::string& h) {
  std::string what = absl::StrJoin(c.changed_fields(), ", ");
  if (!c.previous_id().empty()) what = absl::StrCat("原编号 was ", c.previous_id(), " ", what);
  if (c.level_before() != c.level_after() && !c.level_before().empty() &&
      !c.level_after().empty()) {
    absl::StrAppend(&what, " (", c.level_before(), " → ", c.level_after(), ")");
  }
  absl::StrAppend(&h, "<section class=\"change\" id=\"", HtmlEscape(c.zone_id()), "\">\n<h3>",
                  HtmlEscape(Kind(c.kind())), " · ", HtmlEscape(c.layer()), " · <code>",
                  HtmlEscape(c.zone_id()), "</code> ",
                  HtmlEscape(c.name_after().empty() ? c.name_before() : c.name_after()), "</h3>\n",
                  "<table class=\"kv kv2\">\n<tr><th>变化 What</th><td>", HtmlEscape(what),
                  "</td></tr>\n<tr><th>面积 Area m²</th><td>", Grouped(c.area_before_m2(), 1),
                  " → ", Grouped(c.area_after_m2(), 1), "</td></tr>\n<tr><th>增加 / 减少</th><td>+",
                  Grouped(c.gained_m2(), 1), " / −", Grouped(c.lost_m2(), 1),
                  " m²</td></tr>\n</table>\n");
  const std::string map = ChangeMap(c);
  if (!map.empty()) {
    absl::StrAppend(&h, "<figure class=\"map\">", map,
                    "<figcaption>虚线 调整前 before (dashed) · 实线 调整后 after · "
                    "绿 增加 gained · 红 减少 lost</figcaption></figure>\n");
  }
  absl::StrAppend(&h, "</section>\n");
}

void AppendSites(const v1::RegisterImpact& reg, std::string& h) {
  absl::StrAppendFormat(&h,
                        "<h2>受影响的登记对象 <span class=\"en\">Register features affected</span>"
                        "</h2>\n<p>%d features checked (purpose %s): %d changed, %d unchanged, "
                        "%d failed.</p>\n",
                        reg.features(), HtmlEscape(reg.purpose().empty() ? "—" : reg.purpose()),
                        reg.changed_size(), reg.unchanged(), reg.failed_size());
  if (reg.changed_size() == 0) return;
  absl::StrAppend(&h,
                  "<table>\n<thead><tr><th>编号 Id</th><th>变化 What</th><th>调整前 Before</th>"
                  "<th>调整后 After</th><th>原因 Caused by</th></tr></thead>\n<tbody>\n");
  for (const v1::SiteChange& s : reg.changed()) {
    const Names before = VerdictNames(s.verdict_before()), after = VerdictNames(s.verdict_after());
    absl::StrAppend(&h, "<tr><td><code>", HtmlEscape(s.id()), "</code></td><td>",
                    HtmlEscape(absl::StrJoin(s.what(), ", ")), "</td><td>", HtmlEscape(before.zh),
                    " ", HtmlEscape(before.en), "</td><td>", HtmlEscape(after.zh), " ",
                    HtmlEscape(after.en), "</td><td>",
                    HtmlEscape(absl::StrJoin(s.caused_by(), ", ")), "</td></tr>\n");
  }
  absl::StrAppend(&h, "</tbody>\n</table>\n");
}

}  // namespace

std::string RenderChangeReportHtml(const v1::CompareVersionsResponse& r,
                                   const std::string& generated_at) {
  std::string h;
  absl::StrAppend(
      &h, "<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n",
      "<meta name=\"generator\" content=\"redline\">\n<title>",
      HtmlEscape(absl::StrCat("区划调整变化报告 What changed — ", r.from_version(), " → ",
                              r.to_version())),
      "</title>\n<style>\n", RecordCss(), "</style>\n</head>\n<body>\n<main class=\"page\">\n",
      "<header class=\"head\">\n<h1>区划调整变化报告 <span class=\"en\">What changed</span></h1>\n",
      "<table class=\"kv\">\n<tr><th>调整前版本 From version</th><td><code id=\"from-version\">",
      HtmlEscape(r.from_version()),
      "</code></td></tr>\n<tr><th>调整后版本 To version</th><td><code id=\"to-version\">",
      HtmlEscape(r.to_version()), "</code></td></tr>\n<tr><th>生成时间 Generated</th><td>",
      HtmlEscape(generated_at), "</td></tr>\n<tr><th>变化 Changes</th><td>", r.changes_size(),
      " zones changed, ", r.unchanged(), " unchanged</td></tr>\n</table>\n</header>\n");
  AppendAreaCheck(r, h);
  AppendTotals(r, h);
  AppendRegions(r, h);
  absl::StrAppend(&h, "<h2>变化的区域 <span class=\"en\">Zones changed</span></h2>\n");
  for (const v1::ZoneChange& c : r.changes()) AppendChange(c, h);
  if (r.has_register_impact()) AppendSites(r.register_impact(), h);
  absl::StrAppend(&h, "</main>\n</body>\n</html>\n");
  return h;
}

absl::Status WriteChangeReportFile(const std::string& path,
                                   const v1::CompareVersionsResponse& response,
                                   const std::string& generated_at) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << RenderChangeReportHtml(response, generated_at);
  out.close();
  if (!out) return absl::InvalidArgumentError(absl::StrCat("cannot write ", path));
  return absl::OkStatus();
}

}  // namespace redline::report
