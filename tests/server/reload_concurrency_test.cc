// Reloading while requests run: readers take snapshots from a SnapshotHolder
// (its lock-free thread-local cache, past versions for as_of) and check
// points on them while the Reloader swaps in new loads, good and broken, and
// a Watcher polls the same files and reloads on its own. Built and run under
// ThreadSanitizer too (make test-tsan): this is the server's own
// synchronisation, with no gRPC in the way.
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "server/runtime/reloader.h"
#include "server/runtime/snapshot_holder.h"
#include "server/runtime/watcher.h"
#include "spatial/data/config.h"

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
      EXPECT_TRUE(zone == "A" || zone == "B")
          << "version " << snapshot->version() << " answered with zone '" << zone << "'";
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
      const absl::Time written = absl::Now();
      // A reload joins an attempt under way (single-flight): one of the
      // watcher's may have read the files before this round's; its start
      // says so, and a caller that must see its edit asks again.
      ReloadOutcome outcome = reloader.Reload();
      while (outcome.at < written) outcome = reloader.Reload();
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

// A test dataset that loads, and a Reloader whose loads wait for the test.
class SingleFlightTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::path(::testing::TempDir()) /
           absl::StrCat("reload_single_flight_", ::getpid(), "_",
                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
    config_path_ = dir_ / "redline.yaml";
    std::ofstream(config_path_) << "layers:\n  - name: zones\n"
                                   "    kind: water_source_protection\n"
                                   "    source: zones.geojson\n    id_field: id\n"
                                   "    name_field: name\n";
    WriteDataset(dir_, "A", /*broken=*/false);
    first_ = Load(config_path_);
    ASSERT_NE(first_, nullptr);
  }
  void TearDown() override { fs::remove_all(dir_); }

  // A load that counts itself and, while `hold_` is set, waits for the test
  // to release it: the test then knows an attempt is under way.
  Reloader::Load HeldLoad() {
    return [this](const std::string& path) -> absl::StatusOr<std::shared_ptr<const Snapshot>> {
      {
        std::unique_lock<std::mutex> lock(mu_);
        ++loads_;
        started_.notify_all();
        released_.wait(lock, [this] { return !hold_; });
      }
      absl::StatusOr<Config> config = Config::LoadFile(path);
      if (!config.ok()) return config.status();
      return Snapshot::Load(*config);
    };
  }
  void WaitForLoads(int n) {
    std::unique_lock<std::mutex> lock(mu_);
    started_.wait(lock, [&] { return loads_ >= n; });
  }
  void Release() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      hold_ = false;
    }
    released_.notify_all();
  }
  int loads() {
    std::lock_guard<std::mutex> lock(mu_);
    return loads_;
  }

  fs::path dir_;
  fs::path config_path_;
  std::shared_ptr<const Snapshot> first_;
  std::mutex mu_;
  std::condition_variable started_;
  std::condition_variable released_;
  int loads_ = 0;     // guarded by mu_
  bool hold_ = true;  // guarded by mu_
};

// N callers at once, while an attempt is under way: one load, and every
// caller gets that load's outcome. The next call, after it ended, loads anew.
TEST_F(SingleFlightTest, ConcurrentCallersShareOneLoad) {
  SnapshotHolder holder(first_);
  Reloader reloader(config_path_.string(), &holder, HeldLoad());
  constexpr int kCallers = 16;

  // The first request starts the attempt, which waits in HeldLoad.
  std::vector<ReloadOutcome> outcomes(kCallers + 1);
  std::thread first([&] { outcomes[kCallers] = reloader.Reload(); });
  WaitForLoads(1);

  std::atomic<int> joined{0};
  std::atomic<int> started_new{0};
  std::vector<std::thread> callers;
  std::mutex done_mu;
  std::condition_variable done_cv;
  int done = 0;
  for (int i = 0; i < kCallers; ++i) {
    callers.emplace_back([&, i] {
      const bool started = reloader.Request([&, i](const ReloadOutcome& outcome) {
        outcomes[i] = outcome;
        std::lock_guard<std::mutex> lock(done_mu);
        ++done;
        done_cv.notify_all();
      });
      (started ? started_new : joined).fetch_add(1);
    });
  }
  for (std::thread& t : callers) t.join();  // all have asked, none is answered
  EXPECT_EQ(joined.load(), kCallers);
  EXPECT_EQ(started_new.load(), 0);
  {
    std::lock_guard<std::mutex> lock(done_mu);
    EXPECT_EQ(done, 0) << "answered before the load ended";
  }
  Release();
  first.join();
  {
    std::unique_lock<std::mutex> lock(done_mu);
    done_cv.wait(lock, [&] { return done == kCallers; });
  }

  EXPECT_EQ(loads(), 1);
  EXPECT_EQ(reloader.counts().succeeded, 1);
  EXPECT_EQ(reloader.counts().failed, 0);
  for (const ReloadOutcome& outcome : outcomes) {
    EXPECT_TRUE(outcome.ok) << outcome.error;
    EXPECT_EQ(outcome.at, outcomes[0].at);
    EXPECT_EQ(outcome.version, outcomes[0].version);
  }
  EXPECT_EQ(holder.Get()->version(), outcomes[0].version);

  // After the attempt ended, a request starts a new one.
  const ReloadOutcome next = reloader.Reload();
  EXPECT_EQ(loads(), 2);
  EXPECT_GT(next.at, outcomes[0].at);
  EXPECT_EQ(reloader.counts().succeeded, 2);
}

// Many blocking callers racing, with real (quick) loads and no hold: each
// gets an outcome, and there are never more loads than callers; attempts
// never overlap (the holder sees whole swaps, checked by TSan).
TEST_F(SingleFlightTest, RacingCallersEachGetAnOutcome) {
  SnapshotHolder holder(first_);
  Release();
  Reloader reloader(config_path_.string(), &holder, HeldLoad());
  constexpr int kCallers = 8;
  constexpr int kRounds = 5;
  std::atomic<int> answered{0};
  std::vector<std::thread> callers;
  for (int i = 0; i < kCallers; ++i) {
    callers.emplace_back([&] {
      for (int r = 0; r < kRounds; ++r) {
        const ReloadOutcome outcome = reloader.Reload();
        EXPECT_TRUE(outcome.ok) << outcome.error;
        answered.fetch_add(1);
      }
    });
  }
  for (std::thread& t : callers) t.join();
  EXPECT_EQ(answered.load(), kCallers * kRounds);
  EXPECT_GE(loads(), kRounds);  // each caller's rounds are one after the other
  EXPECT_LE(loads(), kCallers * kRounds);
  EXPECT_EQ(reloader.counts().succeeded, loads());
}

// Destroyed with an attempt under way and callers waiting: it waits for the
// attempt and tells every caller that joined it.
TEST_F(SingleFlightTest, DestructionWaitsForTheAttemptUnderWay) {
  SnapshotHolder holder(first_);
  std::atomic<int> told{0};
  std::thread release;
  {
    Reloader reloader(config_path_.string(), &holder, HeldLoad());
    reloader.Request([&](const ReloadOutcome&) { told.fetch_add(1); });
    WaitForLoads(1);
    reloader.Request([&](const ReloadOutcome&) { told.fetch_add(1); });
    release = std::thread([this] {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      Release();
    });
  }  // ~Reloader waits for the held attempt
  release.join();
  EXPECT_EQ(told.load(), 2);
  EXPECT_EQ(loads(), 1);
}

}  // namespace
}  // namespace redline::server
