#include "spatial/geom/zone_shape.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "absl/strings/str_cat.h"
#include "spatial/base/buckets.h"
#include "spatial/geom/geos_util.h"

namespace redline {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

// Cell count per axis for about `target` cells over a w x h box.
void GridDims(double w, double h, size_t target, int& nx, int& ny) {
  constexpr int kMaxPerAxis = 2048;
  if (w <= 0 || h <= 0) {
    nx = ny = 1;
    return;
  }
  const double aspect = w / h;
  nx = std::clamp(static_cast<int>(std::ceil(std::sqrt(target * aspect))), 1, kMaxPerAxis);
  ny = std::clamp(static_cast<int>(std::ceil(static_cast<double>(target) / nx)), 1, kMaxPerAxis);
}

}  // namespace

double SegmentDistance2(Point2 p, Point2 a, Point2 b, Point2* closest) {
  const double dx = b.x - a.x;
  const double dy = b.y - a.y;
  const double len2 = dx * dx + dy * dy;
  double t = 0;
  if (len2 > 0) {
    t = std::clamp(((p.x - a.x) * dx + (p.y - a.y) * dy) / len2, 0.0, 1.0);
  }
  const Point2 c{a.x + t * dx, a.y + t * dy};
  if (closest != nullptr) *closest = c;
  return (p.x - c.x) * (p.x - c.x) + (p.y - c.y) * (p.y - c.y);
}

double SegmentDistance(Point2 p, Point2 a, Point2 b, Point2* closest) {
  return std::sqrt(SegmentDistance2(p, a, b, closest));
}

absl::StatusOr<ZoneShape> ZoneShape::FromGeos(GEOSContextHandle_t ctx,
                                              const GEOSGeometry* polygonal, double tolerance_m) {
  ZoneShape shape;
  const int type = GEOSGeomTypeId_r(ctx, polygonal);
  if (type != GEOS_POLYGON && type != GEOS_MULTIPOLYGON) {
    return absl::InvalidArgumentError(
        absl::StrCat("zone geometry is not polygonal (",
                     GeosString(GEOSGeomType_r(ctx, polygonal), GeosFree{ctx}).get(), ")"));
  }
  const int parts = type == GEOS_POLYGON ? 1 : GEOSGetNumGeometries_r(ctx, polygonal);
  for (int i = 0; i < parts; ++i) {
    const GEOSGeometry* poly =
        type == GEOS_POLYGON ? polygonal : GEOSGetGeometryN_r(ctx, polygonal, i);
    if (GEOSisEmpty_r(ctx, poly)) continue;
    const int holes = GEOSGetNumInteriorRings_r(ctx, poly);
    for (int r = 0; r <= holes; ++r) {
      const GEOSGeometry* ring =
          r == 0 ? GEOSGetExteriorRing_r(ctx, poly) : GEOSGetInteriorRingN_r(ctx, poly, r - 1);
      if (!AppendCoordinates(ctx, ring, shape.vertices_)) {
        return absl::InternalError("cannot read ring coordinates");
      }
      shape.ring_end_.push_back(shape.vertices_.size());
    }
    shape.polygon_rings_.push_back(1 + holes);
  }
  if (shape.vertices_.empty()) {
    return absl::InvalidArgumentError("zone geometry is empty");
  }
  for (const Point2& p : shape.vertices_) {
    if (!std::isfinite(p.x) || !std::isfinite(p.y)) {
      return absl::InvalidArgumentError("zone geometry has a non-finite coordinate");
    }
    shape.bbox_.Include(p);
  }
  shape.BuildIndexes(tolerance_m);
  return shape;
}

int ZoneShape::CellX(double x) const { return UniformBucket(x, grid_box_.min_x, inv_cell_w_, nx_); }

int ZoneShape::CellY(double y) const { return UniformBucket(y, grid_box_.min_y, inv_cell_h_, ny_); }

