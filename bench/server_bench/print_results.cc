// The table of results and the lines under it (declared in phases.h).
#include <cstdio>
#include <string>
#include <vector>

#include "absl/strings/str_format.h"
#include "server_bench/phases.h"

namespace redline::bench {
namespace {

std::string Ratio(double a, double b) { return absl::StrFormat("%.2f×", a / b); }

std::vector<Row> TableRows(const Options& o, const Results& r) {
  const Percentiles& point_lat = r.point_lat;
  const Percentiles& check_lat = r.check_lat;
  const Percentiles& geometry_lat = r.geometry_lat;
  const Percentiles& geometry_check_lat = r.geometry_check_lat;
  std::vector<Row> rows;
  rows.push_back({"CheckPoint p50, 1 client", Us(point_lat.p50), Us(check_lat.p50),
                  Ratio(point_lat.p50, check_lat.p50), "≤ 1.2× Check",
                  Verdict(point_lat.p50 <= kLatencyRatioTarget * check_lat.p50)});
  rows.push_back({"CheckPoint p99, 1 client", Us(point_lat.p99), Us(check_lat.p99),
                  Ratio(point_lat.p99, check_lat.p99), "≤ 1.2× Check",
                  Verdict(point_lat.p99 <= kLatencyRatioTarget * check_lat.p99)});
  rows.push_back({"CheckPoint p99.9, 1 client", Us(point_lat.p999), Us(check_lat.p999),
                  Ratio(point_lat.p999, check_lat.p999), "—", ""});
  rows.push_back({absl::StrFormat("CheckPoint calls/s, %d outstanding", o.concurrency),
                  Rate(r.point_rate), Rate(r.check_rate), Ratio(r.point_rate, r.check_rate),
                  "≥ 0.8× Check", Verdict(r.point_rate >= kThroughputRatioTarget * r.check_rate)});
  rows.push_back({"CheckGeometry 1,000-vertex p50", Us(geometry_lat.p50),
                  Us(geometry_check_lat.p50), Ratio(geometry_lat.p50, geometry_check_lat.p50),
                  "≤ 1 ms", Verdict(geometry_lat.p50 <= kGeometryP50TargetUs)});
  rows.push_back({"CheckGeometry 1,000-vertex p99", Us(geometry_lat.p99),
                  Us(geometry_check_lat.p99), Ratio(geometry_lat.p99, geometry_check_lat.p99), "—",
                  ""});
  // One feature per message: the baseline of the batched rows below, which
  // carry the target.
  rows.push_back({absl::StrFormat("Overlay points/s, 1 per message, %s", Rate(o.overlay_points)),
                  Rate(r.overlay_rate), "—", "—", "—", ""});
  rows.push_back({absl::StrFormat("Overlay points/s, batched, %s points", Rate(o.batch_points)),
                  Rate(r.batched_rate), absl::StrFormat("%s (1/message)", Rate(r.overlay_rate)),
                  Ratio(r.batched_rate, r.overlay_rate), "≥ 3,000,000",
                  Verdict(r.batched_rate >= kOverlayTarget)});
  rows.push_back({"Overlay points/s, batched, hits only", Rate(r.joined_rate),
                  absl::StrFormat("%s (whole check)", Rate(r.batched_rate)),
                  Ratio(r.joined_rate, r.batched_rate), "≥ 3,000,000",
                  Verdict(r.joined_rate >= kOverlayTarget)});
  for (const auto& [size, run] : r.sweep) {
    rows.push_back({absl::StrFormat("  batch sweep: %zu points/message", size),
                    Rate(run.points / run.seconds),
                    absl::StrFormat("%s (1/message)", Rate(r.overlay_rate)),
                    Ratio(run.points / run.seconds, r.overlay_rate), "—", ""});
  }
  return rows;
}

void PrintSummary(const Options& o, const Workload& w, const Results& r) {
  const BatchRun& batched = r.batched;
  const BatchRun& joined = r.joined;
  std::printf(
      "batched Overlay: %ld points in %.2f s, %ld messages of %zu, %ld hits, %ld nearby "
      "zones, %ld point errors, %.1f response bytes/point%s\n",
      batched.points, batched.seconds, batched.messages, o.batch_size, batched.hits, batched.nears,
      batched.errors,
      batched.points > 0 ? static_cast<double>(batched.response_bytes) / batched.points : 0.0,
      batched.consistent ? "" : "; INCONSISTENT answers (count, order or version)");
  std::printf(
      "hits-only Overlay: %ld points in %.2f s, %ld hits (whole check: %ld), %.1f "
      "response bytes/point%s\n",
      joined.points, joined.seconds, joined.hits, batched.hits,
      joined.points > 0 ? static_cast<double>(joined.response_bytes) / joined.points : 0.0,
      joined.consistent && joined.hits == batched.hits
          ? ""
          : "; INCONSISTENT answers (count, order, version or hits)");
  std::printf(
      "latency over %d sequential calls each; throughput over %.1f s each (%ld Check, "
      "%ld CheckPoint calls); CheckGeometry over %d calls, its baseline the Check calls "
      "interleaved with it; Overlay %ld results, %ld with error set, %ld out of order\n",
      o.latency_calls, o.duration, r.check_tp.done, r.point_tp.done, o.geometry_calls,
      r.overlay_results, r.overlay_errors, r.overlay_out_of_order);
  std::printf(
      "request/response bytes: Check 0/2, CheckPoint %zu/%zu (mean), CheckGeometry "
      "%zu/%zu (first site)\n",
      w.point_requests[0].Length(), r.point_response_bytes / w.points.size(),
      w.geometry_requests[0].Length(), r.geometry_response_bytes);
}

}  // namespace

int PrintResults(const Options& o, const Workload& w, const CallErrors& errors, const Results& r) {
  std::printf("\n");
  PrintTable(TableRows(o, r));
  PrintSummary(o, w, r);
  const BatchRun& batched = r.batched;
  const BatchRun& joined = r.joined;
  bool sweep_ok = true;
  for (const auto& [size, run] : r.sweep)
    sweep_ok = sweep_ok && run.consistent && run.failure.empty();
  if (errors.count > 0 || r.overlay_results != o.overlay_points || r.overlay_out_of_order > 0 ||
      !batched.consistent || batched.points != o.batch_points || batched.errors > 0 || !sweep_ok ||
      !joined.consistent || joined.points != o.batch_points || joined.hits != batched.hits) {
    std::printf("FAILED calls: %ld (first: %s)\n", errors.count, errors.first.c_str());
    return 1;
  }
  return 0;
}

}  // namespace redline::bench
