// Core benchmarks: point classification against the sample layers, Redline's
// index beside raw GEOS (STRtree + prepared geometries) on the same points in
// the same process, so the ratio is meaningful on a noisy machine.
//
//   build/bench/redline_core_bench [--benchmark_filter=...]
#include <benchmark/benchmark.h>
#include <geos_c.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <random>
#include <string>
#include <thread>

#include "absl/strings/str_format.h"
#include "spatial/coords/coordinates.h"
#include "spatial/coords/crs.h"
#include "spatial/data/config.h"
#include "spatial/geom/geos_util.h"
#include "spatial/input/geometry_input.h"
#include "spatial/input/geometry_scan.h"
#include "spatial/input/wkt.h"
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
  state.counters["hits_per_point"] = benchmark::Counter(
      static_cast<double>(hits) / (state.iterations() * per), benchmark::Counter::kAvgThreads);
}

// The overlay workload in EPSG:4490: half uniform, half in zone bboxes.
const std::vector<Point2>& MixLonLat() {
  static const std::vector<Point2> points = [] {
    std::vector<Point2> out;
    for (size_t i = 0; i < 65536; ++i) {
      out.push_back(i % 2 == 0 ? Sample().points[i] : NearZonePoints()[i]);
    }
    if (!TransformPoints(Sample().snapshot->config().working_crs, kLonLatCrs, out).ok()) {
      std::abort();
    }
    return out;
  }();
  return points;
}

// The whole point check (hits, nearby zones, rules, verdict) one point at a
// time, as the one-feature Overlay and CheckPoint do it...
void BM_CheckPoint_Mix(benchmark::State& state) {
  const Snapshot& snap = *Sample().snapshot;
  const auto& points = MixLonLat();
  CheckOptions options;
  options.siting.purpose = Purpose::kOutfall;
  size_t i = 0, hits = 0;
  for (auto _ : state) {
    absl::StatusOr<CheckResult> r =
        snap.CheckPoint(points[i++ % points.size()], kLonLatCrs, options);
    hits += r->hits.size();
  }
  benchmark::DoNotOptimize(hits);
  state.SetItemsProcessed(state.iterations());
}

// ...and in batches of 8192, as the batched Overlay does.
void BM_CheckPoints_Mix(benchmark::State& state) {
  const Snapshot& snap = *Sample().snapshot;
  const auto& points = MixLonLat();
  CheckOptions options;
  options.siting.purpose = Purpose::kOutfall;
  PointBatch batch;
  size_t at = 0;
  constexpr size_t kBatch = 8192;
  for (auto _ : state) {
    snap.CheckPoints(std::span<const Point2>(points).subspan(at, kBatch), kLonLatCrs, options,
                     &batch);
    at = (at + kBatch) % points.size();
  }
  state.SetItemsProcessed(state.iterations() * kBatch);
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
      benchmark::Counter(static_cast<double>(visit.hits) / (state.iterations() * per),
                         benchmark::Counter::kAvgThreads);
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
    // Each layer's own load time (they load in parallel): the slowest sets
    // the total.
    for (const LayerState& l : (*snap)->layers()) {
      state.counters[l.config.name + "_ms"] = l.report.load_seconds * 1e3;
    }
  }
  state.counters["vertices"] = static_cast<double>(vertices);
  state.counters["bytes_per_vertex"] = static_cast<double>(bytes) / vertices;
}

// CheckGeometry in the core: 1,000-vertex circular sites (r = 300..2000 m)
// around points inside zones, overlap areas and nearby zones included; or,
// `hits_only`, the overlaps alone (a batched Overlay's features as a join).
void RunCheckGeometry1000(benchmark::State& state, bool hits_only) {
  const Snapshot& snap = *Sample().snapshot;
  const Point2 centres[] = {{121.069788, 29.970780},
                            {121.075185, 30.599582},
                            {121.050069, 29.785853},
                            {119.048924, 29.624276}};
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
  options.hits_only = hits_only;
  size_t i = 0, hits = 0;
  for (auto _ : state) {
    absl::StatusOr<CheckResult> r =
        snap.CheckGeometry(GeometryEncoding::kWkt, sites[i++ % sites.size()], "EPSG:4490", options);
    if (!r.ok()) state.SkipWithError(std::string(r.status().message()).c_str());
    hits += r->hits.size();
  }
  state.counters["hits_per_site"] = static_cast<double>(hits) / state.iterations();
}
void BM_CheckGeometry1000(benchmark::State& state) { RunCheckGeometry1000(state, false); }
void BM_CheckGeometry1000_HitsOnly(benchmark::State& state) { RunCheckGeometry1000(state, true); }

