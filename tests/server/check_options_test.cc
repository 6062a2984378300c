// One CheckOptions for every request kind (redline.proto): OptionsFromProto
// reads each field, each request kind honours what the core can give it
// (hits_only and include_intersection on CheckPoint, hits_only on
// CheckGeometry, include_zone_geometry and hits_only on Overlay's
// one-feature form), and refuses, naming the option and the request, what it
// cannot (include_zone_geometry for Overlay points).
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/handlers/convert.h"
#include "server/handlers/handlers.h"
#include "spatial/data/config.h"

namespace redline::server {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

// One water-source zone, about 2 km square, around (121, 30).
std::shared_ptr<const Snapshot> OneZone() {
  const fs::path dir = fs::temp_directory_path() / ("check_options_" + std::to_string(getpid()));
  fs::create_directories(dir);
  std::ofstream(dir / "zones.geojson")
      << R"({"type":"FeatureCollection","features":[{"type":"Feature",)"
         R"("properties":{"id":"Z","name":"z","level":"一级"},"geometry":{"type":"Polygon",)"
         R"("coordinates":[[[120.99,29.99],[121.01,29.99],[121.01,30.01],[120.99,30.01],)"
         R"([120.99,29.99]]]}}]})";
  std::ofstream(dir / "redline.yaml")
      << "layers:\n  - name: zones\n    kind: water_source_protection\n"
         "    source: zones.geojson\n    id_field: id\n    name_field: name\n";
  absl::StatusOr<Config> config = Config::LoadFile((dir / "redline.yaml").string());
  EXPECT_TRUE(config.ok()) << config.status();
  absl::StatusOr<std::shared_ptr<const Snapshot>> snap = Snapshot::Load(*config);
  EXPECT_TRUE(snap.ok()) << snap.status();
  fs::remove_all(dir);
  return snap.ok() ? *snap : nullptr;
}

class CheckOptionsTest : public ::testing::Test {
 protected:
  // Loaded once for the suite; a Snapshot is immutable.
  static const std::shared_ptr<const Snapshot>& Loaded() {
    static const std::shared_ptr<const Snapshot> snapshot = OneZone();
    return snapshot;
  }
  void SetUp() override { ASSERT_NE(Loaded(), nullptr); }
  static const Snapshot& snap() { return *Loaded(); }

