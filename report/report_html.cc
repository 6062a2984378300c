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

// A text in the page's one language.
std::string Say(Lang lang, absl::string_view zh, absl::string_view en) {
  return std::string(lang == Lang::kZh ? zh : en);
}

// A name from the vocabulary in the page's language, escaped.
std::string One(const Names& n, Lang lang) { return HtmlEscape(lang == Lang::kZh ? n.zh : n.en); }

// A text the server sent for people, in the page's language: its Message
// when the answer has one, else the older English field.
std::string Said(const v1::Message* m, const std::string& fallback, Lang lang) {
  if (m == nullptr || (m->text_zh().empty() && m->text_en().empty())) return fallback;
  return lang == Lang::kZh ? m->text_zh() : m->text_en();
}

// <head>, with the stylesheet (report/record.css) inline: the page is one
// self-contained file.
void AppendHead(const v1::CheckResponse& r, Lang lang, std::string& h) {
  const Names verdict = VerdictNames(r.verdict());
  absl::StrAppend(&h, "<!DOCTYPE html>\n<html lang=\"", Say(lang, "zh-CN", "en"),
                  "\">\n<head>\n<meta charset=\"utf-8\">\n",
                  "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n",
                  "<meta name=\"generator\" content=\"redline\">\n<title>",
                  HtmlEscape(absl::StrCat(Say(lang, "选址核查记录", "Siting check record"), " — ",
                                          lang == Lang::kZh ? verdict.zh : verdict.en, " — ",
                                          r.dataset_version())),
                  "</title>\n<style>\n", RecordCss(),
                  "</style>\n</head>\n<body>\n<main class=\"page\">\n");
}

// The record id and data version on every printed page. Chromium ignores
// @page margin boxes, and a position:fixed element would print over the
// content of every page after the first; a table's header row, though, is
// repeated at the top of each page the table spans, above its content. So
// the whole page is one table (table.frame) whose header is this stamp;
// AppendFooter closes it.
void AppendStamp(const v1::CheckResponse& r, Lang lang, std::string& h) {
  absl::StrAppend(&h, "<table class=\"frame\"><thead><tr><td><div class=\"stamp\" id=\"stamp\">",
                  Say(lang, "选址核查记录", "Siting check record"));
  if (!r.record_id().empty()) {
    absl::StrAppend(&h, " · ", Say(lang, "留痕编号 ", "record "), "<code>",
                    HtmlEscape(r.record_id()), "</code>");
  }
  absl::StrAppend(&h, " · ", Say(lang, "数据版本 ", "dataset "), "<code>",
                  HtmlEscape(r.dataset_version()),
                  "</code></div></td></tr></thead>\n<tbody><tr><td>\n");
}

void AppendTitleAndVerdict(const v1::CheckResponse& r, Lang lang, std::string& h) {
  const Names verdict = VerdictNames(r.verdict());
  absl::StrAppend(&h, "<header class=\"head\">\n<h1>",
                  Say(lang, "选址核查记录", "Siting check record"), "</h1>\n<div class=\"sub\">",
                  Say(lang, "生态保护红线 · 饮用水水源保护区 · 污水零直排区",
                      "Ecological red lines · drinking-water source protection zones · "
                      "zero-direct-discharge zones"),
                  "</div>\n<div class=\"verdict ", VerdictClass(r.verdict()), "\" id=\"verdict\">",
                  "<span class=\"badge\">", One(verdict, lang), "</span><p class=\"reason\">",
                  HtmlEscape(Said(r.has_verdict_message() ? &r.verdict_message() : nullptr,
                                  r.verdict_reason(), lang)),
                  "</p></div>\n</header>\n");
}