// Reading a 1,000-vertex polygon's WKT: the fast reader CheckGeometry uses
// (spatial/input/wkt.h) beside GEOS's WKTReader, its fallback and reference.
const std::string& Wkt1000() {
  static const std::string wkt = [] {
    std::string s = "POLYGON((";
    for (int i = 0; i <= 1000; ++i) {
      const double a = 2 * M_PI * (i % 1000) / 1000;
      absl::StrAppendFormat(&s, "%s%.7f %.7f", i ? ", " : "", 121.07 + 0.01 * std::cos(a),
                            29.97 + 0.01 * std::sin(a));
    }
    return s + "))";
  }();
  return wkt;
}

void BM_ReadWkt1000_Redline(benchmark::State& state) {
  GEOSContextHandle_t ctx = ThreadGeos().get();
  for (auto _ : state) {
    GeomPtr g = ReadSimpleWkt(ctx, Wkt1000());
    if (!g) state.SkipWithError("declined");
  }
}

void BM_ReadWkt1000_Geos(benchmark::State& state) {
  GEOSContextHandle_t ctx = ThreadGeos().get();
  GEOSWKTReader* r = GEOSWKTReader_create_r(ctx);
  for (auto _ : state) {
    GeomPtr g = Own(ctx, GEOSWKTReader_read_r(ctx, r, Wkt1000().c_str()));
    if (!g) state.SkipWithError("refused");
  }
  GEOSWKTReader_destroy_r(ctx, r);
}

// The pre-scans that bound nesting and counts before GEOS's recursive
// readers see a request (spatial/input/geometry_scan.h), beside those readers: a
// 1,000-vertex polygon as GeoJSON and as WKB.
const std::string& GeoJson1000() {
  static const std::string json = [] {
    std::string s = R"({"type":"Polygon","coordinates":[[)";
    for (int i = 0; i <= 1000; ++i) {
      const double a = 2 * M_PI * (i % 1000) / 1000;
      absl::StrAppendFormat(&s, "%s[%.7f,%.7f]", i ? "," : "", 121.07 + 0.01 * std::cos(a),
                            29.97 + 0.01 * std::sin(a));
    }
    return s + "]]}";
  }();
  return json;
}

void BM_ScanGeoJson1000(benchmark::State& state) {
  const GeometryBounds bounds{.max_vertices = 200000, .max_parts = 200000};
  for (auto _ : state) {
    if (!ScanGeoJson(GeoJson1000(), bounds).ok()) state.SkipWithError("refused");
  }
}

void BM_ReadGeoJson1000_Geos(benchmark::State& state) {
  GEOSContextHandle_t ctx = ThreadGeos().get();
  GEOSGeoJSONReader* r = GEOSGeoJSONReader_create_r(ctx);
  for (auto _ : state) {
    GeomPtr g = Own(ctx, GEOSGeoJSONReader_readGeometry_r(ctx, r, GeoJson1000().c_str()));
    if (!g) state.SkipWithError("refused");
  }
  GEOSGeoJSONReader_destroy_r(ctx, r);
}

void BM_ScanWkb1000(benchmark::State& state) {
  GEOSContextHandle_t ctx = ThreadGeos().get();
  GEOSGeoJSONReader* r = GEOSGeoJSONReader_create_r(ctx);
  GeomPtr g = Own(ctx, GEOSGeoJSONReader_readGeometry_r(ctx, r, GeoJson1000().c_str()));
  GEOSGeoJSONReader_destroy_r(ctx, r);
  GEOSWKBWriter* w = GEOSWKBWriter_create_r(ctx);
  size_t size = 0;
  unsigned char* raw = GEOSWKBWriter_write_r(ctx, w, g.get(), &size);
  const std::string wkb(reinterpret_cast<const char*>(raw), size);
  GEOSFree_r(ctx, raw);
  GEOSWKBWriter_destroy_r(ctx, w);
  const GeometryBounds bounds{.max_vertices = 200000, .max_parts = 200000};
  for (auto _ : state) {
    if (!ScanWkb(wkb, bounds).ok()) state.SkipWithError("refused");
  }
}

