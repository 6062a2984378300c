// SnapshotHolder: the current snapshot, past versions, and which one answers
// for an as_of day.
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "absl/strings/str_format.h"
#include "absl/time/civil_time.h"
#include "gtest/gtest.h"
#include "server/redline_service.h"
#include "spatial/config.h"
#include "spatial/loader.h"

namespace redline::server {
namespace {

namespace fs = std::filesystem;

// A one-zone layer around (lon, 30.0); no effective dates.
std::shared_ptr<const Snapshot> LoadAt(const fs::path& dir, double lon, absl::CivilDay day,
                                       int keep_versions = 5) {
  {
    std::ofstream(dir / "zones.geojson") << absl::StrFormat(
        R"({"type":"FeatureCollection","features":[{"type":"Feature",)"
        R"("properties":{"id":"Z","name":"z","level":"一级"},"geometry":{"type":"Polygon",)"
        R"("coordinates":[[[%f,29.99],[%f,29.99],[%f,30.01],[%f,30.01],[%f,29.99]]]}}]})",
        lon - 0.01, lon + 0.01, lon + 0.01, lon - 0.01, lon - 0.01);
    std::ofstream(dir / "redline.yaml") << absl::StrFormat(
        "keep_versions: %d\nlayers:\n  - name: zones\n    kind: water_source_protection\n"
        "    source: zones.geojson\n    id_field: id\n    name_field: name\n",
        keep_versions);
  }
  absl::StatusOr<Config> config = Config::LoadFile((dir / "redline.yaml").string());
  EXPECT_TRUE(config.ok()) << config.status();
  // Noon in China on that day.
  const absl::Time at = absl::FromCivil(absl::CivilSecond(day.year(), day.month(), day.day(), 12),
                                        absl::FixedTimeZone(8 * 3600));
  absl::StatusOr<std::shared_ptr<const Snapshot>> snap = Snapshot::Load(*config, at);
  EXPECT_TRUE(snap.ok()) << snap.status();
  return *snap;
}

int32_t Day(absl::CivilDay d) { return static_cast<int32_t>(d - absl::CivilDay(1970, 1, 1)); }

class SnapshotHolderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::path(::testing::TempDir()) /
           ("holder_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

TEST_F(SnapshotHolderTest, AsOfPicksTheVersionServingThatDay) {
  auto v1 = LoadAt(dir_, 121.0, absl::CivilDay(2026, 3, 1));
  auto v2 = LoadAt(dir_, 121.1, absl::CivilDay(2026, 6, 1));
  ASSERT_NE(v1->version(), v2->version());
  SnapshotHolder holder(v1);
  holder.Set(v2);
  EXPECT_EQ(holder.Get(), v2);

  EXPECT_EQ(*holder.GetAsOf(Day(absl::CivilDay(2026, 3, 1))), v1);   // the day v1 was loaded
  EXPECT_EQ(*holder.GetAsOf(Day(absl::CivilDay(2026, 5, 31))), v1);  // the day before v2
  EXPECT_EQ(*holder.GetAsOf(Day(absl::CivilDay(2026, 6, 1))), v2);
  EXPECT_EQ(*holder.GetAsOf(Day(absl::CivilDay(2027, 1, 1))), v2);

  absl::StatusOr<std::shared_ptr<const Snapshot>> before = holder.GetAsOf(Day(absl::CivilDay(2026, 2, 28)));
  ASSERT_FALSE(before.ok());
  EXPECT_EQ(before.status().code(), absl::StatusCode::kOutOfRange);
  EXPECT_NE(before.status().message().find("cannot answer as of 2026-02-28"), std::string::npos)
      << before.status();
  EXPECT_NE(before.status().message().find("2026-03-01"), std::string::npos) << before.status();

  // And the zones answer accordingly: the point at 121.0 is in v1's zone only.
  CheckOptions options;
  options.as_of_day = Day(absl::CivilDay(2026, 4, 1));
  absl::StatusOr<CheckResult> old = (*holder.GetAsOf(*options.as_of_day))
                                        ->CheckPoint({121.0, 30.0}, "EPSG:4490", options);
  ASSERT_TRUE(old.ok()) << old.status();
  EXPECT_EQ(old->hits.size(), 1u);
  absl::StatusOr<CheckResult> now = holder.Get()->CheckPoint({121.0, 30.0}, "EPSG:4490", {});
  ASSERT_TRUE(now.ok()) << now.status();
  EXPECT_TRUE(now->hits.empty());
}

TEST_F(SnapshotHolderTest, KeepsOnlyTheConfiguredNumberOfVersions) {
  auto v1 = LoadAt(dir_, 121.0, absl::CivilDay(2026, 1, 1), 2);
  auto v2 = LoadAt(dir_, 121.1, absl::CivilDay(2026, 2, 1), 2);
  auto v3 = LoadAt(dir_, 121.2, absl::CivilDay(2026, 3, 1), 2);
  SnapshotHolder holder(v1);
  holder.Set(v2);
  holder.Set(v3);
  EXPECT_EQ(*holder.GetAsOf(Day(absl::CivilDay(2026, 2, 15))), v2);
  // v1 is gone: its days can no longer be answered.
  EXPECT_EQ(holder.GetAsOf(Day(absl::CivilDay(2026, 1, 15))).status().code(), absl::StatusCode::kOutOfRange);
}

}  // namespace
}  // namespace redline::server
