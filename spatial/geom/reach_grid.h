// Where no zone can matter to a point: a bit per cell of a longitude/latitude
// grid, set where some zone may lie within reach (the default search radius
// or a setback). A point in a clear cell has no hit and no nearby zone, so
// the point check answers it before any projection or index lookup; much of
// the province is such open country.
#ifndef REDLINE_SPATIAL_GEOM_REACH_GRID_H_
#define REDLINE_SPATIAL_GEOM_REACH_GRID_H_

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "spatial/geom/box_index.h"

namespace redline {

class ReachGrid {
 public:
  ReachGrid() = default;  // empty: every point may be near
  // `boxes`: longitude/latitude boxes that each hold every point within
  // reach of one zone. Cells of about `cell_deg` degrees, coarser where
  // the boxes' extent would need more than `max_cells`.
  ReachGrid(std::span<const Box> boxes, double cell_deg, size_t max_cells);

  // True where no box holds `lonlat`, inside the boxes' extent: a point
  // there is out of reach of every zone. Outside the extent (far from all
  // the data), and for an empty grid, false: the caller takes its usual path,
  // with its usual errors for points it cannot place.
  bool OutOfReach(Point2 lonlat) const {
    if (bits_.empty() || !(lonlat.x >= extent_.min_x && lonlat.x <= extent_.max_x &&
                           lonlat.y >= extent_.min_y && lonlat.y <= extent_.max_y)) {
      return false;
    }
    const size_t cell = Row(lonlat.y) * nx_ + Column(lonlat.x);
    return ((bits_[cell / 64] >> (cell % 64)) & 1) == 0;
  }
  bool empty() const { return bits_.empty(); }
  size_t MemoryBytes() const { return bits_.capacity() * sizeof(uint64_t); }

 private:
  // A box's first and last cells come from the same arithmetic as a
  // point's: subtraction and multiplication by a positive number are
  // monotonic in floating point, so a point in a box never lands in a cell
  // outside the box's range.
  size_t Column(double x) const {
    const auto c = static_cast<size_t>((x - extent_.min_x) * per_x_);
    return c < nx_ ? c : nx_ - 1;
  }
  size_t Row(double y) const {
    const auto r = static_cast<size_t>((y - extent_.min_y) * per_y_);
    return r < ny_ ? r : ny_ - 1;
  }

  Box extent_;
  double per_x_ = 0, per_y_ = 0;  // cells per degree
  size_t nx_ = 0, ny_ = 0;
  std::vector<uint64_t> bits_;  // row-major, y outer
};

}  // namespace redline

#endif  // REDLINE_SPATIAL_GEOM_REACH_GRID_H_
