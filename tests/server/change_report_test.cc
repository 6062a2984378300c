// The change report (report/change_report.h): stamped with both versions,
// text escaped, the area check worded by the sign of the net change, a map
// only where the response carries geometry, gained and lost parts painted.
#include "report/change_report.h"

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace redline::report {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// A lon/lat square as little-endian WKB.
std::string SquareWkb(double x, double y, double side) {
  const double pts[] = {x, y, x + side, y, x + side, y + side, x, y + side, x, y};
  std::string wkb(1 + 4 + 4 + 4 + sizeof(pts), '\0');
  wkb[0] = 1;
  const uint32_t type = 3, rings = 1, points = 5;
  std::memcpy(&wkb[1], &type, 4);
  std::memcpy(&wkb[5], &rings, 4);
  std::memcpy(&wkb[9], &points, 4);
  std::memcpy(&wkb[13], pts, sizeof(pts));
  return wkb;
}

v1::CompareVersionsResponse Response() {
  v1::CompareVersionsResponse r;
  r.set_from_version("20260101T000000Z-aaaa");
  r.set_to_version("20260201T000000Z-bbbb");
  v1::ZoneChange* c = r.add_changes();
  c->set_kind(v1::ZoneChange::RESHAPED);
  c->set_layer("red_lines");
  c->set_zone_id("HX-<b>1</b>");
  c->add_changed_fields("shape");
  c->set_area_before_m2(100);
  c->set_area_after_m2(80);
  c->set_lost_m2(20);
  c->set_before_wkb(SquareWkb(120.0, 30.0, 0.01));
  c->set_after_wkb(SquareWkb(120.0, 30.0, 0.008));
  c->set_lost_wkb(SquareWkb(120.008, 30.0, 0.002));
  v1::ZoneChange* d = r.add_changes();
  d->set_kind(v1::ZoneChange::ATTRIBUTES);
  d->set_layer("water_source");
  d->set_zone_id("WS-1");
  v1::AreaTotals* t = r.add_totals();
  t->set_scope("kind");
  t->set_kind(v1::ECOLOGICAL_RED_LINE);
  t->set_area_before_m2(100);
  t->set_area_after_m2(80);
  t->set_net_m2(-20);
  t->set_lost_m2(20);
  t->set_share_lost(0.2);
  return r;
}

TEST(ChangeReportTest, StampsBothVersionsAndEscapesText) {
  const std::string page = RenderChangeReportHtml(Response(), "2026-02-01 08:00:00 +08:00");
  EXPECT_THAT(page, HasSubstr("<code id=\"from-version\">20260101T000000Z-aaaa</code>"));
  EXPECT_THAT(page, HasSubstr("<code id=\"to-version\">20260201T000000Z-bbbb</code>"));
  EXPECT_THAT(page, HasSubstr("HX-&lt;b&gt;1&lt;/b&gt;"));
  EXPECT_THAT(page, Not(HasSubstr("<b>1</b>")));
  EXPECT_THAT(page, Not(HasSubstr("<script")));
}

TEST(ChangeReportTest, AreaCheckSaysWhetherTheAreaShrank) {
  v1::CompareVersionsResponse r = Response();
  EXPECT_THAT(RenderChangeReportHtml(r, ""), HasSubstr("20.0000 %"));
  EXPECT_THAT(RenderChangeReportHtml(r, ""), HasSubstr("area shrank"));
  r.mutable_totals(0)->set_net_m2(5);
  EXPECT_THAT(RenderChangeReportHtml(r, ""), Not(HasSubstr("area shrank")));
}

TEST(ChangeReportTest, MapsOnlyChangesWithGeometryAndPaintsTheirParts) {
  const std::string page = RenderChangeReportHtml(Response(), "");
  const size_t first = page.find("<section class=\"change\"");
  const size_t second = page.find("<section class=\"change\"", first + 1);
  ASSERT_NE(second, std::string::npos);
  const std::string reshaped = page.substr(first, second - first);
  const std::string attributes = page.substr(second);
  EXPECT_THAT(reshaped, HasSubstr("<svg"));
  EXPECT_THAT(reshaped, HasSubstr("fill=\"#b71c1c\""));       // lost: red
  EXPECT_THAT(reshaped, Not(HasSubstr("fill=\"#2e7d32\"")));  // nothing gained
  EXPECT_THAT(reshaped, HasSubstr("stroke-dasharray"));       // the outline before
  EXPECT_THAT(attributes, Not(HasSubstr("<svg")));
}

}  // namespace
}  // namespace redline::report
