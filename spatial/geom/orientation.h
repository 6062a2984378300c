// Exact point-in-ring primitives, arithmetic-for-arithmetic the ones GEOS uses.
//
// Redline's fast point locator must give the same answer as GEOS on every
// point, boundary points included, so it uses the same orientation predicate
// (a floating-point filter, then double-double arithmetic) and the same
// ray-crossing rules as GEOS 3.11 (algorithm/CGAlgorithmsDD.cpp,
// algorithm/RayCrossingCounter.cpp).
#ifndef REDLINE_SPATIAL_GEOM_ORIENTATION_H_
#define REDLINE_SPATIAL_GEOM_ORIENTATION_H_

#include <span>

#include "spatial/geom/point.h"

namespace redline {

// +1 if q is to the left of the directed line p1->p2, -1 to the right, 0 on it.
int OrientationIndex(Point2 p1, Point2 p2, Point2 q);

// Twice the signed area of a closed ring (the shoelace sum, taken relative to
// its first vertex so that large coordinates do not cancel): positive when
// the ring runs counter-clockwise. Plain floating point, unlike the
// predicates here: its sign is reliable for a valid ring, which is all it is
// used for.
double RingArea2(std::span<const Point2> ring);

// Counts crossings of the ray from `point` towards +x with ring segments,
// and notices when the point lies on a segment.
class RayCrossingCounter {
 public:
  explicit RayCrossingCounter(Point2 point) : point_(point) {}

  void CountSegment(Point2 p1, Point2 p2);
  bool on_segment() const { return on_segment_; }
  bool inside() const { return (crossings_ & 1) != 0; }

 private:
  Point2 point_;
  int crossings_ = 0;
  bool on_segment_ = false;
};

}  // namespace redline

#endif  // REDLINE_SPATIAL_GEOM_ORIENTATION_H_
