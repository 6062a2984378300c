// Box: an axis-aligned rectangle with closed edges; empty until a point is
// included. Used for zone extents, search areas and map views alike.
#ifndef REDLINE_SPATIAL_GEOM_BOX_H_
#define REDLINE_SPATIAL_GEOM_BOX_H_

#include <algorithm>
#include <limits>

#include "spatial/geom/point.h"

namespace redline {

struct Box {
  double min_x = std::numeric_limits<double>::infinity();
  double min_y = std::numeric_limits<double>::infinity();
  double max_x = -std::numeric_limits<double>::infinity();
  double max_y = -std::numeric_limits<double>::infinity();

  bool empty() const { return min_x > max_x || min_y > max_y; }
  double width() const { return max_x - min_x; }
  double height() const { return max_y - min_y; }
  void Include(Point2 p) {
    min_x = std::min(min_x, p.x);
    min_y = std::min(min_y, p.y);
    max_x = std::max(max_x, p.x);
    max_y = std::max(max_y, p.y);
  }
  void Include(const Box& b) {
    min_x = std::min(min_x, b.min_x);
    min_y = std::min(min_y, b.min_y);
    max_x = std::max(max_x, b.max_x);
    max_y = std::max(max_y, b.max_y);
  }
  Box Intersection(const Box& b) const {
    return {std::max(min_x, b.min_x), std::max(min_y, b.min_y), std::min(max_x, b.max_x),
            std::min(max_y, b.max_y)};
  }
  Box Expanded(double d) const { return {min_x - d, min_y - d, max_x + d, max_y + d}; }
  // Closed-interval tests: a point on the box's edge is contained.
  bool Contains(Point2 p) const {
    return p.x >= min_x && p.x <= max_x && p.y >= min_y && p.y <= max_y;
  }
  bool Intersects(const Box& b) const {
    return b.min_x <= max_x && b.max_x >= min_x && b.min_y <= max_y && b.max_y >= min_y;
  }
};

// The box of segment ab.
inline Box SegmentBox(Point2 a, Point2 b) {
  return {std::min(a.x, b.x), std::min(a.y, b.y), std::max(a.x, b.x), std::max(a.y, b.y)};
}

}  // namespace redline

#endif  // REDLINE_SPATIAL_GEOM_BOX_H_
