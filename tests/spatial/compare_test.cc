// Tests of CompareZones and CompareRegister (spatial/compare/): matching by
// layer and id, each kind of change, renaming detection, the totals, and the
// sites a change touches.
//
// Two versions of two small layers are written as GeoJSON by the test and
// loaded through the real loader, so areas are the loader's and the
// expectations below come from geometry the test states (squares of known
// size, strips of known width) measured independently with GeographicLib.
#include "spatial/compare/compare.h"

#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "spatial/compare/impact.h"
#include "spatial/coords/geodesic.h"
#include "spatial/snapshot.h"

namespace redline {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

constexpr double kSide = 0.01;    // degrees: about 1 km
constexpr double kShift = 0.002;  // the reshaped zone moves this far east

struct Square {
  std::string id, name, level;
  double x, y;  // south-west corner, degrees
  double side = kSide;
};

std::string Feature(const Square& s, const char* id_key) {
  const double x1 = s.x + s.side, y1 = s.y + s.side;
  return absl::StrFormat(
      R"({"type":"Feature","properties":{"%s":"%s","zname":"%s","level":"%s"},)"
      R"("geometry":{"type":"Polygon","coordinates":[[[%.6f,%.6f],[%.6f,%.6f],[%.6f,%.6f],)"
      R"([%.6f,%.6f],[%.6f,%.6f]]]}})",
      id_key, s.id, s.name, s.level, s.x, s.y, x1, s.y, x1, y1, s.x, y1, s.x, s.y);
}

void WriteLayer(const fs::path& path, const std::vector<Square>& squares) {
  std::vector<std::string> features;
  for (const Square& s : squares) features.push_back(Feature(s, "zid"));
  std::ofstream(path) << R"({"type":"FeatureCollection","features":[)"
                      << absl::StrJoin(features, ",\n") << "]}";
}

// The sample's rule files, so that verdicts mean what they mean in use.
std::string ConfigYaml() {
  return absl::StrCat("working_crs: EPSG:4549\nrules:\n  - ", REDLINE_SOURCE_DIR, "/data/rules\n",
                      R"(layers:
  - name: ws
    kind: water_source_protection
    source: ws.geojson
    id_field: zid
    name_field: zname
    level_field: level
  - name: rl
    kind: ecological_red_line
    source: rl.geojson
    id_field: zid
    name_field: zname
    level_field: level
)");
}

std::shared_ptr<const Snapshot> LoadVersion(const fs::path& dir, const std::vector<Square>& ws,
                                            const std::vector<Square>& rl) {
  fs::create_directories(dir);
  WriteLayer(dir / "ws.geojson", ws);
  WriteLayer(dir / "rl.geojson", rl);
  absl::StatusOr<Config> config = Config::Parse(ConfigYaml(), dir.string(), "compare.yaml");
  EXPECT_TRUE(config.ok()) << config.status();
  if (!config.ok()) return nullptr;
  absl::StatusOr<std::shared_ptr<const Snapshot>> s = Snapshot::Load(*config);
  EXPECT_TRUE(s.ok()) << s.status();
  return s.ok() ? *s : nullptr;
}

// Geodesic area of a lon/lat rectangle, the way PostGIS measures geography.
double RectAreaM2(double x0, double y0, double x1, double y1) {
  const std::vector<Point2> ring = {{x0, y0}, {x1, y0}, {x1, y1}, {x0, y1}, {x0, y0}};
  return GeodesicRingAreaM2(ring);
}

class CompareTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    const fs::path dir =
        fs::path(::testing::TempDir()) / ("compare_test-" + std::to_string(getpid()));
    fs::remove_all(dir);
    const double y = 30.10;
    // Version 1: A unchanged, B to be moved, C's level and G's name to
    // change, D withdrawn, E renamed E2.
    const std::vector<Square> ws1 = {
        {"A", "甲水库", "一级保护区", 120.10, y}, {"B", "乙水库", "二级保护区", 120.13, y},
        {"C", "丙水库", "二级保护区", 120.16, y}, {"D", "丁水库", "一级保护区", 120.19, y},
        {"E", "戊水库", "一级保护区", 120.22, y}, {"G", "己水库", "二级保护区", 120.25, y}};
    const std::vector<Square> ws2 = {
        {"A", "甲水库", "一级保护区", 120.10, y}, {"B", "乙水库", "二级保护区", 120.13 + kShift, y},
        {"C", "丙水库", "一级保护区", 120.16, y}, {"E2", "戊水库", "一级保护区", 120.22, y},
        {"F", "庚水库", "一级保护区", 120.28, y}, {"G", "己水库新名", "二级保护区", 120.25, y}};
    const std::vector<Square> rl = {{"R", "红线", "水源涵养", 120.10, 30.20}};
    from_ = new std::shared_ptr<const Snapshot>(LoadVersion(dir / "v1", ws1, rl));
    to_ = new std::shared_ptr<const Snapshot>(LoadVersion(dir / "v2", ws2, rl));
    ASSERT_NE(*from_, nullptr);
    ASSERT_NE(*to_, nullptr);
    absl::StatusOr<ZoneComparison> c = CompareZones((*from_)->index(), (*to_)->index());
    ASSERT_TRUE(c.ok()) << c.status();
    cmp_ = new ZoneComparison(*std::move(c));
  }
  static void TearDownTestSuite() {
    delete from_;
    delete to_;
    delete cmp_;
  }
  static const Snapshot& From() { return **from_; }
  static const Snapshot& To() { return **to_; }
  static const ZoneComparison& Cmp() { return *cmp_; }
  static const ZoneChange* Change(const std::string& id) {
    for (const ZoneChange& c : Cmp().changes) {
      if (c.id == id) return &c;
    }
    return nullptr;
  }
  static const AreaTotals* Totals(AreaTotals::Scope scope, const std::string& layer,
                                  const std::string& level) {
    for (const AreaTotals& t : Cmp().totals) {
      if (t.scope == scope && t.layer == layer && t.level == level) return &t;
    }
    return nullptr;
  }
  static double AreaOf(const Snapshot& s, const std::string& id) {
    for (const Zone& z : s.zones()) {
      if (z.id == id) return z.area_m2;
    }
    return -1;
  }

  static std::shared_ptr<const Snapshot>* from_;
  static std::shared_ptr<const Snapshot>* to_;
  static ZoneComparison* cmp_;
};
std::shared_ptr<const Snapshot>* CompareTest::from_ = nullptr;
std::shared_ptr<const Snapshot>* CompareTest::to_ = nullptr;
ZoneComparison* CompareTest::cmp_ = nullptr;