void AppendWhatWasChecked(const v1::CheckResponse& r, absl::string_view beijing,
                          absl::string_view utc, Lang lang, std::string& h) {
  const v1::Siting& siting = r.siting();
  absl::StrAppend(&h, "<section>\n<h2>", Say(lang, "核查事项", "What was checked"),
                  "</h2>\n<table class=\"kv\">\n<tr><th>", Say(lang, "用途", "Purpose"),
                  "</th><td>", One(PurposeNames(siting.purpose()), lang), "</td></tr>\n");
  if (siting.purpose() == v1::Siting::OUTFALL ||
      siting.outfall_type() != v1::Siting::OUTFALL_TYPE_UNSPECIFIED) {
    absl::StrAppend(&h, "<tr><th>", Say(lang, "排污口类型", "Outfall type"), "</th><td>",
                    One(OutfallTypeNames(siting.outfall_type()), lang), "</td></tr>\n");
  }
  absl::StrAppend(&h, "<tr><th>", Say(lang, "建设性质", "Action"), "</th><td>",
                  One(ActionNames(siting.action()), lang), "</td></tr>\n", "<tr><th>",
                  Say(lang, "核查时间", "Checked at"), "</th><td>", HtmlEscape(beijing),
                  Say(lang, " 北京时间", " (Asia/Shanghai, UTC+8)"), "<br>", HtmlEscape(utc),
                  " (UTC)</td></tr>\n", "<tr><th>", Say(lang, "数据版本", "Dataset version"),
                  "</th><td><code id=\"dataset-version\">", HtmlEscape(r.dataset_version()),
                  "</code></td></tr>\n");
  // The audit trail's record of this answer, when the server keeps one: the
  // number by which the decision can be looked up and verified later.
  if (!r.record_id().empty()) {
    absl::StrAppend(&h, "<tr><th>", Say(lang, "留痕编号", "Record"),
                    "</th><td><code id=\"record-id\">", HtmlEscape(r.record_id()),
                    "</code></td></tr>\n");
  }
  absl::StrAppend(&h, "<tr><th>", Say(lang, "邻近搜索半径", "Search radius"), "</th><td>",
                  HtmlEscape(Metres(r.search_radius_m())), "</td></tr>\n</table>\n</section>\n");
}

// The site's facts; two key/value pairs per row, so the drawing fits on the
// first page.
void AppendSiteFacts(const v1::SiteInfo& site, Lang lang, std::string& h) {
  std::vector<std::pair<std::string, std::string>> kv = {
      {Say(lang, "几何类型", "Geometry"), HtmlEscape(site.geometry_type())},
      {Say(lang, "输入坐标系", "Input CRS"),
       HtmlEscape(site.input_crs().empty() ? "EPSG:4490" : site.input_crs())},
      {Say(lang, "顶点数", "Vertices"), absl::StrCat(site.vertices())}};
  if (site.area_m2() > 0) {
    kv.push_back(
        {Say(lang, "面积", "Area"), absl::StrCat(Grouped(site.area_m2(), 1), " m² (",
                                                 Grouped(site.area_m2() / 10000, 4), " ha)")});
  }
  if (site.length_m() > 0) {
    kv.push_back({site.area_m2() > 0 ? Say(lang, "周长", "Perimeter") : Say(lang, "长度", "Length"),
                  Metres(site.length_m())});
  }
  kv.push_back({Say(lang, "代表点", "Representative point"),
                absl::StrCat(Coordinate(site.lon(), true), " ", Coordinate(site.lat(), false),
                             " (EPSG:4490)")});
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
        &h, "<tr><th>", Say(lang, "范围", "Extent"), " (EPSG:4490)</th><td colspan=\"3\">",
        absl::StrFormat("%.7f, %.7f — %.7f, %.7f", e.min_x(), e.min_y(), e.max_x(), e.max_y()),
        "</td></tr>\n");
  }
  // How the coordinates were read, in the page's language.
  const v1::CoordinateInterpretation& c = site.coordinates();
  for (int i = 0; i < c.notes_size(); ++i) {
    absl::StrAppend(&h, "<tr><th>", Say(lang, "坐标解读", "Coordinates read"),
                    "</th><td colspan=\"3\" class=\"note\">",
                    HtmlEscape(Said(i < c.note_messages_size() ? &c.note_messages(i) : nullptr,
                                    c.notes(i), lang)),
                    "</td></tr>\n");
  }
  if (site.geometry_repaired()) {
    absl::StrAppend(&h, "<tr><th>", Say(lang, "图形已修复", "Geometry repaired"),
                    "</th><td colspan=\"3\">",
                    Say(lang, "是（见上方坐标解读）", "yes (see how the coordinates were read)"),
                    "</td></tr>\n");
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
  map.set_lang(context.lang);
  for (const ZoneOutline& z : context.zones) map.AddZone(z);
  map.AddSite(*context.site);
  if (!point) return map;
  const XY centre = context.site->parts[0].rings[0][0];
  map.AddCircle(centre, r.search_radius_m(),
                absl::StrCat(Say(context.lang, "搜索半径 ", "search radius "),
                             LengthLabel(r.search_radius_m())));
  std::vector<double> setbacks;
  for (const v1::NearZone& n : r.nearest()) {
    for (const v1::RuleApplication& a : n.rules()) {
      if (a.setback_m() > 0 && a.setback_m() != r.search_radius_m() &&
          std::find(setbacks.begin(), setbacks.end(), a.setback_m()) == setbacks.end()) {
        setbacks.push_back(a.setback_m());
      }
    }
  }
  for (double sb : setbacks) {
    map.AddCircle(centre, sb,
                  absl::StrCat(Say(context.lang, "退让 ", "setback "), LengthLabel(sb)));
  }
  return map;
}

