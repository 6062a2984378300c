#include "spatial/geom/reach_grid.h"

#include <algorithm>
#include <cmath>

namespace redline {

ReachGrid::ReachGrid(std::span<const Box> boxes, double cell_deg, size_t max_cells) {
  for (const Box& b : boxes) extent_.Include(b);
  if (boxes.empty() || extent_.empty() || !(cell_deg > 0)) return;
  const double area_cells = extent_.width() * extent_.height() / (cell_deg * cell_deg);
  if (area_cells > static_cast<double>(max_cells)) {
    cell_deg *= std::sqrt(area_cells / static_cast<double>(max_cells));
  }
  nx_ = std::max<size_t>(1, static_cast<size_t>(std::ceil(extent_.width() / cell_deg)));
  ny_ = std::max<size_t>(1, static_cast<size_t>(std::ceil(extent_.height() / cell_deg)));
  per_x_ = static_cast<double>(nx_) / std::max(extent_.width(), 1e-12);
  per_y_ = static_cast<double>(ny_) / std::max(extent_.height(), 1e-12);
  bits_.assign((nx_ * ny_ + 63) / 64, 0);
  for (const Box& b : boxes) {
    const size_t x0 = Column(b.min_x), x1 = Column(b.max_x);
    for (size_t r = Row(b.min_y), r1 = Row(b.max_y); r <= r1; ++r) {
      for (size_t c = x0; c <= x1; ++c) {
        const size_t cell = r * nx_ + c;
        bits_[cell / 64] |= uint64_t{1} << (cell % 64);
      }
    }
  }
}

}  // namespace redline