// Kept whole: its steps build one set of indexes in order (sides, runs, stripes, grid, cells).
void ZoneShape::BuildIndexes(double tolerance_m) {  // NOLINT(readability-function-size)
  tolerance_m_ = tolerance_m;
  // Which side of each ring the interior lies on: its orientation, and
  // whether it is a shell or a hole.
  ring_left_.assign(ring_end_.size(), true);
  for (size_t polygon = 0, r = 0; polygon < polygon_rings_.size(); ++polygon) {
    for (uint32_t k = 0; k < polygon_rings_[polygon]; ++k, ++r) {
      const double area2 = RingArea2(
          std::span<const Point2>(vertices_).subspan(ring_begin(r), ring_end_[r] - ring_begin(r)));
      ring_left_[r] = (area2 > 0) == (k == 0);
    }
  }
  // Edges are named by their first vertex; the last vertex of a ring starts
  // no edge.
  std::vector<uint32_t> edges;
  edges.reserve(vertices_.size());
  for (size_t r = 0; r < ring_end_.size(); ++r) {
    for (uint32_t i = ring_begin(r); i + 1 < ring_end_[r]; ++i) {
      edges.push_back(i);
    }
  }

  {
    std::vector<Box> boxes;
    for (size_t r = 0; r < ring_end_.size(); ++r) {
      const uint32_t last_edge_end = ring_end_[r] - 1;
      for (uint32_t e = ring_begin(r); e < last_edge_end; e += kRunEdges) {
        const EdgeRun run{e, std::min(kRunEdges, last_edge_end - e)};
        Box box;
        for (uint32_t v = run.first; v <= run.first + run.count; ++v) box.Include(vertices_[v]);
        runs_.push_back(run);
        boxes.push_back(box);
      }
    }
    run_index_ = BoxIndex(boxes);
  }

  // Stripes over the bbox, for the exact ray-crossing test.
  stripes_ = EdgeStripes(vertices_, edges, bbox_);

  // Grid: about four cells per edge, half the size of one per edge on each
  // axis, so about half as many points land in a mixed cell and need the
  // exact stripe test (2x the near-zone points per second in
  // bench/core_bench.cc, for 16 bytes per vertex more). Edges are widened
  // by slightly more than the tolerance so that a pure cell is surely
  // farther than it from them.
  const double widen = tolerance_m > 0 ? tolerance_m * (1 + 1e-6) + 1e-9 : 0;
  grid_box_ = bbox_.Expanded(widen);
  GridDims(grid_box_.width(), grid_box_.height(), 4 * edges.size(), nx_, ny_);
  cell_w_ = grid_box_.width() / nx_;
  cell_h_ = grid_box_.height() / ny_;
  inv_cell_w_ = cell_w_ > 0 ? 1 / cell_w_ : 0;
  inv_cell_h_ = cell_h_ > 0 ? 1 / cell_h_ : 0;
  // Each cell lists the edges whose widened box meets it. The cell
  // functions are monotone (UniformBucket), so a point near an edge always
  // lands in a cell that lists the edge: exactness does not depend on
  // rounding.
  BuildBucketLists(
      static_cast<size_t>(nx_) * ny_, edges,
      [&](uint32_t e, auto&& add) {
        const Point2 a = vertices_[e];
        const Point2 b = vertices_[e + 1];
        const int x0 = CellX(std::min(a.x, b.x) - widen);
        const int x1 = CellX(std::max(a.x, b.x) + widen);
        const int y0 = CellY(std::min(a.y, b.y) - widen);
        const int y1 = CellY(std::max(a.y, b.y) + widen);
        for (int cy = y0; cy <= y1; ++cy) {
          for (int cx = x0; cx <= x1; ++cx) add(static_cast<size_t>(cy) * nx_ + cx);
        }
      },
      cell_start_, cell_edges_);

  // A cell no edge touches is wholly inside or wholly outside; its centre
  // tells which.
  cell_state_.assign(static_cast<size_t>(nx_) * ny_, kOut);
  for (int cy = 0; cy < ny_; ++cy) {
    for (int cx = 0; cx < nx_; ++cx) {
      const size_t c = static_cast<size_t>(cy) * nx_ + cx;
      if (cell_start_[c + 1] > cell_start_[c]) {
        cell_state_[c] = kMixed;
        continue;
      }
      const Point2 centre{grid_box_.min_x + (cx + 0.5) * cell_w_,
                          grid_box_.min_y + (cy + 0.5) * cell_h_};
      cell_state_[c] = LocateExact(centre) == Location::kInterior ? kIn : kOut;
    }
  }
}

Location ZoneShape::LocateExact(Point2 p) const { return stripes_.Locate(vertices_, p); }

