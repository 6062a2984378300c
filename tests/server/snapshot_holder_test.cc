// SnapshotHolder: the current snapshot, past versions, and which one answers
// for an as_of day.
#include "server/runtime/snapshot_holder.h"

#include <unistd.h>

#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/civil_time.h"
#include "gtest/gtest.h"
#include "spatial/data/config.h"
#include "spatial/data/loader.h"

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

  absl::StatusOr<std::shared_ptr<const Snapshot>> before =
      holder.GetAsOf(Day(absl::CivilDay(2026, 2, 28)));
  ASSERT_FALSE(before.ok());
  EXPECT_EQ(before.status().code(), absl::StatusCode::kOutOfRange);
  EXPECT_NE(before.status().message().find("cannot answer as of 2026-02-28"), std::string::npos)
      << before.status();
  EXPECT_NE(before.status().message().find("2026-03-01"), std::string::npos) << before.status();

  // And the zones answer accordingly: the point at 121.0 is in v1's zone only.
  CheckOptions options;
  options.as_of_day = Day(absl::CivilDay(2026, 4, 1));
  absl::StatusOr<CheckResult> old =
      (*holder.GetAsOf(*options.as_of_day))->CheckPoint({121.0, 30.0}, "EPSG:4490", options);
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
  EXPECT_EQ(holder.GetAsOf(Day(absl::CivilDay(2026, 1, 15))).status().code(),
            absl::StatusCode::kOutOfRange);
}

TEST_F(SnapshotHolderTest, FindsVersionsByNameAndNamesThoseHeldWhenGone) {
  auto v1 = LoadAt(dir_, 121.0, absl::CivilDay(2026, 1, 1), 2);
  auto v2 = LoadAt(dir_, 121.1, absl::CivilDay(2026, 2, 1), 2);
  auto v3 = LoadAt(dir_, 121.2, absl::CivilDay(2026, 3, 1), 2);
  SnapshotHolder holder(v1);
  holder.Set(v2);
  EXPECT_EQ(*holder.GetVersion(v1->version()), v1);
  EXPECT_EQ(*holder.GetVersion(v2->version()), v2);
  holder.Set(v3);  // keep_versions 2: v1 goes
  absl::StatusOr<std::shared_ptr<const Snapshot>> gone = holder.GetVersion(v1->version());
  EXPECT_EQ(gone.status().code(), absl::StatusCode::kOutOfRange);
  const std::string message(gone.status().message());
  EXPECT_NE(message.find(v1->version()), std::string::npos) << message;
  // The versions held, newest first.
  EXPECT_NE(message.find(absl::StrCat(v3->version(), ", ", v2->version())), std::string::npos)
      << message;
}

// A thread that read a snapshot and went idle does not keep it alive once the
// holder lets it go: the memory of a replaced dataset comes back at the swap,
// not whenever every server thread next serves a call.
TEST_F(SnapshotHolderTest, IdleReadersDoNotKeepReplacedVersions) {
  auto v1 = LoadAt(dir_, 121.0, absl::CivilDay(2026, 1, 1), 1);
  auto v2 = LoadAt(dir_, 121.1, absl::CivilDay(2026, 2, 1), 1);
  const std::weak_ptr<const Snapshot> watch = v1;
  SnapshotHolder holder(std::move(v1));
  std::mutex mu;
  std::condition_variable cv;
  bool read = false, swapped = false;
  std::thread reader([&] {
    EXPECT_EQ(holder.Get()->version(), watch.lock()->version());
    EXPECT_EQ(holder.Get(), watch.lock());  // from its cache this time
    std::unique_lock<std::mutex> lock(mu);
    read = true;
    cv.notify_all();
    cv.wait(lock, [&] { return swapped; });  // idle, alive, across the swap
    lock.unlock();
    EXPECT_EQ(holder.Get(), v2);  // and sees the new version after it
  });
  {
    std::unique_lock<std::mutex> lock(mu);
    cv.wait(lock, [&] { return read; });
  }
  holder.Set(v2);  // keep_versions 1: the holder drops v1
  EXPECT_TRUE(watch.expired());
  {
    std::lock_guard<std::mutex> lock(mu);
    swapped = true;
  }
  cv.notify_all();
  reader.join();
}

}  // namespace
}  // namespace redline::server
