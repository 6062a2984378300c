// Server benchmark: a load generator on the gRPC async (CompletionQueue) API
// against a running redlined. Every Redline figure is measured beside the
// standard grpc.health.v1 Check of the same server, interleaved call by call
// (latency) or slice by slice (throughput), so machine noise hits both alike.
//
//   build/bench/redline_server_bench --target 127.0.0.1:50051 [--duration 5]
//       [--overlay-points 200000]
//
// Check and CheckPoint go through identical client code: the generic stub
// with a pre-serialized request in a ByteBuffer and the raw response bytes
// (the health request is an empty HealthCheckRequest: zero bytes, meaning
// the whole server). Responses are parsed only to validate them, outside the
// timed calls. bench/run.sh starts a server on the sample data and runs this.
#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/synchronization/mutex.h"
#include "server_bench/clients.h"
#include "server_bench/common.h"
#include "server_bench/phases.h"
#include "server_bench/report.h"

ABSL_FLAG(std::string, target, "127.0.0.1:50051", "HOST:PORT of a running redlined");
ABSL_FLAG(double, duration, 5.0,
          "seconds of throughput measurement per method (Check and CheckPoint)");
ABSL_FLAG(int, overlay_points, 200000,
          "points sent through one Overlay stream one feature per message (the baseline)");
ABSL_FLAG(int, batch_points, 1000000, "points sent through one batched Overlay stream");
ABSL_FLAG(int, batch_size, 8192, "points per message in the batched Overlay stream");
ABSL_FLAG(std::string, batch_sweep, "1,64,1024,8192",
          "points per message for the batch-size sweep (empty: no sweep)");
ABSL_FLAG(int, sweep_points, 200000, "points per sweep run (a fifth of it for sizes below 64)");
ABSL_FLAG(int, latency_calls, 20000, "sequential calls per method for the latency figures");
ABSL_FLAG(int, geometry_calls, 2000, "sequential CheckGeometry calls (1,000-vertex sites)");
ABSL_FLAG(int, warmup, 2000, "warm-up calls per method before each latency phase");
ABSL_FLAG(int, concurrency, 16, "outstanding calls in the throughput phase");
ABSL_FLAG(int, client_threads, 1,
          "client threads in the throughput phase, each with its own channel "
          "(its own connection) and completion queue");
ABSL_FLAG(std::string, points_csv, REDLINE_SOURCE_DIR "/data/sample/known_points.csv",
          "known points (lon,lat,expect_layer,expect_zone_id)");

namespace redline::bench {
namespace {

Options ReadOptions() {
  Options o;
  o.target = absl::GetFlag(FLAGS_target);
  o.latency_calls = std::max(1, absl::GetFlag(FLAGS_latency_calls));
  o.geometry_calls = std::max(1, absl::GetFlag(FLAGS_geometry_calls));
  o.warmup = std::max(0, absl::GetFlag(FLAGS_warmup));
  o.concurrency = std::max(1, absl::GetFlag(FLAGS_concurrency));
  o.threads = std::clamp(absl::GetFlag(FLAGS_client_threads), 1, o.concurrency);
  o.duration = std::max(0.1, absl::GetFlag(FLAGS_duration));
  o.overlay_points = std::max(1, absl::GetFlag(FLAGS_overlay_points));
  o.batch_points = std::max(1, absl::GetFlag(FLAGS_batch_points));
  o.batch_size = std::max(1, absl::GetFlag(FLAGS_batch_size));
  o.batch_sweep = absl::GetFlag(FLAGS_batch_sweep);
  o.sweep_points = std::max(1, absl::GetFlag(FLAGS_sweep_points));
  return o;
}

int Run() {
  const Options o = ReadOptions();
  const Workload w = MakeWorkload(absl::GetFlag(FLAGS_points_csv));

  std::printf("Redline server benchmark against %s\n", o.target.c_str());
  std::printf("machine: %s\n", MachineDescription().c_str());
  std::fflush(stdout);

  std::shared_ptr<grpc::Channel> channel = MakeChannel(o.target);
  SequentialClient client(channel);
  CallErrors errors;
  Results results;
  ValidateAndWarmUp(w, &client, &results);
  MeasureLatency(o, w, &client, &errors, &results);
  MeasureThroughput(o, w, &errors, &results);
  MeasureGeometry(o, w, &client, &errors, &results);
  MeasureOverlayStream(o, w, channel, &errors, &results);
  MeasureBatchedOverlay(o, w, channel, &errors, &results);
  MeasureBatchSweep(o, w, channel, &results);
  return PrintResults(o, w, errors, results);
}

}  // namespace
}  // namespace redline::bench

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "Measures a running redlined beside its own health Check.\n"
      "  redline_server_bench --target HOST:PORT [--duration S] [--overlay-points N]");
  // Accept --overlay-points as well as --overlay_points: Abseil flag names
  // cannot hold a dash, so rewrite the name part of each flag.
  std::vector<std::string> args(argv, argv + argc);
  std::vector<char*> rewritten;
  for (std::string& a : args) {
    if (a.size() > 2 && a[0] == '-' && a[1] == '-') {
      const size_t end = std::min(a.find('='), a.size());
      std::replace(a.begin() + 2, a.begin() + end, '-', '_');
    }
    rewritten.push_back(a.data());
  }
  absl::ParseCommandLine(static_cast<int>(rewritten.size()), rewritten.data());
  // Debian's Abseil keeps Mutex deadlock detection on; redlined and the CLI
  // turn it off, and so does this client.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  return redline::bench::Run();
}
