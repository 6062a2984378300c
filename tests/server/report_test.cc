// Unit tests of the printable record (report/): reading the geometries it
// draws, the map, and the page's sections.
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "report/report_html.h"
#include "spatial/rules/names.h"

namespace redline::report {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// Little-endian WKB, written by hand as the server's answers carry it.
class Wkb {
 public:
  Wkb& Header(uint32_t type) {
    out_.push_back('\x01');
    return U32(type);
  }
  Wkb& U32(uint32_t v) {
    char b[4];
    std::memcpy(b, &v, 4);
    out_.append(b, 4);
    return *this;
  }
  Wkb& Xy(double x, double y) {
    char b[16];
    std::memcpy(b, &x, 8);
    std::memcpy(b + 8, &y, 8);
    out_.append(b, 16);
    return *this;
  }
  Wkb& Ring(std::vector<XY> ring) {
    U32(static_cast<uint32_t>(ring.size()));
    for (const XY& p : ring) Xy(p.x, p.y);
    return *this;
  }
  std::string str() const { return out_; }

 private:
  std::string out_;
};

std::vector<XY> Square(double x0, double y0, double d) {
  return {{x0, y0}, {x0 + d, y0}, {x0 + d, y0 + d}, {x0, y0 + d}, {x0, y0}};
}

std::string PolygonWkb(std::vector<XY> ring) {
  return Wkb().Header(3).U32(1).Ring(std::move(ring)).str();
}

v1::RuleApplication Rule(const char* id, v1::Verdict verdict, double setback_m) {
  v1::RuleApplication a;
  a.set_rule_id(id);
  a.set_verdict(verdict);
  a.set_message_zh("禁止设置排污口");
  a.set_message_en("No outfall in a protection zone");
  a.mutable_basis()->set_law("中华人民共和国水污染防治法");
  a.mutable_basis()->set_article("第六十四条");
  a.mutable_basis()->set_text("在饮用水水源保护区内，禁止设置排污口。");
  a.set_setback_m(setback_m);
  a.set_rule_file("water_pollution_law.yaml");
  return a;
}

v1::CheckResponse Response(bool polygon) {
  v1::CheckResponse r;
  r.set_dataset_version("2026-12-01T00:00:00Z-abc");
  r.set_verdict(v1::PROHIBITED);
  r.set_verdict_reason("一级保护区 <script>");
  r.mutable_siting()->set_purpose(v1::Siting::OUTFALL);
  r.mutable_siting()->set_outfall_type(v1::Siting::RIVER);
  r.mutable_siting()->set_action(v1::Siting::EXPANDED);
  r.set_search_radius_m(1000);
  r.mutable_checked_at()->set_seconds(1796000000);
  v1::SiteInfo* s = r.mutable_site();
  s->set_geometry_type(polygon ? "Polygon" : "Point");
  s->set_input_crs("EPSG:4490");
  s->set_vertices(polygon ? 5 : 1);
  s->set_lon(120.0405);
  s->set_lat(30.329);
  if (polygon) {
    s->set_area_m2(123456.78);
    s->set_length_m(1410.5);
    v1::Extent* e = s->mutable_extent_lonlat();
    e->set_min_x(120.035);
    e->set_min_y(30.325);
    e->set_max_x(120.045);
    e->set_max_y(30.333);
  }
  v1::ZoneHit* h = r.add_hits();
  h->set_layer("water_source");
  h->set_kind(v1::WATER_SOURCE_PROTECTION);
  h->set_zone_id("VS-1");
  h->set_zone_name("<img src=x onerror=alert(1)>");
  h->set_level("一级保护区");
  h->set_normalized_level("一级");
  h->set_relation(polygon ? v1::ZoneHit::INTERSECTS : v1::ZoneHit::INSIDE);
  h->set_overlap_area_m2(polygon ? 4567.8 : 0);
  h->set_overlap_ratio(polygon ? 0.037 : 0);
  (*h->mutable_attributes())["county"] = "余杭";
  *h->add_rules() = Rule("wppl-64", v1::PROHIBITED, 0);
  h->set_zone_geometry_wkb(PolygonWkb(Square(120.03, 30.32, 0.012)));
  v1::ZoneHit* h2 = r.add_hits();
  h2->set_layer("other");
  h2->set_kind(v1::OTHER_ZONE);
  h2->set_zone_id("O-1");
  h2->set_relation(v1::ZoneHit::WITHIN);
  v1::NearZone* n = r.add_nearest();
  n->set_layer("red_line");
  n->set_kind(v1::ECOLOGICAL_RED_LINE);
  n->set_zone_id("RL-9");
  n->set_zone_name("四明山");
  n->set_level("水源涵养");
  n->set_distance_m(321.5);
  *n->add_rules() = Rule("erl-setback", v1::RESTRICTED, 500);
  n->set_zone_geometry_wkb(PolygonWkb(Square(120.046, 30.334, 0.004)));
  v1::NearZone* n2 = r.add_nearest();
  n2->set_kind(v1::ZERO_DISCHARGE_ZONE);
  n2->set_zone_id("ZD-2");
  n2->set_distance_m(800);
  v1::NearZone* n3 = r.add_nearest();
  n3->set_kind(v1::ZONE_KIND_UNSPECIFIED);
  n3->set_zone_id("U-3");
  n3->set_distance_m(900);
  return r;
}

v1::CheckGeometryRequest GeometryRequest(const std::string& crs) {
  v1::CheckGeometryRequest g;
  g.mutable_geometry()->set_crs(crs);
  return g;
}

// Set REDLINE_REPORT_DUMP to a folder to write every page rendered here.
void Dump(const std::string& name, const std::string& html) {
  const char* dir = std::getenv("REDLINE_REPORT_DUMP");
  if (dir == nullptr) return;
  std::ofstream(absl::StrCat(dir, "/", name, ".html"), std::ios::binary) << html;
}

std::string Render(const std::string& name, const v1::CheckResponse& r, const ReportContext& c) {
  std::string html = RenderReportHtml(r, c);
  Dump(name, html);
  return html;
}

TEST(ReportTest, PointWithZonesAndSetbacks) {
  v1::CheckPointRequest req;
  req.set_x(120.0405);
  req.set_y(30.329);
  ReportContext c = ContextForPoint(req, "localhost:50151");
  const v1::CheckResponse r = Response(false);
  AddResponseGeometry(r, &c);
  ASSERT_EQ(c.zones.size(), 2u);
  const std::string html = Render("point", r, c);
  EXPECT_THAT(html, HasSubstr("<svg class=\"site-map\""));
  EXPECT_THAT(html, HasSubstr("退让 500 m"));
  EXPECT_THAT(html, HasSubstr("&lt;img src=x onerror=alert(1)&gt;"));
  EXPECT_THAT(html, Not(HasSubstr("<img")));
  EXPECT_THAT(html, HasSubstr("size: A4 portrait"));
}

TEST(ReportTest, EveryEncodingOfTheSameSiteDrawsTheSame) {
  const std::vector<XY> ring = Square(120.035, 30.325, 0.008);
  const v1::CheckResponse r = Response(true);
  v1::CheckGeometryRequest wkt = GeometryRequest("");
  wkt.mutable_geometry()->set_wkt(
      "POLYGON((120.035 30.325,120.043 30.325,120.043 30.333,120.035 30.333,120.035 30.325))");
  v1::CheckGeometryRequest ewkt = GeometryRequest("EPSG:4490");
  ewkt.mutable_geometry()->set_wkt(
      "SRID=4490;POLYGON Z((120.035 30.325 1,120.043 30.325 1,120.043 30.333 1,"
      "120.035 30.333 1,120.035 30.325 1))");
  v1::CheckGeometryRequest json = GeometryRequest("");
  json.mutable_geometry()->set_geojson(
      R"({"type":"Feature","properties":{},"geometry":{"type":"Polygon","coordinates":)"
      R"([[[120.035,30.325],[120.043,30.325],[120.043,30.333],[120.035,30.333],)"
      R"([120.035,30.325]]]}})");
  v1::CheckGeometryRequest wkb = GeometryRequest("");
  wkb.mutable_geometry()->set_wkb(PolygonWkb(ring));
  std::vector<std::string> pages;
  int i = 0;
  for (const auto* req : {&wkt, &ewkt, &json, &wkb}) {
    ReportContext c = ContextForGeometry(*req, "http://localhost:8181");
    ASSERT_TRUE(c.site.has_value()) << c.site_note;
    ASSERT_EQ(c.site->parts.size(), 1u);
    EXPECT_EQ(c.site->parts[0].rings[0].size(), 5u);
    AddResponseGeometry(r, &c);
    c.site_crs = req->geometry().crs();
    pages.push_back(Render(absl::StrCat("encoding", i++), r, c));
  }
  EXPECT_EQ(pages[0], pages[2]);
  EXPECT_EQ(pages[0], pages[3]);
}

TEST(ReportTest, ResponseGeometryReplacesTheSiteSent) {
  v1::CheckGeometryRequest req = GeometryRequest("GK");
  req.mutable_geometry()->set_coordinate_table("1 3357000 40500000\n2 3357100 40500000\n");
  ReportContext c = ContextForGeometry(req, "h");
  EXPECT_FALSE(c.site.has_value());
  EXPECT_THAT(c.site_note, HasSubstr("could not be read"));
  v1::CheckResponse r = Response(true);
  r.mutable_site()->set_geometry_wkb(
      Wkb().Header(2).Ring({{120.036, 30.326}, {120.04, 30.33}, {120.042, 30.331}}).str());
  AddResponseGeometry(r, &c);
  ASSERT_TRUE(c.site.has_value());
  EXPECT_EQ(c.site_crs, "EPSG:4490");
  EXPECT_TRUE(c.site_note.empty());
  Render("table", r, c);
}

TEST(ReportTest, ARepairedSiteIsSaidSo) {
  v1::CheckResponse r = Response(true);
  const std::string note =
      "the polygon was invalid (Self-intersection at (120.04, 30.33)) and was made valid "
      "(structure method): checked as 2 polygons";
  r.mutable_site()->set_geometry_repaired(true);
  r.mutable_site()->mutable_coordinates()->add_notes(note);
  ReportContext c = ContextForGeometry(GeometryRequest("EPSG:4490"), "h");
  c.lang = Lang::kEn;
  const std::string html = Render("repaired", r, c);
  EXPECT_THAT(html, HasSubstr("Geometry repaired"));
  EXPECT_THAT(html, HasSubstr("Self-intersection at (120.04, 30.33)"));
  r.mutable_site()->set_geometry_repaired(false);
  EXPECT_THAT(RenderReportHtml(r, c), Not(HasSubstr("Geometry repaired")));
}

TEST(ReportTest, PlanarAndCollections) {
  v1::CheckGeometryRequest req = GeometryRequest("EPSG:4549");
  req.mutable_geometry()->set_wkt(
      "GEOMETRYCOLLECTION(POINT(500000 3357000),LINESTRING(500010 3357010,500090 3357070),"
      "MULTIPOLYGON(((500100 3357100,500200 3357100,500200 3357200,500100 3357100)),"
      "((500300 3357300,500400 3357300,500400 3357400,500300 3357300),"
      "(500320 3357310,500390 3357310,500390 3357380,500320 3357310))),MULTIPOINT(1 2,3 4),"
      "POINT EMPTY)");
  ReportContext c = ContextForGeometry(req, "h");
  ASSERT_TRUE(c.site.has_value()) << c.site_note;
  EXPECT_EQ(c.site->parts.size(), 6u);
  v1::CheckResponse r = Response(true);
  AddResponseGeometry(r, &c);  // no site WKB: the zones are not drawn on a planar map
  c.lang = Lang::kEn;
  const std::string html = Render("planar", r, c);
  EXPECT_THAT(html, HasSubstr("Drawn in the plane of EPSG:4549"));
}

TEST(ReportTest, UnreadableGeometryBecomesANote) {
  v1::CheckGeometryRequest req = GeometryRequest("");
  req.mutable_geometry()->set_wkt("POLYGON((1 2");
  ReportContext c = ContextForGeometry(req, "h");
  EXPECT_FALSE(c.site.has_value());
  const std::string html = Render("note", Response(true), c);
  EXPECT_THAT(html, HasSubstr("the site geometry could not be read for the drawing: "));
  v1::CheckGeometryRequest deep = GeometryRequest("");
  std::string nested;
  for (int i = 0; i < 5000; ++i) nested += "GEOMETRYCOLLECTION(";
  deep.mutable_geometry()->set_wkt(nested);
  EXPECT_FALSE(ContextForGeometry(deep, "h").site.has_value());
}

TEST(ReportTest, EmptyResponse) {
  v1::CheckResponse r;
  ReportContext c;
  c.lang = Lang::kEn;
  const std::string html = Render("empty", r, c);
  EXPECT_THAT(html, HasSubstr("No zone is touched."));
  EXPECT_THAT(html, HasSubstr("No rule applies."));
  // One language throughout: the Chinese page says the same in Chinese only.
  c.lang = Lang::kZh;
  const std::string zh = Render("empty-zh", r, c);
  EXPECT_THAT(zh, HasSubstr("未触及任何区域。"));
  EXPECT_THAT(zh, HasSubstr("无适用规则。"));
  EXPECT_THAT(zh, Not(HasSubstr("No zone is touched.")));
  EXPECT_THAT(zh, HasSubstr("<html lang=\"zh-CN\">"));
  EXPECT_THAT(html, HasSubstr("<html lang=\"en\">"));
}

// A response from a server with an audit trail names its record; the page
// shows it (what the decision can be looked up by later). Without one, the
// page has no record line.
TEST(ReportTest, TheRecordIdIsPrinted) {
  v1::CheckResponse r = Response(false);
  ReportContext c;
  EXPECT_THAT(Render("no-record", r, c), Not(HasSubstr("record-id")));
  r.set_record_id("R01M99A5EFYPCNA0ZG5S0CR5DGV");
  const std::string html = Render("record", r, c);
  EXPECT_THAT(html, HasSubstr("<code id=\"record-id\">R01M99A5EFYPCNA0ZG5S0CR5DGV</code>"));
  EXPECT_THAT(html, HasSubstr("留痕编号 <code>R01M99A5EFYPCNA0ZG5S0CR5DGV</code>"));
  // The stamp that heads every printed page (a repeated table header).
  EXPECT_THAT(html, HasSubstr("<thead><tr><td><div class=\"stamp\" id=\"stamp\">"));
  c.lang = Lang::kEn;
  EXPECT_THAT(Render("record-en", r, c),
              HasSubstr("record <code>R01M99A5EFYPCNA0ZG5S0CR5DGV</code>"));
}

// Crowded zones (thirty nested squares around one point, as nested water
// source levels and control units crowd a site) are numbered without two
// numbers overlapping: inside their zone where a disc fits, else in the
// edge columns with a leader line. Each zone drawn is in the key, with its
// kind and level's style.
TEST(ReportTest, CrowdedZoneNumbersNeverOverlap) {
  SiteMap map = SiteMap::Geographic(120.0, 30.0);
  Shape site;
  site.parts.push_back({Shape::Dim::kPoint, {{XY{120.0, 30.0}}}});
  map.AddSite(site);
  map.AddCircle({120.0, 30.0}, 1000, "r");
  for (int i = 0; i < 30; ++i) {
    const double d = 0.0001 * (i + 1);  // 11 m to 330 m: most too small for a disc
    ZoneOutline z{i % 2 ? v1::WATER_SOURCE_PROTECTION : v1::ECOLOGICAL_RED_LINE,
                  absl::StrCat("Z-", i),
                  i < 10,
                  {{{120 - d, 30 - d},
                    {120 + d, 30 - d},
                    {120 + d, 30 + d},
                    {120 - d, 30 + d},
                    {120 - d, 30 - d}}},
                  i % 4 == 1 ? "一级" : "二级",
                  "name"};
    map.AddZone(z);
  }
  std::vector<MapKeyEntry> key;
  const std::string svg = map.Svg(170, nullptr, &key);
  ASSERT_EQ(key.size(), 30u);
  std::vector<std::pair<double, double>> discs;
  const std::string marker = "<g class=\"zone-label\"";
  for (size_t at = svg.find(marker); at != std::string::npos; at = svg.find(marker, at + 1)) {
    const size_t cx = svg.find("cx=\"", at) + 4, cy = svg.find("cy=\"", at) + 4;
    discs.emplace_back(std::stod(svg.substr(cx)), std::stod(svg.substr(cy)));
  }
  ASSERT_EQ(discs.size(), 30u);
  for (size_t i = 0; i < discs.size(); ++i) {
    for (size_t j = i + 1; j < discs.size(); ++j) {
      const double dx = discs[i].first - discs[j].first, dy = discs[i].second - discs[j].second;
      EXPECT_GE(std::hypot(dx, dy), 4.4) << "numbers " << i + 1 << " and " << j + 1 << " overlap";
    }
  }
  EXPECT_STREQ(key[0].style.key, "red-line");
  EXPECT_STREQ(key[1].style.key, "ws1");
  EXPECT_STREQ(key[3].style.key, "ws2");
  EXPECT_THAT(svg, HasSubstr("class=\"leader\""));  // some went to the edge
}

// The names table is keyed by the API's kind names: each row names a value
// of the proto enum, and every value but UNSPECIFIED has a row.
TEST(ReportTest, TheNamesTableSpeaksTheApisKinds) {
  std::set<int> named;
  for (const ZoneKindNames& row : AllZoneKindNames()) {
    v1::ZoneKind kind = v1::ZONE_KIND_UNSPECIFIED;
    ASSERT_TRUE(v1::ZoneKind_Parse(std::string(row.api_name), &kind)) << row.api_name;
    named.insert(kind);
  }
  EXPECT_EQ(std::string(kUnspecifiedZoneKindApiName), v1::ZoneKind_Name(v1::ZONE_KIND_UNSPECIFIED));
  for (int k = v1::ZoneKind_MIN; k <= v1::ZoneKind_MAX; ++k) {
    if (v1::ZoneKind_IsValid(k) && k != v1::ZONE_KIND_UNSPECIFIED) {
      EXPECT_TRUE(named.count(k)) << v1::ZoneKind_Name(static_cast<v1::ZoneKind>(k));
    }
  }
}

}  // namespace
}  // namespace redline::report