std::vector<std::string> Describe(const ZoneComparison& c) {
  std::vector<std::string> out;
  for (const ZoneChange& z : c.changes) {
    out.push_back(absl::StrCat(
        z.layer, "/", z.id, " ", ChangeKindName(z.kind),
        z.previous_id.empty() ? "" : " from " + z.previous_id, z.changed_fields.empty() ? "" : " [",
        absl::StrJoin(z.changed_fields, ","), z.changed_fields.empty() ? "" : "]"));
  }
  return out;
}

TEST_F(CompareTest, ListsEachChangeOnceInLayerAndIdOrder) {
  ASSERT_NE(cmp_, nullptr);
  EXPECT_THAT(Describe(Cmp()),
              ElementsAre("ws/B reshaped [shape]", "ws/C attributes [level]", "ws/D removed",
                          "ws/E2 renamed from E", "ws/F added", "ws/G attributes [name]"));
  EXPECT_EQ(Cmp().unchanged, 2);  // ws/A and rl/R: counted, not listed
}

TEST_F(CompareTest, AddedAndRemovedZonesGainAndLoseTheirWholeArea) {
  ASSERT_NE(cmp_, nullptr);
  const ZoneChange* d = Change("D");
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(d->to_zone, -1);
  EXPECT_DOUBLE_EQ(d->area_before_m2, AreaOf(From(), "D"));
  EXPECT_DOUBLE_EQ(d->lost_m2, d->area_before_m2);
  EXPECT_EQ(d->gained_m2, 0);
  EXPECT_EQ(d->level_before, "一级保护区");
  const ZoneChange* f = Change("F");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->from_zone, -1);
  EXPECT_DOUBLE_EQ(f->gained_m2, AreaOf(To(), "F"));
  EXPECT_EQ(f->lost_m2, 0);
  // A 0.01-degree square at 30.1°N, measured independently.
  EXPECT_NEAR(f->gained_m2, RectAreaM2(120.28, 30.10, 120.29, 30.11), 1e-3 * f->gained_m2);
}

