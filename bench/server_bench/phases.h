// The benchmark's phases, one function each, in the order Run calls them:
// the workload, validation and warm-up, latency, throughput, CheckGeometry,
// the one-feature-per-message Overlay, the batched Overlay, the batch-size
// sweep, and the table.
#ifndef REDLINE_BENCH_SERVER_BENCH_PHASES_H_
#define REDLINE_BENCH_SERVER_BENCH_PHASES_H_

#include <grpcpp/grpcpp.h>

#include <cstddef>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "server_bench/clients.h"
#include "server_bench/report.h"
#include "server_bench/workloads.h"

namespace redline::bench {

// The flags, clamped to sensible values.
struct Options {
  std::string target;
  int latency_calls = 0;
  int geometry_calls = 0;
  int warmup = 0;
  int concurrency = 0;
  int threads = 0;
  double duration = 0;
  int overlay_points = 0;
  int batch_points = 0;
  size_t batch_size = 0;
  std::string batch_sweep;
  int sweep_points = 0;
};

// The requests, built ahead of every timed call. `points` point into `known`.
struct Workload {
  std::vector<KnownPoint> known;
  std::vector<PointCase> points;
  grpc::ByteBuffer health_request;
  std::vector<grpc::ByteBuffer> point_requests;
  std::vector<grpc::ByteBuffer> health_requests;
  std::vector<grpc::ByteBuffer> geometry_requests;
};

// What the phases measured, for the table.
struct Results {
  size_t point_response_bytes = 0, geometry_response_bytes = 0;
  Percentiles check_lat, point_lat;
  SliceResult check_tp, point_tp;
  double check_rate = 0, point_rate = 0;
  Percentiles geometry_lat, geometry_check_lat;
  double overlay_rate = 0;
  long overlay_results = 0, overlay_errors = 0, overlay_out_of_order = 0;
  BatchRun batched, joined;
  double batched_rate = 0, joined_rate = 0;
  std::vector<std::pair<size_t, BatchRun>> sweep;
};

Workload MakeWorkload(const std::string& points_csv);

// Checks the server answers as expected (Dies if not) and warms it up.
void ValidateAndWarmUp(const Workload& w, SequentialClient* client, Results* results);

// 1. Latency, one client, Check and CheckPoint interleaved.
void MeasureLatency(const Options& o, const Workload& w, SequentialClient* client,
                    CallErrors* errors, Results* results);

// 2. Throughput, `o.concurrency` outstanding calls, in alternating slices.
void MeasureThroughput(const Options& o, const Workload& w, CallErrors* errors, Results* results);

// 3. CheckGeometry on 1,000-vertex sites, alternating with Check.
void MeasureGeometry(const Options& o, const Workload& w, SequentialClient* client,
                     CallErrors* errors, Results* results);

// 4. Overlay, one stream, one feature per message.
void MeasureOverlayStream(const Options& o, const Workload& w,
                          const std::shared_ptr<grpc::Channel>& channel, CallErrors* errors,
                          Results* results);

// 5. Overlay, batched columnar points: the whole check, then hits only.
void MeasureBatchedOverlay(const Options& o, const Workload& w,
                           const std::shared_ptr<grpc::Channel>& channel, CallErrors* errors,
                           Results* results);

// Sweep: the same kind of points, several batch sizes.
void MeasureBatchSweep(const Options& o, const Workload& w,
                       const std::shared_ptr<grpc::Channel>& channel, Results* results);

// Prints the table and the lines under it; returns the exit code (1 when a
// call failed or an answer was inconsistent).
int PrintResults(const Options& o, const Workload& w, const CallErrors& errors, const Results& r);

}  // namespace redline::bench

#endif  // REDLINE_BENCH_SERVER_BENCH_PHASES_H_
