// An Overlay message the memory budget refuses (server/runtime/memory_budget.h):
// every feature and every point of it gets RESOURCE_EXHAUSTED with the
// budget's message, and nothing is checked.
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "gtest/gtest.h"
#include "server/handlers/handlers.h"
#include "spatial/data/config.h"

namespace redline::server {
namespace {

namespace fs = std::filesystem;

std::shared_ptr<const Snapshot> OneZone() {
  const fs::path dir = fs::temp_directory_path() / ("overlay_budget_" + std::to_string(getpid()));
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

v1::OverlayRequest Batch() {
  v1::OverlayRequest request;
  request.mutable_options()->mutable_siting()->set_purpose(v1::Siting::OUTFALL);
  v1::OverlayFeature* f = request.add_features();
  f->set_id("f1");
  f->mutable_geometry()->set_wkt("POINT(121 30)");
  f->mutable_geometry()->set_crs("EPSG:4490");
  request.mutable_points()->add_x(121.0);
  request.mutable_points()->add_y(30.0);
  request.mutable_points()->set_crs("EPSG:4490");
  return request;
}

TEST(OverlayBudgetTest, ARefusedBatchGivesEveryFeatureAndPointTheError) {
  std::shared_ptr<const Snapshot> snap = OneZone();
  ASSERT_NE(snap, nullptr);
  const absl::Status refused =
      absl::ResourceExhaustedError("an Overlay message needs ... (max_inflight_request_bytes)");
  PointBatch scratch;
  v1::OverlayResult result;
  handlers::OverlayMessage(*snap, Batch(), &scratch, &result, refused);
  ASSERT_EQ(result.batch().results_size(), 1);
  EXPECT_EQ(result.batch().results(0).id(), "f1");
  EXPECT_EQ(result.batch().results(0).error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_NE(result.batch().results(0).error().find("max_inflight_request_bytes"),
            std::string::npos);
  EXPECT_FALSE(result.batch().results(0).has_response());
  const v1::PointResults& points = result.batch().points();
  ASSERT_EQ(points.error_code_size(), 1) << points.DebugString();
  EXPECT_EQ(points.error_code(0), grpc::StatusCode::RESOURCE_EXHAUSTED);

  // The same message admitted is answered.
  v1::OverlayResult admitted;
  handlers::OverlayMessage(*snap, Batch(), &scratch, &admitted);
  EXPECT_TRUE(admitted.batch().results(0).has_response());
  EXPECT_EQ(admitted.batch().results(0).response().verdict(), v1::PROHIBITED);
}

TEST(OverlayBudgetTest, ARefusedSingleFeatureCarriesTheError) {
  std::shared_ptr<const Snapshot> snap = OneZone();
  ASSERT_NE(snap, nullptr);
  v1::OverlayRequest request;
  request.set_id("one");
  request.mutable_geometry()->set_wkt("POINT(121 30)");
  PointBatch scratch;
  v1::OverlayResult result;
  handlers::OverlayMessage(*snap, request, &scratch, &result,
                           absl::ResourceExhaustedError("no room"));
  EXPECT_EQ(result.id(), "one");
  EXPECT_EQ(result.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_EQ(result.error(), "no room");
  EXPECT_FALSE(result.has_response());
}

TEST(OverlayBudgetTest, EstimatesGrowWithTheMessage) {
  v1::OverlayRequest small = Batch();
  v1::OverlayRequest large = Batch();
  large.mutable_features(0)->mutable_geometry()->set_geojson(std::string(1 << 20, ' '));
  EXPECT_GT(handlers::EstimateOverlayBytes(large),
            handlers::EstimateOverlayBytes(small) + (8 << 20));
}

}  // namespace
}  // namespace redline::server
