// The benchmark's workloads: the known points of the sample data, the point
// cases sent to CheckPoint, the 1,000-vertex circle sites, the Overlay
// points, and one batched Overlay run.
#ifndef REDLINE_BENCH_SERVER_BENCH_WORKLOADS_H_
#define REDLINE_BENCH_SERVER_BENCH_WORKLOADS_H_

#include <grpcpp/grpcpp.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <vector>

namespace redline::bench {

struct KnownPoint {
  double lon = 0, lat = 0;
  std::set<std::string> zone_ids;  // expected hits; empty: expect none known
};

std::vector<KnownPoint> ReadKnownPoints(const std::string& path);

bool InExtent(double lon, double lat);

struct PointCase {
  double lon, lat;
  const KnownPoint* known;  // null for a random point
};

// Half known points (cycled), half uniform random points in the extent.
std::vector<PointCase> MakePoints(const std::vector<KnownPoint>& known, size_t n,
                                  std::mt19937_64& rng);

std::string CheckPointBytes(const PointCase& p);

// A circle of `radius_m` around (lon, lat) with kCircleVertices vertices, WKT.
std::string CircleWkt(double lon, double lat, double radius_m);

// Half uniform over the extent, half known points moved by up to ~30 m
// (most stay inside their zones; some land near or on their edges).
std::vector<PointCase> MakeOverlayPoints(const std::vector<KnownPoint>& known, size_t n,
                                         uint64_t seed);

struct BatchRun {
  double seconds = 0;
  long points = 0;  // answered
  long errors = 0;  // points with an error
  long hits = 0;
  long nears = 0;
  long messages = 0;
  size_t response_bytes = 0;
  bool consistent = true;  // every message answered its batch, in order
  std::string failure;
};

// One batched Overlay stream: a writer thread sends `points` in columnar
// messages of `batch` points (requests built ahead, outside the timing, as
// a client reading a file would overlap that work anyway), the caller reads.
BatchRun RunBatchedOverlay(const std::shared_ptr<grpc::Channel>& channel,
                           const std::vector<PointCase>& points, size_t batch,
                           bool hits_only = false);

}  // namespace redline::bench

#endif  // REDLINE_BENCH_SERVER_BENCH_WORKLOADS_H_