  static v1::CheckResponse Point(double x, double y, const v1::CheckOptions& options) {
    v1::CheckPointRequest request;
    request.set_x(x);
    request.set_y(y);
    *request.mutable_options() = options;
    v1::CheckResponse response;
    const grpc::Status st = handlers::CheckPoint(snap(), request, &response);
    EXPECT_TRUE(st.ok()) << st.error_message();
    return response;
  }
};

v1::CheckOptions Outfall() {
  v1::CheckOptions options;
  options.mutable_siting()->set_purpose(v1::Siting::OUTFALL);
  return options;
}

TEST(OptionsFromProtoTest, ReadsEveryField) {
  v1::CheckOptions in;
  in.mutable_siting()->set_purpose(v1::Siting::OUTFALL);
  in.mutable_siting()->set_outfall_type(v1::Siting::SEA);
  in.mutable_siting()->set_action(v1::Siting::EXPANDED);
  in.set_search_radius_m(250);
  in.add_layers("a");
  in.add_layers("b");
  in.set_as_of("2026-04-01");
  in.set_include_intersection(true);
  in.set_include_zone_geometry(true);
  in.set_hits_only(true);
  absl::StatusOr<CheckOptions> o = OptionsFromProto(in);
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_EQ(o->siting.purpose, Purpose::kOutfall);
  EXPECT_EQ(o->siting.outfall_type, OutfallType::kSea);
  EXPECT_EQ(o->siting.action, ProjectAction::kExpanded);
  EXPECT_EQ(o->search_radius_m, 250);
  EXPECT_EQ(o->layers, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(o->as_of_day, ParseDay("2026-04-01"));
  EXPECT_TRUE(o->include_intersection);
  EXPECT_TRUE(o->include_zone_geometry);
  EXPECT_TRUE(o->hits_only);

  absl::StatusOr<CheckOptions> defaults = OptionsFromProto(v1::CheckOptions());
  ASSERT_TRUE(defaults.ok()) << defaults.status();
  EXPECT_FALSE(defaults->include_intersection || defaults->include_zone_geometry ||
               defaults->hits_only || defaults->as_of_day.has_value());
}

TEST_F(CheckOptionsTest, CheckPointHonoursHitsOnly) {
  v1::CheckOptions options = Outfall();
  options.set_search_radius_m(5000);
  // Outside the zone, within the radius: a nearby zone for the whole check only.
  const v1::CheckResponse whole = Point(121.02, 30.0, options);
  EXPECT_EQ(whole.nearest_size(), 1);
  EXPECT_NE(whole.verdict(), v1::VERDICT_UNSPECIFIED);
  options.set_hits_only(true);
  const v1::CheckResponse outside = Point(121.02, 30.0, options);
  EXPECT_EQ(outside.nearest_size(), 0);
  EXPECT_EQ(outside.verdict(), v1::VERDICT_UNSPECIFIED);
  const v1::CheckResponse inside = Point(121.0, 30.0, options);
  ASSERT_EQ(inside.hits_size(), 1);
  EXPECT_EQ(inside.hits(0).zone_id(), "Z");
  EXPECT_EQ(inside.hits(0).relation(), v1::ZoneHit::INSIDE);
  EXPECT_EQ(inside.hits(0).rules_size(), 0);
  EXPECT_EQ(inside.verdict(), v1::VERDICT_UNSPECIFIED);
  EXPECT_EQ(Point(121.0, 30.0, Outfall()).verdict(), v1::PROHIBITED);
}

TEST_F(CheckOptionsTest, CheckPointHonoursIncludeIntersection) {
  v1::CheckOptions options = Outfall();
  EXPECT_TRUE(Point(121.0, 30.0, options).hits(0).intersection_wkb().empty());
  options.set_include_intersection(true);
  const v1::CheckResponse r = Point(121.0, 30.0, options);
  ASSERT_EQ(r.hits_size(), 1);
  // The point itself: a WKB Point is 21 bytes.
  EXPECT_EQ(r.hits(0).intersection_wkb().size(), 21u);
  EXPECT_EQ(r.verdict(), v1::PROHIBITED);
}

TEST_F(CheckOptionsTest, CheckGeometryHonoursHitsOnly) {
  v1::CheckGeometryRequest request;
  request.mutable_geometry()->set_wkt(
      "POLYGON((121.005 29.995,121.02 29.995,121.02 30.005,121.005 30.005,121.005 29.995))");
  *request.mutable_options() = Outfall();
  v1::CheckResponse whole;
  ASSERT_TRUE(handlers::CheckGeometry(snap(), request, &whole).ok());
  EXPECT_NE(whole.verdict(), v1::VERDICT_UNSPECIFIED);
  request.mutable_options()->set_hits_only(true);
  v1::CheckResponse joined;
  const grpc::Status st = handlers::CheckGeometry(snap(), request, &joined);
  ASSERT_TRUE(st.ok()) << st.error_message();
  ASSERT_EQ(joined.hits_size(), 1);
  EXPECT_EQ(joined.hits(0).relation(), v1::ZoneHit::INTERSECTS);
  EXPECT_GT(joined.hits(0).overlap_area_m2(), 0);
  EXPECT_EQ(joined.hits(0).rules_size(), 0);
  EXPECT_EQ(joined.nearest_size(), 0);
  EXPECT_EQ(joined.verdict(), v1::VERDICT_UNSPECIFIED);
}

TEST_F(CheckOptionsTest, OverlayFeatureHonoursZoneGeometryAndHitsOnly) {
  v1::OverlayRequest request;
  request.set_id("one");
  request.mutable_geometry()->set_wkt("POINT(121 30)");
  *request.mutable_options() = Outfall();
  request.mutable_options()->set_include_zone_geometry(true);
  v1::OverlayResult result;
  handlers::OverlayFeature(snap(), request, &result);
  ASSERT_TRUE(result.has_response()) << result.error();
  ASSERT_EQ(result.response().hits_size(), 1);
  EXPECT_FALSE(result.response().hits(0).zone_geometry_wkb().empty());
  EXPECT_EQ(result.response().verdict(), v1::PROHIBITED);

  request.mutable_options()->set_include_zone_geometry(false);
  request.mutable_options()->set_hits_only(true);
  v1::OverlayResult joined;
  handlers::OverlayFeature(snap(), request, &joined);
  ASSERT_TRUE(joined.has_response()) << joined.error();
  EXPECT_EQ(joined.response().hits_size(), 1);
  EXPECT_TRUE(joined.response().hits(0).zone_geometry_wkb().empty());
  EXPECT_EQ(joined.response().verdict(), v1::VERDICT_UNSPECIFIED);
}

TEST_F(CheckOptionsTest, OverlayPointsRefuseZoneGeometry) {
  v1::OverlayRequest request;
  *request.mutable_options() = Outfall();
  request.mutable_options()->set_include_zone_geometry(true);
  v1::OverlayFeature* f = request.add_features();
  f->set_id("f1");
  f->mutable_geometry()->set_wkt("POINT(121 30)");
  request.mutable_points()->add_x(121.0);
  request.mutable_points()->add_y(30.0);
  request.mutable_points()->add_x(121.5);
  request.mutable_points()->add_y(30.5);
  PointBatch scratch;
  v1::OverlayResult result;
  handlers::OverlayMessage(snap(), request, &scratch, &result);
  // The features can have outlines: answered with them.
  ASSERT_EQ(result.batch().results_size(), 1);
  ASSERT_TRUE(result.batch().results(0).has_response()) << result.batch().results(0).error();
  EXPECT_FALSE(result.batch().results(0).response().hits(0).zone_geometry_wkb().empty());
  // The point columns cannot: every point gets the refusal, naming both.
  const v1::PointResults& points = result.batch().points();
  ASSERT_EQ(points.error_index_size(), 2) << points.DebugString();
  for (int i = 0; i < 2; ++i) {
    EXPECT_EQ(points.error_code(i), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_THAT(points.error(i), HasSubstr("include_zone_geometry"));
    EXPECT_THAT(points.error(i), HasSubstr("OverlayRequest.points"));
  }
  EXPECT_EQ(points.hit_count(0), 0u);
  EXPECT_TRUE(points.input_crs().empty());

  // Without it the same points are answered.
  request.mutable_options()->set_include_zone_geometry(false);
  v1::OverlayResult answered;
  handlers::OverlayMessage(snap(), request, &scratch, &answered);
  EXPECT_EQ(answered.batch().points().error_index_size(), 0);
  EXPECT_EQ(answered.batch().points().hit_count(0), 1u);
  EXPECT_EQ(answered.batch().points().verdict(0), v1::PROHIBITED);
}

}  // namespace
}  // namespace redline::server
