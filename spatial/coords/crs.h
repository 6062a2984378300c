// Coordinate reference systems through PROJ, longitude first everywhere.
//
// PROJ objects are not thread-safe, so each thread gets its own PJ_CONTEXT
// (network access off) and its own cache of transformations keyed by
// (source, target); nothing here is shared between threads.
#ifndef REDLINE_SPATIAL_COORDS_CRS_H_
#define REDLINE_SPATIAL_COORDS_CRS_H_

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "spatial/geom/box_index.h"
#include "spatial/geom/orientation.h"

namespace redline {

// The CRS in which requests arrive unless they say otherwise, and in which
// geodesic measures are taken.
inline constexpr char kLonLatCrs[] = "EPSG:4490";

// "4490", "epsg:4490", " EPSG:4490 " -> "EPSG:4490"; "" -> kLonLatCrs; other
// strings (PROJ strings, WKT, URNs) are passed through trimmed.
std::string NormalizeCrsName(absl::string_view crs);

struct CrsInfo {
  std::string name;         // normalized, e.g. "EPSG:4549"
  std::string description;  // PROJ's name, e.g. "CGCS2000 / 3-degree Gauss-Kruger CM 120E"
  bool geographic = false;
  Box area_of_use;  // degrees, longitude/latitude; empty if unknown
  std::string area_name;
};

// Where points given in `info` may lie, in longitude/latitude: its area of
// use, with 1.5 degrees of margin for a projected CRS (surveys run past the
// edge of their grid zone). Empty when PROJ knows no area of use.
Box AllowedArea(const CrsInfo& info);

// Transforms coordinates in place; every output is checked, so a point PROJ
// cannot transform is an error naming it rather than a HUGE_VAL downstream.
absl::Status TransformPoints(absl::string_view from, absl::string_view to,
                             std::span<Point2> points);

struct ProjOperation;  // crs.cc: a PROJ transformation of one thread

// One transformation looked up once, for loops over many points: Apply()
// gives exactly what TransformPoints(from, to, points) gives, without
// normalising names and searching the per-thread cache on every call.
// Belongs to the thread that made it (PROJ objects are per thread).
class PointTransformer {
 public:
  static absl::StatusOr<PointTransformer> Make(absl::string_view from, absl::string_view to);
  absl::Status Apply(std::span<Point2> points) const;
  // Transforms without checking; non-finite output marks a failed point.
  void ApplyUnchecked(std::span<Point2> points) const;

 private:
  PointTransformer() = default;
  std::string from_, to_;
  bool identity_ = false;
  // The thread's PROJ transformation and the cache generation it came from:
  // a cache that was cleared since is searched again.
  mutable const ProjOperation* op_ = nullptr;
  mutable uint64_t generation_ = 0;
};

// Describes a CRS; unknown or non-2D/projected/geographic CRSs are
// INVALID_ARGUMENT with a message naming the input.
absl::StatusOr<CrsInfo> DescribeCrs(absl::string_view crs);

// Reading request coordinates (area-of-use checks, swapped axes, zone
// detection, web-map offsets) is spatial/coords/coordinates.h's job.

}  // namespace redline

#endif  // REDLINE_SPATIAL_COORDS_CRS_H_
