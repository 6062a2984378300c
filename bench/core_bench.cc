// Core benchmarks: point classification against the sample layers, Redline's
// index beside raw GEOS (STRtree + prepared geometries) on the same points in
// the same process, so the ratio is meaningful on a noisy machine.
//
//   build/bench/redline_core_bench [--benchmark_filter=...]
#include <benchmark/benchmark.h>
#include <geos_c.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <random>
#include <string>
#include <thread>

#include "absl/strings/str_format.h"
#include "spatial/config.h"
#include "spatial/coordinates.h"
#include "spatial/crs.h"
#include "spatial/geometry_input.h"
#include "spatial/geos_util.h"
#include "spatial/snapshot.h"

namespace redline {
namespace {

constexpr size_t kPoints = 1 << 20;  // ~1M points per run

struct Fixture {
  std::shared_ptr<const Snapshot> snapshot;
  std::vector<Point2> points;  // working CRS
  double load_seconds = 0;
};

const Fixture& Sample() {
  static const Fixture fixture = [] {
    Fixture f;
    absl::StatusOr<Config> config =
        Config::LoadFile(std::string(REDLINE_SOURCE_DIR) + "/data/sample/redline.yaml");
    if (!config.ok()) {
      std::fprintf(stderr, "%s\n", std::string(config.status().message()).c_str());
      std::abort();
    }
    const absl::Time start = absl::Now();
    absl::StatusOr<std::shared_ptr<const Snapshot>> snap = Snapshot::Load(*config);
    f.load_seconds = absl::ToDoubleSeconds(absl::Now() - start);
    if (!snap.ok()) std::abort();
    f.snapshot = *snap;
    // Random points over the union of the layers' extents: most fall outside
    // every zone, as real outfalls across a province do.
    Box extent;
    for (const Zone& z : f.snapshot->zones()) extent.Include(z.shape.bbox());
    std::mt19937_64 rng(42);
    std::uniform_real_distribution<double> ux(extent.min_x, extent.max_x);
    std::uniform_real_distribution<double> uy(extent.min_y, extent.max_y);
    f.points.resize(kPoints);
    for (Point2& p : f.points) p = {ux(rng), uy(rng)};
    return f;
  }();
  return fixture;
}

// Points near zones: a point in a random zone's bbox, so most tests land on
// a zone and many near its boundary — the hard case for any index.
const std::vector<Point2>& NearZonePoints() {
  static const std::vector<Point2> points = [] {
    const auto& zones = Sample().snapshot->zones();
    std::mt19937_64 rng(7);
    std::uniform_int_distribution<size_t> pick(0, zones.size() - 1);
    std::uniform_real_distribution<double> u(0, 1);
    std::vector<Point2> out(kPoints);
    for (Point2& p : out) {
      const Box& b = zones[pick(rng)].shape.bbox();
      p = {b.min_x + u(rng) * b.width(), b.min_y + u(rng) * b.height()};
    }
    return out;
  }();
  return points;
}

void RunRedline(benchmark::State& state, const std::vector<Point2>& points) {
  const Snapshot& snap = *Sample().snapshot;
  // Threads take disjoint slices, as a batch would be split.
  const size_t per = points.size() / state.threads();
  const size_t begin = per * state.thread_index();
  size_t hits = 0;
  for (auto _ : state) {
    for (size_t i = begin; i < begin + per; ++i) {
      snap.LocateWorking(points[i], [&](uint32_t, Location) { ++hits; });
    }
  }
  benchmark::DoNotOptimize(hits);
  state.SetItemsProcessed(state.iterations() * per);
  state.counters["hits_per_point"] =
      benchmark::Counter(static_cast<double>(hits) / (state.iterations() * per), benchmark::Counter::kAvgThreads);
}

void BM_Redline_Uniform(benchmark::State& state) { RunRedline(state, Sample().points); }
void BM_Redline_NearZones(benchmark::State& state) { RunRedline(state, NearZonePoints()); }

// Raw GEOS baseline: an STRtree over the zones and a prepared geometry per
// zone, per thread (GEOS 3.11 prepared geometries are not thread-safe), with
// a point geometry built per test (GEOSPreparedIntersectsXY needs 3.12).
struct GeosBaseline {
  GEOSContextHandle_t ctx = GEOS_init_r();
  std::vector<GEOSGeometry*> geoms;
  std::vector<const GEOSPreparedGeometry*> prepared;
  GEOSSTRtree* tree = nullptr;