Location ZoneShape::Locate(Point2 p) const {
  if (!grid_box_.Contains(p)) return Location::kExterior;
  const size_t c = static_cast<size_t>(CellY(p.y)) * nx_ + CellX(p.x);
  switch (cell_state_[c]) {
    case kIn:
      return Location::kInterior;
    case kOut:
      return Location::kExterior;
    default:
      break;
  }
  const Location exact = LocateExact(p);
  if (exact == Location::kBoundary || tolerance_m_ <= 0) return exact;
  const double tol2 = tolerance_m_ * tolerance_m_;
  for (uint32_t k = cell_start_[c]; k < cell_start_[c + 1]; ++k) {
    const uint32_t e = cell_edges_[k];
    if (SegmentDistance2(p, vertices_[e], vertices_[e + 1], nullptr) <= tol2) {
      return Location::kBoundary;
    }
  }
  return exact;
}

Location ZoneShape::Classify(const Box& box) const {
  if (box.empty() || box.max_x < grid_box_.min_x || box.min_x > grid_box_.max_x ||
      box.max_y < grid_box_.min_y || box.min_y > grid_box_.max_y) {
    return Location::kExterior;
  }
  // Points beyond the grid map to its border cells, which are never inside
  // (they reach past the zone's bbox), so clamping loses nothing.
  const int x0 = CellX(box.min_x), x1 = CellX(box.max_x);
  const int y0 = CellY(box.min_y), y1 = CellY(box.max_y);
  const uint8_t first = cell_state_[static_cast<size_t>(y0) * nx_ + x0];
  if (first == kMixed) return Location::kBoundary;
  for (int cy = y0; cy <= y1; ++cy) {
    const uint8_t* row = &cell_state_[static_cast<size_t>(cy) * nx_];
    for (int cx = x0; cx <= x1; ++cx) {
      if (row[cx] != first) return Location::kBoundary;
    }
  }
  if (first == kIn) {
    // A box reaching past the grid has exterior points.
    const bool within = grid_box_.min_x <= box.min_x && box.max_x <= grid_box_.max_x &&
                        grid_box_.min_y <= box.min_y && box.max_y <= grid_box_.max_y;
    return within ? Location::kInterior : Location::kBoundary;
  }
  return Location::kExterior;
}

double ZoneShape::BoundaryDistance(Point2 p, double max_distance, Point2* nearest) const {
  if (!bbox_.Expanded(max_distance).Contains(p)) return kInf;
  // Squared distances: sqrt is monotonic and correctly rounded, so the
  // square root of the least square is the least distance.
  double best2 = max_distance * max_distance;
  uint32_t best_edge = UINT32_MAX;
  Point2 best_q;
  run_index_.VisitNear(p, best2, [&](uint32_t r) {
    for (uint32_t e = runs_[r].first; e < runs_[r].first + runs_[r].count; ++e) {
      Point2 q;
      const double d2 = SegmentDistance2(p, vertices_[e], vertices_[e + 1], &q);
      if (d2 < best2 || (d2 == best2 && e < best_edge)) {
        best2 = d2;
        best_edge = e;
        best_q = q;
      }
    }
  });
  if (best_edge == UINT32_MAX) return kInf;
  if (nearest != nullptr) *nearest = best_q;
  return std::sqrt(best2);
}

GeomPtr ZoneShape::ToGeos(GEOSContextHandle_t ctx) const {
  std::vector<GEOSGeometry*> polygons;
  size_t ring = 0;
  for (uint32_t n_rings : polygon_rings_) {
    std::vector<GEOSGeometry*> rings;
    for (uint32_t k = 0; k < n_rings; ++k, ++ring) {
      const uint32_t b = ring_begin(ring);
      GEOSCoordSequence* seq =
          GEOSCoordSeq_copyFromBuffer_r(ctx, &vertices_[b].x, ring_end_[ring] - b, 0, 0);
      rings.push_back(GEOSGeom_createLinearRing_r(ctx, seq));
    }
    polygons.push_back(GEOSGeom_createPolygon_r(ctx, rings[0], rings.data() + 1, rings.size() - 1));
  }
  if (polygons.size() == 1) return Own(ctx, polygons[0]);
  return Own(ctx,
             GEOSGeom_createCollection_r(ctx, GEOS_MULTIPOLYGON, polygons.data(), polygons.size()));
}

size_t ZoneShape::MemoryBytes() const {
  return vertices_.capacity() * sizeof(Point2) + ring_end_.capacity() * sizeof(uint32_t) +
         polygon_rings_.capacity() * sizeof(uint32_t) + ring_left_.capacity() / 8 +
         cell_state_.capacity() +
         (cell_start_.capacity() + cell_edges_.capacity()) * sizeof(uint32_t) +
         stripes_.MemoryBytes() + runs_.capacity() * sizeof(EdgeRun) + run_index_.MemoryBytes();
}

}  // namespace redline
