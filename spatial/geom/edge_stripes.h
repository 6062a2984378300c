// Horizontal stripes over a set of edges, each stripe listing the edges that
// span it: the exact ray-crossing test of a point (orientation.h) then reads
// only its own stripe's edges. Shared by a zone's shape and a site's
// linework. Immutable once built.
#ifndef REDLINE_SPATIAL_GEOM_EDGE_STRIPES_H_
#define REDLINE_SPATIAL_GEOM_EDGE_STRIPES_H_

#include <cstdint>
#include <vector>

#include "spatial/geom/box_index.h"
#include "spatial/geom/location.h"
#include "spatial/geom/orientation.h"

namespace redline {

class EdgeStripes {
 public:
  EdgeStripes() = default;
  // `edges` name edges by their first vertex: edge e runs from vertices[e]
  // to vertices[e + 1]. The stripes cover `box` (which holds every edge),
  // about four edges' worth of height each.
  EdgeStripes(const std::vector<Point2>& vertices, const std::vector<uint32_t>& edges,
              const Box& box);

  // Exact location of p against the closed rings the edges form, counted
  // even-odd (a point in a hole crosses the hole and its shell), as GEOS
  // computes it. `vertices` are the ones the stripes were built over.
  Location Locate(const std::vector<Point2>& vertices, Point2 p) const;

  size_t MemoryBytes() const { return (start_.capacity() + edges_.capacity()) * sizeof(uint32_t); }

 private:
  // UniformBucket over the box's height.
  int Stripe(double y) const;

  Box box_;
  int stripes_ = 1;
  double inv_h_ = 0;
  std::vector<uint32_t> start_;  // CSR offsets into edges_
  std::vector<uint32_t> edges_;
};

}  // namespace redline

#endif  // REDLINE_SPATIAL_GEOM_EDGE_STRIPES_H_