// The legend: every class of zone drawn, touched and nearby outlines, the
// site, the circles; then the key to the numbers on the map.
void AppendLegend(const std::vector<MapKeyEntry>& key, bool point, Lang lang, std::string& h) {
  absl::StrAppend(&h, "<ul class=\"legend\" id=\"legend\">\n",
                  "<li data-style=\"site\"><span class=\"swatch\" style=\"background:#fff59d;"
                  "border:.9pt solid #000;box-shadow:0 0 0 1.2pt #ffea00\"></span>",
                  Say(lang, "选址", "Site"), "</li>\n");
  std::vector<std::string> styles;
  bool hit = false, near = false;
  for (const MapKeyEntry& e : key) {
    (e.hit ? hit : near) = true;
    if (std::find(styles.begin(), styles.end(), e.style.key) != styles.end()) continue;
    styles.push_back(e.style.key);
    absl::StrAppendFormat(&h,
                          "<li data-style=\"%s\"><span class=\"swatch\" style=\"background:%s;"
                          "opacity:.75;border-color:%s\"></span>%s</li>\n",
                          e.style.key, e.style.colour, e.style.colour, One(e.style.name, lang));
  }
  if (hit) {
    absl::StrAppend(&h, "<li data-style=\"hit\"><span class=\"swatch line\"></span>",
                    Say(lang, "实线：选址涉及的区域", "Solid outline: zone touched"), "</li>\n");
  }
  if (near) {
    absl::StrAppend(&h, "<li data-style=\"near\"><span class=\"swatch line dashed\"></span>",
                    Say(lang, "虚线：邻近区域", "Dashed outline: nearby zone"), "</li>\n");
  }
  if (point) {
    absl::StrAppend(&h, "<li data-style=\"circle\"><span class=\"swatch circle\"></span>",
                    Say(lang, "搜索半径/退让距离", "Search radius / setback"), "</li>\n");
  }
  absl::StrAppend(&h, "<li data-style=\"number\"><span class=\"disc\">1</span>",
                  Say(lang, "区域编号，见下表", "Zone number, keyed below"), "</li>\n</ul>\n");
  if (key.empty()) return;
  absl::StrAppend(&h, "<table class=\"map-key\" id=\"map-key\"><thead><tr><th>",
                  Say(lang, "图上编号", "No."), "</th><th>", Say(lang, "区域编号", "Zone ID"),
                  "</th><th>", Say(lang, "名称", "Name"), "</th><th>",
                  Say(lang, "类别与级别", "Kind and level"), "</th><th>",
                  Say(lang, "关系", "Relation"), "</th></tr></thead><tbody>\n");
  for (const MapKeyEntry& e : key) {
    absl::StrAppendFormat(&h,
                          "<tr data-number=\"%d\"><td class=\"num\"><span class=\"disc\" "
                          "style=\"color:%s;border-color:%s\">%d</span></td><td><code>%s</code>"
                          "</td><td>%s</td><td>%s</td><td>%s</td></tr>\n",
                          e.number, e.style.colour, e.style.colour, e.number, HtmlEscape(e.label),
                          HtmlEscape(e.name), One(e.style.name, lang),
                          e.hit ? Say(lang, "涉及", "touched") : Say(lang, "邻近", "nearby"));
  }
  absl::StrAppend(&h, "</tbody></table>\n");
}

