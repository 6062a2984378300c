// Reloading while requests run: readers take snapshots from a SnapshotHolder
// (its lock-free thread-local cache, past versions for as_of) and check
// points on them while the Reloader swaps in new loads, good and broken, and
// a Watcher polls the same files and reloads on its own. Built and run under
// ThreadSanitizer too (make test-tsan): this is the server's own
// synchronisation, with no gRPC in the way.
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "server/reloader.h"
#include "server/snapshot_holder.h"
#include "server/watcher.h"
#include "spatial/config.h"

namespace redline::server {
namespace {

namespace fs = std::filesystem;

constexpr Point2 kProbe{121.0, 30.0};  // inside every good dataset's one zone

// The config and its one source: a square zone around kProbe whose id is
// `zone_id`, or, with `broken`, a source GDAL cannot read.
void WriteDataset(const fs::path& dir, const std::string& zone_id, bool broken) {
  // Written aside and renamed in, so the Watcher never reads half a file.
  const fs::path tmp = dir / "zones.geojson.tmp";
  {
    std::ofstream out(tmp);
    if (broken) {
      out << R"({"type":"FeatureCollection","features":[{"type":"Feature",)";
    } else {
      out << absl::StrFormat(
          R"({"type":"FeatureCollection","features":[{"type":"Feature",)"
          R"("properties":{"id":"%s","name":"z","level":"一级"},"geometry":{"type":"Polygon",)"
          R"("coordinates":[[[120.99,29.99],[121.01,29.99],[121.01,30.01],[120.99,30.01],)"
          R"([120.99,29.99]]]}}]})",
          zone_id);
    }
  }
  fs::rename(tmp, dir / "zones.geojson");
}

std::shared_ptr<const Snapshot> Load(const fs::path& config_path) {
  absl::StatusOr<Config> config = Config::LoadFile(config_path.string());
  EXPECT_TRUE(config.ok()) << config.status();
  absl::StatusOr<std::shared_ptr<const Snapshot>> snap = Snapshot::Load(*config);
  EXPECT_TRUE(snap.ok()) << snap.status();
  return snap.ok() ? *snap : nullptr;
}

// The id of the zone holding kProbe in `snapshot`, "" when none or several.
std::string ZoneAtProbe(const Snapshot& snapshot) {
  absl::StatusOr<CheckResult> r = snapshot.CheckPoint(kProbe, "EPSG:4490", CheckOptions{});
  if (!r.ok() || r->hits.size() != 1) return "";
  return snapshot.zones()[r->hits[0].zone].id;
}

TEST(ReloadConcurrencyTest, ReadersSeeWholeVersionsWhileReloadsSwapThem) {
  const fs::path dir =
      fs::path(::testing::TempDir()) / absl::StrCat("reload_concurrency_", ::getpid());
  fs::create_directories(dir);
  const fs::path config_path = dir / "redline.yaml";
  std::ofstream(config_path) << "keep_versions: 3\nlayers:\n  - name: zones\n"
                                "    kind: water_source_protection\n"
                                "    source: zones.geojson\n    id_field: id\n"
                                "    name_field: name\n";
  WriteDataset(dir, "A", /*broken=*/false);
  std::shared_ptr<const Snapshot> first = Load(config_path);
  ASSERT_NE(first, nullptr);
  SnapshotHolder holder(first);
  Reloader reloader(config_path.string(), &holder);
  const char* good = "A";  // the zone of the last dataset that loaded

  std::atomic<bool> stop{false};
  std::atomic<long> checks{0};

  // Two readers only Get(), the lock-free path, and take no lock of their
  // own that would order them after the writer anyway; the third answers
  // as_of requests and reads the last reload's outcome, as ListLayers does.
  auto reader = [&](bool as_of) {
    while (!stop.load(std::memory_order_relaxed)) {
      // As a request does: one snapshot for the whole answer.
      std::shared_ptr<const Snapshot> snapshot =
          as_of ? *holder.GetAsOf(DayInChina(absl::Now())) : holder.Get();
      const std::string zone = ZoneAtProbe(*snapshot);
      EXPECT_TRUE(zone == "A" || zone == "B") << "version " << snapshot->version()
                                              << " answered with zone '" << zone << "'";
      if (as_of) {
        if (std::optional<ReloadOutcome> last = reloader.last()) {
          EXPECT_FALSE(last->version.empty());
        }
      }
      checks.fetch_add(1, std::memory_order_relaxed);
    }
  };
  std::vector<std::thread> readers;
  for (const bool as_of : {false, false, true}) readers.emplace_back(reader, as_of);

  {
    // The watcher reloads the same files on its own, racing the explicit
    // reloads below (SIGHUP and RedlineAdmin.Reload do that in the server).
    Watcher watcher(config_path.string(), absl::Milliseconds(5), &reloader,
                    SourceFingerprint(config_path.string()));
    for (int round = 0; round < 12; ++round) {
      const bool broken = round % 3 == 2;
      if (!broken) good = round % 2 == 0 ? "B" : "A";
      WriteDataset(dir, good, broken);
      const ReloadOutcome outcome = reloader.Reload();
      EXPECT_EQ(outcome.ok, !broken) << outcome.error;
      if (!outcome.ok) {
        // A failed load never replaces good data: the last good dataset serves.
        EXPECT_NE(outcome.error, "");
        EXPECT_EQ(outcome.version, outcome.previous_version);
      }
      EXPECT_EQ(ZoneAtProbe(*holder.Get()), good) << "round " << round;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }  // the watcher stops and joins
  stop = true;
  for (std::thread& t : readers) t.join();

  EXPECT_GT(checks.load(), 12);
  EXPECT_EQ(ZoneAtProbe(*holder.Get()), good);  // the last round's files were broken
  fs::remove_all(dir);
}

}  // namespace
}  // namespace redline::server
