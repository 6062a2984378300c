#include "server_bench/workloads.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
#include <numbers>
#include <thread>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "redline/v1/redline.grpc.pb.h"
#include "redline/v1/redline.pb.h"
#include "server_bench/common.h"

namespace redline::bench {

std::vector<KnownPoint> ReadKnownPoints(const std::string& path) {
  std::ifstream in(path);
  if (!in) Die(absl::StrCat("cannot read ", path));
  std::map<std::pair<double, double>, KnownPoint> by_coord;
  std::string line;
  std::getline(in, line);  // header
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    std::vector<std::string> f = absl::StrSplit(line, ',');
    double lon = 0, lat = 0;
    if (f.size() < 2 || !absl::SimpleAtod(f[0], &lon) || !absl::SimpleAtod(f[1], &lat)) {
      Die(absl::StrCat(path, ": bad line: ", line));
    }
    KnownPoint& p = by_coord[{lon, lat}];
    p.lon = lon;
    p.lat = lat;
    if (f.size() >= 4 && !f[3].empty()) p.zone_ids.insert(f[3]);
  }
  std::vector<KnownPoint> out;
  for (auto& [coord, p] : by_coord) out.push_back(std::move(p));
  if (out.empty()) Die(absl::StrCat(path, ": no points"));
  return out;
}

bool InExtent(double lon, double lat) {
  return lon >= kMinLon && lon <= kMaxLon && lat >= kMinLat && lat <= kMaxLat;
}

std::vector<PointCase> MakePoints(const std::vector<KnownPoint>& known, size_t n,
                                  std::mt19937_64& rng) {
  std::uniform_real_distribution<double> ux(kMinLon, kMaxLon), uy(kMinLat, kMaxLat);
  std::vector<PointCase> out;
  out.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    if (i % 2 == 0) {
      const KnownPoint& k = known[(i / 2) % known.size()];
      out.push_back({k.lon, k.lat, &k});
    } else {
      out.push_back({ux(rng), uy(rng), nullptr});
    }
  }
  return out;
}

std::string CheckPointBytes(const PointCase& p) {
  v1::CheckPointRequest r;
  r.set_x(p.lon);
  r.set_y(p.lat);
  r.mutable_options()->mutable_siting()->set_purpose(v1::Siting::OUTFALL);
  return r.SerializeAsString();
}

std::string CircleWkt(double lon, double lat, double radius_m) {
  constexpr double kMetresPerDegree = 111320.0;
  const double dlat = radius_m / kMetresPerDegree;
  const double dlon = radius_m / (kMetresPerDegree * std::cos(lat * std::numbers::pi / 180));
  std::string wkt = "POLYGON((";
  for (int i = 0; i <= kCircleVertices; ++i) {
    const double a = 2 * std::numbers::pi * (i % kCircleVertices) / kCircleVertices;
    absl::StrAppendFormat(&wkt, "%s%.7f %.7f", i == 0 ? "" : ",", lon + dlon * std::cos(a),
                          lat + dlat * std::sin(a));
  }
  wkt += "))";
  return wkt;
}

std::vector<PointCase> MakeOverlayPoints(const std::vector<KnownPoint>& known, size_t n,
                                         uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> ux(kMinLon, kMaxLon), uy(kMinLat, kMaxLat);
  std::uniform_real_distribution<double> jitter(-0.0003, 0.0003);
  std::vector<PointCase> out;
  out.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    if (i % 2 == 0) {
      const KnownPoint& k = known[(i / 2) % known.size()];
      out.push_back({k.lon + jitter(rng), k.lat + jitter(rng), nullptr});
    } else {
      out.push_back({ux(rng), uy(rng), nullptr});
    }
  }
  return out;
}

BatchRun RunBatchedOverlay(const std::shared_ptr<grpc::Channel>& channel,
                           const std::vector<PointCase>& points, size_t batch, bool hits_only) {
  std::vector<v1::OverlayRequest> requests;
  for (size_t i = 0; i < points.size(); i += batch) {
    v1::OverlayRequest r;
    r.mutable_options()->mutable_siting()->set_purpose(v1::Siting::OUTFALL);
    r.mutable_options()->set_hits_only(hits_only);
    v1::PointColumns* c = r.mutable_points();
    const size_t end = std::min(points.size(), i + batch);
    c->mutable_x()->Reserve(end - i);
    c->mutable_y()->Reserve(end - i);
    for (size_t k = i; k < end; ++k) {
      c->add_x(points[k].lon);
      c->add_y(points[k].lat);
    }
    requests.push_back(std::move(r));
  }
  BatchRun run;
  std::unique_ptr<v1::Redline::Stub> stub = v1::Redline::NewStub(channel);
  grpc::ClientContext context;
  const Clock::time_point start = Clock::now();
  auto stream = stub->Overlay(&context);
  std::thread writer([&] {
    for (const v1::OverlayRequest& r : requests) {
      if (!stream->Write(r)) break;
    }
    stream->WritesDone();
  });
  v1::OverlayResult result;
  size_t next = 0;
  std::string version;
  while (stream->Read(&result)) {
    const v1::PointResults& p = result.batch().points();
    const int expected = next < requests.size() ? requests[next].points().x_size() : -1;
    if (p.hit_count_size() != expected || p.verdict_size() != (hits_only ? 0 : expected)) {
      run.consistent = false;
    }
    if (version.empty()) version = result.dataset_version();
    if (result.dataset_version() != version) run.consistent = false;
    run.points += p.hit_count_size();
    run.errors += p.error_index_size();
    run.hits += p.hit_zone_size();
    run.nears += p.near_zone_size();
    run.response_bytes += result.ByteSizeLong();
    ++run.messages;
    ++next;
  }
  writer.join();
  const grpc::Status finish = stream->Finish();
  run.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  if (!finish.ok()) run.failure = finish.error_message();
  if (next != requests.size()) run.consistent = false;
  return run;
}

}  // namespace redline::bench