// The drawing with its caption (scale, plane, legend), or why there is none.
void AppendDrawing(const v1::CheckResponse& r, const ReportContext& context, std::string& h) {
  const Lang lang = context.lang;
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
  std::vector<MapKeyEntry> key;
  const std::string svg = SiteDrawing(r, context, geographic, point).Svg(170, &denominator, &key);
  absl::StrAppend(&h, "<figure class=\"map\">\n", svg, "\n<figcaption>",
                  Say(lang, "按比例绘制：约 1:", "Drawn to scale: about 1:"),
                  Grouped(std::round(denominator), 0),
                  Say(lang, "（A4 按 100% 打印时）。", " when printed at 100 %. "));
  if (geographic) {
    absl::StrAppend(
        &h, Say(lang, "平面为以代表点为原点的局部等距圆柱投影（CGCS2000 曲率半径），上为北。",
                "Local equirectangular plane around the representative point "
                "(CGCS2000 radii of curvature); north up."));
  } else {
    absl::StrAppend(&h, Say(lang, "平面为输入坐标系 ", "Drawn in the plane of "),
                    HtmlEscape(context.site_crs),
                    Say(lang, "（上为坐标北）。", " (grid north up)."));
  }
  AppendLegend(key, point, lang, h);
  if (context.zones.empty()) {
    absl::StrAppend(
        &h, Say(lang, "搜索范围内无区域边界。", "No zone outline lies within the search area."));
  } else if (!geographic) {
    absl::StrAppend(&h, Say(lang, "区域边界（经纬度）无法绘入投影平面。",
                            "Zone outlines (lon/lat) cannot be drawn in a projected plane."));
  }
  absl::StrAppend(&h, "</figcaption>\n</figure>\n");
}

void AppendHitRow(const v1::ZoneHit& z, Lang lang, std::string& h) {
  std::string level = HtmlEscape(z.level());
  if (!z.normalized_level().empty() && z.normalized_level() != z.level()) {
    absl::StrAppend(&level, " → ", HtmlEscape(z.normalized_level()));
  }
  absl::StrAppend(
      &h, "<tr><td>", HtmlEscape(z.layer()), "</td><td>", One(KindNames(z.kind()), lang),
      "</td><td><code>", HtmlEscape(z.zone_id()), "</code></td><td>", HtmlEscape(z.zone_name()),
      "</td><td>", level, "</td><td>", One(RelationNames(z.relation()), lang),
      "</td><td class=\"num\">", z.overlap_area_m2() > 0 ? Grouped(z.overlap_area_m2(), 1) : "—",
      "</td><td class=\"num\">",
      z.overlap_ratio() > 0 ? absl::StrCat(Grouped(100 * z.overlap_ratio(), 2), " %") : "—",
      "</td><td class=\"num\">", z.overlap_length_m() > 0 ? Grouped(z.overlap_length_m(), 1) : "—",
      "</td></tr>\n");
  if (z.attributes().empty()) return;
  std::vector<std::pair<std::string, std::string>> attrs(z.attributes().begin(),
                                                         z.attributes().end());
  std::sort(attrs.begin(), attrs.end());
  std::vector<std::string> parts;
  parts.reserve(attrs.size());
  for (const auto& [k, v] : attrs) {
    parts.push_back(absl::StrCat("<b>", HtmlEscape(k), "</b>: ", HtmlEscape(v)));
  }
  absl::StrAppend(&h, "<tr class=\"attrs\"><td colspan=\"9\">", Say(lang, "属性", "Attributes"),
                  " — ", absl::StrJoin(parts, "; "), "</td></tr>\n");
}

void AppendHits(const v1::CheckResponse& r, Lang lang, std::string& h) {
  absl::StrAppend(&h, "<section id=\"hits\">\n<h2>", Say(lang, "涉及的区域", "Zones touched"), " (",
                  r.hits_size(), ")</h2>\n");
  if (r.hits().empty()) {
    absl::StrAppend(&h, "<p class=\"none\">", Say(lang, "未触及任何区域。", "No zone is touched."),
                    "</p>\n");
  } else {
    absl::StrAppend(
        &h, "<table class=\"hits\">\n<thead><tr><th>", Say(lang, "图层", "Layer"), "</th><th>",
        Say(lang, "类别", "Kind"), "</th><th>", Say(lang, "编号", "Zone ID"), "</th><th>",
        Say(lang, "名称", "Name"), "</th><th>", Say(lang, "级别", "Level"), "</th><th>",
        Say(lang, "关系", "Relation"), "</th><th>", Say(lang, "重叠面积 m²", "Overlap m²"),
        "</th><th>", Say(lang, "占比", "Share"), "</th><th>", Say(lang, "重叠长度 m", "Overlap m"),
        "</th></tr></thead>\n<tbody>\n");
    for (const v1::ZoneHit& z : r.hits()) AppendHitRow(z, lang, h);
    absl::StrAppend(&h, "</tbody>\n</table>\n");
  }
  absl::StrAppend(&h, "</section>\n");
}