// 10x the sample: its zones tiled as 5 x 2 copies, each shifted by the
// sample's extent plus a 10 km gap, built in this process (deterministic, no
// files). Index build time and memory are measured here, once.
struct Tiled {
  std::shared_ptr<const Snapshot> snapshot;
  std::vector<Point2> uniform;  // over the tiled extent
  std::vector<Point2> near;     // in random zone bboxes
  double build_seconds = 0;     // ZoneShape indexes + snapshot indexes
  size_t vertices = 0;
  size_t bytes = 0;      // Snapshot::MemoryBytes()
  double rss_bytes = 0;  // resident memory grown by the build
};

double ResidentBytes() {
  long pages = 0, resident = 0;
  if (FILE* f = std::fopen("/proc/self/statm", "r")) {
    if (std::fscanf(f, "%ld %ld", &pages, &resident) != 2) resident = 0;
    std::fclose(f);
  }
  return static_cast<double>(resident) * sysconf(_SC_PAGESIZE);
}

constexpr int kTilesX = 5, kTilesY = 2;

const Tiled& TiledSample() {
  static const Tiled tiled = [] {
    const Snapshot& sample = *Sample().snapshot;
    Box extent;
    for (const Zone& z : sample.zones()) extent.Include(z.shape.bbox());
    const double dx = extent.width() + 10000, dy = extent.height() + 10000;
    Tiled t;
    GEOSContextHandle_t ctx = ThreadGeos().get();
    // The copies' geometries first, so that the build is timed alone.
    std::vector<GeomPtr> shifted;
    shifted.reserve(sample.zones().size() * kTilesX * kTilesY);
    for (int k = 0; k < kTilesX * kTilesY; ++k) {
      Point2 offset{dx * (k % kTilesX), dy * (k / kTilesX)};
      for (const Zone& z : sample.zones()) {
        GeomPtr g = z.shape.ToGeos(ctx);
        shifted.push_back(Own(ctx, GEOSGeom_transformXY_r(
                                       ctx, g.get(),
                                       [](double* x, double* y, void* data) {
                                         const auto* o = static_cast<const Point2*>(data);
                                         *x += o->x;
                                         *y += o->y;
                                         return 1;
                                       },
                                       &offset)));
      }
    }
    const double rss_before = ResidentBytes();
    const absl::Time start = absl::Now();
    std::vector<Zone> zones;
    zones.reserve(shifted.size());
    const double tol = sample.config().boundary_tolerance_m;
    for (size_t i = 0; i < shifted.size(); ++i) {
      const Zone& from = sample.zones()[i % sample.zones().size()];
      absl::StatusOr<ZoneShape> shape = ZoneShape::FromGeos(ctx, shifted[i].get(), tol);
      if (!shape.ok()) std::abort();
      Zone z;
      z.layer = from.layer;
      z.id = absl::StrFormat("%s#%d", from.id, i / sample.zones().size());
      z.level = from.level;
      z.normalized_level = from.normalized_level;
      z.area_m2 = from.area_m2;
      z.shape = *std::move(shape);
      zones.push_back(std::move(z));
    }
    absl::StatusOr<std::shared_ptr<const Snapshot>> snap =
        Snapshot::FromZones(sample.config(), sample.layers(), std::move(zones), absl::Now());
    if (!snap.ok()) std::abort();
    t.build_seconds = absl::ToDoubleSeconds(absl::Now() - start);
    // Measured before the copies are freed, so that freeing them does not
    // hide what the index holds.
    t.rss_bytes = ResidentBytes() - rss_before;
    shifted.clear();
    t.snapshot = *snap;
    for (const Zone& z : t.snapshot->zones()) t.vertices += z.shape.vertex_count();
    t.bytes = t.snapshot->MemoryBytes();

    Box all;
    for (const Zone& z : t.snapshot->zones()) all.Include(z.shape.bbox());
    std::mt19937_64 rng(43);
    std::uniform_real_distribution<double> ux(all.min_x, all.max_x);
    std::uniform_real_distribution<double> uy(all.min_y, all.max_y);
    t.uniform.resize(kPoints);
    for (Point2& p : t.uniform) p = {ux(rng), uy(rng)};
    const auto& zs = t.snapshot->zones();
    std::uniform_int_distribution<size_t> pick(0, zs.size() - 1);
    std::uniform_real_distribution<double> u(0, 1);
    t.near.resize(kPoints);
    for (Point2& p : t.near) {
      const Box& b = zs[pick(rng)].shape.bbox();
      p = {b.min_x + u(rng) * b.width(), b.min_y + u(rng) * b.height()};
    }
    return t;
  }();
  return tiled;
}

