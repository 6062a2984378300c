#include "spatial/geom/edge_stripes.h"

#include <algorithm>
#include <cmath>

#include "spatial/base/buckets.h"

namespace redline {

EdgeStripes::EdgeStripes(const std::vector<Point2>& vertices, const std::vector<uint32_t>& edges,
                         const Box& box)
    : box_(box) {
  const double height = box.height();
  stripes_ = height > 0 ? std::clamp<int>(edges.size() / 4, 1, 1 << 20) : 1;
  inv_h_ = height > 0 ? stripes_ / height : 0;
  BuildBucketLists(
      stripes_, edges,
      [&](uint32_t e, auto&& add) {
        const double y0 = std::min(vertices[e].y, vertices[e + 1].y);
        const double y1 = std::max(vertices[e].y, vertices[e + 1].y);
        for (int s = Stripe(y0), s1 = Stripe(y1); s <= s1; ++s) add(s);
      },
      start_, edges_);
}

int EdgeStripes::Stripe(double y) const { return UniformBucket(y, box_.min_y, inv_h_, stripes_); }

Location EdgeStripes::Locate(const std::vector<Point2>& vertices, Point2 p) const {
  if (!box_.Contains(p)) return Location::kExterior;
  RayCrossingCounter counter(p);
  const int s = Stripe(p.y);
  for (uint32_t k = start_[s]; k < start_[s + 1]; ++k) {
    const uint32_t e = edges_[k];
    counter.CountSegment(vertices[e], vertices[e + 1]);
    if (counter.on_segment()) return Location::kBoundary;
  }
  return counter.inside() ? Location::kInterior : Location::kExterior;
}

}  // namespace redline