TEST_F(CompareTest, ReshapedZoneGainsAndLosesTheStripsItMovedOver) {
  ASSERT_NE(cmp_, nullptr);
  const ZoneChange* b = Change("B");
  ASSERT_NE(b, nullptr);
  // Moved east by kShift: it gains a strip on the east, loses one on the
  // west, each kShift wide and a side high.
  const double x0 = 120.13, x1 = x0 + kSide, y0 = 30.10, y1 = y0 + kSide;
  EXPECT_NEAR(b->gained_m2, RectAreaM2(x1, y0, x1 + kShift, y1), 1e-3 * b->gained_m2);
  EXPECT_NEAR(b->lost_m2, RectAreaM2(x0, y0, x0 + kShift, y1), 1e-3 * b->lost_m2);
  EXPECT_NEAR(b->area_after_m2 - b->area_before_m2, b->gained_m2 - b->lost_m2, 1e-3);
  EXPECT_THAT(b->gained_wkb, IsEmpty());  // geometries only when asked
}

TEST_F(CompareTest, GeometriesOfTheGainedAndLostPartsWhenAsked) {
  ASSERT_NE(cmp_, nullptr);
  absl::StatusOr<ZoneComparison> c =
      CompareZones(From().index(), To().index(), CompareOptions{.geometries = true});
  ASSERT_TRUE(c.ok()) << c.status();
  for (const ZoneChange& z : c->changes) {
    EXPECT_EQ(z.before_wkb.empty(), z.from_zone < 0) << z.id;
    EXPECT_EQ(z.after_wkb.empty(), z.to_zone < 0) << z.id;
    EXPECT_EQ(z.gained_wkb.empty(), z.gained_m2 == 0) << z.id;
    EXPECT_EQ(z.lost_wkb.empty(), z.lost_m2 == 0) << z.id;
  }
}

TEST_F(CompareTest, SameShapeUnderAnotherIdIsALikelyRenaming) {
  ASSERT_NE(cmp_, nullptr);
  const ZoneChange* e = Change("E2");
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->kind, ChangeKind::kRenamed);
  EXPECT_EQ(e->previous_id, "E");
  EXPECT_EQ(e->gained_m2, 0);
  EXPECT_EQ(e->lost_m2, 0);
  EXPECT_EQ(Change("E"), nullptr);  // not also a removal
}

TEST_F(CompareTest, AttributeChangesNameTheFields) {
  ASSERT_NE(cmp_, nullptr);
  const ZoneChange* c = Change("C");
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->level_before, "二级保护区");
  EXPECT_EQ(c->level_after, "一级保护区");
  EXPECT_NE(c->normalized_level_before, c->normalized_level_after);
  EXPECT_EQ(c->gained_m2, 0);
  const ZoneChange* g = Change("G");
  ASSERT_NE(g, nullptr);
  EXPECT_EQ(g->name_after, "己水库新名");
}

TEST_F(CompareTest, TotalsAddUpPerLayerKindAndLevel) {
  ASSERT_NE(cmp_, nullptr);
  const AreaTotals* ws = Totals(AreaTotals::Scope::kLayer, "ws", "");
  ASSERT_NE(ws, nullptr);
  EXPECT_EQ(ws->zones_before, 6);
  EXPECT_EQ(ws->zones_after, 6);
  EXPECT_EQ(ws->added, 1);
  EXPECT_EQ(ws->removed, 1);
  EXPECT_EQ(ws->reshaped, 1);
  EXPECT_EQ(ws->renamed, 1);
  EXPECT_EQ(ws->attributes, 2);
  EXPECT_EQ(ws->unchanged, 1);
  double before = 0, after = 0;
  for (const Zone& z : From().zones()) before += z.layer == 0 ? z.area_m2 : 0;
  for (const Zone& z : To().zones()) after += z.layer == 0 ? z.area_m2 : 0;
  EXPECT_DOUBLE_EQ(ws->area_before_m2, before);
  EXPECT_DOUBLE_EQ(ws->area_after_m2, after);
  EXPECT_NEAR(ws->net_m2(), ws->gained_m2 - ws->lost_m2, 1e-3);
  EXPECT_DOUBLE_EQ(ws->share_lost(), ws->lost_m2 / before);
  // C moved from 二级 to 一级: its whole area leaves one level for the other.
  const ZoneChange* c = Change("C");
  const AreaTotals* second = Totals(AreaTotals::Scope::kLevel, "ws", c->normalized_level_before);
  const AreaTotals* first = Totals(AreaTotals::Scope::kLevel, "ws", c->normalized_level_after);
  ASSERT_NE(second, nullptr);
  ASSERT_NE(first, nullptr);
  EXPECT_EQ(second->zones_before, 3);  // B, C, G
  EXPECT_EQ(second->zones_after, 2);   // B, G
  EXPECT_NEAR(second->net_m2(), second->gained_m2 - second->lost_m2, 1e-3);
  EXPECT_NEAR(first->net_m2(), first->gained_m2 - first->lost_m2, 1e-3);
  // The kind row of the red lines: nothing changed there.
  for (const AreaTotals& t : Cmp().totals) {
    if (t.scope == AreaTotals::Scope::kKind && t.kind == ZoneKind::kEcologicalRedLine) {
      EXPECT_EQ(t.unchanged, 1);
      EXPECT_EQ(t.net_m2(), 0);
      EXPECT_EQ(t.share_lost(), 0);
    }
  }
}

