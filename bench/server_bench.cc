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
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <memory>
#include <numbers>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "redline/v1/redline.grpc.pb.h"
#include "redline/v1/redline.pb.h"

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

using Clock = std::chrono::steady_clock;
using Stub = grpc::TemplatedGenericStub<grpc::ByteBuffer, grpc::ByteBuffer>;

constexpr char kHealthCheck[] = "/grpc.health.v1.Health/Check";
constexpr char kCheckPoint[] = "/redline.v1.Redline/CheckPoint";
constexpr char kCheckGeometry[] = "/redline.v1.Redline/CheckGeometry";

// The sample extent (EPSG:4490) for random points.
constexpr double kMinLon = 118.5, kMaxLon = 122.5, kMinLat = 27.5, kMaxLat = 31.0;
constexpr int kCircleVertices = 1000;

// Targets from issue 6.
constexpr double kLatencyRatioTarget = 1.2;     // CheckPoint p50/p99 vs Check
constexpr double kThroughputRatioTarget = 0.8;  // CheckPoint vs Check, 16 clients
constexpr double kGeometryP50TargetUs = 1000;   // 1,000-vertex CheckGeometry p50
constexpr double kOverlayTarget = 3e6;          // points/s

[[noreturn]] void Die(const std::string& message) {
  std::fprintf(stderr, "redline_server_bench: %s\n", message.c_str());
  std::exit(1);
}

double Micros(Clock::duration d) { return std::chrono::duration<double, std::micro>(d).count(); }

grpc::ByteBuffer ToBuffer(const std::string& bytes) {
  grpc::Slice slice(bytes);
  return grpc::ByteBuffer(&slice, 1);
}

std::string FromBuffer(const grpc::ByteBuffer& buffer) {
  std::vector<grpc::Slice> slices;
  std::string out;
  if (!buffer.Dump(&slices).ok()) return out;
  for (const grpc::Slice& s : slices) {
    out.append(reinterpret_cast<const char*>(s.begin()), s.size());
  }
  return out;
}

std::shared_ptr<grpc::Channel> MakeChannel(const std::string& target) {
  grpc::ChannelArguments args;
  // Each channel its own connection, so client threads do not share one.
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  args.SetMaxReceiveMessageSize(64 << 20);
  auto channel = grpc::CreateCustomChannel(target, grpc::InsecureChannelCredentials(), args);
  if (!channel->WaitForConnected(std::chrono::system_clock::now() + std::chrono::seconds(10))) {
    Die(absl::StrCat("cannot connect to ", target));
  }
  return channel;
}

struct KnownPoint {
  double lon = 0, lat = 0;
  std::set<std::string> zone_ids;  // expected hits; empty: expect none known
};

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

// ------------------------------------------------------------------ workloads

struct PointCase {
  double lon, lat;
  const KnownPoint* known;  // null for a random point
};

// Half known points (cycled), half uniform random points in the extent.
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

// A circle of `radius_m` around (lon, lat) with kCircleVertices vertices, WKT.
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

