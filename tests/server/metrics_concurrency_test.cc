// The server's metrics (server/runtime/metrics.h): what /metrics renders, exactly,
// and that counting from many threads while it renders loses nothing. Built
// and run under ThreadSanitizer too (make test-tsan).
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gtest/gtest.h"
#include "server/runtime/metrics.h"
#include "server/runtime/reloader.h"
#include "spatial/data/config.h"

namespace redline::server {
namespace {

namespace fs = std::filesystem;
using std::chrono::microseconds;
using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr int kOk = 0;
constexpr int kInvalidArgument = 3;
constexpr int kNotFound = 5;

// A one-zone dataset in its own folder; the layer's name needs escaping in
// a label (a double quote and a backslash).
class MetricsTest : public ::testing::Test {
 protected:
  static constexpr char kLayer[] = R"(zones "east" \ 1)";

  void SetUp() override {
    dir_ = fs::path(::testing::TempDir()) /
           absl::StrCat("metrics_", ::getpid(), "_",
                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
    std::ofstream(dir_ / "zones.geojson")
        << R"({"type":"FeatureCollection","features":[{"type":"Feature",)"
           R"("properties":{"id":"A","name":"z","level":"一级"},"geometry":{"type":"Polygon",)"
           R"("coordinates":[[[120.99,29.99],[121.01,29.99],[121.01,30.01],[120.99,30.01],)"
           R"([120.99,29.99]]]}}]})";
    config_path_ = dir_ / "redline.yaml";
    std::ofstream(config_path_) << "layers:\n  - name: 'zones \"east\" \\ 1'\n"
                                   "    kind: water_source_protection\n"
                                   "    source: zones.geojson\n    id_field: id\n"
                                   "    name_field: name\n";
    absl::StatusOr<Config> config = Config::LoadFile(config_path_.string());
    ASSERT_TRUE(config.ok()) << config.status();
    ASSERT_EQ(config->layers.at(0).name, kLayer);
    absl::StatusOr<std::shared_ptr<const Snapshot>> snapshot = Snapshot::Load(*config);
    ASSERT_TRUE(snapshot.ok()) << snapshot.status();
    snapshot_ = *snapshot;
  }
  void TearDown() override { fs::remove_all(dir_); }

  fs::path dir_;
  fs::path config_path_;
  std::shared_ptr<const Snapshot> snapshot_;
};

// The samples of a rendering, "name{labels}" -> value; fails the test on a
// line that is neither a comment nor a sample, or a sample given twice.
std::map<std::string, double> Samples(const std::string& text) {
  std::map<std::string, double> samples;
  for (absl::string_view line : absl::StrSplit(text, '\n', absl::SkipEmpty())) {
    if (line.front() == '#') continue;
    const size_t space = line.rfind(' ');
    double value = 0;
    EXPECT_TRUE(space != absl::string_view::npos &&
                absl::SimpleAtod(line.substr(space + 1), &value))
        << line;
    if (space == absl::string_view::npos) continue;
    EXPECT_TRUE(samples.emplace(std::string(line.substr(0, space)), value).second)
        << "given twice: " << line;
  }
  return samples;
}

// The label set of a gRPC method's series.
std::string Method(const std::string& service, const std::string& method,
                   const std::string& type = "unary") {
  return absl::StrCat("grpc_type=\"", type, "\",grpc_service=\"", service, "\",grpc_method=\"",
                      method, "\"");
}
const std::string kCheckPoint = Method("redline.v1.Redline", "CheckPoint");
const std::string kOverlay = Method("redline.v1.Redline", "Overlay", "bidi_stream");

TEST_F(MetricsTest, CountsCallsByMethodAndCode) {
  Metrics metrics;
  {
    Metrics::Call ok(&metrics, Rpc::kCheckPoint);
    ok.Finish(kOk);
    ok.Finish(kNotFound);  // only the first counts
  }
  for (int i = 0; i < 2; ++i) Metrics::Call(&metrics, Rpc::kCheckPoint).Finish(kInvalidArgument);
  Metrics::Call in_flight(&metrics, Rpc::kCheckPoint);
  { Metrics::Call dropped(&metrics, Rpc::kOverlay); }    // gone unfinished: CANCELLED
  Metrics::Call(nullptr, Rpc::kCheckPoint).Finish(kOk);  // no metrics: nothing counted

  std::map<std::string, double> s = Samples(metrics.Render(*snapshot_, nullptr));
  EXPECT_EQ(s[absl::StrCat("grpc_server_started_total{", kCheckPoint, "}")], 4);
  EXPECT_EQ(s[absl::StrCat("grpc_server_handled_total{", kCheckPoint, ",grpc_code=\"OK\"}")], 1);
  EXPECT_EQ(s[absl::StrCat("grpc_server_handled_total{", kCheckPoint,
                           ",grpc_code=\"INVALID_ARGUMENT\"}")],
            2);
  EXPECT_EQ(
      s.count(absl::StrCat("grpc_server_handled_total{", kCheckPoint, ",grpc_code=\"NOT_FOUND\"}")),
      0);
  EXPECT_EQ(s[absl::StrCat("redline_grpc_server_in_flight{", kCheckPoint, "}")], 1);
  EXPECT_EQ(s[absl::StrCat("grpc_server_handling_seconds_count{", kCheckPoint, "}")], 3);
  EXPECT_EQ(s[absl::StrCat("grpc_server_handled_total{", kOverlay, ",grpc_code=\"CANCELLED\"}")],
            1);
  EXPECT_EQ(s[absl::StrCat("redline_grpc_server_in_flight{", kOverlay, "}")], 0);
  // Methods never called still have their series, at zero.
  const std::string reload = Method("redline.v1.RedlineAdmin", "Reload");
  EXPECT_EQ(s.at(absl::StrCat("grpc_server_started_total{", reload, "}")), 0);
  EXPECT_EQ(s.at(absl::StrCat("grpc_server_handled_total{", reload, ",grpc_code=\"OK\"}")), 0);
}

TEST_F(MetricsTest, HistogramBucketsAreCumulativeWithInclusiveBounds) {
  Metrics metrics;
  metrics.StartHttp(HttpRoute::kZones);
  metrics.FinishHttp(HttpRoute::kZones, 200, microseconds(50));
  metrics.StartHttp(HttpRoute::kZones);
  metrics.FinishHttp(HttpRoute::kZones, 200, milliseconds(1));  // on a bound: le="0.001"
  metrics.StartHttp(HttpRoute::kZones);
  metrics.FinishHttp(HttpRoute::kZones, 404, seconds(20));  // beyond the last bound
  metrics.StartHttp(HttpRoute::kUpload);                    // still running

  std::map<std::string, double> s = Samples(metrics.Render(*snapshot_, nullptr));
  const std::string bucket = "redline_http_request_duration_seconds_bucket{route=\"/v1/zones\",";
  EXPECT_EQ(s[bucket + "le=\"0.0001\"}"], 1);
  EXPECT_EQ(s[bucket + "le=\"0.0005\"}"], 1);
  EXPECT_EQ(s[bucket + "le=\"0.001\"}"], 2);
  EXPECT_EQ(s[bucket + "le=\"10\"}"], 2);
  EXPECT_EQ(s[bucket + "le=\"+Inf\"}"], 3);
  EXPECT_EQ(s["redline_http_request_duration_seconds_count{route=\"/v1/zones\"}"], 3);
  EXPECT_DOUBLE_EQ(s["redline_http_request_duration_seconds_sum{route=\"/v1/zones\"}"], 20.00105);
  EXPECT_EQ(s["redline_http_requests_total{route=\"/v1/zones\",code=\"200\"}"], 2);
  EXPECT_EQ(s["redline_http_requests_total{route=\"/v1/zones\",code=\"404\"}"], 1);
  EXPECT_EQ(s["redline_http_requests_in_flight{route=\"/v1/zones\"}"], 0);
  EXPECT_EQ(s["redline_http_requests_in_flight{route=\"/v1/upload\"}"], 1);
  // Every bucket of every series, in order, never decreasing.
  int buckets = 0;
  for (const char* route : {"/v1/zones", "/v1/upload", "page"}) {
    double last = 0;
    for (double bound : Metrics::kBucketsS) {
      const double n = s.at(absl::StrCat("redline_http_request_duration_seconds_bucket{route=\"",
                                         route, "\",le=\"", bound, "\"}"));
      EXPECT_GE(n, last) << route << " " << bound;
      last = n;
      ++buckets;
    }
  }
  EXPECT_EQ(buckets, 3 * 16);
}

TEST_F(MetricsTest, RoutesOfPaths) {
  EXPECT_EQ(HttpRouteFor("/v1/check-point"), HttpRoute::kCheckPoint);
  EXPECT_EQ(HttpRouteFor("/v1/record"), HttpRoute::kRecord);
  EXPECT_EQ(HttpRouteFor("/metrics"), HttpRoute::kMetrics);
  EXPECT_EQ(HttpRouteFor("/"), HttpRoute::kPage);
  EXPECT_EQ(HttpRouteFor("/app.js"), HttpRoute::kPage);
  EXPECT_EQ(HttpRouteFor("/v1/check-point/x"), HttpRoute::kPage);
}

TEST_F(MetricsTest, DescribesTheDataServedAndTheReloads) {
  Metrics metrics;
  SnapshotHolder holder(snapshot_);
  Reloader reloader(config_path_.string(), &holder);
  std::map<std::string, double> s = Samples(metrics.Render(*snapshot_, &reloader));
  EXPECT_EQ(s[absl::StrCat("redline_dataset_info{version=\"", snapshot_->version(),
                           "\",content_hash=\"", snapshot_->content_hash(), "\"}")],
            1);
  const std::string layer = R"({layer="zones \"east\" \\ 1",kind="water_source_protection"})";
  EXPECT_EQ(s.at("redline_layer_zones" + layer), 1);
  EXPECT_EQ(s.at("redline_layer_vertices" + layer), 5);
  EXPECT_EQ(s.at("redline_layer_skipped_features" + layer), 0);
  EXPECT_EQ(s.at("redline_dataset_memory_bytes"), snapshot_->MemoryBytes());
  EXPECT_NEAR(s.at("redline_dataset_loaded_timestamp_seconds"),
              absl::ToDoubleSeconds(snapshot_->loaded_at() - absl::UnixEpoch()), 1e-3);
  EXPECT_EQ(s.at("redline_reloads_total{result=\"ok\"}"), 0);
  EXPECT_EQ(s.count("redline_last_reload_ok"), 0);  // no attempt yet

