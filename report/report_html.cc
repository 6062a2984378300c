#include "report/report_html.h"

#include <google/protobuf/timestamp.pb.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <ctime>
#include <fstream>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "report/stylesheet.h"
#include "report/text.h"
#include "report/vocabulary.h"

namespace redline::report {
namespace {

// The time of the check in Beijing time (China has kept UTC+8 without daylight
// saving since 1991) and in UTC.
std::pair<std::string, std::string> CheckTimes(const google::protobuf::Timestamp& t) {
  if (t.seconds() == 0 && t.nanos() == 0) return {"—", "—"};
  auto format = [&](int64_t offset_s, const char* pattern) {
    const std::time_t secs = static_cast<std::time_t>(t.seconds() + offset_s);
    std::tm tm{};
    gmtime_r(&secs, &tm);
    char buf[64];
    std::strftime(buf, sizeof buf, pattern, &tm);
    return std::string(buf);
  };
  return {format(8 * 3600, "%Y-%m-%d %H:%M:%S"), format(0, "%Y-%m-%dT%H:%M:%SZ")};
}

bool IsGeographicCrs(absl::string_view crs) {
  const std::string c = absl::AsciiStrToUpper(absl::StripAsciiWhitespace(crs));
  return c.empty() || c == "EPSG:4490" || c == "EPSG:4326" || c == "EPSG:4214" ||
         c == "EPSG:4610" || c == "OGC:CRS84" || c == "CRS84" || c == "WGS84";
}

// True when every coordinate could be a longitude/latitude.
bool LooksLonLat(const Shape& s) {
  for (const Shape::Part& p : s.parts) {
    for (const auto& ring : p.rings) {
      for (const XY& c : ring) {
        if (std::fabs(c.x) > 180 || std::fabs(c.y) > 90) return false;
      }
    }
  }
  return true;
}

// <head>, with the stylesheet (report/record.css) inline: the page is one
// self-contained file.
void AppendHead(const v1::CheckResponse& r, std::string& h) {
  const Names verdict = VerdictNames(r.verdict());
  absl::StrAppend(&h, "<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n",
                  "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n",
                  "<meta name=\"generator\" content=\"redline\">\n<title>",
                  HtmlEscape(absl::StrCat("选址核查记录 Siting check record — ", verdict.zh, " ",
                                          verdict.en, " — ", r.dataset_version())),
                  "</title>\n<style>\n", RecordCss(),
                  "</style>\n</head>\n<body>\n<main class=\"page\">\n");
}

void AppendTitleAndVerdict(const v1::CheckResponse& r, std::string& h) {
  const Names verdict = VerdictNames(r.verdict());
  absl::StrAppend(&h,
                  "<header class=\"head\">\n<h1>选址核查记录 <span class=\"en\">Siting check "
                  "record</span></h1>\n",
                  "<div class=\"sub\">生态保护红线 · 饮用水水源保护区 · 污水零直排区 "
                  "<span class=\"en\">Ecological red lines · drinking-water source protection "
                  "zones · zero-direct-discharge zones</span></div>\n",
                  "<div class=\"verdict ", VerdictClass(r.verdict()), "\" id=\"verdict\">",
                  "<span class=\"badge\">", HtmlEscape(verdict.zh), "<span class=\"en\">",
                  HtmlEscape(verdict.en), "</span></span>", "<p class=\"reason\">",
                  HtmlEscape(r.verdict_reason()), "</p></div>\n</header>\n");
}

void AppendWhatWasChecked(const v1::CheckResponse& r, absl::string_view beijing,
                          absl::string_view utc, std::string& h) {
  const v1::Siting& siting = r.siting();
  absl::StrAppend(&h, "<section>\n<h2>核查事项 <span class=\"en\">What was checked</span></h2>\n",
                  "<table class=\"kv\">\n<tr><th>用途 <span class=\"en\">Purpose</span></th><td>",
                  Bilingual(PurposeNames(siting.purpose())), "</td></tr>\n");
  if (siting.purpose() == v1::Siting::OUTFALL ||
      siting.outfall_type() != v1::Siting::OUTFALL_TYPE_UNSPECIFIED) {
    absl::StrAppend(&h, "<tr><th>排污口类型 <span class=\"en\">Outfall type</span></th><td>",
                    Bilingual(OutfallTypeNames(siting.outfall_type())), "</td></tr>\n");
  }
  absl::StrAppend(&h, "<tr><th>建设性质 <span class=\"en\">Action</span></th><td>",
                  Bilingual(ActionNames(siting.action())), "</td></tr>\n",
                  "<tr><th>核查时间 <span class=\"en\">Checked at</span></th><td>",
                  HtmlEscape(beijing),
                  " 北京时间 <span class=\"en\">(Asia/Shanghai, UTC+8)</span><br>", HtmlEscape(utc),
                  " <span class=\"en\">(UTC)</span></td></tr>\n",
                  "<tr><th>数据版本 <span class=\"en\">Dataset version</span></th><td><code "
                  "id=\"dataset-version\">",
                  HtmlEscape(r.dataset_version()), "</code></td></tr>\n");
  // The audit trail's record of this answer, when the server keeps one: the
  // number by which the decision can be looked up and verified later.
  if (!r.record_id().empty()) {
    absl::StrAppend(&h,
                    "<tr><th>留痕编号 <span class=\"en\">Record</span></th><td><code "
                    "id=\"record-id\">",
                    HtmlEscape(r.record_id()), "</code></td></tr>\n");
  }
  absl::StrAppend(&h, "<tr><th>邻近搜索半径 <span class=\"en\">Search radius</span></th><td>",
                  HtmlEscape(Metres(r.search_radius_m())), "</td></tr>\n</table>\n</section>\n");
}

// The site's facts; two key/value pairs per row, so the drawing fits on the
// first page.
void AppendSiteFacts(const v1::SiteInfo& site, std::string& h) {
  std::vector<std::pair<std::string, std::string>> kv = {
      {"几何类型 <span class=\"en\">Geometry</span>", HtmlEscape(site.geometry_type())},
      {"输入坐标系 <span class=\"en\">Input CRS</span>",
       HtmlEscape(site.input_crs().empty() ? "EPSG:4490" : site.input_crs())},
      {"顶点数 <span class=\"en\">Vertices</span>", absl::StrCat(site.vertices())}};
  if (site.area_m2() > 0) {
    kv.push_back({"面积 <span class=\"en\">Area</span>",
                  absl::StrCat(Grouped(site.area_m2(), 1), " m² (",
                               Grouped(site.area_m2() / 10000, 4), " ha)")});
  }
  if (site.length_m() > 0) {
    kv.push_back({site.area_m2() > 0 ? "周长 <span class=\"en\">Perimeter</span>"
                                     : "长度 <span class=\"en\">Length</span>",
                  Metres(site.length_m())});
  }
  kv.push_back({"代表点 <span class=\"en\">Representative point</span>",
                absl::StrCat(Coordinate(site.lon(), true), " ", Coordinate(site.lat(), false),
                             " <span class=\"en\">(EPSG:4490)</span>")});
  absl::StrAppend(&h, "<table class=\"kv kv2\">\n");
  for (size_t i = 0; i < kv.size(); i += 2) {
    absl::StrAppend(&h, "<tr><th>", kv[i].first, "</th><td",
                    i + 1 < kv.size() ? "" : " colspan=\"3\"", ">", kv[i].second, "</td>");
    if (i + 1 < kv.size()) {
      absl::StrAppend(&h, "<th>", kv[i + 1].first, "</th><td>", kv[i + 1].second, "</td>");
    }
    absl::StrAppend(&h, "</tr>\n");
  }
  if (site.has_extent_lonlat() && site.vertices() > 1) {
    const v1::Extent& e = site.extent_lonlat();
    absl::StrAppend(
        &h, "<tr><th>范围 <span class=\"en\">Extent (EPSG:4490)</span></th><td colspan=\"3\">",
        absl::StrFormat("%.7f, %.7f — %.7f, %.7f", e.min_x(), e.min_y(), e.max_x(), e.max_y()),
        "</td></tr>\n");
  }
  if (site.geometry_repaired()) {
    // The site checked is not exactly the one drawn: the record says so, with
    // the note that names the fault (the core adds it last).
    const auto& notes = site.coordinates().notes();
    absl::StrAppend(&h,
                    "<tr><th>图形已修复 <span class=\"en\">Geometry repaired</span></th>"
                    "<td colspan=\"3\">",
                    HtmlEscape(notes.empty() ? "yes" : notes[notes.size() - 1]), "</td></tr>\n");
  }
  absl::StrAppend(&h, "</table>\n");
}

// The map: the zones, the site, and around a point the search radius and the
// setbacks that applied.
SiteMap SiteDrawing(const v1::CheckResponse& r, const ReportContext& context, bool geographic,
                    bool point) {
  const v1::SiteInfo& site = r.site();
  SiteMap map =
      geographic ? SiteMap::Geographic(site.lon(), site.lat()) : SiteMap::Planar(context.site_crs);
  for (const ZoneOutline& z : context.zones) map.AddZone(z);
  map.AddSite(*context.site);
  if (!point) return map;
  const XY centre = context.site->parts[0].rings[0][0];
  map.AddCircle(centre, r.search_radius_m(),
                absl::StrCat("搜索半径 ", LengthLabel(r.search_radius_m())));
  std::vector<double> setbacks;
  for (const v1::NearZone& n : r.nearest()) {
    for (const v1::RuleApplication& a : n.rules()) {
      if (a.setback_m() > 0 && a.setback_m() != r.search_radius_m() &&
          std::find(setbacks.begin(), setbacks.end(), a.setback_m()) == setbacks.end()) {
        setbacks.push_back(a.setback_m());
      }
    }
  }
  for (double sb : setbacks) map.AddCircle(centre, sb, absl::StrCat("退让 ", LengthLabel(sb)));
  return map;
}

// The drawing with its caption (scale, plane, legend), or why there is none.
void AppendDrawing(const v1::CheckResponse& r, const ReportContext& context, std::string& h) {
  if (!context.site || context.site->empty()) {
    if (!context.site_note.empty()) {
      absl::StrAppend(&h, "<p class=\"none\">", HtmlEscape(context.site_note), "</p>\n");
    }
    return;
  }
  const bool geographic = IsGeographicCrs(context.site_crs) && LooksLonLat(*context.site);
  const bool point = r.site().vertices() <= 1 && context.site->parts.size() == 1 &&
                     context.site->parts[0].dim == Shape::Dim::kPoint;
  double denominator = 0;
  const std::string svg = SiteDrawing(r, context, geographic, point).Svg(170, &denominator);
  absl::StrAppend(&h, "<figure class=\"map\">\n", svg, "\n<figcaption>",
                  "按比例绘制 <span class=\"en\">Drawn to scale</span>: 约 1:",
                  Grouped(std::round(denominator), 0),
                  "（A4 按 100% 打印时 <span class=\"en\">when printed at 100 %</span>）。");
  if (geographic) {
    absl::StrAppend(
        &h,
        "平面为以代表点为原点的局部等距圆柱投影 <span class=\"en\">Local equirectangular "
        "plane around the representative point (CGCS2000 radii of curvature); north up.</span>");
  } else {
    absl::StrAppend(&h, "平面为输入坐标系 <span class=\"en\">Drawn in the plane of ",
                    HtmlEscape(context.site_crs), " (grid north up).</span>");
  }
  absl::StrAppend(
      &h,
      "<br><span class=\"swatch\" style=\"background:#bbd0ec;border-color:#0d47a1\"></span>选址 "
      "<span class=\"en\">site</span>");
  if (point) {
    absl::StrAppend(&h,
                    "<span class=\"swatch\" style=\"border-style:dashed;border-color:#546e7a;"
                    "border-radius:50%\"></span>搜索半径/退让距离 "
                    "<span class=\"en\">search radius / setback</span>");
  }
  if (context.zones.empty()) {
    absl::StrAppend(&h,
                    "<br>搜索范围内无区域边界。"
                    "<span class=\"en\">No zone outline lies within the search area.</span>");
  } else if (!geographic) {
    absl::StrAppend(&h,
                    "<br><span class=\"en\">Zone outlines (lon/lat) cannot be drawn in a "
                    "projected plane.</span>");
  }
  absl::StrAppend(&h, "</figcaption>\n</figure>\n");
}

void AppendHits(const v1::CheckResponse& r, std::string& h) {
  absl::StrAppend(&h,
                  "<section id=\"hits\">\n<h2>涉及的区域 <span class=\"en\">Zones touched</span> (",
                  r.hits_size(), ")</h2>\n");
  if (r.hits().empty()) {
    absl::StrAppend(
        &h,
        "<p class=\"none\">未触及任何区域。<span class=\"en\">No zone is touched.</span></p>\n");
  } else {
    absl::StrAppend(
        &h, "<table class=\"hits\">\n<thead><tr><th>图层<br><span class=\"en\">Layer</span></th>",
        "<th>类别<br><span class=\"en\">Kind</span></th><th>编号<br><span class=\"en\">Zone "
        "ID</span></th>",
        "<th>名称<br><span class=\"en\">Name</span></th><th>级别<br><span "
        "class=\"en\">Level</span></th>",
        "<th>关系<br><span class=\"en\">Relation</span></th>",
        "<th>重叠面积<br><span class=\"en\">Overlap m²</span></th>",
        "<th>占比<br><span class=\"en\">Share</span></th>",
        "<th>重叠长度<br><span class=\"en\">Overlap m</span></th></tr></thead>\n<tbody>\n");
    for (const v1::ZoneHit& z : r.hits()) {
      std::string level = HtmlEscape(z.level());
      if (!z.normalized_level().empty() && z.normalized_level() != z.level()) {
        absl::StrAppend(&level, "<br><span class=\"en\">→ ", HtmlEscape(z.normalized_level()),
                        "</span>");
      }
      const Names rel = RelationNames(z.relation());
      absl::StrAppend(
          &h, "<tr><td>", HtmlEscape(z.layer()), "</td><td>", Bilingual(KindNames(z.kind())),
          "</td><td><code>", HtmlEscape(z.zone_id()), "</code></td><td>", HtmlEscape(z.zone_name()),
          "</td><td>", level, "</td><td>", Bilingual(rel), "</td><td class=\"num\">",
          z.overlap_area_m2() > 0 ? Grouped(z.overlap_area_m2(), 1) : "—",
          "</td><td class=\"num\">",
          z.overlap_ratio() > 0 ? absl::StrCat(Grouped(100 * z.overlap_ratio(), 2), " %") : "—",
          "</td><td class=\"num\">",
          z.overlap_length_m() > 0 ? Grouped(z.overlap_length_m(), 1) : "—", "</td></tr>\n");
      if (!z.attributes().empty()) {
        std::vector<std::pair<std::string, std::string>> attrs(z.attributes().begin(),
                                                               z.attributes().end());
        std::sort(attrs.begin(), attrs.end());
        std::vector<std::string> parts;
        parts.reserve(attrs.size());
        for (const auto& [k, v] : attrs) {
          parts.push_back(absl::StrCat("<b>", HtmlEscape(k), "</b>: ", HtmlEscape(v)));
        }
        absl::StrAppend(
            &h,
            "<tr class=\"attrs\"><td colspan=\"9\">属性 <span class=\"en\">attributes</span> — ",
            absl::StrJoin(parts, "; "), "</td></tr>\n");
      }
    }
    absl::StrAppend(&h, "</tbody>\n</table>\n");
  }
  absl::StrAppend(&h, "</section>\n");
}

void AppendNearest(const v1::CheckResponse& r, std::string& h) {
  absl::StrAppend(
      &h, "<section id=\"nearest\">\n<h2>邻近区域 <span class=\"en\">Nearby zones</span></h2>\n");
  if (r.nearest().empty()) {
    absl::StrAppend(
        &h, "<p class=\"none\">搜索半径 ", HtmlEscape(Metres(r.search_radius_m())),
        " 内无其他区域。<span class=\"en\">No other zone within the search radius.</span></p>\n");
  } else {
    absl::StrAppend(
        &h,
        "<table class=\"nearest\">\n<thead><tr><th>图层<br><span class=\"en\">Layer</span></th>",
        "<th>类别<br><span class=\"en\">Kind</span></th><th>编号<br><span class=\"en\">Zone "
        "ID</span></th>",
        "<th>名称<br><span class=\"en\">Name</span></th><th>级别<br><span "
        "class=\"en\">Level</span></th>",
        "<th>椭球面距离<br><span class=\"en\">Geodesic distance</span></th>",
        "<th>适用规则<br><span class=\"en\">Rules</span></th></tr></thead>\n<tbody>\n");
    for (const v1::NearZone& n : r.nearest()) {
      absl::StrAppend(&h, "<tr><td>", HtmlEscape(n.layer()), "</td><td>",
                      Bilingual(KindNames(n.kind())), "</td><td><code>", HtmlEscape(n.zone_id()),
                      "</code></td><td>", HtmlEscape(n.zone_name()), "</td><td>",
                      HtmlEscape(n.level()), "</td><td class=\"num\">",
                      absl::StrFormat("%.2f m", n.distance_m()), "</td><td class=\"num\">",
                      n.rules_size(), "</td></tr>\n");
    }
    absl::StrAppend(&h,
                    "</tbody>\n</table>\n<p class=\"meta\">距离为选址至区域边界的 CGCS2000 "
                    "椭球面最短距离。<span class=\"en\">Distances are geodesic on the CGCS2000 "
                    "ellipsoid, site to zone boundary.</span></p>\n");
  }
  absl::StrAppend(&h, "</section>\n");
}

// One rule applied, with its legal basis quoted; `distance_m` > 0 for a
// nearby zone.
std::string RuleBlock(const v1::RuleApplication& a, double distance_m) {
  const Names v = VerdictNames(a.verdict());
  std::string b =
      absl::StrCat("<div class=\"rule ", VerdictClass(a.verdict()), "\">",
                   "<span class=\"badge small ", VerdictClass(a.verdict()), "\">", HtmlEscape(v.zh),
                   "<span class=\"en\">", HtmlEscape(v.en), "</span></span><span class=\"id\">",
                   HtmlEscape(a.rule_id()), "</span>\n<p>", HtmlEscape(a.message_zh()), "</p>\n");
  if (!a.message_en().empty()) {
    absl::StrAppend(&b, "<p class=\"en\">", HtmlEscape(a.message_en()), "</p>\n");
  }
  absl::StrAppend(&b, "<div class=\"law\">", HtmlEscape(a.basis().law()));
  if (!a.basis().article().empty()) {
    absl::StrAppend(&b, " <span class=\"article\">", HtmlEscape(a.basis().article()), "</span>");
  }
  absl::StrAppend(&b, "</div>\n<blockquote>", HtmlEscape(a.basis().text()), "</blockquote>\n");
  std::vector<std::string> meta;
  if (a.setback_m() > 0) {
    meta.push_back(absl::StrCat("退让距离 <span class=\"en\">setback</span> ",
                                Metres(a.setback_m()),
                                distance_m > 0 ? absl::StrCat("；实际距离 <span class=\"en\">"
                                                              "distance</span> ",
                                                              absl::StrFormat("%.2f m", distance_m))
                                               : ""));
  }
  if (!a.rule_file().empty()) {
    meta.push_back(absl::StrCat("规则文件 <span class=\"en\">rule file</span> <code>",
                                HtmlEscape(a.rule_file()), "</code>"));
  }
  if (!meta.empty())
    absl::StrAppend(&b, "<div class=\"meta\">", absl::StrJoin(meta, " · "), "</div>\n");
  absl::StrAppend(&b, "</div>\n");
  return b;
}

void AppendRules(const v1::CheckResponse& r, std::string& h) {
  absl::StrAppend(&h,
                  "<section id=\"rules\">\n<h2>适用规则与法律依据 <span class=\"en\">Rules applied "
                  "and their legal basis</span></h2>\n");
  int rule_count = 0;
  for (const v1::ZoneHit& z : r.hits()) {
    if (z.rules().empty()) continue;
    absl::StrAppend(&h, "<h3>", HtmlEscape(z.zone_id()), " ", HtmlEscape(z.zone_name()),
                    " <span class=\"en\">— ", HtmlEscape(KindNames(z.kind()).zh), "，",
                    HtmlEscape(RelationNames(z.relation()).zh), "</span></h3>\n");
    for (const v1::RuleApplication& a : z.rules()) {
      absl::StrAppend(&h, RuleBlock(a, 0));
      ++rule_count;
    }
  }
  for (const v1::NearZone& n : r.nearest()) {
    if (n.rules().empty()) continue;
    absl::StrAppend(&h, "<h3>", HtmlEscape(n.zone_id()), " ", HtmlEscape(n.zone_name()),
                    " <span class=\"en\">— ", HtmlEscape(KindNames(n.kind()).zh), "，距离 ",
                    absl::StrFormat("%.2f m", n.distance_m()), "</span></h3>\n");
    for (const v1::RuleApplication& a : n.rules()) {
      absl::StrAppend(&h, RuleBlock(a, n.distance_m()));
      ++rule_count;
    }
  }
  if (rule_count == 0) {
    absl::StrAppend(
        &h, "<p class=\"none\">无适用规则。<span class=\"en\">No rule applies.</span></p>\n");
  }
  absl::StrAppend(&h, "</section>\n");
}

void AppendFooter(const v1::CheckResponse& r, const ReportContext& context, absl::string_view utc,
                  std::string& h) {
  absl::StrAppend(
      &h,
      "<footer>由 redline 生成 <span class=\"en\">generated by redline</span> · 服务 "
      "<span class=\"en\">server</span> <code>",
      HtmlEscape(context.server), "</code> · 数据版本 <span class=\"en\">dataset</span> <code>",
      HtmlEscape(r.dataset_version()), "</code> · ",
      r.record_id().empty() ? std::string()
                            : absl::StrCat("留痕编号 <span class=\"en\">record</span> <code>",
                                           HtmlEscape(r.record_id()), "</code> · "),
      HtmlEscape(utc),
      "<br>本记录依据所列数据版本的区域数据与规则自动生成，结论以主管部门审查意见为准。"
      "<span class=\"en\">This record was generated from the zone data and rules of the dataset "
      "version shown; the competent authority's review decides.</span></footer>\n",
      "</main>\n</body>\n</html>\n");
}

}  // namespace

ReportContext ContextForPoint(const v1::CheckPointRequest& request, const std::string& server) {
  ReportContext c;
  c.server = server;
  c.site_crs = request.crs();
  Shape s;
  s.parts.push_back({Shape::Dim::kPoint, {{XY{request.x(), request.y()}}}});
  c.site = std::move(s);
  return c;
}

ReportContext ContextForGeometry(const v1::CheckGeometryRequest& request,
                                 const std::string& server) {
  ReportContext c;
  c.server = server;
  const v1::Geometry& g = request.geometry();
  c.site_crs = g.crs();
  absl::StatusOr<Shape> s;
  switch (g.encoding_case()) {
    case v1::Geometry::kWkt:
      s = ParseWkt(g.wkt());
      break;
    case v1::Geometry::kGeojson:
      s = ParseGeoJson(g.geojson());
      break;
    case v1::Geometry::kWkb:
      s = ParseWkb(g.wkb());
      break;
    default:
      s = absl::InvalidArgumentError("no geometry");
  }
  if (s.ok()) {
    c.site = *std::move(s);
  } else {
    c.site_note =
        absl::StrCat("the site geometry could not be read for the drawing: ", s.status().message());
  }
  return c;
}

void AddResponseGeometry(const v1::CheckResponse& response, ReportContext* context) {
  auto add = [&](v1::ZoneKind kind, const std::string& id, bool hit, const std::string& wkb) {
    if (wkb.empty()) return;
    absl::StatusOr<Shape> shape = ParseWkb(wkb);
    if (!shape.ok()) return;
    ZoneOutline zone{kind, id, hit, {}};
    for (const Shape::Part& part : shape->parts) {
      if (part.dim != Shape::Dim::kPolygon) continue;
      zone.rings_lonlat.insert(zone.rings_lonlat.end(), part.rings.begin(), part.rings.end());
    }
    if (!zone.rings_lonlat.empty()) context->zones.push_back(std::move(zone));
  };
  for (const v1::ZoneHit& h : response.hits())
    add(h.kind(), h.zone_id(), true, h.zone_geometry_wkb());
  for (const v1::NearZone& n : response.nearest()) {
    add(n.kind(), n.zone_id(), false, n.zone_geometry_wkb());
  }
  if (!response.site().geometry_wkb().empty()) {
    absl::StatusOr<Shape> site = ParseWkb(response.site().geometry_wkb());
    if (site.ok()) {
      context->site = *std::move(site);
      context->site_crs = "EPSG:4490";
      context->site_note.clear();
    }
  }
}

std::string RenderReportHtml(const v1::CheckResponse& r, const ReportContext& context) {
  const auto [beijing, utc] = CheckTimes(r.checked_at());
  std::string h;
  AppendHead(r, h);
  AppendTitleAndVerdict(r, h);
  AppendWhatWasChecked(r, beijing, utc, h);
  absl::StrAppend(&h, "<section>\n<h2>选址 <span class=\"en\">Site</span></h2>\n");
  AppendSiteFacts(r.site(), h);
  AppendDrawing(r, context, h);
  absl::StrAppend(&h, "</section>\n");
  AppendHits(r, h);
  AppendNearest(r, h);
  AppendRules(r, h);
  AppendFooter(r, context, utc, h);
  return h;
}

absl::Status WriteReportFile(const std::string& path, const v1::CheckResponse& response,
                             const ReportContext& context) {
  const std::string html = RenderReportHtml(response, context);
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) return absl::InvalidArgumentError(absl::StrCat("cannot write the report to ", path));
  out << html;
  out.close();
  if (!out) return absl::InvalidArgumentError(absl::StrCat("cannot write the report to ", path));
  return absl::OkStatus();
}

}  // namespace redline::report