void AppendNearest(const v1::CheckResponse& r, Lang lang, std::string& h) {
  absl::StrAppend(&h, "<section id=\"nearest\">\n<h2>", Say(lang, "邻近区域", "Nearby zones"),
                  "</h2>\n");
  if (r.nearest().empty()) {
    absl::StrAppend(&h, "<p class=\"none\">",
                    Say(lang, "搜索半径 ", "No other zone within the search radius of "),
                    HtmlEscape(Metres(r.search_radius_m())), Say(lang, " 内无其他区域。", "."),
                    "</p>\n");
  } else {
    absl::StrAppend(&h, "<table class=\"nearest\">\n<thead><tr><th>", Say(lang, "图层", "Layer"),
                    "</th><th>", Say(lang, "类别", "Kind"), "</th><th>",
                    Say(lang, "编号", "Zone ID"), "</th><th>", Say(lang, "名称", "Name"),
                    "</th><th>", Say(lang, "级别", "Level"), "</th><th>",
                    Say(lang, "椭球面距离", "Geodesic distance"), "</th><th>",
                    Say(lang, "适用规则", "Rules"), "</th></tr></thead>\n<tbody>\n");
    for (const v1::NearZone& n : r.nearest()) {
      absl::StrAppend(&h, "<tr><td>", HtmlEscape(n.layer()), "</td><td>",
                      One(KindNames(n.kind()), lang), "</td><td><code>", HtmlEscape(n.zone_id()),
                      "</code></td><td>", HtmlEscape(n.zone_name()), "</td><td>",
                      HtmlEscape(n.level()), "</td><td class=\"num\">",
                      absl::StrFormat("%.2f m", n.distance_m()), "</td><td class=\"num\">",
                      n.rules_size(), "</td></tr>\n");
    }
    absl::StrAppend(&h, "</tbody>\n</table>\n<p class=\"meta\">",
                    Say(lang, "距离为选址至区域边界的 CGCS2000 椭球面最短距离。",
                        "Distances are geodesic on the CGCS2000 ellipsoid, site to zone "
                        "boundary."),
                    "</p>\n");
  }
  absl::StrAppend(&h, "</section>\n");
}

// One rule applied, with its legal basis quoted; `distance_m` > 0 for a
// nearby zone. The statute is quoted as enacted, in Chinese, in either
// language.
std::string RuleBlock(const v1::RuleApplication& a, double distance_m, Lang lang) {
  const std::string& message =
      lang == Lang::kZh || a.message_en().empty() ? a.message_zh() : a.message_en();
  std::string b =
      absl::StrCat("<div class=\"rule ", VerdictClass(a.verdict()), "\">",
                   "<span class=\"badge small ", VerdictClass(a.verdict()), "\">",
                   One(VerdictNames(a.verdict()), lang), "</span><span class=\"id\">",
                   HtmlEscape(a.rule_id()), "</span>\n<p>", HtmlEscape(message), "</p>\n");
  absl::StrAppend(&b, "<div class=\"law\">", HtmlEscape(a.basis().law()));
  if (!a.basis().article().empty()) {
    absl::StrAppend(&b, " <span class=\"article\">", HtmlEscape(a.basis().article()), "</span>");
  }
  absl::StrAppend(&b, "</div>\n<blockquote>", HtmlEscape(a.basis().text()), "</blockquote>\n");
  std::vector<std::string> meta;
  if (a.setback_m() > 0) {
    meta.push_back(absl::StrCat(Say(lang, "退让距离 ", "setback "), Metres(a.setback_m()),
                                distance_m > 0
                                    ? absl::StrCat(Say(lang, "；实际距离 ", "; distance "),
                                                   absl::StrFormat("%.2f m", distance_m))
                                    : ""));
  }
  if (!a.rule_file().empty()) {
    meta.push_back(absl::StrCat(Say(lang, "规则文件 ", "rule file "), "<code>",
                                HtmlEscape(a.rule_file()), "</code>"));
  }
  if (!meta.empty())
    absl::StrAppend(&b, "<div class=\"meta\">", absl::StrJoin(meta, " · "), "</div>\n");
  absl::StrAppend(&b, "</div>\n");
  return b;
}

