// CheckOptions.require_version: which texts name a snapshot's data
// (Snapshot::Holds, SameDatasetContent) and how the checks refuse the others
// (handlers::RequireVersion, CheckPoint, CheckGeometry). Two snapshots of
// the same files loaded at other moments stand for two replicas.
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "absl/strings/ascii.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/handlers/handlers.h"
#include "spatial/data/config.h"

namespace redline::server {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

// One zone around (121, 30); `level` changes the data (and its hash).
std::shared_ptr<const Snapshot> Load(const std::string& level, absl::Time loaded_at) {
  const fs::path dir = fs::temp_directory_path() / ("require_version_" + std::to_string(getpid()));
  fs::create_directories(dir);
  std::ofstream(dir / "zones.geojson")
      << R"({"type":"FeatureCollection","features":[{"type":"Feature",)"
         R"("properties":{"id":"Z","name":"z","level":")"
      << level
      << R"("},"geometry":{"type":"Polygon",)"
         R"("coordinates":[[[120.99,29.99],[121.01,29.99],[121.01,30.01],[120.99,30.01],)"
         R"([120.99,29.99]]]}}]})";
  std::ofstream(dir / "redline.yaml")
      << "layers:\n  - name: zones\n    kind: water_source_protection\n"
         "    source: zones.geojson\n    id_field: id\n    name_field: name\n"
         "    level_field: level\n";
  absl::StatusOr<Config> config = Config::LoadFile((dir / "redline.yaml").string());
  EXPECT_TRUE(config.ok()) << config.status();
  absl::StatusOr<std::shared_ptr<const Snapshot>> snap = Snapshot::Load(*config, loaded_at);
  EXPECT_TRUE(snap.ok()) << snap.status();
  fs::remove_all(dir);
  return snap.ok() ? *snap : nullptr;
}

class RequireVersionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const absl::Time t = absl::FromUnixSeconds(1'800'000'000);
    a_ = Load("一级", t);
    b_ = Load("一级", t + absl::Hours(3));  // the same data, another replica
    other_ = Load("二级", t);
    ASSERT_TRUE(a_ && b_ && other_);
  }

  static grpc::Status Check(const Snapshot& s, const std::string& required) {
    v1::CheckPointRequest request;
    request.set_x(121);
    request.set_y(30);
    request.mutable_options()->set_require_version(required);
    v1::CheckResponse response;
    return handlers::CheckPoint(s, request, &response);
  }

  std::shared_ptr<const Snapshot> a_, b_, other_;
};

TEST_F(RequireVersionTest, ReplicasOfTheSameDataShareTheContentNotTheVersion) {
  EXPECT_NE(a_->version(), b_->version());
  EXPECT_EQ(a_->content_hash(), b_->content_hash());
  EXPECT_NE(a_->content_hash(), other_->content_hash());
}

TEST_F(RequireVersionTest, WhatNamesTheData) {
  const std::string& h = a_->content_hash();
  for (const std::string& wanted : {std::string(), a_->version(), b_->version(), h,
                                    h.substr(0, kMinContentDigits), absl::AsciiStrToUpper(h)}) {
    EXPECT_TRUE(a_->Holds(wanted)) << wanted;
    EXPECT_TRUE(Check(*a_, wanted).ok()) << wanted;
  }
  for (const std::string& wanted :
       {other_->version(), other_->content_hash(), h.substr(0, kMinContentDigits - 1),
        std::string("abc"), std::string("latest"), a_->version() + "0"}) {
    EXPECT_FALSE(a_->Holds(wanted)) << wanted;
  }
}

TEST_F(RequireVersionTest, OtherDataIsRefusedNamingBoth) {
  const grpc::Status st = Check(*a_, other_->version());
  EXPECT_EQ(st.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(st.error_message(), "dataset version " + other_->version() +
                                    " required; this server holds " + a_->version() + " (content " +
                                    a_->content_hash() + ")");

  v1::CheckGeometryRequest geometry;
  geometry.mutable_geometry()->set_wkt("POINT (121 30)");
  geometry.mutable_options()->set_require_version(other_->content_hash());
  v1::CheckResponse response;
  EXPECT_EQ(handlers::CheckGeometry(*a_, geometry, &response).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
  geometry.mutable_options()->set_require_version(b_->version());
  EXPECT_TRUE(handlers::CheckGeometry(*a_, geometry, &response).ok());
  EXPECT_EQ(response.dataset_version(), a_->version());
}

TEST_F(RequireVersionTest, TheRequirementIsQuotedEscapedAndShort) {
  const grpc::Status st = Check(*a_, "\n" + std::string(500, 'x'));
  EXPECT_EQ(st.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_LT(st.error_message().size(), 250u);
  EXPECT_THAT(st.error_message(), ::testing::Not(HasSubstr("\n")));
}

TEST_F(RequireVersionTest, ListLayersNamesTheContentHash) {
  v1::ListLayersResponse layers;
  handlers::ListLayers(*b_, nullptr, &layers);
  EXPECT_EQ(layers.content_hash(), a_->content_hash());
  EXPECT_EQ(layers.dataset_version(), b_->version());
}

}  // namespace
}  // namespace redline::server
