// Uniform bucketing, shared by the edge indexes (a zone's grid, the stripes,
// a site's grid): which bucket a coordinate falls in, and per-bucket item
// lists in compressed (CSR) form.
#ifndef REDLINE_SPATIAL_BASE_BUCKETS_H_
#define REDLINE_SPATIAL_BASE_BUCKETS_H_

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <span>
#include <vector>

namespace redline {

// The bucket of v among n buckets of width 1 / inv_w from lo, clamped to
// [0, n). Monotone in v: used alike at build and query time, a point on an
// edge always lands in a bucket that lists the edge, whatever the rounding.
inline int UniformBucket(double v, double lo, double inv_w, int n) {
  const double f = std::floor((v - lo) * inv_w);
  return static_cast<int>(std::clamp(f, 0.0, static_cast<double>(n - 1)));
}

// Lists `items` by bucket: each_bucket(item, add) calls add(b) for every
// bucket b the item falls in. Bucket b's items are out[start[b]] up to
// out[start[b + 1]], in the order of `items`.
template <typename EachBucket>
void BuildBucketLists(size_t buckets, std::span<const uint32_t> items, EachBucket&& each_bucket,
                      std::vector<uint32_t>& start, std::vector<uint32_t>& out) {
  start.assign(buckets + 1, 0);
  for (uint32_t item : items) each_bucket(item, [&](size_t b) { ++start[b + 1]; });
  for (size_t b = 0; b < buckets; ++b) start[b + 1] += start[b];
  out.resize(start[buckets]);
  std::vector<uint32_t> fill(start.begin(), start.end() - 1);
  for (uint32_t item : items) each_bucket(item, [&](size_t b) { out[fill[b]++] = item; });
}

}  // namespace redline

#endif  // REDLINE_SPATIAL_BASE_BUCKETS_H_
