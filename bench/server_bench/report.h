// The benchmark's report: percentiles, the machine line, the targets and
// the table of results with its figures formatted.
#ifndef REDLINE_BENCH_SERVER_BENCH_REPORT_H_
#define REDLINE_BENCH_SERVER_BENCH_REPORT_H_

#include <string>
#include <vector>

namespace redline::bench {

// Targets from issue 6.
constexpr double kLatencyRatioTarget = 1.2;     // CheckPoint p50/p99 vs Check
constexpr double kThroughputRatioTarget = 0.8;  // CheckPoint vs Check, 16 clients
constexpr double kGeometryP50TargetUs = 1000;   // 1,000-vertex CheckGeometry p50
constexpr double kOverlayTarget = 3e6;          // points/s

// ---------------------------------------------------------------- statistics

struct Percentiles {
  double p50 = 0, p99 = 0, p999 = 0;
};

Percentiles Summarize(std::vector<double> v);

// ------------------------------------------------------------------- machine

std::string MachineDescription();

// --------------------------------------------------------------------- table

struct Row {
  std::string metric, redline, baseline, ratio, target, verdict;
};

std::string Us(double us);

std::string Rate(double per_s);

void PrintTable(const std::vector<Row>& rows);

std::string Verdict(bool met);

}  // namespace redline::bench

#endif  // REDLINE_BENCH_SERVER_BENCH_REPORT_H_
