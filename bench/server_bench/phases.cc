#include "server_bench/phases.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <random>
#include <set>
#include <thread>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "redline/v1/redline.grpc.pb.h"
#include "redline/v1/redline.pb.h"
#include "server_bench/common.h"

namespace redline::bench {
namespace {

// One throughput slice of `seconds` on every client thread at once; the
// errors of all threads are added to `errors`.
SliceResult RunSlice(const std::vector<std::unique_ptr<ConcurrentClient>>& clients,
                     const std::string& method, const std::vector<grpc::ByteBuffer>& requests,
                     double seconds, CallErrors* errors) {
  const int threads = static_cast<int>(clients.size());
  const Clock::time_point start = Clock::now();
  const Clock::time_point end =
      start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
  std::vector<SliceResult> results(threads);
  std::vector<CallErrors> slice_errors(threads);
  std::vector<std::thread> workers;
  for (int t = 1; t < threads; ++t) {
    workers.emplace_back([&, t] {
      results[t] = clients[t]->RunSlice(method, requests, start, end, &slice_errors[t]);
    });
  }
  results[0] = clients[0]->RunSlice(method, requests, start, end, &slice_errors[0]);
  for (std::thread& w : workers) w.join();
  SliceResult total;
  for (int t = 0; t < threads; ++t) {
    total.done += results[t].done;
    total.seconds = std::max(total.seconds, results[t].seconds);
    if (slice_errors[t].count > 0) {
      if (errors->count == 0) errors->first = slice_errors[t].first;
      errors->count += slice_errors[t].count;
    }
  }
  return total;
}

}  // namespace

Workload MakeWorkload(const std::string& points_csv) {
  Workload w;
  w.known = ReadKnownPoints(points_csv);
  std::mt19937_64 rng(42);
  w.points = MakePoints(w.known, 4096, rng);

  w.health_request = ToBuffer("");  // empty HealthCheckRequest
  for (const PointCase& p : w.points) w.point_requests.push_back(ToBuffer(CheckPointBytes(p)));
  w.health_requests.assign(1, w.health_request);

  // 1,000-vertex circle sites, radius 300–2000 m, around the known points
  // that lie in the sample extent.
  std::uniform_real_distribution<double> radius(300, 2000);
  std::vector<const KnownPoint*> centres;
  for (const KnownPoint& k : w.known) {
    if (InExtent(k.lon, k.lat)) centres.push_back(&k);
  }
  if (centres.empty()) Die("no known point in the sample extent for CheckGeometry sites");
  for (int i = 0; i < 64; ++i) {
    const KnownPoint& c = *centres[i % centres.size()];
    v1::CheckGeometryRequest r;
    r.mutable_geometry()->set_wkt(CircleWkt(c.lon, c.lat, radius(rng)));
    r.mutable_options()->mutable_siting()->set_purpose(v1::Siting::DISCHARGING_PROJECT);
    w.geometry_requests.push_back(ToBuffer(r.SerializeAsString()));
  }
  return w;
}

void ValidateAndWarmUp(const Workload& w, SequentialClient* client, Results* results) {
  grpc::ByteBuffer response;
  grpc::Status status;
  client->Call(kHealthCheck, w.health_request, &response, &status);
  if (!status.ok()) Die(absl::StrCat("health Check failed: ", status.error_message()));
  // HealthCheckResponse{status: SERVING} is field 1 = 1: bytes 08 01.
  if (FromBuffer(response) != std::string("\x08\x01", 2)) Die("the server is not SERVING");
  int mismatches = 0;
  for (size_t i = 0; i < w.points.size(); ++i) {
    client->Call(kCheckPoint, w.point_requests[i], &response, &status);
    if (!status.ok()) Die(absl::StrCat("CheckPoint failed: ", status.error_message()));
    results->point_response_bytes += response.Length();
    v1::CheckResponse parsed;
    if (!parsed.ParseFromString(FromBuffer(response))) Die("CheckPoint: unparsable response");
    if (w.points[i].known == nullptr) continue;
    std::set<std::string> hit;
    for (const v1::ZoneHit& h : parsed.hits()) hit.insert(h.zone_id());
    for (const std::string& id : w.points[i].known->zone_ids) mismatches += !hit.count(id);
  }
  if (mismatches > 0) {
    std::printf("WARNING: %d expected zone hits missing from CheckPoint answers\n", mismatches);
  }
  client->Call(kCheckGeometry, w.geometry_requests[0], &response, &status);
  if (!status.ok()) Die(absl::StrCat("CheckGeometry failed: ", status.error_message()));
  results->geometry_response_bytes = response.Length();
  v1::CheckResponse parsed;
  if (!parsed.ParseFromString(FromBuffer(response)) || parsed.site().vertices() < kCircleVertices) {
    Die("CheckGeometry: unexpected answer for a 1,000-vertex site");
  }
}

void MeasureLatency(const Options& o, const Workload& w, SequentialClient* client,
                    CallErrors* errors, Results* results) {
  std::printf("latency: %d + %d warm-up calls each, Check and CheckPoint alternating...\n",
              o.latency_calls, o.warmup);
  std::fflush(stdout);
  grpc::ByteBuffer response;
  grpc::Status status;
  std::vector<double> check_us, point_us;
  check_us.reserve(o.latency_calls);
  point_us.reserve(o.latency_calls);
  for (int i = -o.warmup; i < o.latency_calls; ++i) {
    const grpc::ByteBuffer& pr =
        w.point_requests[static_cast<size_t>(i + o.warmup) % w.point_requests.size()];
    // Alternate which goes first so neither always follows the other.
    for (int k = 0; k < 2; ++k) {
      const bool health = (k == 0) == (i % 2 == 0);
      const double us = client->Call(health ? kHealthCheck : kCheckPoint,
                                     health ? w.health_request : pr, &response, &status);
      if (!status.ok()) {
        errors->Note(health ? "Check" : "CheckPoint", status);
        continue;
      }
      if (i >= 0) (health ? check_us : point_us).push_back(us);
    }
  }
  results->check_lat = Summarize(check_us);
  results->point_lat = Summarize(point_us);
}

void MeasureThroughput(const Options& o, const Workload& w, CallErrors* errors, Results* results) {
  std::printf(
      "throughput: %d outstanding calls on %d client thread(s), %.1f s per method "
      "in alternating slices...\n",
      o.concurrency, o.threads, o.duration);
  std::fflush(stdout);
  std::vector<std::unique_ptr<ConcurrentClient>> clients;
  for (int t = 0; t < o.threads; ++t) {
    const int slots = o.concurrency / o.threads + (t < o.concurrency % o.threads ? 1 : 0);
    clients.push_back(std::make_unique<ConcurrentClient>(o.target, slots));
  }
  RunSlice(clients, kHealthCheck, w.health_requests, 0.5, errors);  // warm-up
  RunSlice(clients, kCheckPoint, w.point_requests, 0.5, errors);
  constexpr double kSlice = 0.5;
  const int slices = std::max(1, static_cast<int>(std::lround(o.duration / kSlice)));
  SliceResult& check_tp = results->check_tp;
  SliceResult& point_tp = results->point_tp;
  for (int s = 0; s < slices; ++s) {
    for (int k = 0; k < 2; ++k) {
      const bool health = (k == 0) == (s % 2 == 0);
      SliceResult r =
          health ? RunSlice(clients, kHealthCheck, w.health_requests, o.duration / slices, errors)
                 : RunSlice(clients, kCheckPoint, w.point_requests, o.duration / slices, errors);
      SliceResult& into = health ? check_tp : point_tp;
      into.done += r.done;
      into.seconds += r.seconds;
    }
  }
  clients.clear();
  results->check_rate = check_tp.done / check_tp.seconds;
  results->point_rate = point_tp.done / point_tp.seconds;
}

void MeasureGeometry(const Options& o, const Workload& w, SequentialClient* client,
                     CallErrors* errors, Results* results) {
  std::printf(
      "CheckGeometry: %d + %d warm-up calls on 1,000-vertex sites, alternating with "
      "Check...\n",
      o.geometry_calls, std::min(o.warmup, 200));
  std::fflush(stdout);
  grpc::ByteBuffer response;
  grpc::Status status;
  std::vector<double> geometry_us, geometry_check_us;
  const int geometry_warmup = std::min(o.warmup, 200);
  for (int i = -geometry_warmup; i < o.geometry_calls; ++i) {
    const grpc::ByteBuffer& gr =
        w.geometry_requests[static_cast<size_t>(i + geometry_warmup) % w.geometry_requests.size()];
    double us = client->Call(kCheckGeometry, gr, &response, &status);
    if (!status.ok()) {
      errors->Note("CheckGeometry", status);
    } else if (i >= 0) {
      geometry_us.push_back(us);
    }
    us = client->Call(kHealthCheck, w.health_request, &response, &status);
    if (!status.ok()) {
      errors->Note("Check", status);
    } else if (i >= 0) {
      geometry_check_us.push_back(us);
    }
  }
  results->geometry_lat = Summarize(geometry_us);
  results->geometry_check_lat = Summarize(geometry_check_us);
}

void MeasureOverlayStream(const Options& o, const Workload& w,
                          const std::shared_ptr<grpc::Channel>& channel, CallErrors* errors,
                          Results* results) {
  std::printf("Overlay: %d points through one stream (writer and reader threads)...\n",
              o.overlay_points);
  std::fflush(stdout);
  std::vector<std::string> wkts;
  for (const PointCase& p : w.points)
    wkts.push_back(absl::StrFormat("POINT(%.6f %.6f)", p.lon, p.lat));
  std::unique_ptr<v1::Redline::Stub> stub = v1::Redline::NewStub(channel);
  grpc::ClientContext context;
  const Clock::time_point start = Clock::now();
  std::unique_ptr<grpc::ClientReaderWriter<v1::OverlayRequest, v1::OverlayResult>> stream =
      stub->Overlay(&context);
  std::thread writer([&] {
    v1::OverlayRequest request;
    request.mutable_options()->mutable_siting()->set_purpose(v1::Siting::OUTFALL);
    for (int i = 0; i < o.overlay_points; ++i) {
      request.set_id(absl::StrCat(i));
      request.mutable_geometry()->set_wkt(wkts[static_cast<size_t>(i) % wkts.size()]);
      if (!stream->Write(request)) break;
    }
    stream->WritesDone();
  });
  v1::OverlayResult result;
  std::string expected;
  long& overlay_results = results->overlay_results;
  while (stream->Read(&result)) {
    expected = absl::StrCat(overlay_results);
    results->overlay_out_of_order += result.id() != expected;
    results->overlay_errors += !result.error().empty();
    ++overlay_results;
  }
  writer.join();
  const grpc::Status finish = stream->Finish();
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  if (!finish.ok()) errors->Note("Overlay", finish);
  results->overlay_rate = overlay_results / seconds;
}

void MeasureBatchedOverlay(const Options& o, const Workload& w,
                           const std::shared_ptr<grpc::Channel>& channel, CallErrors* errors,
                           Results* results) {
  std::printf(
      "Overlay batched: %d points (half province-wide, half in or near zones, seed 7) "
      "in messages of %zu...\n",
      o.batch_points, o.batch_size);
  std::fflush(stdout);
  const std::vector<PointCase> overlay_mix = MakeOverlayPoints(w.known, o.batch_points, 7);
  RunBatchedOverlay(
      channel,
      std::vector<PointCase>(overlay_mix.begin(),
                             overlay_mix.begin() + std::min<size_t>(overlay_mix.size(), 50000)),
      o.batch_size);  // warm-up
  const BatchRun& batched = results->batched =
      RunBatchedOverlay(channel, overlay_mix, o.batch_size);
  results->batched_rate = batched.points / batched.seconds;
  if (!batched.failure.empty()) {
    errors->Note("Overlay batched", grpc::Status(grpc::StatusCode::UNKNOWN, batched.failure));
  }
  // The same points as a spatial join (CheckOptions.hits_only): where each
  // lies, without nearby zones, distances, rules or verdicts, i.e. what the
  // PostGIS joins of bench/postgis_bench.py compute.
  std::printf("Overlay batched, hits only: the same %d points...\n", o.batch_points);
  std::fflush(stdout);
  const BatchRun& joined = results->joined =
      RunBatchedOverlay(channel, overlay_mix, o.batch_size, true);
  results->joined_rate = joined.points / joined.seconds;
  if (!joined.failure.empty()) {
    errors->Note("Overlay batched, hits only",
                 grpc::Status(grpc::StatusCode::UNKNOWN, joined.failure));
  }
}

void MeasureBatchSweep(const Options& o, const Workload& w,
                       const std::shared_ptr<grpc::Channel>& channel, Results* results) {
  for (absl::string_view size_text : absl::StrSplit(o.batch_sweep, ',', absl::SkipEmpty())) {
    size_t size = 0;
    if (!absl::SimpleAtoi(size_text, &size) || size == 0) Die("bad --batch_sweep");
    const size_t n = size < 64 ? std::max(1, o.sweep_points / 5) : o.sweep_points;
    std::printf("  sweep: %zu points in messages of %zu...\n", n, size);
    std::fflush(stdout);
    const std::vector<PointCase> mix = MakeOverlayPoints(w.known, n, 11);
    results->sweep.emplace_back(size, RunBatchedOverlay(channel, mix, size));
  }
}

}  // namespace redline::bench