  explicit GeosBaseline(const Snapshot& snap) {
    tree = GEOSSTRtree_create_r(ctx, 10);
    for (size_t i = 0; i < snap.zones().size(); ++i) {
      geoms.push_back(snap.zones()[i].shape.ToGeos(ctx).release());
      prepared.push_back(GEOSPrepare_r(ctx, geoms.back()));
      GEOSSTRtree_insert_r(ctx, tree, geoms.back(), reinterpret_cast<void*>(i));
    }
  }
  ~GeosBaseline() {
    GEOSSTRtree_destroy_r(ctx, tree);
    for (auto* p : prepared) GEOSPreparedGeom_destroy_r(ctx, p);
    for (auto* g : geoms) GEOSGeom_destroy_r(ctx, g);
    GEOS_finish_r(ctx);
  }
};

void RunGeos(benchmark::State& state, const std::vector<Point2>& points) {
  thread_local std::unique_ptr<GeosBaseline> geos;
  if (!geos) geos = std::make_unique<GeosBaseline>(*Sample().snapshot);
  const size_t per = points.size() / state.threads() / 8;  // GEOS is slower
  const size_t begin = per * state.thread_index();
  struct Visit {
    GeosBaseline* g;
    GEOSGeometry* pt;
    size_t hits;
  };
  Visit visit{geos.get(), nullptr, 0};
  for (auto _ : state) {
    for (size_t i = begin; i < begin + per; ++i) {
      visit.pt = GEOSGeom_createPointFromXY_r(geos->ctx, points[i].x, points[i].y);
      GEOSSTRtree_query_r(
          geos->ctx, geos->tree, visit.pt,
          [](void* item, void* data) {
            auto* v = static_cast<Visit*>(data);
            const size_t z = reinterpret_cast<size_t>(item);
            if (GEOSPreparedIntersects_r(v->g->ctx, v->g->prepared[z], v->pt) == 1) ++v->hits;
          },
          &visit);
      GEOSGeom_destroy_r(geos->ctx, visit.pt);
    }
  }
  benchmark::DoNotOptimize(visit.hits);
  state.SetItemsProcessed(state.iterations() * per);
  state.counters["hits_per_point"] =
      benchmark::Counter(static_cast<double>(visit.hits) / (state.iterations() * per), benchmark::Counter::kAvgThreads);
}

void BM_Geos_Uniform(benchmark::State& state) { RunGeos(state, Sample().points); }
void BM_Geos_NearZones(benchmark::State& state) { RunGeos(state, NearZonePoints()); }

void BM_LoadSample(benchmark::State& state) {
  absl::StatusOr<Config> config =
      Config::LoadFile(std::string(REDLINE_SOURCE_DIR) + "/data/sample/redline.yaml");
  size_t vertices = 0;
  size_t bytes = 0;
  for (auto _ : state) {
    absl::StatusOr<std::shared_ptr<const Snapshot>> snap = Snapshot::Load(*config);
    vertices = 0;
    for (const Zone& z : (*snap)->zones()) vertices += z.shape.vertex_count();
    bytes = (*snap)->MemoryBytes();
  }
  state.counters["vertices"] = static_cast<double>(vertices);
  state.counters["bytes_per_vertex"] = static_cast<double>(bytes) / vertices;
}

// CheckGeometry in the core: 1,000-vertex circular sites (r = 300..2000 m)
// around points inside zones, overlap areas and nearby zones included.
void BM_CheckGeometry1000(benchmark::State& state) {
  const Snapshot& snap = *Sample().snapshot;
  const Point2 centres[] = {{121.069788, 29.970780}, {121.075185, 30.599582},
                            {121.050069, 29.785853}, {119.048924, 29.624276}};
  std::vector<std::string> sites;
  for (int k = 0; k < 16; ++k) {
    const Point2 c = centres[k % 4];
    const double r_deg = (300 + 1700.0 * k / 15) / 111000.0;
    std::string wkt = "POLYGON((";
    for (int i = 0; i <= 1000; ++i) {
      const double a = 2 * M_PI * (i % 1000) / 1000;
      absl::StrAppendFormat(&wkt, "%s%.7f %.7f", i ? ", " : "",
                            c.x + r_deg * std::cos(a) / std::cos(c.y * M_PI / 180),
                            c.y + r_deg * std::sin(a));
    }
    sites.push_back(wkt + "))");
  }
  CheckOptions options;
  options.siting.purpose = Purpose::kDischargingProject;
  size_t i = 0, hits = 0;
  for (auto _ : state) {
    absl::StatusOr<CheckResult> r =
        snap.CheckGeometry(GeometryEncoding::kWkt, sites[i++ % sites.size()], "EPSG:4490", options);
    if (!r.ok()) state.SkipWithError(std::string(r.status().message()).c_str());
    hits += r->hits.size();
  }
  state.counters["hits_per_site"] = static_cast<double>(hits) / state.iterations();
}

const int kBothCores = static_cast<int>(std::max(2u, std::thread::hardware_concurrency()));

// CheckPoint's input path: a plain EPSG:4490 point read (checked against the
// area of use) and put into the working CRS. Baseline: the bare PROJ
// transformation of the same point, which PreparePoint cannot avoid.
void BM_PreparePoint(benchmark::State& state) {
  const Point2 p{120.6, 30.1};
  for (auto _ : state) {
    absl::StatusOr<PointSite> site = PreparePoint(p, "EPSG:4490", "EPSG:4549");
    benchmark::DoNotOptimize(site);
  }
}
void BM_TransformPointOnly(benchmark::State& state) {
  for (auto _ : state) {
    Point2 p{120.6, 30.1};
    absl::Status st = TransformPoints("EPSG:4490", "EPSG:4549", std::span<Point2>(&p, 1));
    benchmark::DoNotOptimize(st);
    benchmark::DoNotOptimize(p);
  }
}
// The slow paths, for scale: a zone found from the prefix with northing
// first, and a GCJ-02 point converted.
void BM_ReadCoordinate_GkPrefixSwapped(benchmark::State& state) {
  for (auto _ : state) {
    absl::StatusOr<PointReading> r = ReadCoordinate("GK", {3349012.3, 40512345.6});
    benchmark::DoNotOptimize(r);
  }
}
void BM_ReadCoordinate_Gcj02(benchmark::State& state) {
  for (auto _ : state) {
    absl::StatusOr<PointReading> r = ReadCoordinate("GCJ-02", {120.165, 30.248});
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK(BM_PreparePoint)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_TransformPointOnly)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_ReadCoordinate_GkPrefixSwapped)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_ReadCoordinate_Gcj02)->Unit(benchmark::kMicrosecond);

BENCHMARK(BM_Redline_Uniform)->Threads(1)->Threads(kBothCores)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Geos_Uniform)->Threads(1)->Threads(kBothCores)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Redline_NearZones)->Threads(1)->Threads(kBothCores)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Geos_NearZones)->Threads(1)->Threads(kBothCores)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_CheckGeometry1000)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_LoadSample)->Iterations(3)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace redline

BENCHMARK_MAIN();