void TiledCounters(benchmark::State& state) {
  const Tiled& t = TiledSample();
  // Figures of the one shared index: averaged, not summed, over threads.
  auto once = [](double v) { return benchmark::Counter(v, benchmark::Counter::kAvgThreads); };
  state.counters["zones"] = once(static_cast<double>(t.snapshot->zones().size()));
  state.counters["vertices"] = once(static_cast<double>(t.vertices));
  state.counters["build_ms"] = once(t.build_seconds * 1e3);
  state.counters["bytes_per_vertex"] = once(static_cast<double>(t.bytes) / t.vertices);
  state.counters["rss_bytes_per_vertex"] = once(t.rss_bytes / t.vertices);
}

// One point per iteration: the latency of a single classification.
void RunTiledPoint(benchmark::State& state, const std::vector<Point2>& points) {
  const Snapshot& snap = *TiledSample().snapshot;
  const size_t per = points.size() / state.threads();
  size_t i = per * state.thread_index(), hits = 0;
  const size_t end = i + per;
  for (auto _ : state) {
    snap.LocateWorking(points[i], [&](uint32_t, Location) { ++hits; });
    if (++i == end) i = end - per;
  }
  benchmark::DoNotOptimize(hits);
  state.SetItemsProcessed(state.iterations());
  TiledCounters(state);
}

// A batch of 4,096 points per iteration, as a batch request is answered.
constexpr size_t kBatch = 4096;
void RunTiledBatch(benchmark::State& state, const std::vector<Point2>& points) {
  const Snapshot& snap = *TiledSample().snapshot;
  const size_t per = points.size() / state.threads();
  const size_t begin = per * state.thread_index();
  size_t b = begin, hits = 0;
  for (auto _ : state) {
    for (size_t i = b; i < b + kBatch; ++i) {
      snap.LocateWorking(points[i], [&](uint32_t, Location) { ++hits; });
    }
    b += kBatch;
    if (b + kBatch > begin + per) b = begin;
  }
  benchmark::DoNotOptimize(hits);
  state.SetItemsProcessed(state.iterations() * kBatch);
  TiledCounters(state);
}

void BM_Tiled10x_UniformPoint(benchmark::State& s) { RunTiledPoint(s, TiledSample().uniform); }
void BM_Tiled10x_NearZonesPoint(benchmark::State& s) { RunTiledPoint(s, TiledSample().near); }
void BM_Tiled10x_UniformBatch(benchmark::State& s) { RunTiledBatch(s, TiledSample().uniform); }
void BM_Tiled10x_NearZonesBatch(benchmark::State& s) { RunTiledBatch(s, TiledSample().near); }

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

BENCHMARK(BM_Redline_Uniform)
    ->Threads(1)
    ->Threads(kBothCores)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Geos_Uniform)
    ->Threads(1)
    ->Threads(kBothCores)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Redline_NearZones)
    ->Threads(1)
    ->Threads(kBothCores)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Geos_NearZones)
    ->Threads(1)
    ->Threads(kBothCores)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Tiled10x_UniformPoint)
    ->Threads(1)
    ->Threads(kBothCores)
    ->UseRealTime()
    ->Unit(benchmark::kNanosecond);
BENCHMARK(BM_Tiled10x_UniformBatch)
    ->Threads(1)
    ->Threads(kBothCores)
    ->UseRealTime()
    ->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_Tiled10x_NearZonesPoint)
    ->Threads(1)
    ->Threads(kBothCores)
    ->UseRealTime()
    ->Unit(benchmark::kNanosecond);
BENCHMARK(BM_Tiled10x_NearZonesBatch)
    ->Threads(1)
    ->Threads(kBothCores)
    ->UseRealTime()
    ->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_CheckGeometry1000)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_CheckGeometry1000_HitsOnly)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_ReadWkt1000_Redline)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_ReadWkt1000_Geos)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_ScanGeoJson1000)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_ReadGeoJson1000_Geos)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_ScanWkb1000)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_CheckPoint_Mix)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_CheckPoints_Mix)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_LoadSample)->Iterations(3)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace redline

BENCHMARK_MAIN();
