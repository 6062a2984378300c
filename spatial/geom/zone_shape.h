// ZoneShape: one zone's (multi)polygon in the working CRS, with the indexes
// that answer point location without GEOS.
//
// Point location is exact and identical to GEOS `intersects` (same
// orientation predicate, same ray-crossing rules), plus a tolerance: a point
// within `tolerance_m` of the boundary is on the boundary. Two indexes make it
// fast:
//  - a grid over the zone whose cells are marked inside, outside or mixed;
//    a pure cell lies farther than the tolerance from every edge, so most
//    points are settled by one array lookup;
//  - horizontal stripes, each listing the edges that span it, for the exact
//    ray-crossing test of points in mixed cells.
// A ZoneShape is immutable after construction: any number of threads may
// query it at once.
#ifndef REDLINE_SPATIAL_GEOM_ZONE_SHAPE_H_
#define REDLINE_SPATIAL_GEOM_ZONE_SHAPE_H_

#include <algorithm>
#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "spatial/geom/box_index.h"
#include "spatial/geom/edge_stripes.h"
#include "spatial/geom/geos_fwd.h"
#include "spatial/geom/orientation.h"

namespace redline {

class ZoneShape {
 public:
  ZoneShape() = default;
  ZoneShape(ZoneShape&&) = default;
  ZoneShape& operator=(ZoneShape&&) = default;

  // Builds from a GEOS Polygon or MultiPolygon (valid, non-empty).
  static absl::StatusOr<ZoneShape> FromGeos(GEOSContextHandle_t ctx, const GEOSGeometry* polygonal,
                                            double tolerance_m);

  // Location of `p` with the boundary widened by the tolerance.
  Location Locate(Point2 p) const;
  // Exact location, as GEOS computes it (no tolerance).
  Location LocateExact(Point2 p) const;

  // Where a whole box lies, from the grid alone: kInterior when every point
  // of `box` is in the zone's interior and farther than the tolerance from
  // its boundary, kExterior when every point is outside and farther than the
  // tolerance, kBoundary when the grid cannot tell (some edge comes near).
  // Exact, not a heuristic: a pure grid cell is pure for every point that
  // maps to it, by the same monotone cell functions used to build the grid.
  // Costs one byte read per grid cell the box covers.
  Location Classify(const Box& box) const;

  // Planar distance from `p` to the zone's boundary if it is at most
  // `max_distance`, else +infinity; `nearest` receives the closest boundary
  // point when found (of equally near edges, the one with the lowest
  // vertex index, so the answer never depends on how the search went).
  double BoundaryDistance(Point2 p, double max_distance, Point2* nearest) const;

  // Calls visit(e) for every edge e (vertices e and e + 1) whose box meets
  // `box`.
  template <typename Visit>
  void VisitEdges(const Box& box, Visit&& visit) const {
    run_index_.Query(box, [&](uint32_t r) {
      for (uint32_t e = runs_[r].first; e < runs_[r].first + runs_[r].count; ++e) {
        if (SegmentBox(vertices_[e], vertices_[e + 1]).Intersects(box)) visit(e);
      }
    });
  }
  // +1 when the zone's interior lies to the left of edge e, -1 when to its
  // right (a shell's edges have it on the left when the shell runs
  // counter-clockwise, a hole's when the hole runs clockwise).
  double EdgeAreaSign(uint32_t e) const {
    const size_t ring = std::upper_bound(ring_end_.begin(), ring_end_.end(), e) - ring_end_.begin();
    return ring_left_[ring] ? 1 : -1;
  }

  // A GEOS (Multi)Polygon of this zone, owned by the caller's context.
  GeomPtr ToGeos(GEOSContextHandle_t ctx) const;

  const Box& bbox() const { return bbox_; }
  size_t vertex_count() const { return vertices_.size(); }
  size_t ring_count() const { return ring_end_.size(); }
  // Rings as [begin, end) vertex ranges; each ring is closed.
  uint32_t ring_begin(size_t r) const { return r == 0 ? 0 : ring_end_[r - 1]; }
  uint32_t ring_end(size_t r) const { return ring_end_[r]; }
  const std::vector<Point2>& vertices() const { return vertices_; }
  // Number of rings of each polygon, shell first.
  const std::vector<uint32_t>& polygon_rings() const { return polygon_rings_; }
  // Heap bytes held, indexes included.
  size_t MemoryBytes() const;

 private:
  enum CellState : uint8_t { kOut = 0, kIn = 1, kMixed = 2 };

  void BuildIndexes(double tolerance_m);
  int CellX(double x) const;
  int CellY(double y) const;

  std::vector<Point2> vertices_;    // all rings, each closed
  std::vector<uint32_t> ring_end_;  // exclusive end of each ring
  std::vector<uint32_t> polygon_rings_;
  std::vector<bool> ring_left_;  // per ring: the interior lies to its left
  Box bbox_;
  double tolerance_m_ = 0;

  // Grid over bbox_ widened by the tolerance.
  Box grid_box_;
  int nx_ = 1, ny_ = 1;
  double inv_cell_w_ = 0, inv_cell_h_ = 0;
  double cell_w_ = 0, cell_h_ = 0;
  std::vector<uint8_t> cell_state_;
  std::vector<uint32_t> cell_start_;  // CSR offsets into cell_edges_
  std::vector<uint32_t> cell_edges_;  // edge = index of its first vertex

  // Runs of up to kRunEdges consecutive edges of one ring, in a packed
  // R-tree, for nearest-edge searches: it skips the runs that cannot hold
  // the nearest edge, where a walk over grid cells would measure every edge
  // within the search radius. A run's vertices are contiguous, so a search
  // reads one short stretch of memory per run, where an R-tree of single
  // edges read a box, an edge number and two vertices from three arrays per
  // edge (the nearest-zone search is memory-bound); and the tree is a
  // kRunEdges-th of the size.
  struct EdgeRun {
    uint32_t first;  // its first edge
    uint32_t count;  // its edges
  };
  static constexpr uint32_t kRunEdges = 8;
  std::vector<EdgeRun> runs_;
  BoxIndex run_index_;

  // Stripes over bbox_'s height.
  EdgeStripes stripes_;
};

// Planar distance from p to segment ab, and the closest point.
double SegmentDistance(Point2 p, Point2 a, Point2 b, Point2* closest);
// Its square, without the square root.
double SegmentDistance2(Point2 p, Point2 a, Point2 b, Point2* closest);

}  // namespace redline

#endif  // REDLINE_SPATIAL_GEOM_ZONE_SHAPE_H_