// Half uniform over the extent, half known points moved by up to ~30 m
// (most stay inside their zones; some land near or on their edges).
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
                           bool hits_only = false) {
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

// ---------------------------------------------------------------- statistics

struct Percentiles {
  double p50 = 0, p99 = 0, p999 = 0;
};

Percentiles Summarize(std::vector<double> v) {
  if (v.empty()) return {};
  std::sort(v.begin(), v.end());
  auto rank = [&](double q) {  // nearest rank
    size_t i = static_cast<size_t>(std::ceil(q * v.size()));
    return v[std::clamp<size_t>(i, 1, v.size()) - 1];
  };
  return {rank(0.50), rank(0.99), rank(0.999)};
}

// ------------------------------------------------------- sequential (latency)

// One client: a single channel and completion queue, one call at a time.
class SequentialClient {
 public:
  explicit SequentialClient(std::shared_ptr<grpc::Channel> channel) : stub_(std::move(channel)) {}
  ~SequentialClient() {
    cq_.Shutdown();
    void* tag;
    bool ok;
    while (cq_.Next(&tag, &ok)) {
    }
  }

  // Times one call from context creation to its completion on the queue.
  double Call(const std::string& method, const grpc::ByteBuffer& request,
              grpc::ByteBuffer* response, grpc::Status* status) {
    const Clock::time_point start = Clock::now();
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    auto rpc = stub_.PrepareUnaryCall(&context, method, request, &cq_);
    rpc->StartCall();
    rpc->Finish(response, status, this);
    void* tag;
    bool ok;
    if (!cq_.Next(&tag, &ok) || tag != this || !ok) Die("completion queue failed");
    return Micros(Clock::now() - start);
  }

 private:
  Stub stub_;
  grpc::CompletionQueue cq_;
};

struct CallErrors {
  long count = 0;
  std::string first;
  void Note(const char* what, const grpc::Status& s) {
    if (count++ == 0) {
      first = absl::StrCat(what, ": ", s.error_code(), " ", s.error_message());
    }
  }
};

// -------------------------------------------------- concurrent (throughput)

struct SliceResult {
  long done = 0;
  double seconds = 0;
};

// One client thread: its own channel, completion queue and `slots` calls
// kept outstanding; every completion before the slice ends starts another.
class ConcurrentClient {
 public:
  ConcurrentClient(const std::string& target, int slots)
      : stub_(MakeChannel(target)), slots_(slots) {}
  ~ConcurrentClient() {
    cq_.Shutdown();
    void* tag;
    bool ok;
    while (cq_.Next(&tag, &ok)) {
    }
  }

  SliceResult RunSlice(const std::string& method, const std::vector<grpc::ByteBuffer>& requests,
                       Clock::time_point start, Clock::time_point end, CallErrors* errors) {
    int outstanding = 0;
    for (Slot& s : slots_) {
      Start(&s, method, requests);
      ++outstanding;
    }
    SliceResult r;
    Clock::time_point last = start;
    while (outstanding > 0) {
      void* tag;
      bool ok;
      if (!cq_.Next(&tag, &ok) || !ok) Die("completion queue failed");
      Slot* s = static_cast<Slot*>(tag);
      const Clock::time_point now = Clock::now();
      if (s->status.ok()) {
        ++r.done;
      } else {
        errors->Note(method.c_str(), s->status);
      }
      last = now;
      if (now < end) {
        Start(s, method, requests);
      } else {
        --outstanding;
      }
    }
    r.seconds = std::chrono::duration<double>(last - start).count();
    return r;
  }

 private:
  struct Slot {
    std::unique_ptr<grpc::ClientContext> context;
    std::unique_ptr<grpc::ClientAsyncResponseReader<grpc::ByteBuffer>> rpc;
    grpc::ByteBuffer response;
    grpc::Status status;
  };

  void Start(Slot* s, const std::string& method, const std::vector<grpc::ByteBuffer>& requests) {
    s->context = std::make_unique<grpc::ClientContext>();
    s->context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    s->rpc =
        stub_.PrepareUnaryCall(s->context.get(), method, requests[next_++ % requests.size()], &cq_);
    s->rpc->StartCall();
    s->rpc->Finish(&s->response, &s->status, s);
  }

  Stub stub_;
  grpc::CompletionQueue cq_;
  std::vector<Slot> slots_;
  size_t next_ = 0;
};

// ------------------------------------------------------------------- machine

std::string MachineDescription() {
  std::ifstream in("/proc/cpuinfo");
  std::string line, model = "unknown CPU";
  int processors = 0;
  while (std::getline(in, line)) {
    if (absl::StartsWith(line, "processor")) ++processors;
    if (absl::StartsWith(line, "model name") && model == "unknown CPU") {
      const size_t colon = line.find(':');
      if (colon != std::string::npos)
        model = std::string(absl::StripAsciiWhitespace(line.substr(colon + 1)));
    }
  }
  return absl::StrFormat("%s, %d logical CPUs in /proc/cpuinfo, %u usable by this process", model,
                         processors, std::thread::hardware_concurrency());
}

// --------------------------------------------------------------------- table

struct Row {
  std::string metric, redline, baseline, ratio, target, verdict;
};

std::string Us(double us) {
  return us >= 10000 ? absl::StrFormat("%.1f ms", us / 1000) : absl::StrFormat("%.0f µs", us);
}

std::string Rate(double per_s) {
  // Thousands separators by hand: absl::StrFormat has no %' flag.
  std::string digits = absl::StrFormat("%.0f", per_s);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

// Display width of UTF-8 text (µ, ×, ≤ and ≥ are one column each).
size_t Width(const std::string& s) {
  size_t w = 0;
  for (unsigned char c : s) w += (c & 0xC0) != 0x80;
  return w;
}

void PrintTable(const std::vector<Row>& rows) {
  const std::vector<std::string> head = {"metric", "Redline", "baseline (health Check)",
                                         "ratio",  "target",  ""};
  std::vector<size_t> w(head.size());
  auto cells = [](const Row& r) {
    return std::vector<std::string>{r.metric, r.redline, r.baseline, r.ratio, r.target, r.verdict};
  };
  for (size_t i = 0; i < head.size(); ++i) w[i] = Width(head[i]);
  for (const Row& r : rows) {
    auto c = cells(r);
    for (size_t i = 0; i < c.size(); ++i) w[i] = std::max(w[i], Width(c[i]));
  }
  auto print = [&](const std::vector<std::string>& c) {
    std::string line;
    for (size_t i = 0; i < c.size(); ++i) {
      const std::string pad(w[i] - Width(c[i]), ' ');
      // Text columns left-aligned, figures right-aligned.
      line += (i == 0 || i >= 4) ? c[i] + pad : pad + c[i];
      if (i + 1 < c.size()) line += "  ";
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    std::printf("%s\n", line.c_str());
  };
  print(head);
  for (const Row& r : rows) print(cells(r));
}

std::string Verdict(bool met) { return met ? "met" : "MISSED"; }

// ---------------------------------------------------------------------- main

int Run() {
  const std::string target = absl::GetFlag(FLAGS_target);
  const int latency_calls = std::max(1, absl::GetFlag(FLAGS_latency_calls));
  const int geometry_calls = std::max(1, absl::GetFlag(FLAGS_geometry_calls));
  const int warmup = std::max(0, absl::GetFlag(FLAGS_warmup));
  const int concurrency = std::max(1, absl::GetFlag(FLAGS_concurrency));
  const int threads = std::clamp(absl::GetFlag(FLAGS_client_threads), 1, concurrency);
  const double duration = std::max(0.1, absl::GetFlag(FLAGS_duration));
  const int overlay_points = std::max(1, absl::GetFlag(FLAGS_overlay_points));

  const std::vector<KnownPoint> known = ReadKnownPoints(absl::GetFlag(FLAGS_points_csv));
  std::mt19937_64 rng(42);
  const std::vector<PointCase> points = MakePoints(known, 4096, rng);

  const grpc::ByteBuffer health_request = ToBuffer("");  // empty HealthCheckRequest
  std::vector<grpc::ByteBuffer> point_requests;
  for (const PointCase& p : points) point_requests.push_back(ToBuffer(CheckPointBytes(p)));
  const std::vector<grpc::ByteBuffer> health_requests(1, health_request);

  // 1,000-vertex circle sites, radius 300–2000 m, around the known points
  // that lie in the sample extent.
  std::vector<grpc::ByteBuffer> geometry_requests;
  {
    std::uniform_real_distribution<double> radius(300, 2000);
    std::vector<const KnownPoint*> centres;
    for (const KnownPoint& k : known) {
      if (InExtent(k.lon, k.lat)) centres.push_back(&k);
    }
    if (centres.empty()) Die("no known point in the sample extent for CheckGeometry sites");
    for (int i = 0; i < 64; ++i) {
      const KnownPoint& c = *centres[i % centres.size()];
      v1::CheckGeometryRequest r;
      r.mutable_geometry()->set_wkt(CircleWkt(c.lon, c.lat, radius(rng)));
      r.mutable_options()->mutable_siting()->set_purpose(v1::Siting::DISCHARGING_PROJECT);
      geometry_requests.push_back(ToBuffer(r.SerializeAsString()));
    }
  }

  std::printf("Redline server benchmark against %s\n", target.c_str());
  std::printf("machine: %s\n", MachineDescription().c_str());
  std::fflush(stdout);

  std::shared_ptr<grpc::Channel> channel = MakeChannel(target);
  SequentialClient client(channel);
  CallErrors errors;
  grpc::ByteBuffer response;
  grpc::Status status;

  // ------------------------------------------------ validation and warm-up
  size_t point_response_bytes = 0, geometry_response_bytes = 0;
  {
    client.Call(kHealthCheck, health_request, &response, &status);
    if (!status.ok()) Die(absl::StrCat("health Check failed: ", status.error_message()));
    // HealthCheckResponse{status: SERVING} is field 1 = 1: bytes 08 01.
    if (FromBuffer(response) != std::string("\x08\x01", 2)) Die("the server is not SERVING");
    int mismatches = 0;
    for (size_t i = 0; i < points.size(); ++i) {
      client.Call(kCheckPoint, point_requests[i], &response, &status);
      if (!status.ok()) Die(absl::StrCat("CheckPoint failed: ", status.error_message()));
      point_response_bytes += response.Length();
      v1::CheckResponse parsed;
      if (!parsed.ParseFromString(FromBuffer(response))) Die("CheckPoint: unparsable response");
      if (points[i].known == nullptr) continue;
      std::set<std::string> hit;
      for (const v1::ZoneHit& h : parsed.hits()) hit.insert(h.zone_id());
      for (const std::string& id : points[i].known->zone_ids) mismatches += !hit.count(id);
    }
    if (mismatches > 0) {
      std::printf("WARNING: %d expected zone hits missing from CheckPoint answers\n", mismatches);
    }
    client.Call(kCheckGeometry, geometry_requests[0], &response, &status);
    if (!status.ok()) Die(absl::StrCat("CheckGeometry failed: ", status.error_message()));
    geometry_response_bytes = response.Length();
    v1::CheckResponse parsed;
    if (!parsed.ParseFromString(FromBuffer(response)) ||
        parsed.site().vertices() < kCircleVertices) {
      Die("CheckGeometry: unexpected answer for a 1,000-vertex site");
    }
  }

  // ------------------------------------- 1. latency, one client, interleaved
  std::printf("latency: %d + %d warm-up calls each, Check and CheckPoint alternating...\n",
              latency_calls, warmup);
  std::fflush(stdout);
  std::vector<double> check_us, point_us;
  check_us.reserve(latency_calls);
  point_us.reserve(latency_calls);
  for (int i = -warmup; i < latency_calls; ++i) {
    const grpc::ByteBuffer& pr =
        point_requests[static_cast<size_t>(i + warmup) % point_requests.size()];
    // Alternate which goes first so neither always follows the other.
    for (int k = 0; k < 2; ++k) {
      const bool health = (k == 0) == (i % 2 == 0);
      const double us = client.Call(health ? kHealthCheck : kCheckPoint,
                                    health ? health_request : pr, &response, &status);
      if (!status.ok()) {
        errors.Note(health ? "Check" : "CheckPoint", status);
        continue;
      }
      if (i >= 0) (health ? check_us : point_us).push_back(us);
    }
  }
  const Percentiles check_lat = Summarize(check_us), point_lat = Summarize(point_us);

  // ------------------------------------------ 2. throughput, 16 outstanding
  std::printf(
      "throughput: %d outstanding calls on %d client thread(s), %.1f s per method "
      "in alternating slices...\n",
      concurrency, threads, duration);
  std::fflush(stdout);
  std::vector<std::unique_ptr<ConcurrentClient>> clients;
  for (int t = 0; t < threads; ++t) {
    const int slots = concurrency / threads + (t < concurrency % threads ? 1 : 0);
    clients.push_back(std::make_unique<ConcurrentClient>(target, slots));
  }
  auto run_slice = [&](const std::string& method, const std::vector<grpc::ByteBuffer>& requests,
                       double seconds) {
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
        if (errors.count == 0) errors.first = slice_errors[t].first;
        errors.count += slice_errors[t].count;
      }
    }
    return total;
  };
  run_slice(kHealthCheck, health_requests, 0.5);  // warm-up
  run_slice(kCheckPoint, point_requests, 0.5);
  constexpr double kSlice = 0.5;
  const int slices = std::max(1, static_cast<int>(std::lround(duration / kSlice)));
  SliceResult check_tp, point_tp;
  for (int s = 0; s < slices; ++s) {
    for (int k = 0; k < 2; ++k) {
      const bool health = (k == 0) == (s % 2 == 0);
      SliceResult r = health ? run_slice(kHealthCheck, health_requests, duration / slices)
                             : run_slice(kCheckPoint, point_requests, duration / slices);
      SliceResult& into = health ? check_tp : point_tp;
      into.done += r.done;
      into.seconds += r.seconds;
    }
  }
  clients.clear();
  const double check_rate = check_tp.done / check_tp.seconds;
  const double point_rate = point_tp.done / point_tp.seconds;

  // ------------------------------- 3. CheckGeometry, 1,000-vertex sites
  std::printf(
      "CheckGeometry: %d + %d warm-up calls on 1,000-vertex sites, alternating with "
      "Check...\n",
      geometry_calls, std::min(warmup, 200));
  std::fflush(stdout);
  std::vector<double> geometry_us, geometry_check_us;
  const int geometry_warmup = std::min(warmup, 200);
  for (int i = -geometry_warmup; i < geometry_calls; ++i) {
    const grpc::ByteBuffer& gr =
        geometry_requests[static_cast<size_t>(i + geometry_warmup) % geometry_requests.size()];
    double us = client.Call(kCheckGeometry, gr, &response, &status);
    if (!status.ok()) {
      errors.Note("CheckGeometry", status);
    } else if (i >= 0) {
      geometry_us.push_back(us);
    }
    us = client.Call(kHealthCheck, health_request, &response, &status);
    if (!status.ok()) {
      errors.Note("Check", status);
    } else if (i >= 0) {
      geometry_check_us.push_back(us);
    }
  }
  const Percentiles geometry_lat = Summarize(geometry_us);
  const Percentiles geometry_check_lat = Summarize(geometry_check_us);

  // ------------------------------------------ 4. Overlay, one stream
  std::printf("Overlay: %d points through one stream (writer and reader threads)...\n",
              overlay_points);
  std::fflush(stdout);
  double overlay_rate = 0;
  long overlay_results = 0, overlay_errors = 0, overlay_out_of_order = 0;
  {
    std::vector<std::string> wkts;
    for (const PointCase& p : points)
      wkts.push_back(absl::StrFormat("POINT(%.6f %.6f)", p.lon, p.lat));
    std::unique_ptr<v1::Redline::Stub> stub = v1::Redline::NewStub(channel);
    grpc::ClientContext context;
    const Clock::time_point start = Clock::now();
    std::unique_ptr<grpc::ClientReaderWriter<v1::OverlayRequest, v1::OverlayResult>> stream =
        stub->Overlay(&context);
    std::thread writer([&] {
      v1::OverlayRequest request;
      request.mutable_options()->mutable_siting()->set_purpose(v1::Siting::OUTFALL);
      for (int i = 0; i < overlay_points; ++i) {
        request.set_id(absl::StrCat(i));
        request.mutable_geometry()->set_wkt(wkts[static_cast<size_t>(i) % wkts.size()]);
        if (!stream->Write(request)) break;
      }
      stream->WritesDone();
    });
    v1::OverlayResult result;
    std::string expected;
    while (stream->Read(&result)) {
      expected = absl::StrCat(overlay_results);
      overlay_out_of_order += result.id() != expected;
      overlay_errors += !result.error().empty();
      ++overlay_results;
    }
    writer.join();
    const grpc::Status finish = stream->Finish();
    const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
    if (!finish.ok()) errors.Note("Overlay", finish);
    overlay_rate = overlay_results / seconds;
  }

  // -------------------------------- 5. Overlay, batched columnar points
  const int batch_points = std::max(1, absl::GetFlag(FLAGS_batch_points));
  const size_t batch_size = std::max(1, absl::GetFlag(FLAGS_batch_size));
  std::printf(
      "Overlay batched: %d points (half province-wide, half in or near zones, seed 7) "
      "in messages of %zu...\n",
      batch_points, batch_size);
  std::fflush(stdout);
  const std::vector<PointCase> overlay_mix = MakeOverlayPoints(known, batch_points, 7);
  RunBatchedOverlay(
      channel,
      std::vector<PointCase>(overlay_mix.begin(),
                             overlay_mix.begin() + std::min<size_t>(overlay_mix.size(), 50000)),
      batch_size);  // warm-up
  const BatchRun batched = RunBatchedOverlay(channel, overlay_mix, batch_size);
  const double batched_rate = batched.points / batched.seconds;
  if (!batched.failure.empty()) {
    errors.Note("Overlay batched", grpc::Status(grpc::StatusCode::UNKNOWN, batched.failure));
  }
  // The same points as a spatial join (CheckOptions.hits_only): where each
  // lies, without nearby zones, distances, rules or verdicts, i.e. what the
  // PostGIS joins of bench/postgis_bench.py compute.
  std::printf("Overlay batched, hits only: the same %d points...\n", batch_points);
  std::fflush(stdout);
  const BatchRun joined = RunBatchedOverlay(channel, overlay_mix, batch_size, true);
  const double joined_rate = joined.points / joined.seconds;
  if (!joined.failure.empty()) {
    errors.Note("Overlay batched, hits only",
                grpc::Status(grpc::StatusCode::UNKNOWN, joined.failure));
  }

  // Sweep: the same kind of points, several batch sizes.
  std::vector<std::pair<size_t, BatchRun>> sweep;
  for (absl::string_view size_text :
       absl::StrSplit(absl::GetFlag(FLAGS_batch_sweep), ',', absl::SkipEmpty())) {
    size_t size = 0;
    if (!absl::SimpleAtoi(size_text, &size) || size == 0) Die("bad --batch_sweep");
    const int sweep_points = std::max(1, absl::GetFlag(FLAGS_sweep_points));
    const size_t n = size < 64 ? std::max(1, sweep_points / 5) : sweep_points;
    std::printf("  sweep: %zu points in messages of %zu...\n", n, size);
    std::fflush(stdout);
    const std::vector<PointCase> mix = MakeOverlayPoints(known, n, 11);
    sweep.emplace_back(size, RunBatchedOverlay(channel, mix, size));
  }

  // ------------------------------------------------------------------ table
  std::printf("\n");
  auto ratio = [](double a, double b) { return absl::StrFormat("%.2f×", a / b); };
  std::vector<Row> rows;
  rows.push_back({"CheckPoint p50, 1 client", Us(point_lat.p50), Us(check_lat.p50),
                  ratio(point_lat.p50, check_lat.p50), "≤ 1.2× Check",
                  Verdict(point_lat.p50 <= kLatencyRatioTarget * check_lat.p50)});
  rows.push_back({"CheckPoint p99, 1 client", Us(point_lat.p99), Us(check_lat.p99),
                  ratio(point_lat.p99, check_lat.p99), "≤ 1.2× Check",
                  Verdict(point_lat.p99 <= kLatencyRatioTarget * check_lat.p99)});
  rows.push_back({"CheckPoint p99.9, 1 client", Us(point_lat.p999), Us(check_lat.p999),
                  ratio(point_lat.p999, check_lat.p999), "—", ""});
  rows.push_back({absl::StrFormat("CheckPoint calls/s, %d outstanding", concurrency),
                  Rate(point_rate), Rate(check_rate), ratio(point_rate, check_rate), "≥ 0.8× Check",
                  Verdict(point_rate >= kThroughputRatioTarget * check_rate)});
  rows.push_back({"CheckGeometry 1,000-vertex p50", Us(geometry_lat.p50),
                  Us(geometry_check_lat.p50), ratio(geometry_lat.p50, geometry_check_lat.p50),
                  "≤ 1 ms", Verdict(geometry_lat.p50 <= kGeometryP50TargetUs)});
  rows.push_back({"CheckGeometry 1,000-vertex p99", Us(geometry_lat.p99),
                  Us(geometry_check_lat.p99), ratio(geometry_lat.p99, geometry_check_lat.p99), "—",
                  ""});
  // One feature per message: the baseline of the batched rows below, which
  // carry the target.
  rows.push_back({absl::StrFormat("Overlay points/s, 1 per message, %s", Rate(overlay_points)),
                  Rate(overlay_rate), "—", "—", "—", ""});
  rows.push_back({absl::StrFormat("Overlay points/s, batched, %s points", Rate(batch_points)),
                  Rate(batched_rate), absl::StrFormat("%s (1/message)", Rate(overlay_rate)),
                  ratio(batched_rate, overlay_rate), "≥ 3,000,000",
                  Verdict(batched_rate >= kOverlayTarget)});
  rows.push_back({"Overlay points/s, batched, hits only", Rate(joined_rate),
                  absl::StrFormat("%s (whole check)", Rate(batched_rate)),
                  ratio(joined_rate, batched_rate), "≥ 3,000,000",
                  Verdict(joined_rate >= kOverlayTarget)});
  for (const auto& [size, run] : sweep) {
    rows.push_back({absl::StrFormat("  batch sweep: %zu points/message", size),
                    Rate(run.points / run.seconds),
                    absl::StrFormat("%s (1/message)", Rate(overlay_rate)),
                    ratio(run.points / run.seconds, overlay_rate), "—", ""});
  }
  PrintTable(rows);
  std::printf(
      "batched Overlay: %ld points in %.2f s, %ld messages of %zu, %ld hits, %ld nearby "
      "zones, %ld point errors, %.1f response bytes/point%s\n",
      batched.points, batched.seconds, batched.messages, batch_size, batched.hits, batched.nears,
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
      latency_calls, duration, check_tp.done, point_tp.done, geometry_calls, overlay_results,
      overlay_errors, overlay_out_of_order);
  std::printf(
      "request/response bytes: Check 0/2, CheckPoint %zu/%zu (mean), CheckGeometry "
      "%zu/%zu (first site)\n",
      point_requests[0].Length(), point_response_bytes / points.size(),
      geometry_requests[0].Length(), geometry_response_bytes);
  bool sweep_ok = true;
  for (const auto& [size, run] : sweep)
    sweep_ok = sweep_ok && run.consistent && run.failure.empty();
  if (errors.count > 0 || overlay_results != overlay_points || overlay_out_of_order > 0 ||
      !batched.consistent || batched.points != batch_points || batched.errors > 0 || !sweep_ok ||
      !joined.consistent || joined.points != batch_points || joined.hits != batched.hits) {
    std::printf("FAILED calls: %ld (first: %s)\n", errors.count, errors.first.c_str());
    return 1;
  }
  return 0;
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