  ASSERT_TRUE(reloader.Reload().ok);
  std::ofstream(dir_ / "zones.geojson") << "{ not json";
  ASSERT_FALSE(reloader.Reload().ok);
  s = Samples(metrics.Render(*holder.Get(), &reloader));
  EXPECT_EQ(s.at("redline_reloads_total{result=\"ok\"}"), 1);
  EXPECT_EQ(s.at("redline_reloads_total{result=\"failed\"}"), 1);
  EXPECT_EQ(s.at("redline_last_reload_ok"), 0);
}

// Threads count calls and requests while another renders: every rendering
// is consistent (never more handled than started) and the totals are exact.
TEST_F(MetricsTest, CountsFromManyThreadsWhileRendering) {
  Metrics metrics;
  constexpr int kThreads = 4;
  constexpr int kCallsPerThread = 20000;
  std::atomic<bool> done{false};
  std::atomic<int> renderings{0};
  std::thread reader([&] {
    while (!done.load()) {
      std::map<std::string, double> s = Samples(metrics.Render(*snapshot_, nullptr));
      const double started = s[absl::StrCat("grpc_server_started_total{", kCheckPoint, "}")];
      const double in_flight = s[absl::StrCat("redline_grpc_server_in_flight{", kCheckPoint, "}")];
      EXPECT_GE(in_flight, 0);
      EXPECT_LE(in_flight, kThreads);
      EXPECT_LE(started, kThreads * kCallsPerThread);
      renderings.fetch_add(1);
    }
  });
  std::vector<std::thread> writers;
  for (int t = 0; t < kThreads; ++t) {
    writers.emplace_back([&metrics, t] {
      for (int i = 0; i < kCallsPerThread; ++i) {
        Metrics::Call call(&metrics, Rpc::kCheckPoint);
        call.Finish(i % 4 == 0 ? kInvalidArgument : kOk);
        metrics.StartHttp(t % 2 ? HttpRoute::kCheckPoint : HttpRoute::kLayers);
        metrics.FinishHttp(t % 2 ? HttpRoute::kCheckPoint : HttpRoute::kLayers, 200,
                           microseconds(i % 300));
      }
    });
  }
  for (std::thread& w : writers) w.join();
  done = true;
  reader.join();
  EXPECT_GT(renderings.load(), 0);

  std::map<std::string, double> s = Samples(metrics.Render(*snapshot_, nullptr));
  constexpr int kTotal = kThreads * kCallsPerThread;
  EXPECT_EQ(s[absl::StrCat("grpc_server_started_total{", kCheckPoint, "}")], kTotal);
  EXPECT_EQ(s[absl::StrCat("grpc_server_handled_total{", kCheckPoint, ",grpc_code=\"OK\"}")],
            kTotal * 3 / 4);
  EXPECT_EQ(s[absl::StrCat("grpc_server_handled_total{", kCheckPoint,
                           ",grpc_code=\"INVALID_ARGUMENT\"}")],
            kTotal / 4);
  EXPECT_EQ(s[absl::StrCat("redline_grpc_server_in_flight{", kCheckPoint, "}")], 0);
  EXPECT_EQ(s["redline_http_requests_total{route=\"/v1/check-point\",code=\"200\"}"], kTotal / 2);
  EXPECT_EQ(s["redline_http_requests_total{route=\"/v1/layers\",code=\"200\"}"], kTotal / 2);
  // Each thread's durations are 0…299 µs, kCallsPerThread / 300 times over
  // plus a remainder: their sum, exactly.
  double sum_us = 0;
  for (int i = 0; i < kCallsPerThread; ++i) sum_us += i % 300;
  EXPECT_NEAR(s["redline_http_request_duration_seconds_sum{route=\"/v1/layers\"}"],
              2 * sum_us / 1e6, 1e-6);
  EXPECT_EQ(s["redline_http_request_duration_seconds_bucket{route=\"/v1/layers\",le=\"0.0001\"}"],
            2 * (kCallsPerThread / 300 * 101 + std::min(kCallsPerThread % 300, 101)));
}

}  // namespace
}  // namespace redline::server