void AppendRules(const v1::CheckResponse& r, Lang lang, std::string& h) {
  absl::StrAppend(&h, "<section id=\"rules\">\n<h2>",
                  Say(lang, "适用规则与法律依据", "Rules applied and their legal basis"),
                  "</h2>\n");
  int rule_count = 0;
  for (const v1::ZoneHit& z : r.hits()) {
    if (z.rules().empty()) continue;
    absl::StrAppend(&h, "<h3>", HtmlEscape(z.zone_id()), " ", HtmlEscape(z.zone_name()), " — ",
                    One(KindNames(z.kind()), lang), Say(lang, "，", ", "),
                    One(RelationNames(z.relation()), lang), "</h3>\n");
    for (const v1::RuleApplication& a : z.rules()) {
      absl::StrAppend(&h, RuleBlock(a, 0, lang));
      ++rule_count;
    }
  }
  for (const v1::NearZone& n : r.nearest()) {
    if (n.rules().empty()) continue;
    absl::StrAppend(&h, "<h3>", HtmlEscape(n.zone_id()), " ", HtmlEscape(n.zone_name()), " — ",
                    One(KindNames(n.kind()), lang), Say(lang, "，距离 ", ", distance "),
                    absl::StrFormat("%.2f m", n.distance_m()), "</h3>\n");
    for (const v1::RuleApplication& a : n.rules()) {
      absl::StrAppend(&h, RuleBlock(a, n.distance_m(), lang));
      ++rule_count;
    }
  }
  if (rule_count == 0) {
    absl::StrAppend(&h, "<p class=\"none\">", Say(lang, "无适用规则。", "No rule applies."),
                    "</p>\n");
  }
  absl::StrAppend(&h, "</section>\n");
}

void AppendFooter(const v1::CheckResponse& r, const ReportContext& context, absl::string_view utc,
                  std::string& h) {
  const Lang lang = context.lang;
  absl::StrAppend(
      &h, "<footer>", Say(lang, "由 redline 生成 · 服务 ", "generated by redline · server "),
      "<code>", HtmlEscape(context.server), "</code> · ", Say(lang, "数据版本 ", "dataset "),
      "<code>", HtmlEscape(r.dataset_version()), "</code> · ",
      r.record_id().empty() ? std::string()
                            : absl::StrCat(Say(lang, "留痕编号 ", "record "), "<code>",
                                           HtmlEscape(r.record_id()), "</code> · "),
      HtmlEscape(utc), "<br>",
      Say(lang, "本记录依据所列数据版本的区域数据与规则自动生成，结论以主管部门审查意见为准。",
          "This record was generated from the zone data and rules of the dataset version "
          "shown; the competent authority's review decides."),
      "</footer>\n</td></tr></tbody></table>\n</main>\n</body>\n</html>\n");
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
  auto add = [&](v1::ZoneKind kind, const std::string& id, bool hit, const std::string& wkb,
                 const std::string& level, const std::string& name) {
    if (wkb.empty()) return;
    absl::StatusOr<Shape> shape = ParseWkb(wkb);
    if (!shape.ok()) return;
    ZoneOutline zone{kind, id, hit, {}, level, name};
    for (const Shape::Part& part : shape->parts) {
      if (part.dim != Shape::Dim::kPolygon) continue;
      zone.rings_lonlat.insert(zone.rings_lonlat.end(), part.rings.begin(), part.rings.end());
    }
    if (!zone.rings_lonlat.empty()) context->zones.push_back(std::move(zone));
  };
  for (const v1::ZoneHit& h : response.hits())
    add(h.kind(), h.zone_id(), true, h.zone_geometry_wkb(), h.normalized_level(), h.zone_name());
  for (const v1::NearZone& n : response.nearest()) {
    add(n.kind(), n.zone_id(), false, n.zone_geometry_wkb(), n.normalized_level(), n.zone_name());
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
  const Lang lang = context.lang;
  AppendHead(r, lang, h);
  AppendStamp(r, lang, h);
  AppendTitleAndVerdict(r, lang, h);
  AppendWhatWasChecked(r, beijing, utc, lang, h);
  absl::StrAppend(&h, "<section>\n<h2>", Say(lang, "选址", "Site"), "</h2>\n");
  AppendSiteFacts(r.site(), lang, h);
  AppendDrawing(r, context, h);
  absl::StrAppend(&h, "</section>\n");
  AppendHits(r, lang, h);
  AppendNearest(r, lang, h);
  AppendRules(r, lang, h);
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