TEST_F(CompareTest, DifferentWorkingCrsIsRefused) {
  ASSERT_NE(cmp_, nullptr);
  const fs::path dir = fs::path(::testing::TempDir()) / ("compare_crs-" + std::to_string(getpid()));
  fs::create_directories(dir);
  WriteLayer(dir / "ws.geojson", {{"A", "甲", "一级保护区", 120.10, 30.10}});
  WriteLayer(dir / "rl.geojson", {{"R", "红线", "水源涵养", 120.10, 30.20}});
  std::string yaml = ConfigYaml();
  yaml.replace(yaml.find("EPSG:4549"), 9, "EPSG:4548");
  absl::StatusOr<Config> config = Config::Parse(yaml, dir.string(), "crs.yaml");
  ASSERT_TRUE(config.ok()) << config.status();
  absl::StatusOr<std::shared_ptr<const Snapshot>> other = Snapshot::Load(*config);
  ASSERT_TRUE(other.ok()) << other.status();
  absl::StatusOr<ZoneComparison> c = CompareZones(From().index(), (*other)->index());
  EXPECT_EQ(c.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(c.status().message(), HasSubstr("EPSG:4548"));
}

std::string PointWkb(double x, double y) {
  std::string wkb(21, '\0');
  wkb[0] = 1;  // little endian
  wkb[1] = 1;  // Point
  std::memcpy(&wkb[5], &x, 8);
  std::memcpy(&wkb[13], &y, 8);
  return wkb;
}

TEST_F(CompareTest, RegisterImpactListsTheSitesWhoseVerdictOrZonesChanged) {
  ASSERT_NE(cmp_, nullptr);
  const double ym = 30.105;  // mid-height of the squares
  const std::vector<RegisterFeature> features = {
      {"in-A", PointWkb(120.105, ym)},       // unchanged zone
      {"in-D", PointWkb(120.195, ym)},       // withdrawn: prohibited -> clear
      {"in-F", PointWkb(120.285, ym)},       // added: clear -> prohibited
      {"in-E", PointWkb(120.225, ym)},       // renamed: no change
      {"gained-B", PointWkb(120.1410, ym)},  // in B's new eastern strip
      {"lost-B", PointWkb(120.1310, ym)},    // in B's old western strip
      {"in-C", PointWkb(120.165, ym)},       // level change, same verdict
      {"far", PointWkb(121.5, 29.0)},        // nowhere near
  };
  CheckOptions options;
  options.siting.purpose = Purpose::kOutfall;
  absl::StatusOr<RegisterImpact> r =
      CompareRegister(From().index(), To().index(), Cmp(), features, "EPSG:4490", options);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_THAT(r->failed, IsEmpty());
  std::vector<std::string> changed;
  for (const FeatureImpact& f : r->changed) {
    std::vector<std::string> causes;
    for (size_t c : f.causes) causes.push_back(Cmp().changes[c].id);
    changed.push_back(
        absl::StrCat(f.id, " ", absl::StrJoin(f.what, ","), " <- ", absl::StrJoin(causes, ",")));
  }
  EXPECT_THAT(changed, ElementsAre("in-D verdict,zones <- D", "in-F verdict,zones <- F",
                                   "gained-B verdict,zones <- B", "lost-B verdict,zones <- B"));
  EXPECT_EQ(r->unchanged, 4);
  EXPECT_EQ(r->changed[0].verdict_before, Verdict::kProhibited);
  EXPECT_EQ(r->changed[0].verdict_after, Verdict::kClear);
}

TEST_F(CompareTest, RegisterImpactRefusesAnUnknownLayerBeforeAnyFeature) {
  ASSERT_NE(cmp_, nullptr);
  CheckOptions options;
  options.layers = {"nope"};
  absl::StatusOr<RegisterImpact> r =
      CompareRegister(From().index(), To().index(), Cmp(), {}, "EPSG:4490", options);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(r.status().message(), HasSubstr("nope"));
}

}  // namespace
}  // namespace redline
